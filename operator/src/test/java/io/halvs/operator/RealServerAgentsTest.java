package io.halvs.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.RealServerStatus;
import io.halvs.operator.demo.EmbeddedApiServer;
import io.halvs.plan.IpAddress;
import io.halvs.plan.RealServerNodePlan;
import io.halvs.plan.load.ManifestLoader;
import io.halvs.plan.publish.Names;
import io.halvs.plan.publish.RealServerPublish;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real-server side against fabric8's CRUD mock: the operator's DaemonSet of real-server agents on exactly the
 * nodes RealServers name, their plans and reports, the RealServer's per-node status, and the cleanup when a node
 * is no longer named. The agent's side is played by the test writing reports.
 */
class RealServerAgentsTest {
  static final String NS = "halvs-system";
  static final Duration TIMEOUT = Duration.ofSeconds(60);
  EmbeddedApiServer api;
  KubernetesClient client;
  HalvsOperator operator;

  @BeforeEach
  void start(@TempDir Path dir) throws Exception {
    api = new EmbeddedApiServer();
    client = api.client();
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
    for (String node : List.of("dr-01", "dr-02", "w1")) {
      client.nodes().resource(new NodeBuilder().withNewMetadata().withName(node).endMetadata().build()).create();
    }
    Path yaml = dir.resolve("dr.yaml");
    Files.writeString(yaml, """
        apiVersion: halvs.io/v1alpha1
        kind: DirectorPair
        metadata: {name: lvs-dr}
        spec: {nodes: [dr-01, dr-02], vipInterface: eth0}
        ---
        apiVersion: halvs.io/v1alpha1
        kind: VirtualService
        metadata: {name: web, namespace: default}
        spec:
          directorPair: lvs-dr
          vip: 192.0.2.120
          port: 80
          forwarding: {method: gate}
          realServerSelector: {matchLabels: {app: web}}
        ---
        apiVersion: halvs.io/v1alpha1
        kind: RealServer
        metadata: {name: on-w1, namespace: default, labels: {app: web}}
        spec: {address: 192.0.2.21, nodeName: w1}
        ---
        apiVersion: halvs.io/v1alpha1
        kind: RealServer
        metadata: {name: typo, namespace: default, labels: {app: web}}
        spec: {address: 192.0.2.22, nodeName: w9}
        """);
    ManifestLoader.Result loaded = new ManifestLoader().load(List.of(yaml));
    assertThat(loaded.problems()).isEmpty();
    loaded.input().directorPairs().forEach(o -> client.resource(o).create());
    loaded.input().virtualServices().forEach(o -> client.resource(o).create());
    loaded.input().realServers().forEach(o -> client.resource(o).create());
    operator = new HalvsOperator(client, NS, "example.org/agent:test");
    operator.start();
  }

  @AfterEach
  void stop() {
    operator.close();
    api.close();
  }

  RealServerStatus status(String name) {
    RealServer rs = client.resources(RealServer.class).inNamespace("default").withName(name).get();
    return rs == null ? null : rs.getStatus();
  }

  static Condition nodeConfigured(RealServerStatus st) {
    return st == null ? null : st.getConditions().stream().filter(c -> c.getType().equals("NodeConfigured"))
        .findFirst().orElse(null);
  }

  void report(String node, String planJson, List<String> configured, List<String> problems) {
    client.configMaps().inNamespace(NS).withName(Names.realServerReport(node)).edit(cm -> {
      cm.setData(Map.of(Names.REPORT_KEY, RealServerPublish.reportJson(new RealServerPublish.Report(node,
          RealServerPublish.hash(planJson), configured, problems, "2026-01-01T00:00:00Z"))));
      return cm;
    });
  }

