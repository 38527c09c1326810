package io.halvs.plan;

import static io.halvs.plan.Fixtures.pair;
import static io.halvs.plan.Fixtures.real;
import static io.halvs.plan.Fixtures.service;
import static org.assertj.core.api.Assertions.assertThat;

import io.halvs.api.v1alpha1.IpFamily;
import io.halvs.api.v1alpha1.MarkingRule;
import io.halvs.api.v1alpha1.Protocol;
import io.halvs.api.v1alpha1.VirtualService;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A firewall-mark service's marking: flattened into the pair's markRules, and what the plan refuses or warns of. */
class MarkingTest {

  static MarkingRule rule(Protocol protocol, List<String> destinations, List<String> ports) {
    MarkingRule m = new MarkingRule();
    m.setProtocol(protocol);
    m.setDestinations(destinations);
    m.setPorts(ports);
    return m;
  }

  static VirtualService fwmark(String name, long mark, List<String> vips, MarkingRule... marking) {
    VirtualService vs = service("default", name, "lvs", null, 80, "web");
    vs.getSpec().setPort(null);
    vs.getSpec().setFirewallMark(mark);
    vs.getSpec().setVips(vips);
    vs.getSpec().setMarking(marking.length == 0 ? null : new ArrayList<>(List.of(marking)));
    return vs;
  }

  static PlanResult build(VirtualService... services) {
    return PlanBuilder.build(new PlanInput(List.of(pair("lvs", "n1", "n2")), List.of(services),
        List.of(real("default", "a", "10.0.0.1", 1, "web"), real("default", "b", "2001:db8:1::1", 1, "web6"))));
  }

  static List<String> rules(PlanResult r) {
    return r.plans().get("lvs").markRules().stream().map(m -> m.mark() + " " + m.describe()).toList();
  }

  static List<String> errors(PlanResult r) {
    return r.findings().stream().filter(f -> f.severity() == Finding.Severity.ERROR)
        .map(f -> f.object().name() + " " + f.field() + " " + f.reason()).toList();
  }

  @Test
  void flattensEachDestinationTimesEachPortRangeSortedAndDistinct() {
    PlanResult r = build(fwmark("portal", 10, List.of("192.0.2.10"),
        rule(Protocol.TCP, null, List.of("443", "80", "8000-8099")),
        rule(Protocol.TCP, List.of("198.51.100.0/28", "192.0.2.10"), List.of("80")),
        rule(null, List.of("198.51.100.32/27"), null),
        rule(Protocol.UDP, List.of("198.51.100.16/28"), List.of())));
    // UDP to prefixes that are not its VIPs: one warning that heartbeats could be caught (below).
    assertThat(r.findings()).extracting(Finding::reason).containsExactly("MarkingMayCatchHeartbeats");
    // 192.0.2.10 TCP 80 is named twice (vips by default, and explicitly): one rule.
    assertThat(rules(r)).containsExactly(
        "10 192.0.2.10 TCP 80", "10 192.0.2.10 TCP 443", "10 192.0.2.10 TCP 8000-8099",
        "10 198.51.100.0/28 TCP 80", "10 198.51.100.16/28 UDP any port", "10 198.51.100.32/27 any protocol");
    MarkRule any = r.plans().get("lvs").markRules().get(5);
    assertThat(any.protocol()).isNull();
    assertThat(any.anyPort()).isTrue();
  }

  @Test
  void aServiceWithoutMarkingHasNoRules() {
    PlanResult r = build(fwmark("plain", 10, List.of("192.0.2.10")));
    assertThat(r.findings()).isEmpty();
    assertThat(r.plans().get("lvs").markRules()).isEmpty();
  }

  @Test
  void ipv6RulesOfAnIpv6Service() {
    VirtualService vs = fwmark("six", 11, null, rule(Protocol.SCTP, List.of("2001:db8::/64"), List.of("3868")));
    vs.getSpec().setIpFamily(IpFamily.IPV6);
    vs.getSpec().getRealServerSelector().setMatchLabels(java.util.Map.of("app", "web6"));
    PlanResult r = build(vs);
    assertThat(r.findings()).isEmpty();
    assertThat(rules(r)).containsExactly("11 2001:db8::/64 SCTP 3868");
  }

