package io.halvs.plan;

import static io.halvs.plan.Fixtures.pair;
import static io.halvs.plan.Fixtures.real;
import static io.halvs.plan.Fixtures.service;
import static org.assertj.core.api.Assertions.assertThat;

import io.halvs.api.v1alpha1.Forwarding;
import io.halvs.api.v1alpha1.ForwardingMethod;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.Tunnel;
import io.halvs.api.v1alpha1.TunnelType;
import io.halvs.api.v1alpha1.VirtualService;
import java.util.List;
import org.junit.jupiter.api.Test;

class RealServerNodesTest {

  static VirtualService vs(String name, String vip, int port, ForwardingMethod method, TunnelType tunnel,
      Integer guePort) {
    VirtualService vs = service("default", name, "lvs", vip, port, "web");
    Forwarding f = new Forwarding();
    f.setMethod(method);
    if (tunnel != null) {
      Tunnel t = new Tunnel();
      t.setType(tunnel);
      t.setPort(guePort);
      f.setTunnel(t);
    }
    vs.getSpec().setForwarding(f);
    return vs;
  }

  static RealServer on(String name, String address, String node) {
    RealServer rs = real("default", name, address, 1, "web");
    rs.getSpec().setNodeName(node);
    return rs;
  }

  static PlanResult build(List<VirtualService> vss, List<RealServer> rss) {
    return PlanBuilder.build(new PlanInput(List.of(pair("lvs", "d1", "d2")), vss, rss));
  }

  @Test
  void aGateRealServerNodeHoldsTheVipOnLoopbackAndIgnoresArp() {
    PlanResult r = build(List.of(vs("web", "192.0.2.10", 80, ForwardingMethod.GATE, null, null),
            vs("web-tls", "192.0.2.10", 443, ForwardingMethod.GATE, null, null)),
        List.of(on("a", "10.0.0.1", "w1"), real("default", "outside", "10.0.0.9", 1, "web")));
    assertThat(r.findings()).isEmpty();
    assertThat(r.realServerNodes()).containsOnlyKeys("w1");
    RealServerNodePlan w1 = r.realServerNodes().get("w1");
    assertThat(w1.vips()).containsExactly(IpAddress.parse("192.0.2.10"));
    assertThat(w1.needs()).singleElement().satisfies(n -> {
      assertThat(n.method()).isEqualTo(ForwardingMethod.GATE);
      assertThat(n.tunnelDevice()).isNull();
      assertThat(n.pair()).isEqualTo("lvs");
    });
    assertThat(w1.sysctls()).containsExactly(java.util.Map.entry("net.ipv4.conf.all.arp_announce", "2"),
        java.util.Map.entry("net.ipv4.conf.all.arp_ignore", "1"));
    assertThat(w1.tunnelDevices()).isEmpty();
    assertThat(w1.realServers()).containsExactly(new ObjectRef("RealServer", "default", "a"));
  }

  @Test
  void tunnelsNameTheirDeviceAndLoosenItsReversePathFilter() {
    PlanResult r = build(List.of(vs("ipip", "192.0.2.11", 80, ForwardingMethod.IPIP, null, null),
            vs("gue", "192.0.2.12", 80, ForwardingMethod.IPIP, TunnelType.GUE, 6080),
            vs("gre", "192.0.2.13", 80, ForwardingMethod.IPIP, TunnelType.GRE, null),
            vs("v6", "2001:db8::10", 80, ForwardingMethod.IPIP, null, null)),
        List.of(on("a", "10.0.0.1", "w1"), on("b", "2001:db8:1::1", "w2")));
    assertThat(r.findings()).isEmpty();
    RealServerNodePlan w1 = r.realServerNodes().get("w1");
    assertThat(w1.needs()).extracting(n -> n.vip() + " " + n.tunnelType() + " " + n.tunnelPort() + " "
        + n.tunnelDevice()).containsExactly("192.0.2.11 IPIP 0 tunl0", "192.0.2.12 GUE 6080 tunl0",
        "192.0.2.13 GRE 0 gre0", "2001:db8::10 IPIP 0 sit0");
    assertThat(w1.tunnelDevices()).containsExactly("gre0", "sit0", "tunl0");
    assertThat(w1.guePorts()).containsExactly(6080);
    assertThat(w1.sysctls()).containsEntry("net.ipv4.conf.tunl0.rp_filter", "0")
        .containsEntry("net.ipv4.conf.gre0.rp_filter", "0").containsEntry("net.ipv4.conf.all.rp_filter", "0").doesNotContainKey("net.ipv4.conf.sit0.rp_filter")
        .containsEntry("net.ipv4.conf.all.arp_ignore", "1");
    // An IPv6 real server: ipip crosses families, so it serves the IPv4 VIPs too, under an IPv6 outer header.
    RealServerNodePlan w2 = r.realServerNodes().get("w2");
    assertThat(w2.vips()).hasSize(4);
    assertThat(w2.tunnelDevices()).containsExactly("ip6gre0", "ip6tnl0");
  }

  @Test
  void ipv6InIpv6NeedsNoSysctl() {
    PlanResult r = build(List.of(vs("v6", "2001:db8::10", 80, ForwardingMethod.IPIP, null, null)),
        List.of(on("b", "2001:db8:1::1", "w2")));
    RealServerNodePlan w2 = r.realServerNodes().get("w2");
    assertThat(w2.tunnelDevices()).containsExactly("ip6tnl0");
    assertThat(w2.sysctls()).as("no ARP for IPv6, no rp_filter").isEmpty();
  }

