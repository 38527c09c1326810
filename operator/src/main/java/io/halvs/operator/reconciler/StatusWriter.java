package io.halvs.operator.reconciler;

import io.halvs.operator.ApiAnswers;
import io.halvs.operator.Logs;
import io.halvs.operator.metrics.OperatorMetrics;
import io.halvs.operator.model.LeanStore;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the VirtualServices' and RealServers' statuses off JOSDK's reconcile threads. Those are one small pool
 * shared by the controllers and taken in order, so a reconcile that waits for the API server holds a
 * thread every other controller needs: after a bulk apply with the operator down (or an upgrade that changes
 * every status) the 100,000 RealServers' GET and PUT went first and the DirectorPair's reconcile, which publishes
 * the plan, came 989 s after the start. Here the reconciles only compute; each object has at most one write
 * waiting (a newer status replaces one not yet started), at most {@link #THREADS} run at once, and a failed write
 * is retried with backoff until it succeeds or a newer status replaces it. A write about to start waits while a
 * plan is being published ({@link PublishFirst}). Until the cache holds a write ({@link #seen}), the status it
 * wrote, not the cache's, is what the object has. Thread-safe.
 */
public final class StatusWriter implements AutoCloseable {
  /** Concurrent writes: each is one PUT (a GET and a second PUT only after a conflict). */
  static final int THREADS = 8;
  static final Duration FIRST_RETRY = Duration.ofSeconds(1);
  static final Duration LAST_RETRY = Duration.ofSeconds(60);
  private static final Duration QUIET = Duration.ofSeconds(30);
  private static final Logger LOG = LoggerFactory.getLogger(StatusWriter.class);

  /** One object's write: a status to put on it, and what to do once it is written. */
  private static final class Job {
    final String kind;
    /** kind/namespace/name: one write per object at a time */
    final String id;
    /** namespace/name, for the logs */
    final String object;
    final Object current;
    /** the cache copy's resourceVersion when submitted */
    final String currentVersion;
    final Object desired;
    final Write write;
    final long seq;
    int failures;

    Job(String kind, String id, String object, Object current, String currentVersion, Object desired, Write write,
        long seq) {
      this.kind = kind;
      this.id = id;
      this.object = object;
      this.current = current;
      this.currentVersion = currentVersion;
      this.desired = desired;
      this.write = write;
      this.seq = seq;
    }
  }

  /** Writes the job's status; given the status it replaces, returns whether it wrote (it may be there already). */
  @FunctionalInterface
  interface Write {
    boolean run(Object before);
  }

  private final OperatorMetrics metrics;
  private final PublishFirst publishFirst;
  private final LinkedHashMap<String, Job> waiting = new LinkedHashMap<>();
  /** Key -> the newest job's sequence number, while a job of that key waits, runs or is to be retried. */
  private final Map<String, Long> newest = new HashMap<>();
  private final Map<String, Job> running = new HashMap<>();
  /** The writes the cache does not show yet: what the object has, rather than the cache's copy. */
  private final UnseenWrites unseen = new UnseenWrites();
  private final List<Thread> workers = new ArrayList<>();
  private final ScheduledExecutorService retries;
  private long seq;
  private boolean closed;
  private long lastFailureLog;
  private int failuresSinceLog;

  public StatusWriter(OperatorMetrics metrics, PublishFirst publishFirst) {
    this(metrics, THREADS, publishFirst);
  }

  StatusWriter(OperatorMetrics metrics, int threads) {
    this(metrics, threads, new PublishFirst());
  }

  StatusWriter(OperatorMetrics metrics, int threads, PublishFirst publishFirst) {
    this.metrics = metrics;
    this.publishFirst = publishFirst;
    metrics.statusWritesWaiting(this::waiting);
    retries = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "halvs-status-retry");
      t.setDaemon(true);
      return t;
    });
    for (int i = 0; i < threads; i++) {
      Thread t = new Thread(this::work, "halvs-status-writer-" + i);
      t.setDaemon(true);
      workers.add(t);
      t.start();
    }
  }

  /**
   * Writes {@code desired} on the object when it differs from {@code current} (its status in the cache), or when
   * a write of the object is still waiting or running (whose status this one replaces or follows); then calls
   * {@code written} with the status it replaced.
   */
  <S, P extends CustomResource<?, S>> void submit(KubernetesClient client, String kind, P resource, S current,
      S desired, Written<P, S> written) {
    String id = resource.getMetadata().getNamespace() + "/" + resource.getMetadata().getName();
    // After a bulk apply with the operator down every object's write waits at once, for half an hour at 100,000
    // RealServers: a waiting write keeps the object's name, uid and version (not the reconcile's copy of it) and
    // its status with the strings shared and no empty maps (StatusBacklogBenchmark).
    StatusSupport.Target<P> target = StatusSupport.Target.of(resource);
    S status = LeanStore.compactStatus(desired);
    submit(kind, id, current, target.resourceVersion(), status, before -> {
      P object = target.object();
      boolean wrote = StatusSupport.writeStatus(client, metrics, kind, object, status);
      if (wrote) {
        @SuppressWarnings("unchecked")
        S replaced = (S) before;
        written.after(object, replaced, status);
      }
      return wrote;
    });
  }

  /** The same without versions (tests): the cache never moves past a copy this writer replaced. */
  synchronized void submit(String kind, String id, Object current, Object desired, Write write) {
    submit(kind, id, current, null, desired, write);
  }

  /**
   * The same for any write: {@code id} names the object within {@code kind}, {@code currentVersion} is the
   * resourceVersion of the cache's copy whose status is {@code current}.
   */
  synchronized void submit(String kind, String id, Object current, String currentVersion, Object desired,
      Write write) {
    String key = kind + "/" + id;
    Object has = unseen.status(key, current, currentVersion);
    if (closed || (!newest.containsKey(key) && StatusSupport.same(has, desired))) {
      return;
    }
    if (has != current && LOG.isDebugEnabled() && StatusSupport.same(current, desired)) {
      LOG.debug("{} {}: the cache's copy (version {}) has not shown the last status written; writing its status back",
          kind, id, currentVersion);
    }
    Job job = new Job(kind, key, id, current, currentVersion, desired, write, ++seq);
    newest.put(key, job.seq);
    waiting.remove(key); // re-inserted last: a replaced write loses its place, as a new event would
    waiting.put(key, job);
    notifyAll();
  }

  /**
   * What a kind does once its status is written (the Events of VirtualServiceReconciler). The resource it is given
   * holds the object's name, namespace, uid and resourceVersion only ({@link StatusSupport.Target}).
   */
  @FunctionalInterface
  interface Written<P, S> {
    void after(P resource, S before, S after);
  }

  /** Writes waiting to start (for tests and the metric). */
  synchronized int waiting() {
    return waiting.size();
  }

  /**
   * The writes the cache does not show yet, shared with the DirectorPairs' status: the operator wires its caches'
   * changes to {@link UnseenWrites#seen}.
   */
  UnseenWrites unseenWrites() {
    return unseen;
  }

  /** The cache now holds this copy of an object ({@code version} null: gone); see {@link UnseenWrites#seen}. */
  public void seen(String kind, String namespace, String name, String version) {
    unseen.seen(kind, namespace, name, version);
  }

  /** Writes whose status the cache does not show yet (tests). */
  int unseen() {
    return unseen.size();
  }

  /** Whether nothing waits, runs or is to be retried. */
  public synchronized boolean idle() {
    return newest.isEmpty();
  }

  private void work() {
    while (true) {
      Job job;
      Object before;
      synchronized (this) {
        job = null;
        while (!closed && (job = next()) == null) {
          try {
            wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (closed) {
          return;
        }
        running.put(job.id, job);
        before = unseen.status(job.id, job.current, job.currentVersion);
      }
      try {
        publishFirst.awaitNoPublish(PublishFirst.MAX_WAIT); // taken, so a newer status of it waits behind
      } catch (InterruptedException e) {
        return; // closing
      }
      RuntimeException failure = null;
      Write write = job.write;
      try {
        unseen.write(job.id, job.currentVersion, job.desired, () -> write.run(before));
      } catch (RuntimeException e) {
        failure = e;
      }
      synchronized (this) {
        running.remove(job.id);
        if (failure == null) {
          Forbidden.cleared(job.kind);
          if (newest(job)) {
            newest.remove(job.id);
          }
        } else if (newest(job) && !closed) {
          retryLater(job, failure);
        }
        notifyAll(); // a newer write of the same object may start now
      }
    }
  }

  /** Whether no newer status of the job's object came after it. */
  private boolean newest(Job job) {
    Long seq = newest.get(job.id);
    return seq != null && seq == job.seq;
  }

  /** The first waiting job whose object is not being written (one write per object at a time). */
  private Job next() {
    for (var it = waiting.values().iterator(); it.hasNext(); ) {
      Job job = it.next();
      if (!running.containsKey(job.id)) {
        it.remove();
        return job;
      }
    }
    return null;
  }

  private void retryLater(Job job, RuntimeException failure) {
    Duration delay;
    if (Forbidden.is(failure)) {
      Forbidden.report(job.kind, job.object, failure);
      delay = Forbidden.RETRY;
    } else {
      job.failures++;
      long ms = Math.min(LAST_RETRY.toMillis(), FIRST_RETRY.toMillis() << Math.min(job.failures - 1, 16));
      delay = Duration.ofMillis(ms);
      logFailure(job, failure, delay);
    }
    retries.schedule(() -> {
      synchronized (this) {
        // Not when a newer status of the object came meanwhile: that one is waiting already.
        if (!closed && newest(job)) {
          waiting.put(job.id, job);
          notifyAll();
        }
      }
    }, delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** One line per failure, at most one per 30 s with the count since: an unreachable API server fails them all. */
  private void logFailure(Job job, RuntimeException failure, Duration delay) {
    long now = System.nanoTime();
    failuresSinceLog++;
    if (lastFailureLog == 0 || now - lastFailureLog > QUIET.toNanos()) {
      Logs.about(LOG.atWarn(), job.kind, job.object).log("writing the status of {} {} failed ({}{}); retrying in {} s",
          job.kind, job.object, ApiAnswers.firstLine(failure.getMessage(), "no message"),
          failuresSinceLog > 1 ? "; " + (failuresSinceLog - 1) + " more failed writes in the last 30 s" : "",
          delay.toSeconds());
      lastFailureLog = now;
      failuresSinceLog = 0;
    }
  }

  /** Drops what waits: the next leader writes every status it finds different at its start. */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      waiting.clear();
      newest.clear();
      unseen.clear();
      notifyAll();
    }
    retries.shutdownNow();
    workers.forEach(Thread::interrupt);
  }
}
