package io.halvs.agent.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.halvs.agent.metrics.AgentMetrics;
import io.halvs.agent.netlink.AddressTable;
import io.halvs.agent.netlink.NetNamespace;
import io.halvs.agent.runtime.Election.Role;
import io.halvs.agent.testing.NetnsPrivileges;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpAddress;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two HeartbeatElections, each built inside its own network namespace (threads cloned from a thread that entered
 * a namespace stay in it), joined by a veth pair, sharing a MemoryQuorum. Root only; cleaned up in @AfterAll.
 */
class HeartbeatElectionNetnsTest {
  // the pid in the names: other checkouts on this machine may run this same test at the same time
  static final String A = "halvs-ha-a-" + ProcessHandle.current().pid();
  static final String B = "halvs-ha-b-" + ProcessHandle.current().pid();
  static final byte[] KEY = "a key both directors read from the Secret".getBytes();
  static final DirectorPlan PLAN = new DirectorPlan("pair-1", List.of("dir-a", "dir-b"), "hve0",
      List.of(IpAddress.parse("198.51.100.10")), null, new TreeMap<>(), null,
      new DirectorPlan.HaPlan(100, 3, false, 0, 8849, null, null), List.of());

  static String sh(String... cmd) throws Exception {
    return io.halvs.agent.netlink.AddressTableNetnsTest.sh(cmd);
  }

  HeartbeatElection a;
  HeartbeatElection b;
  final MemoryQuorum quorum = new MemoryQuorum();

  @BeforeAll
  static void namespaces() throws Exception {
    NetnsPrivileges.require();
    cleanup();
    sh("ip", "netns", "add", A);
    sh("ip", "netns", "add", B);
    sh("ip", "link", "add", "hve0", "netns", A, "type", "veth", "peer", "name", "hve0", "netns", B);
    sh("ip", "-n", A, "addr", "add", "192.0.2.1/24", "dev", "hve0");
    sh("ip", "-n", B, "addr", "add", "192.0.2.2/24", "dev", "hve0");
    sh("ip", "-n", A, "link", "set", "hve0", "up");
    sh("ip", "-n", B, "link", "set", "hve0", "up");
  }

  @AfterAll
  static void cleanup() {
    for (String ns : List.of(A, B)) {
      try {
        sh("ip", "netns", "del", ns);
      } catch (Exception ignored) {
        // not there
      }
    }
  }

  /**
   * Each election released on its own: one that fails must not leave the other running into the next test, where
   * its heartbeats would make the new pair's director a standby from the start.
   */
  @AfterEach
  void stop() {
    RuntimeException first = null;
    for (HeartbeatElection e : new HeartbeatElection[] {a, b}) {
      try {
        if (e != null) {
          e.releaseAll();
        }
      } catch (RuntimeException failed) {
        if (first == null) {
          first = failed;
        } else {
          first.addSuppressed(failed);
        }
      }
    }
    a = null;
    b = null;
    if (first != null) {
      throw first;
    }
  }

  static HeartbeatElection start(String ns, String node, String peerIp, Quorum q) throws Exception {
    return NetNamespace.run(ns, () -> new HeartbeatElection(PLAN, new HeartbeatElection.Options(node,
        new InetSocketAddress(peerIp, 8849), KEY, q, () -> 0, daemon -> true), new AddressTable()));
  }

  static boolean holds(String ns) throws Exception {
    return sh("ip", "-n", ns, "-4", "-o", "addr", "show", "dev", "hve0").contains(" 198.51.100.10/32");
  }

