package io.halvs.plan;

import static io.halvs.plan.Fixtures.pair;
import static io.halvs.plan.Fixtures.real;
import static io.halvs.plan.Fixtures.service;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.FailureAction;
import io.halvs.api.v1alpha1.ForwardingMethod;
import io.halvs.api.v1alpha1.HealthCheckType;
import io.halvs.api.v1alpha1.Persistence;
import io.halvs.api.v1alpha1.Protocol;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.Scheduler;
import io.halvs.api.v1alpha1.SchedulerFlag;
import io.halvs.api.v1alpha1.VirtualService;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PlanBuilderTest {

  static PlanResult build(List<io.halvs.api.v1alpha1.DirectorPair> pairs, List<VirtualService> vss,
      List<RealServer> rss) {
    return PlanBuilder.build(new PlanInput(pairs, vss, rss));
  }

  @Test
  void resolvesDestinationsWithDefaults() {
    VirtualService vs = service("default", "web", "lvs", "192.0.2.1", 80, "web");
    RealServer b = real("default", "b", "10.0.0.2", 5, "web");
    RealServer a = real("default", "a", "10.0.0.1", 7, "web");
    a.getSpec().setPort(8080);
    PlanResult r = build(List.of(pair("lvs", "n1", "n2")), List.of(vs), List.of(b, a));
    assertThat(r.findings()).isEmpty();
    DirectorPlan p = r.plans().get("lvs");
    assertThat(p.vips()).containsExactly(IpAddress.parse("192.0.2.1"));
    IpvsService s = p.services().get(0);
    assertThat(s.key()).isEqualTo(ServiceKey.of(Protocol.TCP, IpAddress.parse("192.0.2.1"), 80));
    assertThat(s.scheduler()).isEqualTo("wlc");
    assertThat(s.flags()).isZero();
    assertThat(s.netmask()).isEqualTo(0xFFFFFFFFL);
    assertThat(s.destinations()).extracting(Destination::id, Destination::weight, Destination::method)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("10.0.0.1:8080", 7, ForwardingMethod.MASQ),
            org.assertj.core.groups.Tuple.tuple("10.0.0.2:80", 5, ForwardingMethod.MASQ));
    assertThat(s.healthCheck().type()).isEqualTo(HealthCheckType.TCP);
    assertThat(s.healthCheck().fall()).isEqualTo(3);
    assertThat(s.healthCheck().onFailure()).isEqualTo(FailureAction.QUIESCENT);
    assertThat(p.syncDaemon().multicastGroup()).isEqualTo(IpAddress.parse("224.0.0.81"));
    assertThat(p.sysctls()).containsEntry("net.ipv4.vs.expire_nodest_conn", "1")
        .doesNotContainKey("net.ipv6.conf.all.forwarding");
  }

  @Test
  void preemptionMakesTheSyncDaemonResendQuietConnections() {
    VirtualService vs = service("default", "web", "lvs", "192.0.2.1", 80, "web");
    RealServer a = real("default", "a", "10.0.0.1", 7, "web");
    io.halvs.api.v1alpha1.DirectorPair dp = pair("lvs", "n1", "n2");
    assertThat(build(List.of(dp), List.of(vs), List.of(a)).plans().get("lvs").sysctls())
        .doesNotContainKeys("net.ipv4.vs.sync_threshold", "net.ipv4.vs.sync_refresh_period");
    var ha = new io.halvs.api.v1alpha1.HighAvailability();
    ha.setPreempt(true);
    ha.setPreemptDelaySeconds(5);
    dp.getSpec().setHighAvailability(ha);
    var override = new io.halvs.api.v1alpha1.Sysctls();
    override.setOverrides(List.of(new io.halvs.api.v1alpha1.Sysctls.Sysctl("net.ipv4.vs.sync_refresh_period", "1")));
    dp.getSpec().setSysctls(override);
    assertThat(build(List.of(dp), List.of(vs), List.of(a)).plans().get("lvs").sysctls())
        .containsEntry("net.ipv4.vs.sync_threshold", "3 0")
        .containsEntry("net.ipv4.vs.sync_refresh_period", "1"); // an override still wins
    override.setOverrides(null);
    ha.setPreemptDelaySeconds(600);
    assertThat(build(List.of(dp), List.of(vs), List.of(a)).plans().get("lvs").sysctls())
        .containsEntry("net.ipv4.vs.sync_refresh_period", "10");
  }

  @Test
  void connectionTimeoutsArePlannedWithZeroForTheOnesLeftToTheKernel() {
    DirectorPair dp = Fixtures.pair("lvs", "a", "b");
    dp.getSpec().setConnectionTimeouts(new io.halvs.api.v1alpha1.ConnectionTimeouts(7200, null, 60));
    PlanResult r = PlanBuilder.build(new PlanInput(List.of(dp), List.of(), List.of()));
    assertThat(r.findings()).isEmpty();
    assertThat(r.plans().get("lvs").connectionTimeouts()).isEqualTo(new DirectorPlan.TimeoutsPlan(7200, 0, 60));

    DirectorPair none = Fixtures.pair("lvs", "a", "b");
    none.getSpec().setConnectionTimeouts(new io.halvs.api.v1alpha1.ConnectionTimeouts());
    assertThat(PlanBuilder.build(new PlanInput(List.of(none), List.of(), List.of())).plans().get("lvs")
        .connectionTimeouts()).as("an empty block leaves the kernel alone").isNull();
  }

  /** The Lease term reaches the plan; unset stays unset (the agent's default), under 4 intervals is refused. */
  @Test
  void theLeaseTermIsPlannedAndOneUnderFourIntervalsIsRefused() {
    DirectorPair dp = Fixtures.pair("lvs", "a", "b");
    assertThat(PlanBuilder.build(new PlanInput(List.of(dp), List.of(), List.of())).plans().get("lvs")
        .highAvailability().leaseDurationSeconds()).isNull();
    var ha = new io.halvs.api.v1alpha1.HighAvailability();
    ha.setLeaseDurationSeconds(15);
    dp.getSpec().setHighAvailability(ha);
    PlanResult r = PlanBuilder.build(new PlanInput(List.of(dp), List.of(), List.of()));
    assertThat(r.findings()).isEmpty();
    assertThat(r.plans().get("lvs").highAvailability().leaseDurationSeconds()).isEqualTo(15);
    ha.setAdvertIntervalMillis(5000); // 4 intervals: 20 s
    r = PlanBuilder.build(new PlanInput(List.of(dp), List.of(), List.of()));
    assertThat(r.plans()).isEmpty();
    assertThat(r.findings()).extracting(Finding::field).containsExactly("spec.highAvailability.leaseDurationSeconds");
  }

  /** 0 is the kernel's "unchanged" and more than INT_MAX / HZ seconds is EINVAL: neither can be set. */
  @Test
  void connectionTimeoutsTheKernelCannotTakeAreRefused() {
    DirectorPair dp = Fixtures.pair("lvs", "a", "b");
    dp.getSpec().setConnectionTimeouts(new io.halvs.api.v1alpha1.ConnectionTimeouts(0, 2147484, 2147483));
    PlanResult r = PlanBuilder.build(new PlanInput(List.of(dp), List.of(), List.of()));
    assertThat(r.plans()).isEmpty();
    assertThat(r.findings()).extracting(Finding::field)
        .containsExactly("spec.connectionTimeouts.tcpFinSeconds", "spec.connectionTimeouts.tcpSeconds");
  }

  /** keepalived's "virtual_ipaddress { A/N dev IF }": per VIP; the default ones stay out of vipSettings. */
  @Test
  void vipInterfaceAndPrefixPerVipAndSeveralGateways() {
    DirectorPair dp = pair("lvs", "n1", "n2");
    io.halvs.api.v1alpha1.Gateway g1 = new io.halvs.api.v1alpha1.Gateway();
    g1.setAddress("10.0.1.254");
    g1.setPrefixLength(24);
    g1.setInterfaceName("eth1");
    io.halvs.api.v1alpha1.Gateway g2 = new io.halvs.api.v1alpha1.Gateway();
    g2.setAddress("fd00::1");
    g2.setPrefixLength(64);
    g2.setInterfaceName("eth1");
    dp.getSpec().setGateway(g1);
    dp.getSpec().setMoreGateways(List.of(g2));
    VirtualService a = service("default", "a", "lvs", "192.0.2.1", 80, "web");
    VirtualService b = service("default", "b", "lvs", "198.51.100.7", 80, "web");
    b.getSpec().setVipInterface("eth2");
    b.getSpec().setVipPrefixLength(24);
    VirtualService c = service("default", "c", "lvs", "198.51.100.7", 443, "web"); // the same VIP, said otherwise
    b.getMetadata().setCreationTimestamp("2020-01-01T00:00:00Z");
    c.getMetadata().setCreationTimestamp("2030-01-01T00:00:00Z");
    PlanResult r = build(List.of(dp), List.of(a, b, c), List.of(real("default", "x", "10.0.0.1", 1, "web")));
    DirectorPlan p = r.plans().get("lvs");
    assertThat(p.vipSettings()).containsExactly(new DirectorPlan.VipPlan(IpAddress.parse("198.51.100.7"), 24,
        "eth2"));
    assertThat(p.vipPlans()).extracting(v -> v.address() + "/" + v.prefixLength() + " " + v.interfaceName())
        .containsExactly("192.0.2.1/32 eth0", "198.51.100.7/24 eth2");
    assertThat(p.gateways()).extracting(g -> g.address().toString()).containsExactly("10.0.1.254", "fd00::1");
    assertThat(p.services()).hasSize(2);
    assertThat(r.findings()).filteredOn(f -> f.severity() == Finding.Severity.ERROR).singleElement()
        .satisfies(f -> assertThat(f.reason()).isEqualTo("VipSettingsConflict"))
        .satisfies(f -> assertThat(f.object().name()).isEqualTo("c"));
  }

  /** ldirectord/keepalived fwmark services have no address of their own: none, one or many here. */
  @Test
  void aFirewallMarkServiceNamesNoneOneOrManyAddresses() {
    VirtualService many = service("default", "many", "lvs", null, 80, "web");
    many.getSpec().setPort(null);
    many.getSpec().setFirewallMark(7L);
    many.getSpec().setVips(List.of("192.0.2.10", "192.0.2.11"));
    VirtualService none = service("default", "none", "lvs", null, 80, "web6");
    none.getSpec().setPort(null);
    none.getSpec().setFirewallMark(8L);
    none.getSpec().setIpFamily(io.halvs.api.v1alpha1.IpFamily.IPV6);
    VirtualService mixed = service("default", "mixed", "lvs", null, 80, "web");
    mixed.getSpec().setPort(null);
    mixed.getSpec().setFirewallMark(9L);
    mixed.getSpec().setVips(List.of("192.0.2.12", "2001:db8::12"));
    VirtualService portWithVips = service("default", "port", "lvs", "192.0.2.13", 80, "web");
    portWithVips.getSpec().setVips(List.of("192.0.2.14"));
    PlanResult r = build(List.of(pair("lvs", "n1", "n2")), List.of(many, none, mixed, portWithVips),
        List.of(real("default", "x", "10.0.0.1", 1, "web"), real("default", "y", "2001:db8:1::1", 1, "web6")));
    DirectorPlan p = r.plans().get("lvs");
    assertThat(p.vips()).extracting(Object::toString).containsExactly("192.0.2.10", "192.0.2.11");
    assertThat(p.services()).extracting(s -> s.key().toString() + " " + s.addresses())
        .containsExactlyInAnyOrder("fwmark 7 (IPv4) [192.0.2.10, 192.0.2.11]", "fwmark 8 (IPv6) []");
    assertThat(r.findings()).filteredOn(f -> f.severity() == Finding.Severity.ERROR)
        .extracting(f -> f.object().name() + " " + f.field())
        .containsExactlyInAnyOrder("mixed spec.vips[1]", "port spec.vips");
  }

  @Test
  void drainedRealServerIsQuiescent() {
    RealServer rs = real("default", "a", "10.0.0.1", 100, "web");
    rs.getSpec().setDrain(true);
    PlanResult r = build(List.of(pair("lvs", "n1", "n2")),
        List.of(service("default", "web", "lvs", "192.0.2.1", 80, "web")), List.of(rs));
    assertThat(r.plans().get("lvs").services().get(0).destinations().get(0).weight()).isZero();
  }

  /** ip_vs_pe_sip parses UDP only; the kernel drops any other packet it is asked to schedule. */
  @Test
  void theSipPersistenceEngineIsForUdpServicesOnly() {
    VirtualService udp = service("default", "sip", "lvs", "192.0.2.1", 5060, "web");
    udp.getSpec().setProtocol(Protocol.UDP);
    Persistence p = new Persistence();
    p.setEngine(io.halvs.api.v1alpha1.PersistenceEngine.SIP);
    udp.getSpec().setPersistence(p);
    VirtualService tcp = service("default", "web", "lvs", "192.0.2.1", 80, "web");
    tcp.getSpec().setPersistence(p);
    PlanResult r = build(List.of(pair("lvs", "n1", "n2")), List.of(udp, tcp), List.of(real("default", "a",
        "10.0.0.1", 1, "web")));
    assertThat(r.plans().get("lvs").services()).singleElement().satisfies(s -> {
      assertThat(s.persistenceEngine()).isEqualTo("sip");
      assertThat(s.persistent()).isTrue();
    });
    assertThat(r.findings()).filteredOn(f -> f.severity() == Finding.Severity.ERROR).singleElement()
        .satisfies(f -> assertThat(f.field()).isEqualTo("spec.persistence.engine"))
        .satisfies(f -> assertThat(f.object().name()).isEqualTo("web"));
  }

  @Test
  void anInhibitedSorryServerIsPlanned() {
    VirtualService vs = service("default", "web", "lvs", "192.0.2.1", 80, "web");
    io.halvs.api.v1alpha1.SorryServer sorry = new io.halvs.api.v1alpha1.SorryServer();
    sorry.setAddress("10.0.9.9");
    sorry.setInhibit(true);
    sorry.setForwardingMethod(ForwardingMethod.GATE);
    vs.getSpec().setSorryServer(sorry);
    IpvsService s = build(List.of(pair("lvs", "n1", "n2")), List.of(vs), List.of()).plans().get("lvs")
        .services().get(0);
    assertThat(s.sorryServerInhibit()).isTrue();
    assertThat(s.sorryServer().method()).isEqualTo(ForwardingMethod.GATE);
  }

  @Test
  void persistenceFlagsAndSchedulerFlags() {
    VirtualService vs = service("default", "web", "lvs", "192.0.2.1", 80, "web");
    vs.getSpec().setScheduler(Scheduler.SH);
    vs.getSpec().setSchedulerFlags(List.of(SchedulerFlag.SH_FALLBACK, SchedulerFlag.SH_PORT));
    Persistence p = new Persistence();
    p.setPrefixLength(24);
    vs.getSpec().setPersistence(p);
    IpvsService s = build(List.of(pair("lvs", "n1", "n2")), List.of(vs), List.of()).plans().get("lvs")
        .services().get(0);
    assertThat(s.flags()).isEqualTo(IpvsService.F_PERSISTENT | 0x8 | 0x10);
    assertThat(s.timeoutSeconds()).isEqualTo(300);
    assertThat(s.netmask()).isEqualTo(0xFFFFFF00L);
  }

  @Test
  void ipv6ServiceTurnsOnIpv6ForwardingAndUsesPrefixLengthNetmask() {
    VirtualService vs = service("default", "web6", "lvs", "2001:DB8::10", 443, "web");
    vs.getSpec().setPersistence(new Persistence());
    PlanResult r = build(List.of(pair("lvs", "n1", "n2")), List.of(vs),
        List.of(real("default", "a", "2001:db8::a", 1, "web")));
    DirectorPlan p = r.plans().get("lvs");
    assertThat(p.vips()).extracting(IpAddress::toString).containsExactly("2001:db8::10");
    assertThat(p.services().get(0).netmask()).isEqualTo(128);
    assertThat(p.sysctls()).containsEntry("net.ipv6.conf.all.forwarding", "1");
  }

  @Test
  void duplicateServiceKeyGoesToTheOlderObject() {
    VirtualService older = service("b", "older", "lvs", "192.0.2.1", 80, "web");
    older.getMetadata().setCreationTimestamp("2026-01-01T00:00:00Z");
    VirtualService newer = service("a", "newer", "lvs", "192.0.2.1", 80, "web");
    newer.getMetadata().setCreationTimestamp("2026-03-01T00:00:00Z");
    PlanResult r = build(List.of(pair("lvs", "n1", "n2")), List.of(newer, older), List.of());
    assertThat(r.plans().get("lvs").services()).extracting(s -> s.owner().name()).containsExactly("older");
    assertThat(r.findingsFor(new ObjectRef("VirtualService", "a", "newer")))
        .extracting(Finding::reason).containsExactly("DuplicateService");
  }

  @Test
  void missingPairAndSelectorMatchingNothing() {
    PlanResult r = build(List.of(pair("lvs", "n1", "n2")),
        List.of(service("default", "lost", "nope", "192.0.2.1", 80, "x"),
            service("default", "lonely", "lvs", "192.0.2.2", 80, "nobody")), List.of());
    assertThat(r.findingsFor(new ObjectRef("VirtualService", "default", "lost")))
        .extracting(Finding::reason, Finding::severity)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("DirectorPairNotFound", Finding.Severity.ERROR));
    assertThat(r.findingsFor(new ObjectRef("VirtualService", "default", "lonely")))
        .extracting(Finding::reason, Finding::severity)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("NoRealServers", Finding.Severity.WARNING));
    // The warning keeps the service programmed (empty); the error leaves it out.
    assertThat(r.plans().get("lvs").services()).extracting(s -> s.owner().name()).containsExactly("lonely");
  }

  @Test
  void conflictingMethodsForOneRealServerWarnOnTheRealServer() {
    VirtualService nat = service("default", "nat", "lvs", "192.0.2.1", 80, "web");
    VirtualService dr = service("default", "dr", "lvs", "192.0.2.2", 80, "web");
    var f = new io.halvs.api.v1alpha1.Forwarding();
    f.setMethod(ForwardingMethod.GATE);
    dr.getSpec().setForwarding(f);
    PlanResult r = build(List.of(pair("lvs", "n1", "n2")), List.of(nat, dr),
        List.of(real("default", "a", "10.0.0.1", 1, "web")));
    assertThat(r.findingsFor(new ObjectRef("RealServer", "default", "a"))).extracting(Finding::reason)
        .containsExactly("ConflictingMethods");
    assertThat(r.plans().get("lvs").destinationCount()).isEqualTo(2);
  }

  @Test
  void selectorsRespectNamespacesAndExpressions() {
    VirtualService vs = service("team-a", "web", "lvs", "192.0.2.1", 80, "web");
    LabelSelectorRequirement notCanary = new LabelSelectorRequirement("track", "NotIn", List.of("canary"));
    vs.getSpec().getRealServerSelector().setMatchExpressions(List.of(notCanary));
    RealServer inNs = real("team-a", "a", "10.0.0.1", 1, "web");
    RealServer canary = real("team-a", "c", "10.0.0.3", 1, "web");
    canary.getMetadata().getLabels().put("track", "canary");
    RealServer otherNs = real("team-b", "b", "10.0.0.2", 1, "web");
    PlanResult r = build(List.of(pair("lvs", "n1", "n2")), List.of(vs), List.of(inNs, canary, otherNs));
    assertThat(r.plans().get("lvs").services().get(0).destinations()).extracting(d -> d.realServer().name())
        .containsExactly("a");
  }

  @Test
  void allowedNamespacesAreEnforced() {
    var dp = pair("lvs", "n1", "n2");
    dp.getSpec().setAllowedNamespaces(List.of("prod"));
    PlanResult r = build(List.of(dp), List.of(service("dev", "web", "lvs", "192.0.2.1", 80, "web")), List.of());
    assertThat(r.findings()).extracting(Finding::reason).containsExactly("NamespaceNotAllowed");
  }

  @Test
  void invalidPairLeavesItsServicesOutWithAReason() {
    var dp = pair("lvs", "n1", "n1");
    PlanResult r = build(List.of(dp), List.of(service("default", "web", "lvs", "192.0.2.1", 80, "web")), List.of());
    assertThat(r.plans()).isEmpty();
    assertThat(r.findings()).extracting(Finding::reason).contains("DirectorPairInvalid");
  }

  @Test
  void aSecondCollectorInTheAgentsJvmOptionsStoredBeforeAdmissionRefusedItInvalidatesThePair() {
    var dp = pair("lvs", "n1", "n2");
    var agent = new io.halvs.api.v1alpha1.AgentSettings();
    agent.setJvmOptions("-Xmx300m -XX:+UseG1GC -XX:MaxGCPauseMillis=30");
    dp.getSpec().setAgent(agent);
    PlanResult r = build(List.of(dp), List.of(), List.of());
    assertThat(r.plans()).isEmpty();
    Finding f = r.findingsFor(new ObjectRef("DirectorPair", null, "lvs")).get(0);
    assertThat(f.severity()).isEqualTo(Finding.Severity.ERROR);
    assertThat(f.field()).isEqualTo("spec.agent.jvmOptions");
    assertThat(f.message()).contains("Shenandoah", "refuses to start with a second one");
    // The image's own collector, and other flags, are fine.
    agent.setJvmOptions("-Xmx300m -XX:+UseShenandoahGC -XX:ShenandoahGCHeuristics=adaptive");
    assertThat(build(List.of(dp), List.of(), List.of()).plans()).containsOnlyKeys("lvs");
  }

  @Test
  void aNodeInTwoPairsRejectsTheNewerPairNamingTheOlderAndTheNode() {
    var older = pair("zeta", "n1", "n2");
    older.getMetadata().setCreationTimestamp("2026-01-01T00:00:00Z");
    var newer = pair("alpha", "n2", "n3");
    newer.getMetadata().setCreationTimestamp("2026-02-01T00:00:00Z");
    var web = service("default", "web", "zeta", "192.0.2.1", 80, "web");
    var api = service("default", "api", "alpha", "192.0.2.2", 80, "api");
    for (List<io.halvs.api.v1alpha1.DirectorPair> order : List.of(List.of(older, newer), List.of(newer, older))) {
      PlanResult r = build(order, List.of(web, api), List.of());
      // The older pair keeps serving, though the newer sorts first by name.
      assertThat(r.plans()).containsOnlyKeys("zeta");
      Finding f = r.findingsFor(new ObjectRef("DirectorPair", null, "alpha")).get(0);
      assertThat(f.severity()).isEqualTo(Finding.Severity.ERROR);
      assertThat(f.reason()).isEqualTo("NodeInOtherPair");
      assertThat(f.field()).isEqualTo("spec.nodes");
      assertThat(f.message()).contains("node n2", "DirectorPair zeta");
      assertThat(r.findingsFor(new ObjectRef("DirectorPair", null, "zeta"))).isEmpty();
      // The newer pair's services say why they are not programmed.
      assertThat(r.findingsFor(new ObjectRef("VirtualService", "default", "api"))).extracting(Finding::reason)
          .containsExactly("DirectorPairInvalid");
    }
  }

  @Test
  void aNodeInTwoPairsCreatedTogetherGoesToTheFirstByName() {
    var a = pair("a", "n1", "n2");
    var b = pair("b", "n3", "n1");
    for (var order : List.of(List.of(a, b), List.of(b, a))) {
      PlanResult r = build(order, List.of(), List.of());
      assertThat(r.plans()).containsOnlyKeys("a");
      assertThat(r.findingsFor(new ObjectRef("DirectorPair", null, "b"))).extracting(Finding::message)
          .singleElement().asString().contains("node n1", "DirectorPair a");
    }
  }

  @Test
  void aPairThatServesKeepsItsNodeAgainstOneCreatedInTheSameSecond() {
    var serving = pair("lvs", "n1", "n2");
    serving.getMetadata().setCreationTimestamp("2026-01-01T00:00:00Z");
    serving.getStatus().setPlanHash("abc");
    var newer = pair("clash", "n2", "n3"); // sorts first by name
    newer.getMetadata().setCreationTimestamp("2026-01-01T00:00:00Z");
    PlanResult r = build(List.of(newer, serving), List.of(), List.of());
    assertThat(r.plans()).containsOnlyKeys("lvs");
    assertThat(r.findingsFor(new ObjectRef("DirectorPair", null, "clash"))).extracting(Finding::reason)
        .containsExactly("NodeInOtherPair");
  }

  @Test
  void anOlderInvalidPairStillHoldsItsNodes() {
    var older = pair("old", "n1", "n1"); // invalid: the same node twice
    older.getMetadata().setCreationTimestamp("2026-01-01T00:00:00Z");
    var newer = pair("new", "n1", "n2");
    newer.getMetadata().setCreationTimestamp("2026-02-01T00:00:00Z");
    PlanResult r = build(List.of(older, newer), List.of(), List.of());
    // Fixing the older pair must not take the nodes from a newer one that serves: the newer never gets them.
    assertThat(r.plans()).isEmpty();
    assertThat(r.findingsFor(new ObjectRef("DirectorPair", null, "new"))).extracting(Finding::reason)
        .contains("NodeInOtherPair");
  }

  @Test
  void nullSpecsNeverThrow() {
    var dp = new io.halvs.api.v1alpha1.DirectorPair();
    var vs = new VirtualService();
    var rs = new RealServer();
    PlanResult r = build(List.of(dp), List.of(vs), List.of(rs));
    assertThat(r.hasErrors()).isTrue();
  }

  @Test
  void outputDoesNotDependOnInputOrder() {
    List<VirtualService> vss = new ArrayList<>();
    List<RealServer> rss = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      vss.add(service("ns" + (i % 3), "vs" + i, "lvs", "192.0.2." + (i + 1), 80 + i, "app" + (i % 4)));
      rss.add(real("ns" + (i % 3), "rs" + i, "10.0." + i + ".1", i, "app" + (i % 4)));
    }
    PlanResult first = build(List.of(pair("lvs", "n1", "n2")), vss, rss);
    Random random = new Random(42);
    for (int round = 0; round < 5; round++) {
      Collections.shuffle(vss, random);
      Collections.shuffle(rss, random);
      assertThat(build(List.of(pair("lvs", "n1", "n2")), vss, rss)).isEqualTo(first);
    }
  }
}