  @Test
  void realServerAgentsRunOnTheNamedNodesWithNetAdminOnlyAndReportPerNode() {
    DaemonSet ds = await().atMost(TIMEOUT).until(() -> client.apps().daemonSets().inNamespace(NS)
        .withName(Names.REAL_SERVER_AGENT).get(), d -> d != null);
    var pod = ds.getSpec().getTemplate().getSpec();
    assertThat(pod.getHostNetwork()).isTrue();
    assertThat(pod.getInitContainers()).as("gate needs no kernel module").isNullOrEmpty();
    var sc = pod.getContainers().get(0).getSecurityContext();
    assertThat(sc.getCapabilities().getAdd()).containsExactly("NET_ADMIN");
    assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(sc.getPrivileged()).isFalse();
    assertThat(pod.getContainers().get(0).getArgs()).containsExactly("real-server");
    assertThat(pod.getContainers().get(0).getImage()).isEqualTo("example.org/agent:test");
    assertThat(pod.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
        .getNodeSelectorTerms()).as("w9 is no Node").extracting(t -> t.getMatchFields().get(0).getValues())
        .containsExactly(List.of("w1"));
    await().atMost(TIMEOUT).until(() -> client.rbac().roles().inNamespace(NS).withName(Names.REAL_SERVER_AGENT)
        .get() != null);
    Role role = client.rbac().roles().inNamespace(NS).withName(Names.REAL_SERVER_AGENT).get();
    assertThat(role.getRules()).extracting(r -> r.getVerbs() + " " + r.getResourceNames()).containsExactly(
        "[get, list, watch] [halvs-real-server-w1]", "[get, update, patch] [halvs-real-server-w1-report]");

    ConfigMap planMap = await().atMost(TIMEOUT).until(() -> client.configMaps().inNamespace(NS)
        .withName(Names.realServerPlan("w1")).get(), x -> x != null);
    String json = planMap.getData().get(Names.REAL_SERVER_PLAN_KEY);
    RealServerNodePlan plan = RealServerPublish.parsePlan(json);
    assertThat(plan.vips()).containsExactly(IpAddress.parse("192.0.2.120"));
    assertThat(plan.sysctls()).containsEntry("net.ipv4.conf.all.arp_ignore", "1");

    // Before the agent reports: pending. The typo: no such Node.
    await().atMost(TIMEOUT).until(() -> nodeConfigured(status("on-w1")), c -> c != null
        && "Pending".equals(c.getReason()));
    Condition typo = await().atMost(TIMEOUT).until(() -> nodeConfigured(status("typo")), c -> c != null);
    assertThat(typo.getStatus()).isEqualTo("False");
    assertThat(typo.getReason()).isEqualTo("NodeNotFound");
    assertThat(typo.getMessage()).contains("no Node w9");
    assertThat(status("typo").getNode().getState()).isEqualTo("NodeNotFound");

    report("w1", json, List.of("sysctl net.ipv4.conf.all.arp_ignore=1", "vip 192.0.2.120/32 on lo"), List.of());
    Condition ok = await().atMost(TIMEOUT).until(() -> nodeConfigured(status("on-w1")),
        c -> c != null && "True".equals(c.getStatus()));
    assertThat(ok.getReason()).isEqualTo("Configured");
    assertThat(status("on-w1").getNode().getConfigured()).contains("vip 192.0.2.120/32 on lo");

    report("w1", json, List.of(), List.of("add 192.0.2.120/32 on lo: EPERM: operation not permitted"));
    Condition failed = await().atMost(TIMEOUT).until(() -> nodeConfigured(status("on-w1")),
        c -> c != null && "Failed".equals(c.getReason()));
    assertThat(failed.getMessage()).contains("node w1: add 192.0.2.120/32 on lo: EPERM");
    assertThat(status("on-w1").getNode().getState()).isEqualTo("Failed");
  }

  @Test
  void aNodeNoLongerNamedIsCleanedBeforeItsAgentGoes() {
    await().atMost(TIMEOUT).until(() -> client.configMaps().inNamespace(NS).withName(Names.realServerPlan("w1"))
        .get() != null);
    client.resources(RealServer.class).inNamespace("default").withName("on-w1").delete();
    String empty = RealServerPublish.planJson(RealServerPublish.empty("w1"));
    // The agent gets an empty plan, and keeps running until it reports that applied.
    await().atMost(TIMEOUT).until(() -> {
      ConfigMap cm = client.configMaps().inNamespace(NS).withName(Names.realServerPlan("w1")).get();
      return cm != null && empty.equals(cm.getData().get(Names.REAL_SERVER_PLAN_KEY));
    });
    assertThat(client.apps().daemonSets().inNamespace(NS).withName(Names.REAL_SERVER_AGENT).get()).isNotNull();
    report("w1", empty, List.of(), List.of());
    await().atMost(TIMEOUT).until(() -> client.configMaps().inNamespace(NS).withName(Names.realServerPlan("w1"))
        .get() == null);
    await().atMost(TIMEOUT).until(() -> client.apps().daemonSets().inNamespace(NS).withName(Names.REAL_SERVER_AGENT)
        .get() == null);
    assertThat(client.configMaps().inNamespace(NS).withName(Names.realServerReport("w1")).get()).isNull();
    assertThat(client.rbac().roles().inNamespace(NS).withName(Names.REAL_SERVER_AGENT).get()).isNull();
  }
}