  @Test
  void oneDirectorHoldsTheVipAndThePeerTakesOverWhenItDies() throws Exception {
    // dir-a is up and active before dir-b starts (a director joining a serving pair). Started back to back, the
    // two raced: when dir-b heard nothing in its first listening window, both took over by silence and the later
    // Lease term (dir-b's) rightly won, which this scenario does not mean to test (ElectionMachineTest covers
    // the simultaneous start).
    a = start(A, "dir-a", "192.0.2.2", quorum);
    await().atMost(Duration.ofSeconds(5)).until(() -> a.state().role() == Role.ACTIVE && holds(A));
    b = start(B, "dir-b", "192.0.2.1", quorum);
    await().atMost(Duration.ofSeconds(5)).until(() -> a.state().role() == Role.ACTIVE
        && b.state().role() == Role.STANDBY);
    assertThat(holds(A)).isTrue();
    assertThat(holds(B)).isFalse();
    assertThat(b.state().peer()).isEqualTo("dir-a");
    await().atMost(Duration.ofSeconds(5)).until(() -> "dir-a".equals(quorum.current().holder()));

    // dir-a's node dies: its agent stops and its addresses go with it
    long silentBefore = AgentMetrics.get().transitions("peer_silent");
    a.close();
    a = null; // closed: nothing left to release (releaseAll would run on this thread, outside the namespace)
    sh("ip", "-n", A, "addr", "del", "198.51.100.10/32", "dev", "hve0");
    long t0 = System.nanoTime();
    await().atMost(Duration.ofSeconds(5)).until(() -> holds(B));
    // dir-b started moments ago: its start-up grace (4 x the dead interval) is in this figure
    System.out.printf("takeover after the peer stopped: %d ms (start-up grace)%n",
        (System.nanoTime() - t0) / 1_000_000);
    // the tick publishes its role once it has carried it out: the VIP is on the interface a moment before
    await().atMost(Duration.ofSeconds(1)).until(() -> b.state().role() == Role.ACTIVE);
    assertThat(b.state().reason()).contains("Lease");
    assertThat(quorum.current().holder()).isEqualTo("dir-b");
    assertThat(b.heartbeatCounters()).contains("badMac=0");
    // halvs_director_transitions_total{reason="peer_silent"}: the takeover counted once
    assertThat(AgentMetrics.get().transitions("peer_silent") - silentBefore).isEqualTo(1);
  }

  /**
   * Watches one namespace's interface from a thread inside it, as fast as rtnetlink answers: the time (before
   * the dump) of the last sample that saw the VIP, and the time (after the dump) of the first that saw it.
   */
  static final class Watch implements AutoCloseable {
    final java.util.concurrent.atomic.AtomicLong lastHeldStart = new java.util.concurrent.atomic.AtomicLong(-1);
    final java.util.concurrent.atomic.AtomicLong firstHeldEnd = new java.util.concurrent.atomic.AtomicLong(-1);
    final java.util.concurrent.atomic.AtomicLong samples = new java.util.concurrent.atomic.AtomicLong();
    volatile boolean stop;
    final Thread thread;

    Watch(String ns) throws Exception {
      thread = NetNamespace.run(ns, () -> {
        Thread t = new Thread(this::loop, "watch-" + ns); // cloned here: in the namespace
        t.setDaemon(true);
        t.start();
        return t;
      });
    }

    private void loop() {
      try (AddressTable table = new AddressTable()) {
        IpAddress vip = PLAN.vips().get(0);
        while (!stop) {
          long start = System.nanoTime();
          boolean held = table.list("hve0").stream().anyMatch(x -> x.address().equals(vip));
          long end = System.nanoTime();
          samples.incrementAndGet();
          if (held) {
            lastHeldStart.set(start);
            firstHeldEnd.compareAndSet(-1, end);
          }
        }
      }
    }

    @Override
    public void close() throws InterruptedException {
      stop = true;
      thread.join();
    }
  }

