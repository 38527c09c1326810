package io.halvs.agent.cluster;

import io.halvs.agent.Logs;
import io.halvs.agent.runtime.Election;
import io.halvs.agent.vip.VipManager;
import io.halvs.plan.DirectorPlan;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-cluster agent's election: the real one (a {@link io.halvs.agent.ha.HeartbeatElection}) needs the plan,
 * the two Nodes' addresses and the HMAC key, so it is made once the first plan arrived and {@link PairPeers}
 * found them all. Until then there is no election and the VIPs stay exactly as they are (a restarted agent
 * whose peer's Node is unreadable must not drop nor grab them); one line says what is missing, and it retries
 * every few seconds. The API calls run on this class's own thread, never on the director loop's.
 */
public final class PairElection implements Election {
  private static final Logger LOG = LoggerFactory.getLogger(PairElection.class);
  /**
   * How often a running election looks at the pair's Secret again: from its watch, or with a GET while the watch is
   * down (a key rotation's step waits longer than this). A change the watch sees is looked at at once.
   */
  static final long KEY_REFRESH_MILLIS = 5000;

  /** Makes the real election once everything is known. */
  public interface Factory {
    Election create(DirectorPlan plan, PairPeers.Resolved resolved) throws Exception;
  }

  private final String node;
  private final PairPeers peers;
  private final Factory factory;
  private final VipManager vips;
  private final long retryMillis;
  private final ScheduledExecutorService worker;
  private final List<Consumer<State>> listeners = new CopyOnWriteArrayList<>();
  private DirectorPlan plan; // guarded by this
  private DirectorPlan lastSeen; // guarded by this
  private volatile Election delegate; // written under this; read without it (health endpoints must not block)
  private boolean scheduled; // guarded by this
  private boolean closed; // guarded by this
  private String lastProblem; // worker thread only
  private PairPeers.Keys keys; // the heartbeat keys in use; worker thread only
  private volatile State waiting = new State(Role.UNKNOWN, Instant.now(), "no plan yet", 0, null);

  public PairElection(String node, PairPeers peers, Factory factory, VipManager vips, long retryMillis) {
    this.node = node;
    this.peers = peers;
    this.factory = factory;
    this.vips = vips;
    this.retryMillis = retryMillis;
    this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "halvs-pair-election");
      t.setDaemon(true);
      return t;
    });
    worker.scheduleWithFixedDelay(this::refreshKeys, KEY_REFRESH_MILLIS, KEY_REFRESH_MILLIS, TimeUnit.MILLISECONDS);
    peers.onKeysChanged(() -> {
      try {
        worker.execute(this::refreshKeys);
      } catch (java.util.concurrent.RejectedExecutionException closing) {
        // closed meanwhile: nothing to rekey
      }
    });
  }

  /**
   * Follows the pair's Secret while the election runs: a key rotation (docs/HA.md) takes effect without a
   * restart, so without a handover. A Secret that cannot be read changes nothing: the keys in use keep working.
   */
  private void refreshKeys() {
    Election e;
    DirectorPlan p;
    synchronized (this) {
      if (closed || delegate == null) {
        return;
      }
      e = delegate;
      p = plan;
    }
    PairPeers.Keys k = peers.keys(p);
    if (k.problem() != null || k.sameAs(keys)) {
      return;
    }
    synchronized (this) {
      if (closed || delegate != e) {
        return;
      }
      e.rekey(k.key(), k.accepted());
      keys = k;
    }
    Logs.pair(LOG.atInfo(), p.pair()).log("heartbeat keys changed: signing with the Secret's key, accepting it and {} "
        + "other{}", k.accepted().size(), k.accepted().size() == 1 ? "" : "s");
  }

  @Override
  public synchronized void follow(DirectorPlan next) {
    if (closed) {
      return;
    }
    DirectorPlan prev = plan;
    plan = next;
    if (delegate != null && prev != null && !prev.nodes().equals(next.nodes())) {
      // another peer: a new election, which adopts the VIPs this director holds now (close() keeps them)
      Logs.pair(LOG.atInfo(), next.pair()).log("the pair's nodes changed from {} to {}: restarting the election",
          prev.nodes(), next.nodes());
      delegate.close();
      delegate = null;
    }
    if (delegate != null) {
      delegate.follow(next);
    } else {
      schedule(0);
    }
  }

  private void schedule(long delayMillis) {
    if (!scheduled && !closed) {
      scheduled = true;
      worker.schedule(this::tryStart, delayMillis, TimeUnit.MILLISECONDS);
    }
  }

  private void tryStart() {
    DirectorPlan p;
    synchronized (this) {
      scheduled = false;
      if (closed || delegate != null) {
        return;
      }
      p = plan;
    }
    PairPeers.Resolved r = peers.resolve(p, node); // API calls: outside the lock the director loop takes
    String problem = r.problem();
    synchronized (this) {
      if (closed || delegate != null) {
        return;
      }
      if (problem == null && !plan.nodes().equals(p.nodes())) {
        schedule(0); // the plan moved on meanwhile: resolve its nodes
        return;
      }
      if (problem == null) {
        try {
          Election e = factory.create(plan, r);
          if (r.acceptedKeys() != null && !r.acceptedKeys().isEmpty()) {
            e.rekey(r.hmacKey(), r.acceptedKeys());
          }
          keys = new PairPeers.Keys(r.hmacKey(), r.acceptedKeys() == null ? List.of() : r.acceptedKeys(), null);
          delegate = e;
          e.onChange(s -> listeners.forEach(l -> l.accept(s)));
          Logs.pair(LOG.atInfo(), p.pair()).log("election started: heartbeats from {} to peer at {}",
              r.self().getHostAddress(), r.peer());
          lastProblem = null;
          State s = e.state();
          listeners.forEach(l -> l.accept(s));
          return;
        } catch (Exception ex) {
          problem = "cannot start the election: " + ex;
        }
      }
      if (!problem.equals(lastProblem)) {
        Logs.pair(LOG.atWarn(), p.pair()).log("no election yet, the VIPs stay as they are: {} (retrying every "
            + "{} s)", problem,
            retryMillis / 1000.0);
        lastProblem = problem;
      }
      if (!problem.equals(waiting.reason())) {
        State s = new State(Role.UNKNOWN, Instant.now(), problem, 0, null);
        waiting = s;
        listeners.forEach(l -> l.accept(s));
      }
      schedule(retryMillis);
    }
  }

  /** True once the real election runs (tests). */
  public synchronized boolean started() {
    return delegate != null;
  }

  @Override
  public State state() {
    Election e = delegate;
    return e != null ? e.state() : waiting;
  }

  @Override
  public boolean peerAlive() {
    Election e = delegate;
    return e != null && e.peerAlive();
  }

  @Override
  public String stuck(long nowNanos) {
    Election e = delegate;
    return e == null ? null : e.stuck(nowNanos);
  }

  @Override
  public void onChange(Consumer<State> listener) {
    listeners.add(listener);
  }

  /**
   * Every plan that arrives, also one in state Deleting, which the director never passes to follow(): an agent
   * restarted while its pair is being deleted has to know which VIPs to give up.
   */
  public synchronized void seen(DirectorPlan p) {
    lastSeen = p;
  }

  /** Shutting down: the election hands over; without one the VIPs stay as they are. */
  @Override
  public boolean handOver(java.time.Duration bound) {
    Election e = delegate;
    return e != null && e.handOver(bound);
  }

  /** The pair is deleted: give the VIPs up, with or without an election. */
  @Override
  public synchronized void releaseAll() {
    closed = true;
    worker.shutdownNow();
    peers.close();
    DirectorPlan p = plan != null ? plan : lastSeen;
    if (delegate != null) {
      delegate.releaseAll();
    } else if (p != null && vips != null) {
      vips.release(p);
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    worker.shutdownNow();
    peers.close();
    if (delegate != null) {
      delegate.close();
    }
  }
}
