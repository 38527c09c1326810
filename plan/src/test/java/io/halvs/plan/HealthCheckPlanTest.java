package io.halvs.plan;

import static io.halvs.plan.Fixtures.pair;
import static io.halvs.plan.Fixtures.real;
import static io.halvs.plan.Fixtures.service;
import static org.assertj.core.api.Assertions.assertThat;

import io.halvs.api.v1alpha1.DnsCheck;
import io.halvs.api.v1alpha1.DnsRecordType;
import io.halvs.api.v1alpha1.FailureAction;
import io.halvs.api.v1alpha1.HealthCheck;
import io.halvs.api.v1alpha1.HealthCheckOverride;
import io.halvs.api.v1alpha1.HealthCheckType;
import io.halvs.api.v1alpha1.HttpCheck;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.SmtpCheck;
import io.halvs.api.v1alpha1.TcpCheck;
import io.halvs.api.v1alpha1.UdpCheck;
import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.plan.publish.PlanCodec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Health checks in the plan: the new check types, and a RealServer's own check laid over its service's. */
class HealthCheckPlanTest {

  private static HttpCheck http(String path, String host, String body) {
    HttpCheck h = new HttpCheck();
    h.setPath(path);
    h.setHost(host);
    h.setExpectBody(body);
    return h;
  }

  private static VirtualService web(HealthCheck check) {
    VirtualService vs = service("default", "web", "lvs", "192.0.2.1", 80, "web");
    vs.getSpec().setHealthCheck(check);
    return vs;
  }

  private static PlanResult build(VirtualService vs, RealServer... rss) {
    return PlanBuilder.build(new PlanInput(List.of(pair("lvs", "n1", "n2")), List.of(vs), List.of(rss)));
  }

  private static Destination dest(PlanResult r, String id) {
    return r.plans().get("lvs").services().get(0).destinations().stream().filter(d -> d.id().equals(id))
        .findFirst().orElseThrow();
  }

  private static HealthCheck httpCheck() {
    HealthCheck c = new HealthCheck();
    c.setType(HealthCheckType.HTTP);
    c.setIntervalMillis(2000);
    c.setFall(4);
    c.setHttp(http("/health", "www.example", "ok"));
    return c;
  }

  @Test
  void aRealServerWithoutItsOwnCheckRunsTheServices() {
    PlanResult r = build(web(httpCheck()), real("default", "a", "10.0.0.1", 1, "web"));
    assertThat(r.findings()).isEmpty();
    IpvsService s = r.plans().get("lvs").services().get(0);
    assertThat(dest(r, "10.0.0.1:80").healthCheck()).isNull();
    assertThat(s.healthCheckOf(dest(r, "10.0.0.1:80"))).isSameAs(s.healthCheck());
  }

  /** Scalar fields one by one; the http block whole (ldirectord's per-real request/receive). */
  @Test
  void fieldsReplaceOneByOneAndABlockReplacesTheServicesWhole() {
    RealServer a = real("default", "a", "10.0.0.1", 1, "web");
    RealServer b = real("default", "b", "10.0.0.2", 1, "web");
    HealthCheckOverride own = new HealthCheckOverride();
    own.setRise(5);
    own.setHttp(http("/other", null, "fine"));
    a.getSpec().setHealthCheck(own);
    PlanResult r = build(web(httpCheck()), a, b);
    assertThat(r.findings()).isEmpty();
    HealthCheckPlan c = dest(r, "10.0.0.1:80").healthCheck();
    assertThat(c.type()).isEqualTo(HealthCheckType.HTTP);
    assertThat(c.rise()).isEqualTo(5);
    assertThat(c.intervalMillis()).isEqualTo(2000); // inherited
    assertThat(c.fall()).isEqualTo(4); // inherited
    assertThat(c.http().path()).isEqualTo("/other");
    assertThat(c.http().expectBody()).isEqualTo("fine");
    assertThat(c.http().host()).as("the block is replaced whole, not merged").isNull();
    assertThat(dest(r, "10.0.0.2:80").healthCheck()).isNull();
  }

