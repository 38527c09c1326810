package io.halvs.agent.ha;

import static org.assertj.core.api.Assertions.assertThat;

import io.halvs.agent.ha.ElectionMachine.Answer;
import io.halvs.agent.ha.ElectionMachine.Config;
import io.halvs.agent.ha.ElectionMachine.Decision;
import io.halvs.agent.ha.ElectionMachine.PeerView;
import io.halvs.agent.ha.ElectionMachine.Request;
import io.halvs.agent.runtime.Election.Role;
import io.halvs.plan.DirectorPlan;
import org.junit.jupiter.api.Test;

/**
 * One test per row of the failure table in docs/HA.md. A simulated pair on a simulated clock: two machines,
 * heartbeats every interval over a link that can be cut, a MemoryQuorum as the Lease (reachable or not), and
 * "the interface" of each director, which keeps its VIPs when only the agent dies. Every 5 ms the test samples
 * who holds VIPs: two holders at once is split brain.
 */
class ElectionMachineTest {
  static final long INTERVAL = 100;
  static final int MISSES = 3;

  /** One director: the agent (a machine, or null while it is down) and what its interface holds. */
  static final class Node {
    final String name;
    final boolean preferred;
    ElectionMachine m;
    boolean vips;
    boolean announced;
    long connections;
    boolean apiReachable = true;
    boolean deaf; // receives no heartbeats (its receiving thread stalled, say) while the peer hears it
    long apiLatency; // how long the API server takes to answer this director's Lease calls (a busy one)
    Request pending = Request.NONE;
    long pendingAt;
    long pendingSilentSince;
    boolean pendingMayTakeLapsed;
    /** The record read when it counted its peer dead (takeReadAhead), judged first by its next CONFIRM. */
    Quorum.Record ahead;
    int readAheads;
    Role sentRole;

    Node(String name, boolean preferred) {
      this.name = name;
      this.preferred = preferred;
    }
  }

  static final class Pair {
    long now;
    final MemoryQuorum lease = new MemoryQuorum();
    final boolean quorum;
    final boolean preempt;
    final long preemptDelay;
    final long leaseMillis; // the pair's Lease term
    final Node a = new Node("lvs-a", true);
    final Node b = new Node("lvs-b", false);
    boolean link = true;
    long lastHbA = Long.MIN_VALUE;
    long lastHbB = Long.MIN_VALUE;
    long dualHolderSamples;
    long noHolderSamples;
    long lastSentA = -INTERVAL;
    long lastSentB = -INTERVAL;

    Pair(boolean quorum, boolean preempt, long preemptDelay, long leaseMillis) {
      this.quorum = quorum;
      this.preempt = preempt;
      this.preemptDelay = preemptDelay;
      this.leaseMillis = leaseMillis;
    }

    Pair(boolean quorum, boolean preempt, long preemptDelay) {
      this(quorum, preempt, preemptDelay, ElectionMachine.leaseMillis(INTERVAL));
    }

    Pair(boolean quorum) {
      this(quorum, false, 0);
    }

    void start(Node n) {
      Node other = n == a ? b : a;
      n.m = new ElectionMachine(Config.of(n.name, other.name, n.preferred, INTERVAL, MISSES, preempt,
          preemptDelay, quorum, leaseMillis), now, n.vips);
      n.pending = Request.NONE;
      if (n == a) {
        lastSentA = now - INTERVAL;
      } else {
        lastSentB = now - INTERVAL;
      }
    }

    /** SIGTERM: the agent runs its handover (a machine told to stop), then exits; its interface keeps what it has. */
    ElectionMachine.Handover sigterm(Node n, long bound) {
      n.m.stop(now, bound);
      long t0 = now;
      while (now - t0 < bound && (n.m.handover() == ElectionMachine.Handover.NONE
          || n.m.handover() == ElectionMachine.Handover.WAITING)) {
        run(5);
      }
      ElectionMachine.Handover h = n.m.giveUpHandover();
      killAgent(n);
      return h;
    }

    void killAgent(Node n) {
      n.m = null; // the interface keeps what it had: that is what kill -9 leaves
    }

    void rebootNode(Node n) {
      n.m = null;
      n.vips = false;
    }