  /** What admission refuses, refused again for objects that never saw an API server (render, GitOps). */
  @Test
  void badMarkingIsRefusedWithTheFieldNamed() {
    VirtualService port = service("default", "port", "lvs", "192.0.2.1", 80, "web");
    port.getSpec().setMarking(List.of(rule(Protocol.TCP, null, List.of("80"))));
    PlanResult r = build(port,
        fwmark("noproto", 1, List.of("192.0.2.10"), rule(null, null, List.of("80"))),
        fwmark("range", 2, List.of("192.0.2.10"), rule(Protocol.TCP, null, List.of("90-80"))),
        fwmark("zero", 3, List.of("192.0.2.10"), rule(Protocol.TCP, null, List.of("0"))),
        fwmark("word", 4, List.of("192.0.2.10"), rule(Protocol.TCP, null, List.of("http"))),
        fwmark("host", 5, List.of("192.0.2.10"), rule(null, List.of("192.0.2.10/28"), null)),
        fwmark("family", 6, List.of("192.0.2.10"), rule(null, List.of("2001:db8::1"), null)),
        fwmark("nothing", 7, null, rule(Protocol.TCP, null, List.of("80"))),
        fwmark("name", 8, List.of("192.0.2.10"), rule(null, List.of("www.example.com"), null)),
        fwmark("len", 9, List.of("192.0.2.10"), rule(null, List.of("192.0.2.0/33"), null)));
    assertThat(errors(r)).containsExactlyInAnyOrder(
        "port spec.marking Invalid",
        "noproto spec.marking[0].ports PortsNeedProtocol",
        "range spec.marking[0].ports[0] InvalidPort",
        "zero spec.marking[0].ports[0] InvalidPort",
        "word spec.marking[0].ports[0] InvalidPort",
        "host spec.marking[0].destinations[0] HostBitsSet",
        "family spec.marking[0].destinations[0] AddressFamilyMismatch",
        "nothing spec.marking[0].destinations NothingToMark",
        "name spec.marking[0].destinations[0] InvalidDestination",
        "len spec.marking[0].destinations[0] InvalidDestination");
    assertThat(r.plans().get("lvs").services()).isEmpty();
    assertThat(r.plans().get("lvs").markRules()).isEmpty();
    assertThat(r.findings()).filteredOn(f -> f.object().name().equals("host")).first()
        .satisfies(f -> assertThat(f.message()).contains("192.0.2.0/28"));
  }