  @Test
  void anotherTypeDropsTheServicesBlockAndItsPortForIcmp() {
    HealthCheck service = httpCheck();
    service.setPort(8081);
    RealServer a = real("default", "a", "10.0.0.1", 1, "web");
    HealthCheckOverride own = new HealthCheckOverride();
    own.setType(HealthCheckType.ICMP);
    a.getSpec().setHealthCheck(own);
    RealServer b = real("default", "b", "10.0.0.2", 1, "web");
    HealthCheckOverride tcp = new HealthCheckOverride();
    tcp.setType(HealthCheckType.TCP);
    b.getSpec().setHealthCheck(tcp);
    PlanResult r = build(web(service), a, b);
    assertThat(r.findings()).isEmpty();
    HealthCheckPlan icmp = dest(r, "10.0.0.1:80").healthCheck();
    assertThat(icmp.type()).isEqualTo(HealthCheckType.ICMP);
    assertThat(icmp.port()).isZero();
    assertThat(icmp.http()).isNull();
    assertThat(icmp.intervalMillis()).isEqualTo(2000);
    HealthCheckPlan connect = dest(r, "10.0.0.2:80").healthCheck();
    assertThat(connect.type()).isEqualTo(HealthCheckType.TCP);
    assertThat(connect.port()).isEqualTo(8081); // the check port stays: the same port, connected to instead
    assertThat(connect.http()).isNull();
  }

  @Test
  void anOverrideThatChangesNothingLeavesTheDestinationOnTheServicesCheck() {
    RealServer a = real("default", "a", "10.0.0.1", 1, "web");
    HealthCheckOverride own = new HealthCheckOverride();
    own.setFall(4);
    a.getSpec().setHealthCheck(own);
    PlanResult r = build(web(httpCheck()), a);
    assertThat(dest(r, "10.0.0.1:80").healthCheck()).isNull();
  }

  /** udp without its block is complete nowhere: an error on the RealServer, left out of that service only. */
  @Test
  void anIncompleteMergedCheckIsAnErrorOnTheRealServer() {
    RealServer a = real("default", "a", "10.0.0.1", 1, "web");
    HealthCheckOverride own = new HealthCheckOverride();
    own.setType(HealthCheckType.UDP);
    a.getSpec().setHealthCheck(own);
    RealServer b = real("default", "b", "10.0.0.2", 1, "web");
    PlanResult r = build(web(httpCheck()), a, b);
    assertThat(r.findings()).singleElement().satisfies(f -> {
      assertThat(f.severity()).isEqualTo(Finding.Severity.ERROR);
      assertThat(f.object().name()).isEqualTo("a");
      assertThat(f.field()).isEqualTo("spec.healthCheck.udp");
      assertThat(f.message()).contains("required for type udp").contains("VirtualService default/web")
          .contains("left out of that service");
    });
    assertThat(r.plans().get("lvs").services().get(0).destinations()).extracting(Destination::id)
        .containsExactly("10.0.0.2:80");
  }

  @Test
  void newTypesPlanWithTheirDefaults() {
    HealthCheck smtp = new HealthCheck();
    smtp.setType(HealthCheckType.SMTP);
    HealthCheckPlan p = plan(smtp).plan();
    assertThat(p.smtp().heloName()).isEqualTo("localhost");
    smtp.setSmtp(new SmtpCheck());
    smtp.getSmtp().setHeloName("lb1.example");
    assertThat(plan(smtp).plan().smtp().heloName()).isEqualTo("lb1.example");

    HealthCheck tcp = new HealthCheck();
    TcpCheck t = new TcpCheck();
    t.setSend("PING\r\n");
    t.setExpect("^\\+PONG");
    tcp.setTcp(t);
    assertThat(plan(tcp).plan().tcp()).isEqualTo(new HealthCheckPlan.Tcp("PING\r\n", "^\\+PONG"));

    HealthCheck mx = new HealthCheck();
    mx.setType(HealthCheckType.DNS);
    DnsCheck d = new DnsCheck();
    d.setName("example.com");
    d.setRecordType(DnsRecordType.MX);
    d.setExpectData("mail.example.com.");
    mx.setDns(d);
    assertThat(plan(mx).plan().dns()).isEqualTo(new HealthCheckPlan.Dns("example.com", DnsRecordType.MX, null,
        "mail.example.com."));

    HealthCheck digest = new HealthCheck();
    digest.setType(HealthCheckType.HTTP);
    digest.setHttp(new HttpCheck());
    digest.getHttp().setExpectDigest("9e107d9d372bb6826bd81d3542a419d6");
    assertThat(plan(digest).plan().http().expectDigest()).isEqualTo("9e107d9d372bb6826bd81d3542a419d6");
  }

  private record Planned(HealthCheckPlan plan, List<Finding> findings) {}

  private static Planned plan(HealthCheck h) {
    Checks c = new Checks(new ObjectRef("VirtualService", "default", "x"));
    HealthCheckPlan p = HealthChecks.plan(h, c);
    return new Planned(p, c.findings());
  }

  private static String error(HealthCheck h) {
    List<Finding> f = plan(h).findings();
    assertThat(f).as("findings").isNotEmpty();
    return f.get(0).field() + ": " + f.get(0).message();
  }

