package io.halvs.agent.ha;

import io.halvs.agent.Logs;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpAddress;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The election's gratuitous ARP / unsolicited NA on a thread of its own: at 1,000 VIPs a burst is 1,000 packets,
 * which on the election's tick would hold heartbeats up behind them. The tick only signals: {@link #announce}
 * (became active, the peer reappeared, the plan's VIPs changed) and {@link #stop} (no longer active). A burst is
 * {@link HeartbeatElection#ANNOUNCE_REPEATS} rounds one advert interval apart, then a round every
 * {@link HeartbeatElection#ANNOUNCE_REFRESH_MILLIS}.
 *
 * <p>Never an address this director has dropped: each send checks, under the send lock, that its round is still
 * the current one, and {@link #stop} takes that lock after ending the round, so once it returns no send is in
 * flight and none starts. The election stops the announcer before it removes an address (role loss, a plan
 * without it). Sends do not block (the real sender's socket is non-blocking), so that wait is one system call.
 *
 * <p>The thread is started by the constructor: it inherits the constructing thread's network namespace, which is
 * where the election runs and where the sender's sockets must be opened.
 */
final class VipAnnouncer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(VipAnnouncer.class);

  /** Sends one announcement; used on the announcer's thread only, closed there when the announcer stops. */
  interface Sender extends AutoCloseable {
    void announce(String ifname, IpAddress address);

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
  private long intervalMillis;
  private long round; // every announce() and stop() starts a new one: a send of an older round does not go out
  private int repeatsLeft;
  private long nextAtNanos;
  private boolean announcing;
  private boolean closed;
  private long sent;
  private long failed;

  VipAnnouncer(Sender sender, String threadName) {
    this.sender = sender;
    this.thread = HeartbeatElection.daemon(this::run, threadName);
    thread.start();
  }

  /** Every VIP and gateway address of the plan now, then as a burst and a refresh; replaces what was announced. */
  synchronized void announce(DirectorPlan plan) {
    List<Target> next = new ArrayList<>();
    plan.vipPlans().forEach(v -> next.add(new Target(v.interfaceName(), v.address())));
    plan.gateways().forEach(g -> next.add(new Target(g.interfaceName(), g.address())));
    pair = plan.pair();
    targets = List.copyOf(next);
    intervalMillis = plan.highAvailability().advertIntervalMillis();
    round++;
    repeatsLeft = HeartbeatElection.ANNOUNCE_REPEATS;
    nextAtNanos = System.nanoTime();
    announcing = true;
    notifyAll();
  }

  /**
   * Ends what is being announced; when this returns no announcement is being sent and none will be until the next
   * {@link #announce}. Waits for at most the one send in flight.
   */
  void stop() {
    synchronized (this) {
      round++;
      announcing = false;
      targets = List.of();
    }
    synchronized (sending) {
      // the send in flight (of the round just ended) has returned; later ones see the new round and do not start
    }
  }

  synchronized boolean announcing() {
    return announcing;
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
        long myRound;
        List<Target> mine;
        String myPair;
        synchronized (this) {
          while (!closed) {
            if (!announcing) {
              wait();
              continue;
            }
            long left = nextAtNanos - System.nanoTime();
            if (left <= 0) {
              break;
            }
            wait(Math.max(1, left / 1_000_000));
          }
          if (closed) {
            return;
          }
          myRound = round;
          mine = targets;
          myPair = pair;
        }
        sendRound(myRound, mine, myPair);
        synchronized (this) {
          if (round == myRound) {
            repeatsLeft--;
            nextAtNanos = System.nanoTime() + 1_000_000L
                * (repeatsLeft > 0 ? intervalMillis : HeartbeatElection.ANNOUNCE_REFRESH_MILLIS);
          }
        }
      }
    } catch (InterruptedException e) {
      // closed
    } finally {
      sender.close();
    }
  }

  private void sendRound(long myRound, List<Target> mine, String myPair) {
    int failures = 0;
    RuntimeException first = null;
    Target firstFailed = null;
    for (Target t : mine) {
      synchronized (sending) {
        synchronized (this) {
          if (round != myRound || closed) {
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
