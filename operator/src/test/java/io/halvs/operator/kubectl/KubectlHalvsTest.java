package io.halvs.operator.kubectl;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.halvs.api.v1alpha1.AgentState;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.DirectorPairStatus;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.RealServerState;
import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.api.v1alpha1.VirtualServiceStatus;
import io.halvs.operator.cli.Main;
import io.halvs.operator.demo.EmbeddedApiServer;
import io.halvs.plan.load.ManifestLoader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Each `kubectl halvs` subcommand's output against fabric8's CRUD mock holding the seed's objects with the status
 * the operator writes (StatusComputer's fields). The real API server tier runs the launcher against real objects.
 */
class KubectlHalvsTest {
  static final Instant NOW = Instant.parse("2026-11-30T08:00:00Z");
  EmbeddedApiServer api;
  KubernetesClient client;
  ByteArrayOutputStream out = new ByteArrayOutputStream();
  ByteArrayOutputStream err = new ByteArrayOutputStream();

  @BeforeEach
  void seed() {
    api = new EmbeddedApiServer();
    client = api.client();
    ManifestLoader.Result loaded = new ManifestLoader().load(List.of(Paths.get("..", "deploy", "examples",
        "seed-nat.yaml")));
    assertThat(loaded.problems()).isEmpty();
    loaded.input().directorPairs().forEach(o -> client.resource(o).create());
    loaded.input().virtualServices().forEach(o -> client.resource(o).create());
    loaded.input().realServers().forEach(o -> client.resource(o).create());
  }

  @AfterEach
  void stop() {
    api.close();
  }

  PrintStream out() {
    return new PrintStream(out, true, StandardCharsets.UTF_8);
  }

  PrintStream err() {
    return new PrintStream(err, true, StandardCharsets.UTF_8);
  }

  String printed() {
    return out.toString(StandardCharsets.UTF_8);
  }

  static Condition condition(String type, boolean status, String reason, String message) {
    return new ConditionBuilder().withType(type).withStatus(status ? "True" : "False").withReason(reason)
        .withMessage(message).withLastTransitionTime("2026-11-30T07:59:30Z").build();
  }

  /** What the operator writes after lvs-02 took over from lvs-01, one real server down. */
  void failedOver() {
    DirectorPair dp = client.resources(DirectorPair.class).withName("lvs").get();
    DirectorPairStatus st = new DirectorPairStatus();
    st.setActiveNode("lvs-02");
    st.setStandbyNode("lvs-01");
    st.setLastActiveNode("lvs-02");
    st.setActiveSince("2026-11-30T07:54:59.987654321Z");
    st.setLastTransitionReason("lvs-02 took over from lvs-01");
    st.setTransitions(1L);
    AgentState a1 = new AgentState();
    a1.setNode("lvs-01");
    a1.setRole("standby");
    a1.setProgrammed(true);
    a1.setLastSeen("2026-11-30T07:59:55Z");
    AgentState a2 = new AgentState();
    a2.setNode("lvs-02");
    a2.setRole("active");
    a2.setProgrammed(true);
    a2.setLastSeen("2026-11-30T07:59:58Z");
    st.setAgents(List.of(a1, a2));
    st.setConditions(List.of(condition("Ready", true, "Ready", "lvs-02 holds the VIPs"),
        condition("Degraded", false, "AsExpected", "")));
    dp.setStatus(st);
    client.resource(dp).updateStatus();
    VirtualService vs = client.resources(VirtualService.class).inNamespace("default").withName("web").get();
    VirtualServiceStatus vst = new VirtualServiceStatus();
    vst.setEndpoint("192.0.2.110:80/TCP");
    vst.setActiveDirector("lvs-02");
    vst.setReadyRealServers(2);
    vst.setTotalRealServers(3);
    vst.setRealServers("2/3");
    RealServerState down = new RealServerState();
    down.setName("web-3");
    down.setDestination("10.0.1.13:80");
    down.setState("Unhealthy");
    down.setSince("2026-11-30T07:58:00Z");
    down.setMessage("connect timeout 1000ms");
    vst.setUnavailable(List.of(down));
    vst.setConditions(List.of(condition("Ready", true, "Ready", "served by lvs-02"),
        condition("Programmed", true, "Programmed", "programmed on lvs-01, lvs-02"),
        condition("Degraded", true, "RealServersUnavailable", "1 real server(s) out of rotation")));
    vs.setStatus(vst);
    client.resource(vs).updateStatus();
    client.v1().events().inNamespace("default").resource(new EventBuilder().withNewMetadata().withName("lvs.failover")
        .endMetadata().withNewInvolvedObject().withApiVersion("halvs.io/v1alpha1").withKind("DirectorPair")
        .withName("lvs").endInvolvedObject().withType("Warning").withReason("Failover")
        .withMessage("lvs-02 took over from lvs-01").withLastTimestamp("2026-11-30T07:55:00Z").build()).create();
    client.v1().events().inNamespace("default").resource(new EventBuilder().withNewMetadata().withName("web.down")
        .endMetadata().withNewInvolvedObject().withApiVersion("halvs.io/v1alpha1").withKind("VirtualService")
        .withName("web").withNamespace("default").endInvolvedObject().withType("Warning")
        .withReason("RealServerDown").withMessage("web-3 10.0.1.13:80: connect timeout 1000ms")
        .withLastTimestamp("2026-11-30T07:58:00Z").build()).create();
  }

  @Test
  void statusShowsTheActiveTheStandbysHealthTheServicesAndTheLastFailover() {
    failedOver();
    assertThat(KubectlHalvs.status(client, null, out(), err(), NOW)).isZero();
    assertThat(printed()).isEqualTo("""
        DirectorPair lvs: Ready: lvs-02 holds the VIPs
          active:    lvs-02 since 2026-11-30T07:54:59Z (5m ago)
          standby:   lvs-01: healthy, programmed the current plan, last report 5s ago
          VIP        192.0.2.110 on lvs-02 (eth0)
          failovers: 1; last 2026-11-30T07:55:00Z (5m ago): lvs-02 took over from lvs-01
          services:
            NAMESPACE   NAME   ENDPOINT             READY   STATE
            default     web    192.0.2.110:80/TCP   2/3     Ready
          out of rotation:
            web: web-3 10.0.1.13:80 Unhealthy for 2m: connect timeout 1000ms
        """);
  }

  @Test
  void statusBeforeTheOperatorWroteAnythingSaysSo() {
    assertThat(KubectlHalvs.status(client, "lvs", out(), err(), NOW)).isZero();
    assertThat(printed()).startsWith("DirectorPair lvs: no status yet (is the operator running?)\n"
        + "  active:    none (no director reports holding the VIPs)\n"
        + "  standby:   lvs-01: no report from its agent");
    assertThat(printed()).contains("VIP        192.0.2.110 held by no director (eth0)", "failovers: 0\n");
  }

  @Test
  void statusOfAStandbyThatIsBehindOrSilentSaysNotHealthy() {
    failedOver();
    DirectorPair dp = client.resources(DirectorPair.class).withName("lvs").get();
    dp.getStatus().getAgents().get(0).setProgrammed(false);
    dp.getStatus().getAgents().get(0).setLastSeen("2026-11-30T07:50:00Z");
    client.resource(dp).updateStatus();
    KubectlHalvs.status(client, "lvs", out(), err(), NOW);
    assertThat(printed()).contains("standby:   lvs-01: NOT healthy: has not programmed the current plan; report "
        + "stale, last report 10m ago");
  }

  /**
   * The operator leaves status alone when a report changed only its time: on a quiet pair status.agents' lastSeen
   * is minutes old while the agent rewrites its report every 60 s (the cluster tier saw a healthy standby called
   * "NOT healthy: report stale"). The report ConfigMap's time counts.
   */
  @Test
  void statusTakesTheReportTimeFromTheAgentsReportConfigMap() {
    failedOver();
    DirectorPair dp = client.resources(DirectorPair.class).withName("lvs").get();
    dp.getStatus().getAgents().get(0).setLastSeen("2026-11-30T07:50:00Z");
    client.resource(dp).updateStatus();
    client.configMaps().inNamespace("halvs-system").resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
        .withNewMetadata().withName("halvs-agent-lvs-lvs-01").endMetadata()
        .addToData("report.json", "{\"node\":\"lvs-01\",\"pair\":\"lvs\",\"role\":\"standby\","
            + "\"programmed\":true,\"lastSeen\":\"2026-11-30T07:59:40Z\"}").build()).create();
    KubectlHalvs.status(client, "lvs", out(), err(), NOW);
    assertThat(printed()).contains("standby:   lvs-01: healthy, programmed the current plan, last report 20s ago");
  }

  @Test
  void aReportWithinThreeHeartbeatsIsNotStale() {
    failedOver();
    DirectorPair dp = client.resources(DirectorPair.class).withName("lvs").get();
    dp.getStatus().getAgents().get(0).setLastSeen("2026-11-30T07:58:30Z");
    client.resource(dp).updateStatus();
    KubectlHalvs.status(client, "lvs", out(), err(), NOW);
    assertThat(printed()).contains("standby:   lvs-01: healthy, programmed the current plan, last report 90s ago");
  }

  @Test
  void statusOfAnUnknownPairFails() {
    assertThat(KubectlHalvs.status(client, "nope", out(), err(), NOW)).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("halvs: DirectorPair nope not found\n");
  }

  @Test
  void whyShowsConditionsOutOfRotationFindingsAndEventsInOneView() {
    failedOver();
    assertThat(KubectlHalvs.why(client, "default", "web", out(), err(), NOW)).isZero();
    assertThat(printed()).isEqualTo("""
        VirtualService default/web: pair lvs, 192.0.2.110:80/TCP, active lvs-02, ready 2/3
        Conditions:
          TYPE         STATUS   REASON                   SINCE     MESSAGE
          Ready        True     Ready                    30s ago   served by lvs-02
          Programmed   True     Programmed               30s ago   programmed on lvs-01, lvs-02
          Degraded     True     RealServersUnavailable   30s ago   1 real server(s) out of rotation
        Out of rotation:
          web-3 10.0.1.13:80 Unhealthy for 2m: connect timeout 1000ms
        Plan findings:
          none
        Events:
          AGE      TYPE      REASON           MESSAGE
          2m ago   Warning   RealServerDown   web-3 10.0.1.13:80: connect timeout 1000ms
        """);
  }

  @Test
  void whyComputesThePlansFindingsFromWhatTheApiServerHoldsNow() {
    VirtualService lonely = client.resources(VirtualService.class).inNamespace("default").withName("web").get();
    lonely.getMetadata().setName("lonely");
    lonely.getMetadata().setResourceVersion(null);
    lonely.getMetadata().setUid(null);
    lonely.getSpec().setPort(8080);
    lonely.getSpec().getRealServerSelector().setMatchLabels(Map.of("app", "nothing"));
    client.resource(lonely).create();
    assertThat(KubectlHalvs.why(client, "default", "lonely", out(), err(), NOW)).isZero();
    assertThat(printed()).contains("Conditions:\n  none (no status yet: is the operator running?)\n",
        "Plan findings:\n  warning NoRealServers spec.realServerSelector: ", "Events:\n  none\n");
  }

  @Test
  void whyOfAnUnknownServiceFails() {
    assertThat(KubectlHalvs.why(client, "default", "nope", out(), err(), NOW)).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("halvs: VirtualService default/nope not found\n");
  }

  @Test
  void drainSetsSpecDrainKeepsTheWeightAndSaysWhyTheConnectionCountIsUnknownWithoutAnAgentPod() throws Exception {
    failedOver();
    assertThat(KubectlHalvs.drain(client, "halvs-system", "default", "web-1", true, out(), err())).isZero();
    RealServer rs = client.resources(RealServer.class).inNamespace("default").withName("web-1").get();
    assertThat(rs.getSpec().getDrain()).isTrue();
    assertThat(rs.getSpec().getWeight()).isEqualTo(100);
    assertThat(printed()).isEqualTo("RealServer default/web-1 (10.0.1.11) draining: weight 0 on the directors, "
        + "established connections finish, no new ones arrive (its weight 100 stays in spec.weight)\n"
        + "  connections on lvs (active lvs-02): unknown: no running agent pod of DaemonSet "
        + "halvs-system/halvs-agent-lvs on node lvs-02\n");
    out.reset();
    assertThat(KubectlHalvs.drain(client, "halvs-system", "default", "web-1", true, out(), err())).isZero();
    assertThat(printed()).startsWith("RealServer default/web-1 (10.0.1.11) already draining");
    out.reset();
    assertThat(KubectlHalvs.drain(client, "halvs-system", "default", "web-1", false, out(), err())).isZero();
    assertThat(client.resources(RealServer.class).inNamespace("default").withName("web-1").get().getSpec()
        .getDrain()).isFalse();
    assertThat(printed()).startsWith("RealServer default/web-1 (10.0.1.11) back in rotation: weight 100\n");
  }

  @Test
  void drainOfAnUnknownRealServerFails() throws Exception {
    assertThat(KubectlHalvs.drain(client, "halvs-system", "default", "nope", true, out(), err())).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("halvs: RealServer default/nope not found\n");
  }

  @Test
  void connsNeedsAnActiveDirector() {
    assertThat(KubectlHalvs.conns(client, "halvs-system", "lvs", null, out(), err())).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("halvs: no director of lvs holds the VIPs");
  }

  @Test
  void connsRefusesAVipThatIsNoAddress() {
    assertThat(KubectlHalvs.conns(client, "halvs-system", "lvs", "web", out(), err())).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("halvs: VIP web is not an IPv4 or IPv6 address\n");
  }

  @Test
  void connsFindsTheActivesRunningAgentPodOnly() throws Exception {
    failedOver();
    for (String[] p : new String[][] {{"a", "lvs-01", "Running"}, {"b", "lvs-02", "Pending"}}) {
      client.pods().inNamespace("halvs-system").resource(new PodBuilder().withNewMetadata().withName("halvs-agent-lvs-"
          + p[0]).withLabels(Map.of("app.kubernetes.io/instance", "halvs-agent-lvs")).endMetadata().withNewSpec()
          .withNodeName(p[1]).endSpec().withNewStatus().withPhase(p[2]).endStatus().build()).create();
    }
    assertThat(KubectlHalvs.conns(client, "halvs-system", "lvs", null, out(), err())).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("halvs: no running agent pod of DaemonSet "
        + "halvs-system/halvs-agent-lvs on node lvs-02 (halvs-agent-lvs-b is Pending)\n");
    assertThat(Connections.agentPod(client, "halvs-system", "lvs", "lvs-01").getMetadata().getName())
        .isEqualTo("halvs-agent-lvs-a");
  }

  /** What `halvs-agent conns` prints (IpvsConnections.format), after the JVM's note on stderr. */
  static final String TABLE = """
      IPVS connection entries
      pro expire state       source             virtual            destination
      TCP 899    ESTABLISHED 198.51.100.7:40112 192.0.2.110:80     10.0.1.11:80
      TCP 119    TIME_WAIT   198.51.100.8:40113 192.0.2.110:80     10.0.1.12:80
      TCP 60     SYN_RECV    198.51.100.9:5000  192.0.2.111:443    10.0.1.11:443
      TCP 899    ESTABLISHED [2001:db8::7]:1234 [2001:db8::110]:80 [2001:db8:1::11]:80
      """;

  @Test
  void connsFiltersByVipOfEitherFamily() {
    assertThat(Connections.filter(TABLE, null)).hasSize(6);
    assertThat(Connections.filter(TABLE, "192.0.2.110")).containsExactly("IPVS connection entries",
        "pro expire state       source             virtual            destination",
        "TCP 899    ESTABLISHED 198.51.100.7:40112 192.0.2.110:80     10.0.1.11:80",
        "TCP 119    TIME_WAIT   198.51.100.8:40113 192.0.2.110:80     10.0.1.12:80");
    assertThat(Connections.filter(TABLE, "2001:db8:0::110")).hasSize(3).last().asString().contains("[2001:db8::7]");
  }

  @Test
  void connectionsToARealServerAreCountedByAddressAndPort() {
    assertThat(Connections.countTo(TABLE, "10.0.1.11", null)).isEqualTo(2);
    assertThat(Connections.countTo(TABLE, "10.0.1.11", 80)).isEqualTo(1);
    assertThat(Connections.countTo(TABLE, "2001:db8:1:0::11", 80)).isEqualTo(1);
    assertThat(Connections.countTo(TABLE, "10.0.1.99", null)).isZero();
  }

  @Test
  void theJvmsNoteAboutJavaToolOptionsIsNoError() {
    assertThat(Connections.agentErrors("Picked up JAVA_TOOL_OPTIONS: -Xmx192m\nhalvs-agent: no such file\n"))
        .isEqualTo("halvs-agent: no such file");
  }

  @Test
  void theExecRunsTheImagesJavaWithJibsClasspathNoShell() {
    assertThat(Connections.AGENT_COMMAND).startsWith("/opt/java/bin/java").endsWith("-cp", "@/app/jib-classpath-file",
        "io.halvs.agent.cli.Main");
  }

  /** Through the command line as kubectl runs the plugin: flags before or after the subcommand, a kubeconfig file. */
  @Test
  void theCommandLineHonoursKubeconfigContextAndNamespaceFlags(@TempDir Path dir) throws Exception {
    failedOver();
    Path kubeconfig = dir.resolve("config");
    Files.writeString(kubeconfig, """
        apiVersion: v1
        kind: Config
        clusters:
        - name: mock
          cluster: {server: "%s"}
        users:
        - name: me
          user: {token: t}
        contexts:
        - name: elsewhere
          context: {cluster: none, user: me, namespace: nowhere}
        - name: mock
          context: {cluster: mock, user: me, namespace: other}
        current-context: elsewhere
        """.formatted(client.getMasterUrl()));
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    try {
      System.setOut(out());
      System.setErr(err());
      CommandLine cli = new CommandLine(new Main());
      assertThat(cli.execute("kubectl", "--kubeconfig", kubeconfig.toString(), "--context", "mock", "why", "web",
          "-n", "default")).isZero();
      assertThat(printed()).startsWith("VirtualService default/web: pair lvs");
      out.reset();
      // Without -n: the context's namespace, where there is no web.
      assertThat(cli.execute("kubectl", "why", "web", "--kubeconfig", kubeconfig.toString(), "--context", "mock"))
          .isEqualTo(1);
      assertThat(err.toString(StandardCharsets.UTF_8)).contains("VirtualService other/web not found");
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void aMissingKubeconfigOrContextIsAMessage(@TempDir Path dir) throws Exception {
    KubectlHalvs k = new KubectlHalvs();
    k.kubeconfig = dir.resolve("missing").toFile();
    assertThat(org.assertj.core.api.Assertions.catchThrowable(k::client)).hasMessage("kubeconfig "
        + k.kubeconfig + ": no such file");
    Path config = dir.resolve("config");
    Files.writeString(config, "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n");
    k.kubeconfig = config.toFile();
    k.context = "prod";
    assertThat(org.assertj.core.api.Assertions.catchThrowable(k::client))
        .hasMessage("context prod is not in the kubeconfig");
  }

  @Test
  void anApiServerThatDoesNotAnswerIsNamed() {
    var e = new io.fabric8.kubernetes.client.KubernetesClientException("Operation: [list] failed.",
        new java.net.ConnectException("Connection refused"));
    assertThat(KubectlHalvs.apiError(e, "https://127.0.0.1:1/")).isEqualTo(
        "cannot reach the API server https://127.0.0.1:1/: connection refused");
  }
}
