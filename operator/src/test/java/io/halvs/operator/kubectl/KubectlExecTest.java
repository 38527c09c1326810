package io.halvs.operator.kubectl;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodListBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.ErrorStreamMessage;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.server.mock.OutputStreamMessage;
import io.fabric8.kubernetes.client.server.mock.StatusStreamMessage;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.DirectorPairStatus;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.RealServerSpec;
import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.api.v1alpha1.VirtualServiceSpec;
import io.halvs.operator.demo.CrudMockServers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** `kubectl halvs conns`'s exec into the active's agent pod, against fabric8's mock answering the exec stream. */
class KubectlExecTest {
  KubernetesMockServer server;
  KubernetesClient client;

  @BeforeEach
  void start() {
    server = new KubernetesMockServer(false);
    server.init();
    client = server.createClient();
    DirectorPair dp = new DirectorPair();
    dp.getMetadata().setName("lvs");
    DirectorPairStatus st = new DirectorPairStatus();
    st.setActiveNode("lvs-02");
    dp.setStatus(st);
    server.expect().get().withPath("/apis/halvs.io/v1alpha1/directorpairs/lvs").andReturn(200, dp).always();
    Pod pod = new PodBuilder().withNewMetadata().withName("halvs-agent-lvs-x").withNamespace("halvs-system")
        .withLabels(Map.of("app.kubernetes.io/instance", "halvs-agent-lvs")).endMetadata().withNewSpec()
        .withNodeName("lvs-02").addNewContainer().withName("agent").endContainer().endSpec().withNewStatus()
        .withPhase("Running").addNewCondition().withType("Ready").withStatus("False").endCondition().endStatus().build();
    server.expect().get().withPath("/api/v1/namespaces/halvs-system/pods?labelSelector="
        + "app.kubernetes.io%2Finstance%3Dhalvs-agent-lvs").andReturn(200, new PodListBuilder().addToItems(pod)
            .build()).always();
    // fabric8 reads the pod before it execs
    server.expect().get().withPath("/api/v1/namespaces/halvs-system/pods/halvs-agent-lvs-x").andReturn(200, pod)
        .always();
  }

  @AfterEach
  void stop() {
    client.close();
    CrudMockServers.stop(server);
  }

  /** The exec request: the image's java, jib's classpath, the agent's main class and `conns`, in container agent. */
  static String execPath() {
    StringBuilder path = new StringBuilder("/api/v1/namespaces/halvs-system/pods/halvs-agent-lvs-x/exec?");
    for (String arg : Connections.AGENT_COMMAND) {
      path.append("command=").append(java.net.URLEncoder.encode(arg, StandardCharsets.UTF_8)).append('&');
    }
    return path.append("command=conns&container=agent&stdout=true&stderr=true").toString();
  }