    /** Advances in 5 ms steps: ticks every 25 ms, heartbeats every interval, samples split brain. */
    void run(long millis) {
      long end = now + millis;
      while (now < end) {
        now += 5;
        for (Node n : new Node[] {a, b}) {
          Node other = n == a ? b : a;
          if (n.m == null) {
            continue;
          }
          // as HeartbeatElection: every interval, at once on a role change, every tick during a handover
          boolean handingOver = (n.m.released() || n.m.leaving()) && now % 25 == 5;
          if (now - (n == a ? lastSentA : lastSentB) >= INTERVAL || n.m.role() != n.sentRole || handingOver) {
            n.sentRole = n.m.role();
            if (n == a) {
              lastSentA = now;
            } else {
              lastSentB = now;
            }
            if (link && other.m != null && !other.deaf) {
              other.m.heartbeat(now, new PeerView(n.m.role(), n.m.activeFor(now), n.m.eligible(now),
                  n.m.leaseTerm(now), n.connections, n.m.released(), n.m.leaving()));
              if (other == a) {
                lastHbA = now;
              } else {
                lastHbB = now;
              }
            }
          }
          if (now % 25 == 0) {
            n.m.syncProgress(true, n.connections);
            Decision d = n.m.tick(now);
            if (n.m.takeReadAhead()) { // as HeartbeatElection: read at once, judged by the ask that follows
              n.readAheads++;
              n.ahead = null;
              if (n.apiReachable) {
                try {
                  n.ahead = lease.read();
                } catch (Exception e) {
                  n.ahead = null; // the store away: the ask reads again
                }
              }
            }
            n.vips = d.role() == Role.ACTIVE;
            n.announced |= d.announce();
            if (d.request() != Request.NONE && n.pending == Request.NONE) {
              long lastHb = n == a ? lastHbA : lastHbB;
              n.pending = d.request();
              n.pendingAt = now;
              n.pendingSilentSince = lastHb == Long.MIN_VALUE ? Long.MIN_VALUE
                  : lastHb + n.m.proofAfterLastHeartbeatMillis();
              n.pendingMayTakeLapsed = n.m.mayTakeLapsed(now);
            }
            if (n.pending != Request.NONE && now - n.pendingAt >= n.apiLatency) {
              // as HeartbeatElection: the call's wall clock is the request's, the answer comes apiLatency later
              Request kind = n.pending;
              n.pending = Request.NONE;
              Quorum.Record ahead = kind == Request.CONFIRM ? n.ahead : null;
              n.ahead = null;
              n.m.answer(n.pendingAt, n.apiReachable ? Quorum.call(lease, kind, n.name, n.pendingAt,
                  n.pendingSilentSince, 0, leaseMillis, n.m.config().lapsedAfterMillis(), n.pendingMayTakeLapsed,
                  ahead) : new Quorum.Outcome(Answer.UNREACHABLE));
            }
          }
        }
        if (a.vips && b.vips) {
          dualHolderSamples++;
        }
        if (!a.vips && !b.vips) {
          noHolderSamples++;
        }
      }
    }

    /** Runs until n holds the VIPs; returns the time it took. */
    long until(Node n, long limit) {
      long t0 = now;
      while (!n.vips && now - t0 < limit) {
        run(5);
      }
      assertThat(n.vips).as(n.name + " took over within " + limit + " ms").isTrue();
      return now - t0;
    }

    Role role(Node n) {
      return n.m.role();
    }
  }

  static Pair steady(boolean quorum) {
    return steady(new Pair(quorum));
  }

  static Pair steady(Pair p) {
    p.start(p.a);
    p.start(p.b);
    p.run(1000 + ElectionMachine.STARTUP_GRACE_MILLIS); // past the standby's start-up grace
    assertThat(p.role(p.a)).isEqualTo(Role.ACTIVE);
    assertThat(p.role(p.b)).isEqualTo(Role.STANDBY);
    return p;
  }

  @Test
  void everyReasonForARoleChangeHasAShortCauseForTheMetrics() {
    String[][] reasons = {
        {"the peer handed the VIPs over (its agent is shutting down)", "handover"},
        {"handing the VIPs over to the preferred director (preemption)", "preempted"},
        {"both active: the peer keeps the VIPs", "conflict"},
        {"preempting: preferred director, preempt delay passed, sync backup caught up; waiting for the peer to "
            + "hand the VIPs over", "peer_active"},
        {"peer is active", "peer_active"},
        {"peer is not active and this director is preferred", "preferred"},
        {"waiting for the preferred peer to become active", "peer_preferred"},
        {"peer silent for 150 ms (no quorum configured)", "peer_silent"},
        {"peer silent; this director holds the Lease", "peer_silent"},
        {"peer silent here but renewing the Lease: partitioned from it", "partitioned"},
        {"peer silent and the Lease could not be renewed within its term: quorum lost", "quorum_lost"},
        {"peer silent but the API is unreachable: cannot take over safely", "quorum_unreachable"},
        {"peer silent (300 ms) and the Lease could not be renewed within its term: quorum lost", "quorum_lost"},
        {"shutting down: released the VIPs for lvs-b to take", "shutdown"},
        {"shutting down with the peer leaving too: took the released VIPs back", "shutdown"},
        {"something new", "other"}};
    for (String[] r : reasons) {
      assertThat(ElectionMachine.cause(r[0])).as(r[0]).isEqualTo(r[1]);
    }
  }

