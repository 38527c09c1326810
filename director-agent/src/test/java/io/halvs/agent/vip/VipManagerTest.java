package io.halvs.agent.vip;

import static org.assertj.core.api.Assertions.assertThat;

import io.halvs.agent.metrics.AgentMetrics;
import io.halvs.agent.metrics.AgentMetrics.NetlinkOp;
import io.halvs.agent.netlink.AddressTable;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * VIPs on their own interfaces and prefixes, several gateways; what halvs did not add is never removed. The
 * election reasserts the VIPs every second on its tick: holding what is already held is one listing of each
 * interface, not a request per VIP (1,000 at full size); what someone removed is put back.
 */
class VipManagerTest {
  final AddressTable table = AddressTable.inMemory();
  final VipManager vips = new VipManager(table);

  static DirectorPlan plan(List<DirectorPlan.VipPlan> settings, List<DirectorPlan.GatewayPlan> gateways,
      String... vips) {
    List<IpAddress> addresses = java.util.Arrays.stream(vips).map(IpAddress::parse).sorted().toList();
    return new DirectorPlan("lvs", List.of("a", "b"), "eth0", addresses,
        gateways.isEmpty() ? null : gateways.get(0), new TreeMap<>(), null, null, List.of(), null, settings,
        gateways.size() > 1 ? gateways.subList(1, gateways.size()) : List.of());
  }

  static DirectorPlan.VipPlan vip(String address, int prefix, String ifname) {
    return new DirectorPlan.VipPlan(IpAddress.parse(address), prefix, ifname);
  }

  List<String> on(String ifname) {
    return table.list(ifname).stream().map(a -> a.address() + "/" + a.prefixLength()).sorted().toList();
  }

  /** The election's warm-up at its start: hold and release run on a table of their own, not counted. */
  @Test
  void aWarmUpTouchesNeitherTheDirectorsAddressesNorTheMetrics() {
    DirectorPlan p = plan(List.of(), List.of(new DirectorPlan.GatewayPlan(IpAddress.parse("10.0.1.254"), 24,
        "eth1")), "192.0.2.1", "192.0.2.2");
    AgentMetrics metrics = AgentMetrics.get();
    long added = metrics.netlinkOperations(NetlinkOp.ADD_ADDR);
    long removed = metrics.netlinkOperations(NetlinkOp.DEL_ADDR);
    VipManager.warmUp(p);
    assertThat(on("eth0")).isEmpty();
    assertThat(metrics.netlinkOperations(NetlinkOp.ADD_ADDR)).isEqualTo(added);
    assertThat(metrics.netlinkOperations(NetlinkOp.DEL_ADDR)).isEqualTo(removed);
    vips.hold(p); // the director's own: counted
    assertThat(metrics.netlinkOperations(NetlinkOp.ADD_ADDR)).isEqualTo(added + 3);
  }

  @Test
  void eachVipGoesToItsInterfaceWithItsPrefixAndEveryGatewayIsHeld() {
    table.add("eth0", IpAddress.parse("192.0.2.250"), 24, null); // the host's own address
    DirectorPlan p = plan(List.of(vip("198.51.100.7", 24, "eth2")),
        List.of(new DirectorPlan.GatewayPlan(IpAddress.parse("10.0.1.254"), 24, "eth1"),
            new DirectorPlan.GatewayPlan(IpAddress.parse("10.0.2.254"), 24, "eth3")),
        "192.0.2.1", "198.51.100.7");
    assertThat(p.vipPlans()).containsExactly(vip("192.0.2.1", 32, "eth0"), vip("198.51.100.7", 24, "eth2"));

    vips.hold(p);
    assertThat(on("eth0")).containsExactly("192.0.2.1/32", "192.0.2.250/24");
    assertThat(on("eth2")).containsExactly("198.51.100.7/24");
    assertThat(on("eth1")).containsExactly("10.0.1.254/24");
    assertThat(on("eth3")).containsExactly("10.0.2.254/24");

    // The VIP moves back to the default interface and prefix: it leaves eth2; the gateways stay.
    DirectorPlan moved = plan(List.of(), p.gateways(), "192.0.2.1", "198.51.100.7");
    assertThat(vips.hold(moved)).contains("removed vip 198.51.100.7/24 from eth2",
        "added vip 198.51.100.7/32 on eth0");
    assertThat(on("eth2")).isEmpty();
    assertThat(on("eth0")).containsExactly("192.0.2.1/32", "192.0.2.250/24", "198.51.100.7/32");
    assertThat(on("eth1")).containsExactly("10.0.1.254/24");

    vips.release(moved);
    assertThat(on("eth0")).containsExactly("192.0.2.250/24");
    assertThat(on("eth1")).isEmpty();
    assertThat(on("eth3")).isEmpty();
  }