  /** What the CEL rules reject, the plan rejects too (manifests that never saw an API server). */
  @Test
  void invalidNewChecksAreRejected() {
    HealthCheck c = new HealthCheck();
    c.setType(HealthCheckType.HTTP);
    c.setTcp(new TcpCheck());
    c.getTcp().setSend("x");
    assertThat(error(c)).startsWith("spec.healthCheck.tcp: ").contains("only for type tcp");

    HealthCheck empty = new HealthCheck();
    empty.setTcp(new TcpCheck());
    assertThat(error(empty)).contains("needs send, expect or both");

    HealthCheck badRegex = new HealthCheck();
    badRegex.setTcp(new TcpCheck());
    badRegex.getTcp().setExpect("(");
    assertThat(error(badRegex)).startsWith("spec.healthCheck.tcp.expect: ").contains("does not compile");

    HealthCheck icmp = new HealthCheck();
    icmp.setType(HealthCheckType.ICMP);
    icmp.setPort(7);
    assertThat(error(icmp)).contains("no meaning for type icmp");

    HealthCheck smtp = new HealthCheck();
    smtp.setType(HealthCheckType.TCP);
    smtp.setSmtp(new SmtpCheck());
    assertThat(error(smtp)).contains("only for type smtp");

    HealthCheck helo = new HealthCheck();
    helo.setType(HealthCheckType.SMTP);
    helo.setSmtp(new SmtpCheck());
    helo.getSmtp().setHeloName("bad name\r\nRCPT");
    assertThat(error(helo)).startsWith("spec.healthCheck.smtp.heloName: ");

    HealthCheck digest = new HealthCheck();
    digest.setType(HealthCheckType.HTTP);
    digest.setHttp(new HttpCheck());
    digest.getHttp().setExpectDigest("ABC");
    assertThat(error(digest)).contains("MD5");

    HealthCheck addressForMx = new HealthCheck();
    addressForMx.setType(HealthCheckType.DNS);
    addressForMx.setDns(new DnsCheck());
    addressForMx.getDns().setName("example.com");
    addressForMx.getDns().setRecordType(DnsRecordType.MX);
    addressForMx.getDns().setExpectAddress("192.0.2.1");
    assertThat(error(addressForMx)).contains("use dns.expectData");

    HealthCheck dataForA = new HealthCheck();
    dataForA.setType(HealthCheckType.DNS);
    dataForA.setDns(new DnsCheck());
    dataForA.getDns().setName("example.com");
    dataForA.getDns().setExpectData("x");
    assertThat(error(dataForA)).contains("use dns.expectAddress");
  }

  @Test
  void mergeKeepsTheServicesBlockOnlyForTheSameType() {
    HealthCheck service = new HealthCheck();
    service.setType(HealthCheckType.UDP);
    service.setUdp(new UdpCheck());
    service.getUdp().setSend("ping");
    service.setOnFailure(FailureAction.REMOVE);
    HealthCheckOverride own = new HealthCheckOverride();
    own.setTimeoutMillis(250);
    HealthCheck m = HealthChecks.merge(service, own);
    assertThat(m.getUdp()).isSameAs(service.getUdp());
    assertThat(m.getTimeoutMillis()).isEqualTo(250);
    assertThat(m.getOnFailure()).isEqualTo(FailureAction.REMOVE);
    own.setType(HealthCheckType.HTTPS);
    HealthCheck https = HealthChecks.merge(service, own);
    assertThat(https.getUdp()).isNull();
    assertThat(https.getHttp()).isNull();
    // Without a service check at all: the override on tcp's defaults.
    HealthCheck alone = HealthChecks.merge(null, own);
    assertThat(alone.getType()).isEqualTo(HealthCheckType.HTTPS);
  }

  /** A destination's own check travels to the agents with the plan; one without it adds nothing to the JSON. */
  @Test
  void ownChecksSurviveThePlanCodec() {
    RealServer a = real("default", "a", "10.0.0.1", 1, "web");
    HealthCheckOverride own = new HealthCheckOverride();
    own.setType(HealthCheckType.SMTP);
    a.getSpec().setHealthCheck(own);
    RealServer b = real("default", "b", "10.0.0.2", 1, "web");
    DirectorPlan plan = build(web(httpCheck()), a, b).plans().get("lvs");
    PlanCodec.Published p = PlanCodec.split(plan, PlanCodec.Manifest.ACTIVE);
    java.util.Map<Integer, byte[]> shards = new java.util.HashMap<>();
    p.shards().forEach(sh -> shards.put(sh.index(), sh.gzipJson()));
    DirectorPlan back = PlanCodec.assemble(PlanCodec.parseManifest(PlanCodec.manifestJson(p.manifest())), shards);
    assertThat(back).isEqualTo(plan);
    assertThat(back.services().get(0).destinations().get(0).healthCheck().smtp().heloName()).isEqualTo("localhost");
  }
}