  /** A granted Lease is valid for the term minus two intervals: the term grows with slow heartbeats. */
  @Test
  void theLeaseTermCoversTwoIntervalsAtAnyHeartbeatInterval() {
    assertThat(ElectionMachine.leaseMillis(50)).isEqualTo(4000);
    assertThat(ElectionMachine.leaseMillis(1000)).isEqualTo(4000);
    for (long interval : new long[] {20, 50, 1000, 2000, 10_000, 255_000}) {
      Config c = Config.of("a", "b", true, interval, 3, false, 0, true);
      assertThat(c.leaseMillis() - 2 * c.intervalMillis()).as("valid after the request, interval %d", interval)
          .isGreaterThanOrEqualTo(2 * interval);
    }
  }

  @Test
  void aTakeoverByAMachineIsCausedByTheSilentPeer() {
    ElectionMachine m = new ElectionMachine(Config.of("b", "a", false, 50, 3, false, 0, false), 0, false);
    long t = ElectionMachine.STARTUP_GRACE_MILLIS; // past the start-up's longer dead interval
    m.heartbeat(t, new PeerView(Role.ACTIVE, 1000, false, 0, 0));
    Decision standby = m.tick(t + 10);
    assertThat(standby.changed()).isTrue();
    assertThat(ElectionMachine.cause(standby.reason())).isEqualTo("peer_active");
    Decision active = m.tick(t + 150);
    assertThat(active.role()).isEqualTo(Role.ACTIVE);
    assertThat(ElectionMachine.cause(active.reason())).isEqualTo("peer_silent");
  }

  @Test
  void simultaneousStartElectsThePreferredDirectorOnce() {
    for (boolean quorum : new boolean[] {true, false}) {
      Pair p = new Pair(quorum);
      p.start(p.a);
      p.start(p.b);
      p.run(2000);
      assertThat(p.role(p.a)).isEqualTo(Role.ACTIVE);
      assertThat(p.role(p.b)).isEqualTo(Role.STANDBY);
      assertThat(p.a.m.transitions()).isEqualTo(1);
      assertThat(p.dualHolderSamples).isZero();
      if (quorum) {
        assertThat(p.lease.current().holder()).as("the active records itself in the Lease").isEqualTo("lvs-a");
      }
    }
  }

  /**
   * Both agents start at about the same time (a DaemonSet's first two pods): the non-preferred one finishes its
   * listening window first and takes the VIPs as a silent peer's, while the preferred one already hears its
   * UNKNOWN heartbeats but has not been heard yet (its sender not yet running). The preferred one must not take
   * the VIPs from an UNKNOWN peer before that peer could have heard it: the cluster tier once saw two holders here.
   */
  @Test
  void aPreferredDirectorStartingBesideAPeerThatIsTakingOverWaitsToBeHeard() {
    for (boolean quorum : new boolean[] {true, false}) {
      for (long offset = 150; offset <= 300; offset += 25) {
        Pair p = new Pair(quorum);
        p.start(p.b);
        p.run(offset);
        p.start(p.a);
        p.b.deaf = true; // a's heartbeats do not reach b yet
        p.run(150);
        p.b.deaf = false;
        p.run(3000);
        assertThat(p.dualHolderSamples).as("two holders, quorum " + quorum + ", a started at " + offset + " ms")
            .isZero();
        assertThat(p.a.vips ^ p.b.vips).as("exactly one holder").isTrue();
      }
    }
  }

  @Test
  void peerCrashIsTakenOverAfterTheDeadIntervalAndTheLeaseCheck() {
    Pair p = steady(true);
    p.rebootNode(p.a); // crash: agent and addresses gone
    long took = p.until(p.b, 2000);
    // dead after 3 x 100 ms, +1 interval for a live active's silent write to land, +1 tick
    assertThat(took).isBetween(300L, 450L);
    assertThat(p.b.m.reason()).contains("holds the Lease");
    assertThat(p.lease.current().holder()).isEqualTo("lvs-b");
    assertThat(p.b.announced).isTrue();

    assertThat(p.b.readAheads).as("the standby read the Lease once, when it counted a dead").isEqualTo(1);

    Pair q = steady(false);
    q.rebootNode(q.a);
    assertThat(q.until(q.b, 2000)).as("without quorum: the dead interval alone").isBetween(200L, 400L);
    assertThat(q.b.readAheads).as("no quorum, nothing to read").isZero();
  }

  /** Only a standby with a quorum reads ahead, once per silence of its peer, again after the peer was heard. */
  @Test
  void aStandbyReadsTheLeaseAheadOncePerSilence() {
    Pair p = steady(true);
    p.link = false; // a partition: both alive
    p.run(2000);
    assertThat(p.b.readAheads).isEqualTo(1);
    assertThat(p.a.readAheads).as("the active asks at once: nothing to read ahead").isZero();
    assertThat(p.role(p.a)).isEqualTo(Role.ACTIVE);
    assertThat(p.role(p.b)).as("a's proof of life kept it standby").isEqualTo(Role.STANDBY);
    p.link = true;
    p.run(1000);
    p.link = false;
    p.run(2000);
    assertThat(p.b.readAheads).as("a second silence").isEqualTo(2);
    assertThat(p.dualHolderSamples).isZero();
  }