  @Test
  void sigtermOfTheActiveHandsOverWithNeverTwoHolders() throws Exception {
    a = start(A, "dir-a", "192.0.2.2", quorum);
    await().atMost(Duration.ofSeconds(5)).until(() -> a.state().role() == Role.ACTIVE && holds(A));
    b = start(B, "dir-b", "192.0.2.1", quorum);
    await().atMost(Duration.ofSeconds(5)).until(() -> b.state().role() == Role.STANDBY
        && "dir-a".equals(quorum.current().holder()));
    // why dir-b became active, as it said it then: once dir-a is gone, a later tick rewords the reason of the
    // same ACTIVE role ("peer silent; this director holds the Lease")
    java.util.concurrent.atomic.AtomicReference<String> tookOverBecause = new java.util.concurrent.atomic.AtomicReference<>();
    b.onChange(st -> {
      if (st.role() == Role.ACTIVE) {
        tookOverBecause.compareAndSet(null, st.reason());
      }
    });
    try (Watch onA = new Watch(A); Watch onB = new Watch(B)) {
      await().atMost(Duration.ofSeconds(5)).until(() -> onA.lastHeldStart.get() > 0 && onB.samples.get() > 0);
      assertThat(onB.firstHeldEnd.get()).isEqualTo(-1);

      boolean handed = a.handOver(Duration.ofSeconds(2)); // what the agent's SIGTERM hook runs
      a.close(); // and then the agent exits; close() gives nothing up
      a = null;

      assertThat(handed).as("dir-b confirmed it holds the VIPs and the Lease").isTrue();
      await().atMost(Duration.ofSeconds(5)).until(() -> onB.firstHeldEnd.get() > 0);
      onA.close();
      onB.close();
      // dir-b held the VIP from firstHeldEnd on; dir-a held it at some moment after lastHeldStart
      long gapMicros = (onB.firstHeldEnd.get() - onA.lastHeldStart.get()) / 1000;
      System.out.printf("handover: VIP off dir-a to on dir-b within %d us (%d and %d samples)%n", gapMicros,
          onA.samples.get(), onB.samples.get());
      assertThat(onB.firstHeldEnd.get()).as("dir-b held the VIP before dir-a let it go: two holders")
          .isGreaterThan(onA.lastHeldStart.get());
    }
    assertThat(holds(A)).isFalse();
    await().atMost(Duration.ofSeconds(1)).until(() -> b.state().role() == Role.ACTIVE); // published after the VIP
    assertThat(tookOverBecause.get()).isEqualTo("the peer handed the VIPs over (its agent is shutting down)");
    assertThat(quorum.current().holder()).isEqualTo("dir-b");

    // the agent comes back at once: the peer is active, it stays standby and does not take the VIP back
    a = start(A, "dir-a", "192.0.2.2", quorum);
    await().atMost(Duration.ofSeconds(5)).until(() -> a.state().role() == Role.STANDBY);
    assertThat(holds(A)).isFalse();
    assertThat(holds(B)).isTrue();
    assertThat(b.state().transitions()).as("standby, then active once").isEqualTo(2);
  }

  @Test
  void forgedHeartbeatsAreCountedAndChangeNothing() throws Exception {
    a = start(A, "dir-a", "192.0.2.2", quorum);
    await().atMost(Duration.ofSeconds(5)).until(() -> a.state().role() == Role.ACTIVE && holds(A));
    b = start(B, "dir-b", "192.0.2.1", quorum);
    await().atMost(Duration.ofSeconds(5)).until(() -> a.state().role() == Role.ACTIVE
        && b.state().role() == Role.STANDBY);
    long badHmacBefore = AgentMetrics.get().rejected(AgentMetrics.Rejection.BAD_HMAC);
    // from dir-a's namespace, a heartbeat claiming dir-a is standby, signed with the wrong key, plus garbage
    NetNamespace.run(A, () -> {
      try (DatagramSocket s = new DatagramSocket()) {
        byte[] forged = new HeartbeatCodec("wrong key".getBytes(), "pair-1", "x").encode(new HeartbeatCodec.Message(
            "pair-1", "dir-a", 1, Long.MAX_VALUE - 1, System.currentTimeMillis(), Role.STANDBY, 0, false, 0, 0));
        for (int i = 0; i < 50; i++) {
          s.send(new DatagramPacket(forged, forged.length, new InetSocketAddress("192.0.2.2", 8849)));
          s.send(new DatagramPacket(new byte[] {1, 2, 3}, 3, new InetSocketAddress("192.0.2.2", 8849)));
        }
      }
      return null;
    });
    // every datagram counted: only then do the roles below say that none of them moved anything
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(b.heartbeatCounters()).contains("badMac=50").contains("malformed=50"));
    assertThat(AgentMetrics.get().rejected(AgentMetrics.Rejection.BAD_HMAC) - badHmacBefore)
        .as("halvs_heartbeats_rejected_total{reason=\"bad_hmac\"}").isEqualTo(50);
    assertThat(a.state().role()).isEqualTo(Role.ACTIVE);
    assertThat(b.state().role()).isEqualTo(Role.STANDBY);
    assertThat(a.state().transitions()).isEqualTo(1);
  }
}
