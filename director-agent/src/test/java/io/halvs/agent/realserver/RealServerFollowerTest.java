package io.halvs.agent.realserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.halvs.api.v1alpha1.ForwardingMethod;
import io.halvs.operator.demo.CrudMockServers;
import io.halvs.plan.IpAddress;
import io.halvs.plan.RealServerNodePlan;
import io.halvs.plan.publish.Names;
import io.halvs.plan.publish.RealServerPublish;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The in-cluster real-server agent against fabric8's CRUD mock: the node's plan in, its report out. */
class RealServerFollowerTest {
  static final String NS = "halvs-system";
  static final String NODE = "w1";

  KubernetesMockServer server;
  KubernetesClient operator;
  KubernetesClient agentClient;
  final List<RealServerNodePlan> applied = new CopyOnWriteArrayList<>();
  volatile List<String> problems = List.of();
  RealServerFollower follower;

  @BeforeEach
  void start() {
    server = CrudMockServers.start();
    operator = server.createClient();
    agentClient = server.createClient();
    operator.resource(new ConfigMapBuilder().withNewMetadata().withName(Names.realServerReport(NODE)).withNamespace(NS)
        .addToLabels(Names.PART_LABEL, Names.PART_REAL_SERVER_REPORT).endMetadata().build()).create();
    follower = new RealServerFollower(agentClient, NS, NODE, p -> {
      applied.add(p);
      return new RealServerHost.Pass(List.of(), problems, p.vips().stream().map(v -> "vip " + v + " on lo").toList());
    }, Duration.ofHours(1).toMillis());
    follower.start();
  }

  @AfterEach
  void stop() {
    follower.close();
    agentClient.close();
    operator.close();
    CrudMockServers.stop(server);
  }

  String publish(RealServerNodePlan plan) {
    String json = RealServerPublish.planJson(plan);
    operator.resource(new ConfigMapBuilder().withNewMetadata().withName(Names.realServerPlan(NODE)).withNamespace(NS)
        .addToLabels(Names.PART_LABEL, Names.PART_REAL_SERVER_PLAN).endMetadata()
        .withData(Map.of(Names.REAL_SERVER_PLAN_KEY, json)).build()).createOr(op -> op.update());
    return json;
  }

  RealServerPublish.Report report() {
    ConfigMap cm = operator.configMaps().inNamespace(NS).withName(Names.realServerReport(NODE)).get();
    String json = cm.getData() == null ? null : cm.getData().get(Names.REPORT_KEY);
    return json == null ? null : RealServerPublish.parseReport(json);
  }

  @Test
  void appliesTheNodesPlanAndReportsWhatItHolds() {
    RealServerNodePlan plan = new RealServerNodePlan(NODE, List.of(new RealServerNodePlan.Need(
        IpAddress.parse("192.0.2.10"), ForwardingMethod.GATE, null, 0, null, "lvs")), List.of());
    String json = publish(plan);
    await().atMost(Duration.ofSeconds(30)).until(() -> report() != null);
    assertThat(applied).contains(plan);
    RealServerPublish.Report r = report();
    assertThat(r.node()).isEqualTo(NODE);
    assertThat(r.applied(RealServerPublish.hash(json))).isTrue();
    assertThat(r.configured()).containsExactly("vip 192.0.2.10 on lo");

    problems = List.of("add 192.0.2.11/32 on lo: EPERM");
    String empty = publish(RealServerPublish.empty(NODE));
    await().atMost(Duration.ofSeconds(30)).until(() -> RealServerPublish.hash(empty).equals(report().planHash()));
    assertThat(report().problems()).containsExactly("add 192.0.2.11/32 on lo: EPERM");
    assertThat(applied.get(applied.size() - 1).needs()).isEmpty();
  }
}