  @Test
  void partitionBetweenTheDirectorsNeverGivesTwoHolders() {
    Pair p = steady(true);
    p.link = false;
    p.run(10_000);
    assertThat(p.dualHolderSamples).isZero();
    assertThat(p.role(p.a)).isEqualTo(Role.ACTIVE);
    assertThat(p.role(p.b)).isEqualTo(Role.STANDBY);
    assertThat(p.b.m.reason()).contains("partitioned");
    p.a.announced = false;
    p.link = true;
    p.run(1000);
    assertThat(p.role(p.a)).isEqualTo(Role.ACTIVE);
    assertThat(p.role(p.b)).isEqualTo(Role.STANDBY);
    assertThat(p.a.announced).as("gratuitous ARP again after the heal").isTrue();
    assertThat(p.dualHolderSamples).isZero();
  }

  @Test
  void anIsolatedActiveYieldsAtTheHealToTheLaterLeaseTerm() {
    Pair p = steady(true);
    p.link = false;
    p.a.apiReachable = false; // a's only link is down: the API is behind it too
    p.until(p.b, 2000);
    assertThat(p.a.vips).as("isolated, within its Lease term: harmless, nobody reaches it").isTrue();
    p.run(500);
    p.link = true;
    p.a.apiReachable = true;
    p.run(1000);
    assertThat(p.role(p.a)).as("a still believed its older term; b's is later").isEqualTo(Role.STANDBY);
    assertThat(p.role(p.b)).isEqualTo(Role.ACTIVE);
    assertThat(p.b.m.transitions()).as("standby once, active once: no move back").isEqualTo(2);
  }

  @Test
  void withoutQuorumAPartitionSplitsAndTheHealKeepsTheLongerActive() {
    Pair p = steady(false);
    p.link = false;
    p.run(2000);
    assertThat(p.role(p.b)).as("no tie-breaker: like keepalived, both take the VIPs").isEqualTo(Role.ACTIVE);
    p.link = true;
    p.run(1000);
    assertThat(p.role(p.a)).isEqualTo(Role.ACTIVE);
    assertThat(p.role(p.b)).isEqualTo(Role.STANDBY);
    assertThat(p.a.announced).isTrue();
  }

  @Test
  void apiDownWithThePeerVisibleChangesNothing() {
    Pair p = steady(true);
    p.lease.reachable.set(false);
    long ta = p.a.m.transitions();
    p.run(30_000);
    assertThat(p.role(p.a)).isEqualTo(Role.ACTIVE);
    assertThat(p.role(p.b)).isEqualTo(Role.STANDBY);
    assertThat(p.a.m.transitions()).isEqualTo(ta);
    assertThat(p.dualHolderSamples).isZero();
    // and a standby that loses its peer while the API is down does not take over blind
    p.rebootNode(p.a);
    p.run(3000);
    assertThat(p.b.vips).isFalse();
    assertThat(p.b.m.reason()).contains("API is unreachable");
    p.lease.reachable.set(true);
    p.until(p.b, 6000);
  }

  @Test
  void anActiveThatLosesPeerAndApiGivesUpWhenItsLeaseTermEnds() {
    Pair p = steady(true);
    p.lease.reachable.set(false);
    p.rebootNode(p.b);
    p.run(1000);
    assertThat(p.a.vips).as("within the Lease term").isTrue();
    p.run(4000);
    assertThat(p.a.vips).isFalse();
    assertThat(p.a.m.transitions()).isEqualTo(2); // active once, then standby once: no flapping after
    assertThat(p.a.m.reason()).containsAnyOf("quorum lost", "API is unreachable");
  }

  /** A steady pair whose active (a) has not reached the API for longer than its Lease term; b still does. */
  static Pair activeCutOffFromTheApi() {
    Pair p = steady(true);
    p.a.apiReachable = false;
    p.run(6000); // past a's term: its last renewal was at most 2 s before, its term lasts 4 s - 2 intervals
    assertThat(p.role(p.a)).isEqualTo(Role.ACTIVE);
    assertThat(p.a.m.leaseHolder(p.now)).as("a's term is over").isFalse();
    return p;
  }

  @Test
  void aLateHeartbeatWithTheLeaseTermOverDoesNotDropTheVips() {
    Pair p = activeCutOffFromTheApi();
    long ta = p.a.m.transitions();
    long tb = p.b.m.transitions();
    long none = p.noHolderSamples;
    for (int i = 0; i < 20; i++) {
      p.link = false; // heartbeats late by more than the dead interval (300 ms) on a loaded machine
      p.run(p.a.m.config().deadAfterMillis() + 150);
      p.link = true;
      p.run(1000);
    }
    assertThat(p.a.m.transitions()).as("a kept its VIPs through every late heartbeat").isEqualTo(ta);
    assertThat(p.b.m.transitions()).isEqualTo(tb);
    assertThat(p.noHolderSamples - none).as("never without a holder").isZero();
    assertThat(p.dualHolderSamples).isZero();
  }

