package io.halvs.operator.reconciler;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.operator.model.Conditions;
import io.halvs.operator.model.PlanService;
import io.halvs.operator.model.Snapshot;
import io.halvs.operator.model.StatusComputer;
import io.halvs.plan.ObjectRef;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps each RealServer's status (how many virtual services it backs, and its problems) without a JOSDK
 * controller. After each rebuild the model names the RealServers whose status inputs changed; this computes
 * their statuses on a thread of its own and hands the changed ones to the {@link StatusWriter}. A controller
 * did the same, but JOSDK's event processor keeps a state per object for as long as the object exists (its
 * ResourceState, ResourceID and their map entry: about 100 B each, 10 MiB of the heap at 100,000 RealServers)
 * for reconciles that only compute. The RealServers' informer is the model's ({@link
 * PlanService#watchRealServers}), warm on every replica; this computes only while its replica leads, and
 * looks at every RealServer once when it starts to lead (the statuses the last leader left unwritten).
 * Thread-safe.
 */
public final class RealServerStatuses implements AutoCloseable {
  static final String KIND = "RealServer";
  private static final Logger LOG = LoggerFactory.getLogger(RealServerStatuses.class);

  private final KubernetesClient client;
  private final PlanService plans;
  private final StatusWriter writer;
  private final ItemStore<RealServer> store;
  /** Named by the model since the worker last looked; in the order named. */
  private final LinkedHashSet<ObjectRef> named = new LinkedHashSet<>();
  private final Thread worker;
  private boolean leading;
  /** Every RealServer is to be looked at (this replica just started to lead). */
  private boolean all;
  private boolean closed;
  /** Statuses computed, for tests: how many RealServers were looked at. */
  private long looked;

  public RealServerStatuses(KubernetesClient client, PlanService plans, StatusWriter writer) {
    this.client = client;
    this.plans = plans;
    this.writer = writer;
    this.store = plans.store(RealServer.class);
    plans.addListener(ref -> {
      if (KIND.equals(ref.kind())) {
        named(ref);
      }
    });
    worker = new Thread(this::work, "halvs-realserver-status");
    worker.setDaemon(true);
    worker.start();
  }

  /** This replica leads from now on: every RealServer is looked at once, then each one the model names. */
  public synchronized void lead() {
    leading = true;
    all = true;
    notifyAll();
  }

  private synchronized void named(ObjectRef ref) {
    if (leading && !closed && !all) { // a pass over all of them is to come: it looks at this one too
      named.add(ref);
      notifyAll();
    }
  }

  /** How many RealServers' statuses were computed since the start (tests). */
  synchronized long looked() {
    return looked;
  }

  private void work() {
    while (true) {
      boolean everyone;
      List<ObjectRef> refs;
      synchronized (this) {
        while (!closed && !all && named.isEmpty()) {
          try {
            wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (closed) {
          return;
        }
        everyone = all;
        all = false;
        refs = everyone ? List.of() : new ArrayList<>(named);
        named.clear();
      }
      Snapshot snapshot;
      try {
        snapshot = plans.snapshot(); // waits for the first build
      } catch (RuntimeException e) { // not built within its wait (or interrupted: closing)
        LOG.error("computing RealServer statuses waits for the model: {}", e.getMessage());
        if (everyone) {
          synchronized (this) {
            all = !closed;
          }
          pause();
        }
        continue;
      }
      String now = Conditions.now();
      List<RealServer> rss = new ArrayList<>(everyone ? store.size() : refs.size());
      if (everyone) {
        store.values().forEach(rss::add);
      } else {
        for (ObjectRef ref : refs) {
          RealServer rs = store.get(ref.namespace() + "/" + ref.name());
          if (rs != null) { // deleted since: nothing to write
            rss.add(rs);
          }
        }
      }
      // One object whose status cannot be computed (a bug) keeps none of the others from theirs: JOSDK's
      // controller reconciled each apart. One line for them all; the model's next rebuild that names it tries again.
      RuntimeException first = null;
      int failed = 0;
      for (RealServer rs : rss) {
        try {
          update(rs, snapshot, now);
        } catch (RuntimeException e) {
          first = first == null ? e : first;
          failed++;
        }
      }
      if (first != null) {
        LOG.error("the statuses of {} of {} RealServers could not be computed; the first failure:", failed,
            rss.size(), first);
      }
      synchronized (this) {
        looked += rss.size();
      }
    }
  }

  private void update(RealServer rs, Snapshot snapshot, String now) {
    if (!snapshot.covers(rs)) {
      return; // the store is ahead of the model: its rebuild names this one again
    }
    writer.submit(client, KIND, rs, rs.getStatus(), StatusComputer.realServer(rs, snapshot, now),
        (object, before, after) -> {});
  }

  private void pause() {
    try {
      Thread.sleep(1_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      named.clear();
      notifyAll();
    }
    worker.interrupt();
  }
}