  @Test
  void reassertingHeldVipsOnTwoInterfacesIsOneListingEach() {
    DirectorPlan p = plan(List.of(vip("198.51.100.7", 24, "eth2")), List.of(), "192.0.2.1", "198.51.100.7");
    vips.hold(p);
    long before = vips.tableCalls();
    assertThat(vips.hold(p)).isEmpty();
    assertThat(vips.tableCalls()).as("eth0 and eth2 listed, no add").isEqualTo(before + 2);

    table.remove("eth2", IpAddress.parse("198.51.100.7"), 24);
    assertThat(vips.hold(p)).containsExactly("added vip 198.51.100.7/24 on eth2");
    assertThat(on("eth2")).containsExactly("198.51.100.7/24");
  }

  static DirectorPlan plan(int count) {
    List<IpAddress> addresses = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      addresses.add(IpAddress.parse("10." + (100 + i / 250) + "." + (i % 250) + ".1"));
    }
    return new DirectorPlan("edge", List.of("lvs-01", "lvs-02"), "eth0", addresses, null, new TreeMap<>(), null,
        null, List.of());
  }

  /**
   * A standby's reassert: nothing held is one listing of each interface, no request per VIP. What is held goes,
   * matched by address and prefix as the kernel's removal matches; the host's own addresses stay.
   */
  @Test
  void releasingIsOneListingOfEachInterfaceAndRemovesOnlyWhatItShows() {
    DirectorPlan p = plan(List.of(), List.of(new DirectorPlan.GatewayPlan(IpAddress.parse("10.0.1.254"), 24,
        "eth1")), plan(1000).vips().stream().map(IpAddress::toString).toArray(String[]::new));
    table.add("eth0", IpAddress.parse("192.0.2.250"), 24, null); // the host's own
    assertThat(vips.release(p)).isEmpty();
    assertThat(vips.tableCalls()).as("eth0 and eth1 listed, nothing removed").isEqualTo(2);

    vips.hold(p);
    IpAddress other = p.vips().get(7);
    table.remove("eth0", other, 32);
    table.add("eth0", other, 24, null); // the plan's address with another prefix: not the plan's VIP
    long before = vips.tableCalls();
    List<String> changes = vips.release(p);
    assertThat(changes).hasSize(1000).contains("removed vip " + p.vips().get(0) + " from eth0",
        "removed gateway 10.0.1.254").doesNotContain("removed vip " + other + " from eth0");
    assertThat(vips.tableCalls() - before).as("two listings; 999 VIPs removed in 16 requests, the gateway in one")
        .isEqualTo(2 + 16 + 1);
    assertThat(on("eth0")).containsExactly(other + "/24", "192.0.2.250/24");
    assertThat(on("eth1")).isEmpty();
  }

  @Test
  void reassertingHeldVipsIsOneListing() {
    DirectorPlan plan = plan(1000);
    List<List<DirectorPlan.VipPlan>> streamed = new ArrayList<>();
    assertThat(vips.hold(plan, streamed::add)).hasSize(1000);
    assertThat(vips.tableCalls()).as("one listing; the adds 64 to a request").isEqualTo(1 + 16);
    assertThat(streamed).as("each request's VIPs given to the announcer as soon as they are added").hasSize(16);
    assertThat(streamed.stream().flatMap(List::stream).toList()).containsExactlyElementsOf(plan.vipPlans());

    assertThat(vips.hold(plan)).isEmpty();
    assertThat(vips.tableCalls()).as("one listing, no add").isEqualTo(1 + 16 + 1);

    IpAddress gone = plan.vips().get(17);
    table.remove("eth0", gone, 32);
    assertThat(vips.hold(plan)).containsExactly("added vip " + gone + "/32 on eth0");
    assertThat(vips.tableCalls()).isEqualTo(1 + 16 + 1 + 2);
    assertThat(table.list("eth0")).hasSize(1000);
  }

  @Test
  void aLogLineNamesAFewChangesAndCountsTheRest() {
    List<String> few = List.of("added vip 10.0.0.1/32 on eth0", "removed vip 10.0.0.2 from eth0");
    assertThat(VipManager.summary(few)).isEqualTo("added vip 10.0.0.1/32 on eth0, removed vip 10.0.0.2 from eth0");
    List<String> many = new ArrayList<>(vips.hold(plan(1000)));
    many.add("removed vip 10.0.0.2 from eth0");
    assertThat(VipManager.summary(many)).startsWith("added vip 10.100.0.1/32 on eth0, added vip 10.100.1.1/32 on eth0,")
        .endsWith(" and 996 more (1001 changes: 1000 added, 1 removed)").hasSizeLessThan(300);
  }
}
