package io.halvs.agent.ha;

import io.halvs.agent.Logs;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The election's gratuitous ARP / unsolicited NA on a thread of its own: at 1,000 VIPs a round is 1,000 packets,
 * which on the election's tick would hold heartbeats up behind them. The tick keeps the schedule (a burst after a
 * takeover, then a refresh every {@link HeartbeatElection#ANNOUNCE_REFRESH_MILLIS}) and asks for each round with
 * {@link #round}, after it decided, on that tick, that this director is still active: a round is never started by
 * this thread's own clock, so an agent resumed after a freeze (or a partition healing) announces nothing until its
 * tick has looked at the peer. A takeover's first round is streamed instead ({@link #stream}): each VIP is sent as
 * soon as the tick's hold has added it. {@link #stop} ends the round in progress and any asked for.
 *
 * <p>Never an address this director has dropped: each send checks, under the send lock, that its round was not
 * stopped, and {@link #stop} takes that lock after ending the round, so once it returns no send is in flight and
 * none starts. The election stops the announcer before it removes an address (role loss, a plan without it).
 * Sends do not block (the real sender's socket is non-blocking), so that wait is one system call.
 *
 * <p>The thread is started by the constructor: it inherits the constructing thread's network namespace, which is
 * where the election runs and where the sender's sockets must be opened.
 */
final class VipAnnouncer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(VipAnnouncer.class);

  /** Sends one announcement; used on the announcer's thread only, closed there when the announcer stops. */
  interface Sender extends AutoCloseable {
    void announce(String ifname, IpAddress address);

    /** Opens what announcing {@code address} on {@code ifname} needs (a socket), sending nothing. */
    default void prepare(String ifname, IpAddress address) {}

    @Override
    default void close() {}
  }

  record Target(String interfaceName, IpAddress address) {}

  private final Sender sender;
  private final Object sending = new Object(); // held for one send and by stop(); taken before this, never after
  private final Thread thread;

  // guarded by this
  private String pair = "";
  private List<Target> targets = List.of();
  private long generation; // every stop() that ended something starts a new one: older rounds send nothing more
  private boolean requested; // a round was asked for and has not started
  private boolean streaming; // the round's addresses are still coming (a takeover's hold: stream, streamed, endStream)
  private List<Target> toPrepare; // asked for by prepare(), not yet done; null: nothing to prepare
  private boolean inRound;
  private boolean closed;
  private long sent;
  private long failed;
  private long cancelled;
  private long streamedRounds;
  private long prepared;

  VipAnnouncer(Sender sender, String threadName) {
    this.sender = sender;
    this.thread = HeartbeatElection.daemon(this::run, threadName);
    thread.start();
  }

  /**
   * One round of every VIP and gateway address of the plan, as soon as the thread is free: a round in progress
   * finishes first, and requests meanwhile are one round, with the latest plan's addresses.
   */
  synchronized void round(DirectorPlan plan) {
    pair = plan.pair();
    targets = List.copyOf(targets(plan));
    requested = true;
    notifyAll();
  }

  /**
   * Opens the sender's sockets for the plan's interfaces on this thread when it is free, sending nothing: a
   * standby's first takeover would otherwise open them inside its first round. A round asked for goes first.
   */
  synchronized void prepare(DirectorPlan plan) {
    toPrepare = List.copyOf(targets(plan));
    notifyAll();
  }

  /** Interfaces and address families prepared ({@link #prepare}) since the start, failures not counted. */
  synchronized long prepared() {
    return prepared;
  }

  /** A round's addresses: every VIP, then the gateways. */
  private static List<Target> targets(DirectorPlan plan) {
    List<Target> all = new ArrayList<>();
    plan.vipPlans().forEach(v -> all.add(new Target(v.interfaceName(), v.address())));
    plan.gateways().forEach(g -> all.add(new Target(g.interfaceName(), g.address())));
    return all;
  }

  /**
   * A round whose addresses come one at a time ({@link #streamed}), each sent as soon as it is given: a takeover's
   * VIPs as its hold adds them, so the first gratuitous ARP does not wait for the last of 1,000 adds. It ends with
   * {@link #endStream}; {@link #stop} ends it as it ends any round.
   */
  synchronized void stream(String pair) {
    this.pair = pair;
    targets = new ArrayList<>();
    streaming = true;
    requested = true;
    streamedRounds++;
    notifyAll();
  }

  /** Rounds streamed since the start ({@link #stream}). */
  synchronized long streamedRounds() {
    return streamedRounds;
  }

  /** An address of the streamed round, just added: announced next. Ignored when no round is streaming. */
  synchronized void streamed(String ifname, IpAddress address) {
    if (streaming) {
      targets.add(new Target(ifname, address));
      notifyAll();
    }
  }

  /** VIPs of the streamed round, just added together: one wake-up of this thread for all of them. */
  synchronized void streamed(List<DirectorPlan.VipPlan> added) {
    if (streaming) {
      added.forEach(v -> targets.add(new Target(v.interfaceName(), v.address())));
      notifyAll();
    }
  }

  /** The streamed round's last addresses: the plan's that were not streamed (held before, the gateways). */
  synchronized void endStream(DirectorPlan plan) {
    if (!streaming) {
      return;
    }
    Set<Target> given = new HashSet<>(targets);
    for (Target t : targets(plan)) {
      if (given.add(t)) {
        targets.add(t);
      }
    }
    streaming = false;
    notifyAll();
  }

  /**
   * Ends the round in progress and any asked for; when this returns no announcement is being sent and none will
   * be until the next {@link #round}. Waits for at most the one send in flight.
   */
  void stop() {
    synchronized (this) {
      if (!requested && !inRound) {
        return; // nothing to end, nothing in flight (the tick calls this on every tick while not active)
      }
      generation++;
      cancelled++;
      requested = false;
      streaming = false;
      targets = List.of();
      notifyAll(); // a streamed round waiting for its next address
    }
    synchronized (sending) {
      // the send in flight (of the round just ended) has returned; later ones see the new generation
    }
  }

  /** A round asked for or in progress. */
  synchronized boolean announcing() {
    return requested || inRound;
  }

  /** Rounds ended by {@link #stop} before they were done. */
  synchronized long cancelled() {
    return cancelled;
  }

  /** Announcements sent (each one address on one interface) and failed, since the start. */
  synchronized long sent() {
    return sent;
  }

  synchronized long failed() {
    return failed;
  }

  private void run() {
    try {
      while (true) {
        long myGeneration;
        List<Target> mine;
        String myPair;
        List<Target> preparing = null;
        synchronized (this) {
          while (!closed && !requested && toPrepare == null) {
            wait();
          }
          if (closed) {
            return;
          }
          if (!requested) {
            preparing = toPrepare;
            toPrepare = null;
          }
        }
        if (preparing != null) {
          prepareAll(preparing);
          continue;
        }
        synchronized (this) {
          requested = false;
          inRound = true;
          myGeneration = generation;
          mine = targets;
          myPair = pair;
        }
        try {
          sendRound(myGeneration, mine, myPair);
        } finally {
          synchronized (this) {
            inRound = false;
          }
        }
      }
    } catch (InterruptedException e) {
      // closed
    } finally {
      sender.close();
    }
  }

  /** One sender preparation per interface and address family; a failure is the first round's to report. */
  private void prepareAll(List<Target> all) {
    Set<String> done = new HashSet<>();
    for (Target t : all) {
      if (!done.add(t.interfaceName() + (t.address().isV4() ? "/4" : "/6"))) {
        continue;
      }
      try {
        sender.prepare(t.interfaceName(), t.address());
        synchronized (this) {
          prepared++;
        }
      } catch (RuntimeException e) {
        LOG.debug("announcing on {} not prepared: {}", t.interfaceName(), e.getMessage());
      }
    }
  }

  private void sendRound(long myGeneration, List<Target> mine, String myPair) throws InterruptedException {
    int failures = 0;
    RuntimeException first = null;
    Target firstFailed = null;
    for (int i = 0; ; i++) {
      Target t;
      synchronized (this) {
        // a streamed round's list grows under this lock until endStream; the others' never changes
        while (streaming && targets == mine && i >= mine.size() && generation == myGeneration && !closed) {
          wait();
        }
        if (i >= mine.size() || generation != myGeneration || closed) {
          break;
        }
        t = mine.get(i);
      }
      synchronized (sending) {
        synchronized (this) {
          if (generation != myGeneration || closed) {
            break; // stopped or replaced: not one more address of this round
          }
        }
        try {
          sender.announce(t.interfaceName(), t.address());
          synchronized (this) {
            sent++;
          }
        } catch (RuntimeException e) {
          synchronized (this) {
            failed++;
          }
          if (failures++ == 0) {
            first = e;
            firstFailed = t;
          }
        }
      }
    }
    if (first != null) {
      // one line per round, not one per address: at 1,000 VIPs an interface that is gone fails them all
      Logs.pair(LOG.atWarn(), myPair).log("announce {} on {}: {} ({} of {} failed this round)",
          firstFailed.address(), firstFailed.interfaceName(), first.getMessage(), failures, mine.size());
    }
  }

  /** Stops and ends the thread; the sender is closed on it. */
  @Override
  public void close() {
    stop();
    synchronized (this) {
      closed = true;
      notifyAll();
    }
  }
}