  @Test
  void anAgentCommandThatFailsIsOneLineWithItsStderrWithoutTheJvmsNote() {
    server.expect().get().withPath(execPath()).andUpgradeToWebSocket().open(new ErrorStreamMessage(
        "Picked up JAVA_TOOL_OPTIONS: -Xmx192m\nhalvs-agent: Permission denied\n"), new StatusStreamMessage(1))
        .done().always();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = KubectlHalvs.conns(client, "halvs-system", "lvs", null, new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(code).isEqualTo(1);
    // "exited 1", or "ended without an exit status" when the close overtakes the status frame (Connections.exec)
    assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("halvs: halvs-agent conns in pod "
        + "halvs-system/halvs-agent-lvs-x ").endsWith(": halvs-agent: Permission denied\n");
  }

  @Test
  void connsRunsTheAgentsConnsCommandInTheActivesPodAndFiltersByVip() throws Exception {
    server.expect().get().withPath(execPath()).andUpgradeToWebSocket().open(
        new OutputStreamMessage(KubectlHalvsTest.TABLE), new StatusStreamMessage(0)).done().always();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = KubectlHalvs.conns(client, "halvs-system", "lvs", "192.0.2.110",
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    assertThat(code).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("""
        # lvs: active director lvs-02 (pod halvs-agent-lvs-x)
        IPVS connection entries
        pro expire state       source             virtual            destination
        TCP 899    ESTABLISHED 198.51.100.7:40112 192.0.2.110:80     10.0.1.11:80
        TCP 119    TIME_WAIT   198.51.100.8:40113 192.0.2.110:80     10.0.1.12:80
        """);
  }

  /** The seed's web-1, already draining, and web, which selects it, on pair lvs. */
  void webOne() {
    RealServer rs = new RealServer();
    rs.getMetadata().setName("web-1");
    rs.getMetadata().setNamespace("default");
    rs.getMetadata().setLabels(Map.of("app", "web"));
    rs.setSpec(new RealServerSpec());
    rs.getSpec().setAddress("10.0.1.11");
    rs.getSpec().setWeight(100);
    rs.getSpec().setDrain(true);
    server.expect().get().withPath("/apis/halvs.io/v1alpha1/namespaces/default/realservers/web-1").andReturn(200, rs)
        .always();
    VirtualService vs = new VirtualService();
    vs.getMetadata().setName("web");
    vs.getMetadata().setNamespace("default");
    vs.setSpec(new VirtualServiceSpec());
    vs.getSpec().setDirectorPair("lvs");
    vs.getSpec().setVip("192.0.2.110");
    vs.getSpec().setRealServerSelector(new LabelSelectorBuilder().withMatchLabels(Map.of("app", "web")).build());
    KubernetesList list = new KubernetesList();
    list.setItems(java.util.List.of(vs));
    server.expect().get().withPath("/apis/halvs.io/v1alpha1/namespaces/default/virtualservices").andReturn(200, list)
        .always();
  }

  @Test
  void drainWaitsUntilTheLastConnectionToTheRealServerIsGone() throws Exception {
    webOne();
    server.expect().get().withPath(execPath()).andUpgradeToWebSocket().open(
        new OutputStreamMessage(KubectlHalvsTest.TABLE), new StatusStreamMessage(0)).done().once();
    server.expect().get().withPath(execPath()).andUpgradeToWebSocket().open(
        new OutputStreamMessage(KubectlHalvsTest.TABLE.lines().filter(l -> !l.contains("10.0.1.11"))
            .map(l -> l + "\n").reduce("", String::concat)), new StatusStreamMessage(0)).done().always();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = KubectlHalvs.drain(client, "halvs-system", "default", "web-1", true, Duration.ofSeconds(60),
        Duration.ZERO, new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
    assertThat(code).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("RealServer default/web-1 (10.0.1.11) already "
        + "draining: weight 0 on the directors, established connections finish, no new ones arrive (its weight 100 "
        + "stays in spec.weight)\n"
        + "  connections on lvs (active lvs-02): 2\n"
        + "  connections left: 0\n"
        + "  drained: no connections left\n");
  }

  @Test
  void drainWaitGivesUpAfterItsTimeSayingHowManyAreLeft() throws Exception {
    webOne();
    server.expect().get().withPath(execPath()).andUpgradeToWebSocket().open(
        new OutputStreamMessage(KubectlHalvsTest.TABLE), new StatusStreamMessage(0)).done().always();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = KubectlHalvs.drain(client, "halvs-system", "default", "web-1", true, Duration.ZERO, Duration.ZERO,
        new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(code).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("halvs: 2 connection(s) still open after 0 s; it "
        + "stays drained\n");
  }

  @Test
  void aStreamClosedWithoutItsStatusFrameStillGivesTheTableWhenNothingWentToStderr() {
    server.expect().get().withPath(execPath()).andUpgradeToWebSocket().open(
        new OutputStreamMessage(KubectlHalvsTest.TABLE)).done().always();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = KubectlHalvs.conns(client, "halvs-system", "lvs", null, new PrintStream(out, true,
        StandardCharsets.UTF_8), System.err);
    assertThat(code).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).endsWith("[2001:db8:1::11]:80\n");
  }
}
