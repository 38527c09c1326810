package io.halvs.agent.runtime;

import static io.halvs.agent.netlink.AddressTableNetnsTest.sh;
import static org.assertj.core.api.Assertions.assertThat;

import io.halvs.agent.kernel.FakeIpvsKernel;
import io.halvs.agent.kernel.FakeIpvsKernel.Op;
import io.halvs.agent.kernel.IpvsKernel;
import io.halvs.agent.kernel.OwnershipJournal;
import io.halvs.agent.netlink.AddressTable;
import io.halvs.agent.netlink.NeighbourTable;
import io.halvs.agent.netlink.NetNamespace;
import io.halvs.agent.testing.NetnsPrivileges;
import io.halvs.api.v1alpha1.FailureAction;
import io.halvs.api.v1alpha1.ForwardingMethod;
import io.halvs.api.v1alpha1.HealthCheckType;
import io.halvs.api.v1alpha1.Protocol;
import io.halvs.plan.Destination;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.HealthCheckPlan;
import io.halvs.plan.IpAddress;
import io.halvs.plan.IpvsService;
import io.halvs.plan.ObjectRef;
import io.halvs.plan.ServiceKey;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The kernel watch's look for gate routes without a next hop: a gate VIP in the director's neighbour table (this
 * machine's real table, in a network namespace the test makes; root only, skipped otherwise) gets that VIP's gate
 * destinations edited again and the entry deleted; nothing else is touched. IPVS is the in-memory table: this
 * kernel has none, and what the VM shows of the kernel's route cache is in docs/RELIABILITY.md.
 */
class GateRoutesNetnsTest {
  static final String NS = "halvs-test-gw";
  static final IpAddress GATE_VIP = IpAddress.parse("198.51.100.10");
  static final IpAddress MASQ_VIP = IpAddress.parse("198.51.100.20");
  static final HealthCheckPlan CHECK = new HealthCheckPlan(HealthCheckType.TCP, 0, 1000, 1000, 2, 3, 0,
      FailureAction.QUIESCENT, null, null, null);

  final FakeIpvsKernel kernel = new FakeIpvsKernel();
  final Director director = new Director(kernel, new OwnershipJournal(null), new TestDoubles.SteeredHealth(),
      new TestDoubles.RecordingElection(), null, Duration.ofHours(1));
  final AtomicInteger repairs = new AtomicInteger();

  @BeforeAll
  static void namespace() throws Exception {
    NetnsPrivileges.require();
    cleanup();
    sh("ip", "netns", "add", NS);
    sh("ip", "-n", NS, "link", "add", "hvg0", "type", "veth", "peer", "name", "hvg1");
    sh("ip", "-n", NS, "link", "set", "hvg0", "up");
    sh("ip", "-n", NS, "link", "set", "hvg1", "up");
    sh("ip", "-n", NS, "addr", "add", "10.0.1.254/24", "dev", "hvg0");
  }

  @AfterAll
  static void cleanup() {
    try {
      sh("ip", "netns", "del", NS);
    } catch (Exception ignored) {
      // not there
    }
  }

  @AfterEach
  void close() throws Exception {
    director.close();
    // each test starts from no held VIP and no neighbour entry, whatever order they run in
    sh("ip", "-n", NS, "addr", "flush", "dev", "hvg1");
    sh("ip", "-n", NS, "neigh", "flush", "dev", "hvg0", "nud", "all");
    sh("ip", "-n", NS, "neigh", "flush", "dev", "hvg1", "nud", "all");
  }

  static Destination dest(String address, ForwardingMethod method) {
    return new Destination(IpAddress.parse(address), 80, method, 1, 0, 0, null, 0, null,
        new ObjectRef("RealServer", "default", address));
  }

  static IpvsService service(IpAddress vip, ForwardingMethod method) {
    return new IpvsService(ServiceKey.of(Protocol.TCP, vip, 80), vip, "rr", 0, 0, 0xffffffffL,
        List.of(dest("10.0.1.11", method), dest("10.0.1.12", method), dest("10.0.1.13", method)), null, CHECK,
        new ObjectRef("VirtualService", "default", "vs-" + vip));
  }

  static DirectorPlan plan() {
    return new DirectorPlan("edge", List.of("lvs-01", "lvs-02"), "hvg0", List.of(GATE_VIP, MASQ_VIP), null,
        new TreeMap<>(), null, null, List.of(service(GATE_VIP, ForwardingMethod.GATE),
            service(MASQ_VIP, ForwardingMethod.MASQ)));
  }

  @Test
  void aGateVipResolvedAsANeighbourGetsItsGateDestinationsEditedAgainAndTheEntryDeleted() throws Exception {
    director.offer(new Director.Target(plan(), "h1", false));
    assertThat(director.runPending().converged()).isTrue();
    kernel.resetCounts();
    // What the poisoned route leaves: the director resolving its gate VIP on the real servers' side. Beside it, the
    // masq VIP (no gate destination: nothing to cure), a real server, and the gate VIP set by hand on another link.
    sh("ip", "-n", NS, "neigh", "add", GATE_VIP.toString(), "dev", "hvg0", "lladdr", "02:00:00:00:00:10", "nud",
        "stale");
    sh("ip", "-n", NS, "neigh", "add", MASQ_VIP.toString(), "dev", "hvg0", "lladdr", "02:00:00:00:00:20", "nud",
        "stale");
    sh("ip", "-n", NS, "neigh", "add", "10.0.1.13", "dev", "hvg0", "lladdr", "02:00:00:00:00:13", "nud", "stale");
    sh("ip", "-n", NS, "neigh", "add", GATE_VIP.toString(), "dev", "hvg1", "lladdr", "02:00:00:00:00:11", "nud",
        "permanent");

    KernelWatch.GateRoutes standby = NetNamespace.run(NS, () -> {
      try (KernelWatch w = watch()) {
        return w.refreshGateRoutes();
      }
    });
    assertThat(standby.found()).as("a VIP this director does not hold: a standby may resolve the active's")
        .isEmpty();
    assertThat(kernel.totalOperations()).isZero();
    assertThat(sh("ip", "-n", NS, "neigh", "show")).contains("198.51.100.10 dev hvg0");

    sh("ip", "-n", NS, "addr", "add", GATE_VIP + "/32", "dev", "hvg1"); // held: this director is the active
    KernelWatch.GateRoutes first = NetNamespace.run(NS, () -> {
      try (KernelWatch w = watch()) {
        return w.refreshGateRoutes();
      }
    });

    assertThat(first.found()).extracting(n -> n.address() + " " + n.stateName()).containsExactly(
        "198.51.100.10 STALE");
    assertThat(first.edited()).isEqualTo(3);
    assertThat(first.failures()).isEmpty();
    assertThat(kernel.count(Op.EDIT_DEST)).as("the gate service's three destinations").isEqualTo(3);
    assertThat(kernel.totalOperations()).isEqualTo(3);
    assertThat(kernel.destinations(ServiceKey.of(Protocol.TCP, GATE_VIP, 80))).allSatisfy(d -> {
      assertThat(d.weight()).as("edited as it stood").isEqualTo(1);
      assertThat(d.forwardMethod()).isEqualTo(3);
    });
    assertThat(repairs).as("no pass ran meanwhile").hasValue(0);
    String left = sh("ip", "-n", NS, "neigh", "show");
    assertThat(left).doesNotContain("198.51.100.10 dev hvg0")
        .contains("198.51.100.10 dev hvg1", "198.51.100.20 dev hvg0", "10.0.1.13 dev hvg0");
    assertThat(KernelWatch.describe("edge", first)).contains("198.51.100.10 (STALE)", "edited 3 gate destination");

    kernel.resetCounts();
    KernelWatch.GateRoutes second = NetNamespace.run(NS, () -> {
      try (KernelWatch w = watch()) {
        return w.refreshGateRoutes();
      }
    });
    assertThat(second.found()).as("cured: nothing found again").isEmpty();
    assertThat(kernel.totalOperations()).isZero();
  }

  KernelWatch watch() {
    return watch(kernel);
  }

  KernelWatch watch(IpvsKernel k) {
    return new KernelWatch(k, new NeighbourTable(), new AddressTable(), director, "edge", repairs::incrementAndGet,
        Duration.ofSeconds(1));
  }

  @Test
  void aPassThatRanDuringTheCureIsFollowedByAFullPass() throws Exception {
    director.offer(new Director.Target(plan(), "h1", false));
    assertThat(director.runPending().converged()).isTrue();
    sh("ip", "-n", NS, "addr", "add", GATE_VIP + "/32", "dev", "hvg1");
    sh("ip", "-n", NS, "neigh", "add", GATE_VIP.toString(), "dev", "hvg0", "lladdr", "02:00:00:00:00:10",
        "nud", "stale");
    // A pass between the cure's dump and its edits: the edits may write what the pass just changed back.
    IpvsKernel passDuringTheDump = (IpvsKernel) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {IpvsKernel.class}, (proxy, m, args) -> {
          Object r = m.invoke(kernel, args);
          if (m.getName().equals("destinations")) {
            director.offer(new Director.Target(plan(), "h2", false));
            director.runPending();
          }
          return r;
        });

    KernelWatch.GateRoutes g = NetNamespace.run(NS, () -> {
      try (KernelWatch w = watch(passDuringTheDump)) {
        return w.refreshGateRoutes();
      }
    });

    assertThat(g.edited()).isEqualTo(3);
    assertThat(repairs).as("the full pass asked for").hasValue(1);
  }

  @Test
  void onlyTheVipsOfServicesWithAGateDestinationAreLookedFor() {
    assertThat(KernelWatch.gateVips(plan())).containsExactly(GATE_VIP);
  }
}