  @Test
  void anActiveWithTheLeaseTermOverDropsOnlyAfterTheLongerSilence() {
    Pair p = activeCutOffFromTheApi();
    p.b.apiReachable = false;
    p.rebootNode(p.b); // the standby really dies while the API is away: quorum lost, a double fault
    Config c = p.a.m.config();
    p.run(c.graceMillis() - INTERVAL); // its last heartbeat came at most one interval before the crash
    assertThat(p.a.vips).as("silent for less than the grace: a late heartbeat, not a dead peer").isTrue();
    p.run(INTERVAL + 50);
    assertThat(p.a.vips).as("silent for the grace: quorum lost").isFalse();
    assertThat(p.a.m.transitions()).as("active once, then standby once").isEqualTo(2);
    assertThat(p.a.m.reason()).containsAnyOf("quorum lost", "API is unreachable");
  }

  @Test
  void aStandbyTakesALapsedLeaseOnlyAfterTheGraceButAMissingProofOfLifeAtOnce() {
    Pair p = activeCutOffFromTheApi();
    Config c = p.b.m.config();
    p.rebootNode(p.a); // crash of an active that could not renew: its Lease has lapsed
    p.run(c.deadAfterMillis() + 2 * INTERVAL);
    assertThat(p.b.vips).as("lapsed Lease: waiting out the grace").isFalse();
    assertThat(p.b.m.reason()).contains("Lease lapsed");
    long took = p.until(p.b, 2000) + c.deadAfterMillis() + 2 * INTERVAL;
    // silent for dead interval + grace, counted from the last heartbeat (up to an interval before the crash)
    assertThat(took).isBetween(c.deadAfterMillis() + c.graceMillis() - INTERVAL,
        c.deadAfterMillis() + c.graceMillis() + INTERVAL);
    assertThat(p.lease.current().holder()).isEqualTo("lvs-b");

    Pair q = steady(true); // the active renewed in time and wrote nothing silent: the crash path stays fast
    q.rebootNode(q.a);
    assertThat(q.until(q.b, 2000)).isLessThan(c.deadAfterMillis() + 2 * INTERVAL);
  }

  @Test
  void aPartitionAfterTheActiveLostTheApiNeverGivesTwoHolders() {
    // b reaches the API, a does not; the directors are cut apart at every phase of the heartbeats and of a's
    // term end: a must drop its VIPs before b takes the lapsed Lease
    partitionsAcrossTheTermEndNeverGiveTwoHolders(() -> new Pair(true), 4000, 5);
  }

  /** Cuts the directors apart at every {@code step} ms around the end of a's term, a cut off from the API. */
  static void partitionsAcrossTheTermEndNeverGiveTwoHolders(java.util.function.Supplier<Pair> pair, long term,
      long step) {
    for (long offset = -300; offset <= 1200; offset += step) {
      Pair p = steady(pair.get());
      p.a.apiReachable = false;
      long termEnd = p.lease.current().renewWallMillis() + term - 2 * INTERVAL;
      p.run(termEnd + offset - p.now);
      p.link = false;
      p.run(3000);
      assertThat(p.dualHolderSamples).as("partition " + offset + " ms after a's term ended").isZero();
      assertThat(p.role(p.b)).as("partition " + offset + " ms after a's term ended").isEqualTo(Role.ACTIVE);
      assertThat(p.role(p.a)).isEqualTo(Role.STANDBY);
    }
  }

  @Test
  void restartedAgentWhosePeerTookOverDropsTheVipsItFinds() {
    Pair p = steady(true);
    p.killAgent(p.a); // VIPs stay on a's interface
    p.until(p.b, 2000);
    p.run(2000);
    assertThat(p.a.vips).as("a dead agent cannot drop them").isTrue();
    p.start(p.a); // adopts what it finds
    p.run(1000);
    assertThat(p.role(p.a)).isEqualTo(Role.STANDBY);
    assertThat(p.a.vips).isFalse();
    assertThat(p.role(p.b)).isEqualTo(Role.ACTIVE);
  }

  @Test
  void agentRestartedBeforeThePeerNoticedKeepsItsVips() {
    Pair p = steady(true);
    p.killAgent(p.a);
    p.run(100);
    p.start(p.a);
    p.run(2000);
    assertThat(p.role(p.a)).isEqualTo(Role.ACTIVE);
    assertThat(p.a.m.transitions()).as("adopted, never dropped").isZero();
    assertThat(p.role(p.b)).isEqualTo(Role.STANDBY);
    assertThat(p.dualHolderSamples).isZero();
  }

  @Test
  void rebootedNodeComesBackAsStandbyWhenPreemptionIsOff() {
    Pair p = steady(true);
    p.rebootNode(p.a);
    p.until(p.b, 2000);
    p.run(5000);
    p.start(p.a);
    p.run(5000);
    assertThat(p.role(p.a)).isEqualTo(Role.STANDBY);
    assertThat(p.role(p.b)).isEqualTo(Role.ACTIVE);
    assertThat(p.dualHolderSamples).isZero();
  }

