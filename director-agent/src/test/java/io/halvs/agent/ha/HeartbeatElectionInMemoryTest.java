package io.halvs.agent.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.halvs.agent.kernel.CountingKernel;
import io.halvs.agent.kernel.IpvsKernel;
import io.halvs.agent.netlink.AddressTable;
import io.halvs.agent.runtime.Election.Role;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpAddress;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The election as the demo runs it, without root: two directors on loopback (127.0.0.2 and 127.0.0.3, the same
 * heartbeat port), VIPs in in-memory address tables, no neighbour announcements (the interface does not exist).
 */
class HeartbeatElectionInMemoryTest {
  static final byte[] KEY = "a key both directors read from the Secret".getBytes();
  static final IpAddress VIP = IpAddress.parse("198.51.100.10");

  HeartbeatElection a;
  HeartbeatElection b;
  final AddressTable tableA = AddressTable.inMemory();
  final AddressTable tableB = AddressTable.inMemory();

  @AfterEach
  void stop() {
    for (HeartbeatElection e : new HeartbeatElection[] {a, b}) {
      if (e != null) {
        e.close();
      }
    }
  }

  /** A UDP port free on loopback now: the pair's heartbeat port. */
  static int freePort() throws java.io.IOException {
    try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  static DirectorPlan plan(int port) {
    return new DirectorPlan("pair-1", List.of("dir-a", "dir-b"), "no-such-if0", List.of(VIP), null, new TreeMap<>(),
        null, new DirectorPlan.HaPlan(100, 3, false, 0, port, null, null), List.of());
  }

  static HeartbeatElection start(DirectorPlan plan, String node, String self, String peer, AddressTable table,
      Quorum q) throws Exception {
    return new HeartbeatElection(plan, new HeartbeatElection.Options(node, new InetSocketAddress(peer,
        plan.highAvailability().heartbeatPort()), KEY, q, () -> 0, daemon -> true), table, InetAddress.getByName(self));
  }

  /** As the agent wires it: the sync progress read from the director's kernel. */
  static HeartbeatElection start(DirectorPlan plan, String node, String self, String peer, AddressTable table,
      IpvsKernel kernel) throws Exception {
    SyncProgress sync = new SyncProgress(kernel);
    return new HeartbeatElection(plan, new HeartbeatElection.Options(node, new InetSocketAddress(peer,
        plan.highAvailability().heartbeatPort()), KEY, null, sync::connections,
        sync::backupRunning), table, InetAddress.getByName(self));
  }

  static boolean holds(AddressTable t) {
    return t.list("no-such-if0").stream().anyMatch(x -> x.address().equals(VIP));
  }

  /**
   * The sync progress dumps the kernel (every service's destinations: 1,000 round trips at 1,000 services); a
   * kernel that does not answer those dumps must not hold up the tick: both elect, heartbeats flow.
   */
  @Test
  void aKernelWhoseDumpsHangDoesNotStopTheTickOrTheHeartbeats() throws Exception {
    int port = freePort();
    DirectorPlan p = plan(port);
    DirectorPlan plan = new DirectorPlan(p.pair(), p.nodes(), p.vipInterface(), p.vips(), null, p.sysctls(), null,
        new DirectorPlan.HaPlan(100, 3, true, 0, port, null, null), List.of()); // preemption reads the progress
    CountingKernel kernelA = new CountingKernel();
    CountingKernel kernelB = new CountingKernel();
    kernelA.holdDumps();
    kernelB.holdDumps();
    try {
      a = start(plan, "dir-a", "127.0.0.2", "127.0.0.3", tableA, kernelA.kernel);
      b = start(plan, "dir-b", "127.0.0.3", "127.0.0.2", tableB, kernelB.kernel);
      await().atMost(Duration.ofSeconds(5)).until(() -> kernelA.dumpsWaiting() > 0 && kernelB.dumpsWaiting() > 0);
      await().atMost(Duration.ofSeconds(5)).until(() -> a.state().role() == Role.ACTIVE && holds(tableA)
          && b.state().role() == Role.STANDBY);
      long received = Long.parseLong(b.heartbeatCounters().replaceAll(".*accepted=(\\d+).*", "$1"));
      await().atMost(Duration.ofSeconds(5)).until(
          () -> Long.parseLong(b.heartbeatCounters().replaceAll(".*accepted=(\\d+).*", "$1")) > received + 3);
      assertThat(kernelA.dumpsWaiting()).as("the dumps are still held: the tick went on without them").isPositive();
    } finally {
      kernelA.releaseDumps();
      kernelB.releaseDumps();
    }
  }

  /**
   * The sync progress asks about the daemon of the plan followed now, not of the plan the election started with:
   * an edit of the pair's sync daemon is read at the next sample, and the first plan is not held (at full size it
   * kept every service it had, 20 MB, for the life of the election).
   */
  @Test
  void theSyncProgressReadsTheDaemonOfThePlanFollowedNowAndHoldsNoEarlierPlan() throws Exception {
    int port = freePort();
    DirectorPlan p = plan(port);
    java.util.function.IntFunction<DirectorPlan> withSyncId = id -> new DirectorPlan(p.pair(), p.nodes(),
        p.vipInterface(), p.vips(), null, p.sysctls(), new DirectorPlan.SyncDaemonPlan(id, "eth1", null, 0, 0, 0),
        new DirectorPlan.HaPlan(100, 3, true, 0, port, null, null), List.of()); // preemption reads the progress
    java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
    DirectorPlan first = withSyncId.apply(9);
    java.lang.ref.WeakReference<DirectorPlan> firstHeld = new java.lang.ref.WeakReference<>(first);
    a = new HeartbeatElection(first, new HeartbeatElection.Options("dir-a", new InetSocketAddress("127.0.0.3",
        port), KEY, new MemoryQuorum(), () -> 0, daemon -> {
          asked.set(daemon.syncId());
          return true;
        }), tableA, InetAddress.getByName("127.0.0.2"));
    await().atMost(Duration.ofSeconds(5)).until(() -> asked.get() == 9);
    first = null;

    a.follow(withSyncId.apply(12));

    await().atMost(Duration.ofSeconds(5)).until(() -> asked.get() == 12);
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      System.gc();
      return firstHeld.get() == null;
    });
  }

  static long accepted(HeartbeatElection e) {
    return Long.parseLong(e.heartbeatCounters().replaceAll(".*accepted=(\\d+).*", "$1"));
  }

  /**
   * At 1,000 VIPs a burst is 1,000 packets: they go out on the announcer's thread. A send that hangs does not
   * stop heartbeats; a role loss ends the burst, and the VIPs go only once the send in flight has returned, so no
   * address is announced after this director dropped it (every announcement finds its address held).
   */
  @Test
  void aHangingAnnouncementDoesNotStopHeartbeatsAndTheDropEndsTheBurstFirst() throws Exception {
    int port = freePort();
    java.util.List<IpAddress> vips = new java.util.ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      vips.add(IpAddress.parse("198.51." + (100 + i / 250) + "." + (1 + i % 250)));
    }
    DirectorPlan p = plan(port);
    DirectorPlan plan = new DirectorPlan(p.pair(), p.nodes(), p.vipInterface(), vips, null, p.sysctls(), null,
        p.highAvailability(), List.of());
    java.util.concurrent.atomic.AtomicLong calls = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicLong sentUnheld = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.CountDownLatch[] blocked = {new java.util.concurrent.CountDownLatch(1),
        new java.util.concurrent.CountDownLatch(1)};
    java.util.concurrent.CountDownLatch[] release = {new java.util.concurrent.CountDownLatch(1),
        new java.util.concurrent.CountDownLatch(1)};
    VipAnnouncer.Sender hanging = (ifname, address) -> {
      long n = calls.incrementAndGet();
      if (tableA.list(ifname).stream().noneMatch(x -> x.address().equals(address))) {
        sentUnheld.incrementAndGet();
      }
      if (n <= 2) {
        blocked[(int) n - 1].countDown();
        try {
          release[(int) n - 1].await(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
    MemoryQuorum quorum = new MemoryQuorum();
    try {
      a = new HeartbeatElection(plan, new HeartbeatElection.Options("dir-a", new InetSocketAddress("127.0.0.3",
          port), KEY, quorum, () -> 0, daemon -> true), tableA, InetAddress.getByName("127.0.0.2"), hanging);
      await().atMost(Duration.ofSeconds(5)).until(() -> a.state().role() == Role.ACTIVE && holds(tableA));
      assertThat(blocked[0].await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      b = start(plan, "dir-b", "127.0.0.3", "127.0.0.2", tableB, quorum);
      await().atMost(Duration.ofSeconds(5)).until(() -> b.state().role() == Role.STANDBY && accepted(b) > 0);
      long before = accepted(b);
      await().atMost(Duration.ofSeconds(5)).until(() -> accepted(b) > before + 5);
      assertThat(calls.get()).as("the first announcement still hangs: the heartbeats went on without it")
          .isEqualTo(1);

      release[0].countDown();
      assertThat(blocked[1].await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue(); // the second hangs now
      var handover = java.util.concurrent.CompletableFuture.supplyAsync(() -> a.handOver(Duration.ofSeconds(5)));
      await().atMost(Duration.ofSeconds(5)).until(() -> a.announcementsCancelled() > 0); // the tick ended it...
      assertThat(holds(tableA)).as("...and waits for the send in flight before the VIPs go").isTrue();
      release[1].countDown();
      assertThat(handover.get(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      await().atMost(Duration.ofSeconds(5)).until(() -> b.state().role() == Role.ACTIVE && holds(tableB));
      assertThat(holds(tableA)).isFalse();
      assertThat(calls.get()).as("not one address of the ended burst after the one in flight").isEqualTo(2);
      assertThat(sentUnheld.get()).isZero();
    } finally {
      release[0].countDown();
      release[1].countDown();
    }
  }

  /**
   * The pair's leaseDurationSeconds reaches the election and the Lease store, and a plan change that unsets it
   * goes back to the default term (4 s at a 100 ms interval).
   */
  @Test
  void theConfiguredLeaseTermReachesTheElectionAndFollowsThePlan() throws Exception {
    int port = freePort();
    DirectorPlan p = plan(port);
    DirectorPlan longer = new DirectorPlan(p.pair(), p.nodes(), p.vipInterface(), p.vips(), null, p.sysctls(), null,
        new DirectorPlan.HaPlan(100, 3, false, 0, port, null, null, 15), List.of());
    MemoryQuorum quorum = new MemoryQuorum();
    a = start(longer, "dir-a", "127.0.0.2", "127.0.0.3", tableA, quorum);
    assertThat(quorum.leaseTermMillis).isEqualTo(15_000);
    a.follow(p);
    assertThat(quorum.leaseTermMillis).isEqualTo(4000);
  }

  /** dir-a active holding the VIP, then dir-b standby, over loopback with one quorum. */
  void startPair(MemoryQuorum quorum) throws Exception {
    int port = freePort();
    DirectorPlan plan = plan(port);
    a = start(plan, "dir-a", "127.0.0.2", "127.0.0.3", tableA, quorum);
    await().atMost(Duration.ofSeconds(5)).until(() -> a.state().role() == Role.ACTIVE && holds(tableA));
    b = start(plan, "dir-b", "127.0.0.3", "127.0.0.2", tableB, quorum);
    await().atMost(Duration.ofSeconds(5)).until(() -> b.state().role() == Role.STANDBY);
  }

  /** A crashed active: the standby reads the Lease when it counts it dead and takes over on that record. */
  @Test
  void theStandbyTakesOverACrashedActiveOnTheRecordItReadAhead() throws Exception {
    MemoryQuorum quorum = new MemoryQuorum();
    startPair(quorum);
    assertThat(b.confirmsReadAhead()).isZero();

    a.close(); // silent, as kill -9: no handover
    await().atMost(Duration.ofSeconds(5)).until(() -> b.state().role() == Role.ACTIVE && holds(tableB));
    assertThat(quorum.current().holder()).isEqualTo("dir-b");
    assertThat(b.confirmsReadAhead()).as("the takeover's ask judged the record read ahead").isEqualTo(1);
  }

  /**
   * The active renews the Lease every 2 s on the record its last write left: a write and no read while nobody else
   * writes (before, each renewal read the Lease first: two requests).
   */
  @Test
  void theActiveRenewsOnItsOwnLastWriteWithoutReading() throws Exception {
    MemoryQuorum store = new MemoryQuorum();
    QuorumTest.Counting quorumA = new QuorumTest.Counting(store);
    int port = freePort();
    a = start(plan(port), "dir-a", "127.0.0.2", "127.0.0.3", tableA, quorumA);
    b = start(plan(port), "dir-b", "127.0.0.3", "127.0.0.2", tableB, new QuorumTest.Counting(store));
    await().atMost(Duration.ofSeconds(5)).until(() -> a.state().role() == Role.ACTIVE
        && b.state().role() == Role.STANDBY && quorumA.writes > 0);
    int reads = quorumA.reads;
    int writes = quorumA.writes;
    await().atMost(Duration.ofSeconds(10)).until(() -> quorumA.writes >= writes + 3);
    assertThat(quorumA.reads - reads).as("reads in three renewals").isZero();
    assertThat(store.current().holder()).isEqualTo("dir-a");
    assertThat(a.state().role()).isEqualTo(Role.ACTIVE);
  }

  /**
   * A standby whose receiver thread gets no CPU for a while (a start's work, a collector's cycles on two busy
   * cores) must not take the VIPs from a live active that hears it: its tick reads the heartbeats the kernel holds
   * before it decides. With the receiver alone reading them, such a standby counted the active dead and took the
   * Lease, in which the active, hearing it all along, had left no proof of life (the full-size benchmark's fsAN: a
   * restarted agent, 6.5 s into its election). Held here well past the dead interval and the start's grace.
   */
  @Test
  void aStandbyWhoseReceiverIsStarvedStillHearsTheActiveThroughItsTick() throws Exception {
    MemoryQuorum quorum = new MemoryQuorum();
    long started = System.nanoTime();
    startPair(quorum);
    // past the start's longer dead interval (ElectionMachine.STARTUP_GRACE_MILLIS), which would hide the lag
    Thread.sleep(Math.max(0, ElectionMachine.STARTUP_GRACE_MILLIS + 300 - (System.nanoTime() - started) / 1_000_000));
    assertThat(b.state().role()).isEqualTo(Role.STANDBY);
    b.holdReceiver(true);
    try {
      long until = System.nanoTime() + Duration.ofMillis(1500).toNanos(); // 5 dead intervals of 300 ms
      while (System.nanoTime() < until) {
        assertThat(b.state().role()).as("the standby, its receiver starved: %s", b.state().reason())
            .isEqualTo(Role.STANDBY);
        assertThat(holds(tableB)).isFalse();
        Thread.sleep(20);
      }
    } finally {
      b.holdReceiver(false);
    }
    assertThat(a.state().role()).isEqualTo(Role.ACTIVE);
    assertThat(holds(tableA)).isTrue();
    assertThat(quorum.current().holder()).isEqualTo("dir-a");
  }

  /**
   * The standby's first write and hold are its takeover's: the quorum's write path runs once at the start, before
   * any call, and so does the VIPs' hold (on a table of its own).
   */
  @Test
  void theQuorumIsWarmedUpOnceBeforeItsFirstCall() throws Exception {
    MemoryQuorum store = new MemoryQuorum();
    List<String> calls = Collections.synchronizedList(new ArrayList<>());
    Quorum q = new Quorum() {
      @Override
      public Record read() throws Exception {
        calls.add("read");
        return store.read();
      }

      @Override
      public Record write(Record expected, String holder, long renewWallMillis, boolean silent) throws Exception {
        calls.add("write");
        return store.write(expected, holder, renewWallMillis, silent);
      }

      @Override
      public void warmUp() {
        calls.add("warm-up");
      }
    };
    int port = freePort();
    a = start(plan(port), "dir-a", "127.0.0.2", "127.0.0.3", tableA, q);
    await().atMost(Duration.ofSeconds(5)).until(() -> a.state().role() == Role.ACTIVE && calls.contains("write"));
    assertThat(calls.get(0)).isEqualTo("warm-up");
    assertThat(calls).containsOnlyOnce("warm-up");
    await().atMost(Duration.ofSeconds(5)).until(a::vipsWarmedUp); // the VIPs' hold too, off the real table
  }

  /**
   * A takeover's burst is ANNOUNCE_REPEATS rounds: the first streamed as the hold adds the VIPs (each announced
   * once it is held), then the rest; no address twice in one round, none before it is held.
   */
  @Test
  void aTakeoversBurstIsTheStreamedRoundAndTheRestEachVipOncePerRound() throws Exception {
    int port = freePort();
    DirectorPlan p = plan(port);
    List<IpAddress> vips = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      vips.add(IpAddress.parse("198.51.100." + (i + 1)));
    }
    DirectorPlan plan = new DirectorPlan(p.pair(), p.nodes(), p.vipInterface(), vips, null, p.sysctls(), null,
        p.highAvailability(), List.of());
    List<IpAddress> sent = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.concurrent.atomic.AtomicLong sentUnheld = new java.util.concurrent.atomic.AtomicLong();
    VipAnnouncer.Sender recording = (ifname, address) -> {
      if (tableA.list(ifname).stream().noneMatch(x -> x.address().equals(address))) {
        sentUnheld.incrementAndGet();
      }
      sent.add(address);
    };
    a = new HeartbeatElection(plan, new HeartbeatElection.Options("dir-a", new InetSocketAddress("127.0.0.3",
        port), KEY, new MemoryQuorum(), () -> 0, daemon -> true), tableA, InetAddress.getByName("127.0.0.2"),
        recording);
    await().atMost(Duration.ofSeconds(5)).until(() -> sent.size() >= HeartbeatElection.ANNOUNCE_REPEATS * 50);
    Thread.sleep(3 * plan.highAvailability().advertIntervalMillis()); // a round too many would have begun by now
    assertThat(sent).hasSize(HeartbeatElection.ANNOUNCE_REPEATS * 50); // the refresh comes 10 s later
    for (int round = 0; round < HeartbeatElection.ANNOUNCE_REPEATS; round++) {
      assertThat(sent.subList(round * 50, (round + 1) * 50)).containsExactlyInAnyOrderElementsOf(vips);
    }
    assertThat(sentUnheld.get()).isZero();
    assertThat(a.announcementsStreamed()).as("the first round streamed").isEqualTo(1);
  }

  /** The announcer's sockets are opened before any round: at the start, and for a plan's new interface. */
  @Test
  void theAnnouncersSocketsArePreparedAtTheStartAndForANewInterface() throws Exception {
    int port = freePort();
    DirectorPlan plan = plan(port);
    List<String> prepared = new java.util.concurrent.CopyOnWriteArrayList<>();
    VipAnnouncer.Sender recording = new VipAnnouncer.Sender() {
      @Override
      public void announce(String ifname, IpAddress address) {}

      @Override
      public void prepare(String ifname, IpAddress address) {
        prepared.add(ifname);
      }
    };
    a = new HeartbeatElection(plan, new HeartbeatElection.Options("dir-a", new InetSocketAddress("127.0.0.3",
        port), KEY, new MemoryQuorum(), () -> 0, daemon -> true), tableA, InetAddress.getByName("127.0.0.2"),
        recording);
    await().atMost(Duration.ofSeconds(5)).until(() -> prepared.contains(plan.vipInterface()));
    a.follow(new DirectorPlan(plan.pair(), plan.nodes(), "eth9", plan.vips(), null, plan.sysctls(), null,
        plan.highAvailability(), List.of()));
    await().atMost(Duration.ofSeconds(5)).until(() -> prepared.contains("eth9"));
  }

  @Test
  void oneHoldsTheVipInMemoryAndTheStandbyTakesOverOnHandover() throws Exception {
    startPair(new MemoryQuorum());
    assertThat(holds(tableB)).isFalse();

    assertThat(a.handOver(Duration.ofSeconds(2))).isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> b.state().role() == Role.ACTIVE && holds(tableB));
    assertThat(holds(tableA)).isFalse();
    assertThat(b.heartbeatCounters()).contains("badMac=0");
  }
}