  @Test
  void tooManyFlattenedRulesAreRefused() {
    List<String> destinations = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      destinations.add("10.1." + i + ".0/24");
    }
    List<String> ports = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      ports.add(Integer.toString(1000 + i));
    }
    MarkingRule big = rule(Protocol.TCP, destinations, ports); // 512 rules
    PlanResult ok = build(fwmark("two", 1, null, big, big));
    assertThat(ok.findings()).isEmpty();
    assertThat(ok.plans().get("lvs").markRules()).hasSize(512); // the same 512 twice
    PlanResult r = build(fwmark("three", 1, null, big, big, rule(Protocol.UDP, destinations, ports)));
    assertThat(errors(r)).containsExactly("three spec.marking TooManyMarkRules");
  }

  @Test
  void aPrefixOfEveryAddressIsAWarning() {
    PlanResult r = build(fwmark("all", 1, null, rule(Protocol.TCP, List.of("0.0.0.0/0"), List.of("25"))));
    assertThat(errors(r)).isEmpty();
    assertThat(r.findings()).extracting(Finding::reason).containsExactly("MarksEveryAddress");
    assertThat(rules(r)).containsExactly("1 0.0.0.0/0 TCP 25");
  }

  /** The later rule would steal the earlier one's packets: the younger service is left out, naming the other. */
  @Test
  void overlappingRulesWithDifferentMarksLeaveTheYoungerServiceOut() {
    VirtualService old = fwmark("old", 10, null, rule(Protocol.TCP, List.of("198.51.100.0/24"), List.of("8000-8099")));
    old.getMetadata().setCreationTimestamp("2026-01-01T00:00:00Z");
    VirtualService young = fwmark("young", 11, null,
        rule(Protocol.TCP, List.of("198.51.100.16/28"), List.of("8050-8200")));
    young.getMetadata().setCreationTimestamp("2026-02-01T00:00:00Z");
    PlanResult r = build(young, old);
    assertThat(errors(r)).containsExactly("young spec.marking MarkingOverlap");
    assertThat(r.findings().get(0).message()).contains("default/old", "198.51.100.16/28 TCP 8050-8200",
        "198.51.100.0/24 TCP 8000-8099");
    assertThat(rules(r)).containsExactly("10 198.51.100.0/24 TCP 8000-8099");
    assertThat(r.plans().get("lvs").services()).extracting(s -> s.key().firewallMark()).containsExactly(10L);
  }

  @Test
  void disjointRulesOfTwoServicesBothStay() {
    PlanResult r = build(
        fwmark("a", 10, null, rule(Protocol.TCP, List.of("198.51.100.0/25"), List.of("80"))),
        fwmark("b", 11, null, rule(Protocol.TCP, List.of("198.51.100.128/25"), List.of("80"))),
        fwmark("c", 12, null, rule(Protocol.UDP, List.of("198.51.100.0/24"), List.of("80"))),
        fwmark("d", 13, null, rule(Protocol.TCP, List.of("198.51.100.0/24"), List.of("81-90"))));
    assertThat(r.findings()).isEmpty();
    assertThat(rules(r)).hasSize(4);
  }

  @Test
  void anyProtocolOverlapsEveryProtocol() {
    VirtualService a = fwmark("a", 10, List.of("192.0.2.10"), rule(null, null, null));
    a.getMetadata().setCreationTimestamp("2026-01-01T00:00:00Z");
    VirtualService b = fwmark("b", 11, null, rule(Protocol.SCTP, List.of("192.0.2.0/24"), List.of("9")));
    b.getMetadata().setCreationTimestamp("2026-02-01T00:00:00Z");
    assertThat(errors(build(a, b))).containsExactly("b spec.marking MarkingOverlap");
  }

  /** IPVS looks a mark up before address and port: the port service would get nothing. Maybe meant: a warning. */
  @Test
  void markingAPortServicesVipAndPortWarns() {
    VirtualService web = service("default", "web", "lvs", "192.0.2.10", 443, "web");
    VirtualService dns = service("default", "dns", "lvs", "192.0.2.10", 53, "web");
    dns.getSpec().setProtocol(Protocol.UDP);
    PlanResult r = build(web, dns,
        fwmark("portal", 10, null, rule(Protocol.TCP, List.of("192.0.2.0/28"), List.of("80", "400-500"))));
    assertThat(errors(r)).isEmpty();
    assertThat(r.findings()).extracting(f -> f.object().name() + " " + f.reason())
        .containsExactly("portal MarkingShadowsService");
    assertThat(r.findings().get(0).message()).contains("192.0.2.10:443/TCP", "default/web");
    assertThat(r.plans().get("lvs").services()).hasSize(3);
  }

  /** Sync datagrams marked would be scheduled to the real servers: the service is left out. */
  @Test
  void markingTheSyncDaemonsGroupAndPortIsRefused() {
    PlanResult r = build(fwmark("multicast", 1, null, rule(Protocol.UDP, List.of("224.0.0.0/4"), List.of("8848"))),
        fwmark("otherport", 2, null, rule(Protocol.UDP, List.of("224.0.0.0/4"), List.of("5000"))));
    assertThat(errors(r)).containsExactly("multicast spec.marking MarkingCatchesSync");
    assertThat(r.findings().get(0).message()).contains("sync daemon", "224.0.0.81:8848");
    assertThat(rules(r)).containsExactly("2 224.0.0.0/4 UDP 5000");
  }

  /** Heartbeats go to the peer's node address (unknown to the plan): a warning when a rule could catch them. */
  @Test
  void aRuleThatMayCatchHeartbeatsWarns() {
    PlanResult r = build(
        fwmark("wide", 1, null, rule(Protocol.UDP, List.of("10.0.0.0/8"), List.of("8000-9000"))),
        fwmark("vipsonly", 2, List.of("192.0.2.10"), rule(null, null, null)),
        fwmark("tcp", 3, null, rule(Protocol.TCP, List.of("10.0.0.0/8"), List.of("8849"))));
    assertThat(errors(r)).isEmpty();
    assertThat(r.findings()).extracting(f -> f.object().name() + " " + f.reason())
        .containsExactly("wide MarkingMayCatchHeartbeats");
    assertThat(r.findings().get(0).message()).contains("UDP port 8849");
  }

  @Test
  void markRuleOverlapAndContainment() {
    MarkRule wide = new MarkRule(1, "TCP", IpAddress.parse("10.0.0.0"), 8, 0, 0);
    MarkRule narrow = new MarkRule(2, "TCP", IpAddress.parse("10.1.2.0"), 24, 80, 80);
    MarkRule other = new MarkRule(2, "TCP", IpAddress.parse("11.0.0.0"), 8, 80, 80);
    MarkRule udp = new MarkRule(2, "UDP", IpAddress.parse("10.1.2.0"), 24, 80, 80);
    MarkRule six = new MarkRule(2, null, IpAddress.parse("::"), 0, 0, 0);
    assertThat(wide.overlaps(narrow)).isTrue();
    assertThat(narrow.overlaps(wide)).isTrue();
    assertThat(wide.overlaps(other)).isFalse();
    assertThat(wide.overlaps(udp)).isFalse();
    assertThat(six.overlaps(wide)).isFalse();
    assertThat(narrow.contains(IpAddress.parse("10.1.2.255"))).isTrue();
    assertThat(narrow.contains(IpAddress.parse("10.1.3.0"))).isFalse();
    assertThat(narrow.matches("TCP", 80)).isTrue();
    assertThat(narrow.matches("TCP", 81)).isFalse();
    assertThat(six.contains(IpAddress.parse("2001:db8::1"))).isTrue();
    assertThat(six.contains(IpAddress.parse("10.0.0.1"))).isFalse();
    MarkRule block = new MarkRule(3, null, IpAddress.parse("192.0.2.0"), 28, 0, 0); // not on a byte boundary
    assertThat(block.contains(IpAddress.parse("192.0.2.15"))).isTrue();
    assertThat(block.contains(IpAddress.parse("192.0.2.16"))).isFalse();
    assertThat(block.overlaps(new MarkRule(4, "TCP", IpAddress.parse("192.0.2.8"), 29, 1, 1))).isTrue();
    assertThat(block.overlaps(new MarkRule(4, "TCP", IpAddress.parse("192.0.2.16"), 29, 1, 1))).isFalse();
  }
}