  @Test
  void preemptionWaitsForTheDelayAndTheSyncBackup() {
    Pair p = new Pair(true, true, 3000);
    p.start(p.a);
    p.start(p.b);
    p.run(1000);
    p.rebootNode(p.a);
    p.until(p.b, 2000);
    p.b.connections = 1000;
    p.a.connections = 0;
    p.start(p.a);
    p.run(2500);
    assertThat(p.role(p.a)).as("before the preempt delay").isEqualTo(Role.STANDBY);
    p.run(2000);
    assertThat(p.role(p.a)).as("delay passed but the sync backup holds 0 of 1000").isEqualTo(Role.STANDBY);
    p.a.connections = 950;
    p.dualHolderSamples = 0;
    p.run(1000);
    assertThat(p.role(p.a)).isEqualTo(Role.ACTIVE);
    assertThat(p.role(p.b)).isEqualTo(Role.STANDBY);
    // the failback is a handover: b removed its VIPs first, a took them on b's released heartbeat
    assertThat(p.a.m.reason()).isEqualTo("the peer handed the VIPs over");
    assertThat(p.b.m.reason()).isEqualTo("peer is active");
    assertThat(p.b.m.released()).as("cleared once a holds them").isFalse();
    assertThat(p.dualHolderSamples).isZero();
    p.run(5000);
    assertThat(p.role(p.a)).as("and it stays").isEqualTo(Role.ACTIVE);
  }

  @Test
  void sigtermOfTheActiveHandsOverWithoutTwoHoldersAndTheRestartStaysStandby() {
    for (boolean quorum : new boolean[] {true, false}) {
      Pair p = steady(quorum);
      p.dualHolderSamples = 0;
      long t0 = p.now;
      assertThat(p.sigterm(p.a, 2000)).isEqualTo(ElectionMachine.Handover.HANDED_OVER);
      assertThat(p.b.vips).isTrue();
      assertThat(p.a.vips).as("released before b took them").isFalse();
      assertThat(p.b.m.reason()).isEqualTo("the peer handed the VIPs over (its agent is shutting down)");
      assertThat(p.b.announced).isTrue();
      if (quorum) {
        assertThat(p.lease.current().holder()).as("b claimed the Lease before a left").isEqualTo("lvs-b");
      }
      // a few ticks, not the dead interval and a Lease check
      assertThat(p.now - t0).isLessThan(MISSES * INTERVAL);
      p.run(2000); // the agent is down for 2 s: b keeps the VIPs through a's silence
      p.start(p.a);
      p.run(3000);
      assertThat(p.role(p.a)).as("restarted: the peer is active, it does not grab them back").isEqualTo(Role.STANDBY);
      assertThat(p.role(p.b)).isEqualTo(Role.ACTIVE);
      assertThat(p.b.m.transitions()).as("one takeover, no move back").isEqualTo(2);
      assertThat(p.dualHolderSamples).isZero();
    }
  }

  @Test
  void sigtermOfTheActiveWaitsForAStartingPeerToSettle() {
    Pair p = new Pair(true);
    p.start(p.a);
    p.run(1500); // a alone: active after its listening window and the grace for the free Lease (rule 4)
    assertThat(p.role(p.a)).isEqualTo(Role.ACTIVE);
    p.start(p.b);
    p.run(5); // b is listening (UNKNOWN) when a is told to stop
    assertThat(p.sigterm(p.a, 2000)).isEqualTo(ElectionMachine.Handover.HANDED_OVER);
    assertThat(p.b.vips).isTrue();
    assertThat(p.dualHolderSamples).isZero();
  }

  @Test
  void sigtermOfTheActiveWithoutAReadyPeerKeepsTheVips() {
    Pair p = steady(true);
    p.rebootNode(p.b);
    p.run(1000);
    assertThat(p.sigterm(p.a, 2000)).isEqualTo(ElectionMachine.Handover.KEPT);
    assertThat(p.a.vips).as("nobody to take them: the restart adopts them").isTrue();
    p.start(p.a);
    p.run(100);
    assertThat(p.role(p.a)).isEqualTo(Role.ACTIVE);
    assertThat(p.a.m.transitions()).isZero();

    // no tick within the bound (a starved node): nothing was released, so the VIPs stay
    Pair q = steady(true);
    q.a.m.stop(q.now, 2000);
    q.a.m.heartbeat(q.now, new PeerView(Role.UNKNOWN, 0, false, 0, 0));
    q.a.m.tick(q.now);
    assertThat(q.a.m.handover()).isEqualTo(ElectionMachine.Handover.WAITING);
    assertThat(q.a.m.giveUpHandover()).isEqualTo(ElectionMachine.Handover.KEPT);
    assertThat(q.a.m.role()).isEqualTo(Role.ACTIVE);
  }