  @Test
  void masqWithANodeNameIsAWarningAndConfiguresNothing() {
    PlanResult r = build(List.of(vs("web", "192.0.2.10", 80, ForwardingMethod.MASQ, null, null)),
        List.of(on("a", "10.0.0.1", "w1")));
    assertThat(r.realServerNodes()).isEmpty();
    assertThat(r.findings()).singleElement().satisfies(f -> {
      assertThat(f.severity()).isEqualTo(Finding.Severity.WARNING);
      assertThat(f.reason()).isEqualTo("NodeNameWithMasq");
      assertThat(f.field()).isEqualTo("spec.nodeName");
    });
    assertThat(r.plans().get("lvs").services().get(0).destinations()).hasSize(1);
  }

  @Test
  void aDirectorOfThePairCannotBeADrRealServerOfItsVip() {
    RealServer d1 = on("d1", "10.0.0.1", "d1");
    RealServer other = on("b", "10.0.0.2", "w2");
    PlanResult r = build(List.of(vs("web", "192.0.2.10", 80, ForwardingMethod.GATE, null, null)), List.of(d1, other));
    assertThat(r.findings()).singleElement().satisfies(f -> {
      assertThat(f.severity()).isEqualTo(Finding.Severity.ERROR);
      assertThat(f.reason()).isEqualTo("RealServerIsDirector");
      assertThat(f.object()).isEqualTo(new ObjectRef("RealServer", "default", "d1"));
      assertThat(f.message()).contains("node d1 is a director of DirectorPair lvs");
    });
    assertThat(r.plans().get("lvs").services().get(0).destinations()).extracting(Destination::id)
        .containsExactly("10.0.0.2:80");
    assertThat(r.realServerNodes()).containsOnlyKeys("w2");
  }

  @Test
  void aDirectorOfAnotherPairMayBeARealServer() {
    var other = pair("other", "w1", "w3");
    PlanResult r = PlanBuilder.build(new PlanInput(List.of(pair("lvs", "d1", "d2"), other),
        List.of(vs("web", "192.0.2.10", 80, ForwardingMethod.GATE, null, null)), List.of(on("a", "10.0.0.1", "w1"))));
    assertThat(r.findings()).isEmpty();
    assertThat(r.realServerNodes()).containsOnlyKeys("w1");
  }

  @Test
  void aRealServerLeftOutOfTheServiceConfiguresNothing() {
    RealServer a = on("a", "10.0.0.1", "w1");
    a.getSpec().setPort(8080); // gate cannot map ports
    PlanResult r = build(List.of(vs("web", "192.0.2.10", 80, ForwardingMethod.GATE, null, null)), List.of(a));
    assertThat(r.findings()).extracting(Finding::reason).containsExactly("PortMappingNotPossible");
    assertThat(r.realServerNodes()).isEmpty();
  }

  /** A firewall-mark service's every address reaches the node: packets to any of them arrive with it as target. */
  @Test
  void aFirewallMarkServiceHoldsEveryOneOfItsAddressesOnTheNode() {
    VirtualService gate = vs("marked", null, 80, ForwardingMethod.GATE, null, null);
    gate.getSpec().setPort(null);
    gate.getSpec().setFirewallMark(7L);
    gate.getSpec().setVips(List.of("192.0.2.20", "192.0.2.21", "192.0.2.22"));
    VirtualService tunnel = vs("tunnelled", null, 80, ForwardingMethod.IPIP, TunnelType.IPIP, null);
    tunnel.getSpec().setPort(null);
    tunnel.getSpec().setFirewallMark(8L);
    tunnel.getSpec().setVips(List.of("192.0.2.30", "192.0.2.31"));
    tunnel.getSpec().getRealServerSelector().setMatchLabels(java.util.Map.of("app", "tun"));
    RealServer t = real("default", "t", "10.0.0.2", 1, "tun");
    t.getSpec().setNodeName("w2");
    PlanResult r = build(List.of(gate, tunnel), List.of(on("a", "10.0.0.1", "w1"), t));
    assertThat(r.findings()).isEmpty();
    assertThat(r.realServerNodes().get("w1").vips()).extracting(Object::toString)
        .containsExactly("192.0.2.20", "192.0.2.21", "192.0.2.22");
    RealServerNodePlan w2 = r.realServerNodes().get("w2");
    assertThat(w2.vips()).extracting(Object::toString).containsExactly("192.0.2.30", "192.0.2.31");
    assertThat(w2.needs()).extracting(RealServerNodePlan.Need::tunnelDevice).containsOnly("tunl0");
    assertThat(w2.sysctls()).containsEntry("net.ipv4.conf.tunl0.rp_filter", "0");
    // Hosts outside Kubernetes get the same, by address.
    RealServer outside = real("default", "outside", "10.0.0.9", 1, "web");
    PlanResult o = build(List.of(gate), List.of(outside));
    assertThat(RealServerNodes.outsideKubernetes(o.plans(), List.of(outside)).get(IpAddress.parse("10.0.0.9"))
        .vips()).extracting(Object::toString).containsExactly("192.0.2.20", "192.0.2.21", "192.0.2.22");
  }
}