  @Test
  void sigtermOfTheActiveReleasesToALivePeerThatNeverSettles() {
    // the peer is alive but still starting when the patience ends: once this agent is gone it takes the VIPs
    // by silence, so they go now rather than stay here as a second holder
    Pair p = steady(true);
    ElectionMachine m = p.a.m;
    long patience = ElectionMachine.handoverPatience(2000);
    m.stop(p.now, 2000);
    for (long t = 0; t < patience; t += 25) {
      m.heartbeat(p.now + t, new PeerView(Role.UNKNOWN, 0, false, 0, 0));
      m.tick(p.now + t);
      assertThat(m.handover()).as("within the patience, at %d ms", t).isEqualTo(ElectionMachine.Handover.WAITING);
      assertThat(m.role()).isEqualTo(Role.ACTIVE);
    }
    m.heartbeat(p.now + patience, new PeerView(Role.UNKNOWN, 0, false, 0, 0));
    m.tick(p.now + patience);
    assertThat(m.released()).isTrue();
    assertThat(m.role()).isEqualTo(Role.STANDBY);
    assertThat(m.reason()).contains("did not settle within " + patience + " ms");
    assertThat(m.giveUpHandover()).as("released: the peer takes them").isEqualTo(ElectionMachine.Handover.WAITING);
  }

  @Test
  void sigtermOfTheActiveWhileItMissesThePeersHeartbeatsWaitsToHearItAgain() {
    // the active's node is short of CPU: no heartbeat from the live standby reached it for a while when SIGTERM
    // comes. Kept VIPs would stay on its interface after it exits while the standby takes them by silence.
    for (boolean quorum : new boolean[] {true, false}) {
      Pair p = steady(quorum);
      p.a.deaf = true;
      p.run(2 * MISSES * INTERVAL);
      assertThat(p.a.m.peerVisible(p.now)).isFalse();
      p.dualHolderSamples = 0;
      p.a.m.stop(p.now, 2000);
      p.run(300);
      assertThat(p.a.m.handover()).isEqualTo(ElectionMachine.Handover.WAITING);
      assertThat(p.a.m.reason()).contains("waiting to hear it again before handing over");
      p.a.deaf = false;
      long t0 = p.now;
      while (p.now - t0 < 1700 && p.a.m.handover() == ElectionMachine.Handover.WAITING) {
        p.run(5);
      }
      assertThat(p.a.m.giveUpHandover()).isEqualTo(ElectionMachine.Handover.HANDED_OVER);
      p.killAgent(p.a);
      p.run(3000);
      assertThat(p.a.vips).as("released before the agent exited").isFalse();
      assertThat(p.b.vips).isTrue();
      assertThat(p.dualHolderSamples).isZero();
    }
  }

  @Test
  void sigtermOfTheStandbyGivesNothingUp() {
    Pair p = steady(true);
    long ta = p.a.m.transitions();
    assertThat(p.sigterm(p.b, 2000)).isEqualTo(ElectionMachine.Handover.NOT_ACTIVE);
    p.run(3000);
    assertThat(p.role(p.a)).isEqualTo(Role.ACTIVE);
    assertThat(p.a.m.transitions()).isEqualTo(ta);
    assertThat(p.dualHolderSamples).isZero();
  }

  @Test
  void bothAgentsStoppedAtOnceLeaveTheVipsWhereTheyWere() {
    Pair p = steady(true);
    p.a.m.stop(p.now, 2000);
    p.b.m.stop(p.now, 2000);
    p.run(500);
    // a released them to b, b said it is leaving and never took them: a took them back and keeps them
    assertThat(p.a.m.handover()).isEqualTo(ElectionMachine.Handover.KEPT);
    assertThat(p.b.m.handover()).isEqualTo(ElectionMachine.Handover.NOT_ACTIVE);
    assertThat(p.a.vips).isTrue();
    assertThat(p.b.vips).isFalse();
    assertThat(p.dualHolderSamples).isZero();
  }

  @Test
  void aRestartedStandbyRidesOutAStallOfItsFirstSeconds() {
    Pair p = steady(true);
    p.killAgent(p.b);
    p.run(500);
    p.start(p.b); // a fresh JVM: class loading and JIT compilation stall it, a CPU limit throttles it
    p.run(1000);
    assertThat(p.role(p.b)).isEqualTo(Role.STANDBY);
    p.b.deaf = true; // b misses a's heartbeats for 400 ms, a hears b: a sees no silence and proves nothing
    p.run(400);
    p.b.deaf = false;
    p.run(2000);
    assertThat(p.role(p.b)).as("no false takeover from a live active").isEqualTo(Role.STANDBY);
    assertThat(p.role(p.a)).isEqualTo(Role.ACTIVE);
    assertThat(p.dualHolderSamples).isZero();

    // a peer that really dies during those seconds is still taken over, STARTUP_DEAD_FACTOR times later
    Pair q = steady(true);
    q.killAgent(q.b);
    q.start(q.b);
    q.run(1000);
    q.rebootNode(q.a);
    long took = q.until(q.b, 3000);
    assertThat(took).isBetween(ElectionMachine.STARTUP_DEAD_FACTOR * MISSES * INTERVAL,
        ElectionMachine.STARTUP_DEAD_FACTOR * MISSES * INTERVAL + 200);
  }

  @Test
  void aStoppingActiveNeverTakesOverAgainOnSilence() {
    Pair p = steady(true);
    p.a.m.stop(p.now, 2000);
    p.link = false; // a releases on its next tick (b is still visible) but no released heartbeat arrives
    p.run(3000);
    assertThat(p.a.m.released()).isTrue();
    assertThat(p.a.vips).as("silence does not bring a stopping director back").isFalse();
    assertThat(p.a.m.handover()).isEqualTo(ElectionMachine.Handover.WAITING);
    assertThat(p.b.vips).as("b took over by silence and the Lease, as after a crash").isTrue();
    assertThat(p.dualHolderSamples).isZero();
  }

  @Test
  void aStandbyWithoutEverSeeingItsPeerWaitsForTheLeaseToExpire() {
    Pair p = steady(true);
    p.rebootNode(p.b);
    p.link = false;
    p.start(p.b); // b reboots into a partition: the active keeps renewing
    p.run(10_000);
    assertThat(p.b.vips).isFalse();
    assertThat(p.dualHolderSamples).isZero();
  }

  /** The term Kubernetes' own leader election uses: what a platform engineer sets on a busy API server. */
  static final long LONG_TERM = 15_000;

  /**
   * The product finding of #14: under API server load Lease PUTs took seconds, longer than the 4 s term, and a
   * heartbeat late by more than the grace then made the active drop its VIPs with no fault. A 15 s term keeps
   * every slow renewal's term valid, so the late heartbeat moves nothing; the default term still drops.
   */
  @Test
  void aLongerLeaseTermRidesOutSlowRenewalsAndALateHeartbeat() {
    for (long term : new long[] {ElectionMachine.leaseMillis(INTERVAL), LONG_TERM}) {
      Pair p = steady(new Pair(true, false, 0, term));
      p.a.apiLatency = 6000; // each of a's Lease PUTs is answered 6 s after it was sent
      p.run(20_000);
      long ta = p.a.m.transitions();
      p.a.deaf = true; // b's heartbeats reach a later than the grace (a loaded node); b still hears a
      p.run(p.a.m.config().graceMillis() + 300);
      p.a.deaf = false;
      p.run(1000);
      if (term == LONG_TERM) {
        assertThat(p.a.m.transitions()).as("a kept its VIPs with a %d ms term", term).isEqualTo(ta);
        assertThat(p.a.vips).isTrue();
      } else {
        assertThat(p.a.m.transitions()).as("a dropped its VIPs with a %d ms term", term).isGreaterThan(ta);
      }
      assertThat(p.dualHolderSamples).isZero();
    }
  }

  /** An active cut off from the API keeps a valid term for the configured term, not the default's 4 s. */
  @Test
  void anActiveCutOffFromTheApiHoldsForTheConfiguredTerm() {
    Pair p = steady(new Pair(true, false, 0, LONG_TERM));
    p.a.apiReachable = false;
    p.run(6000); // past the default term, within the configured one (the last renewal was at most 2 s before)
    assertThat(p.a.m.leaseHolder(p.now)).as("a's 15 s term is not over").isTrue();
    p.b.apiReachable = false;
    p.rebootNode(p.b); // the standby dies while the API is away: a double fault
    p.run(5000);
    assertThat(p.a.vips).as("within its term a keeps the VIPs").isTrue();
    p.run(LONG_TERM);
    assertThat(p.a.vips).as("the term ended: quorum lost").isFalse();
    assertThat(p.a.m.reason()).containsAnyOf("quorum lost", "API is unreachable");
  }

  /**
   * Rule 4's safety at the configured term: b reaches the API, a does not; the directors are cut apart at every
   * phase of a's 15 s term end: a drops its VIPs before b takes the lapsed Lease, never two holders.
   */
  @Test
  void aPartitionAfterTheActiveLostTheApiNeverGivesTwoHoldersWithALongerTerm() {
    partitionsAcrossTheTermEndNeverGiveTwoHolders(() -> new Pair(true, false, 0, LONG_TERM), LONG_TERM, 25);
  }

  @Test
  void aConfiguredLeaseTermReplacesTheDefault() {
    assertThat(ElectionMachine.leaseMillis(new DirectorPlan.HaPlan(50, 3, false, 0, 8849, null, null)))
        .isEqualTo(4000);
    assertThat(ElectionMachine.leaseMillis(new DirectorPlan.HaPlan(50, 3, false, 0, 8849, null, null, 15)))
        .isEqualTo(15_000);
    assertThat(ElectionMachine.leaseSeconds(new DirectorPlan.HaPlan(2000, 3, false, 0, 8849, null, null, null)))
        .isEqualTo(8);
  }
}
