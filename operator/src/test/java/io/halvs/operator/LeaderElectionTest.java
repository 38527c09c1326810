package io.halvs.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.halvs.operator.demo.EmbeddedApiServer;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import io.halvs.operator.metrics.Exposition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two replicas against the CRUD mock: one leads and writes, the other stands by warm and takes over. */
class LeaderElectionTest {
  static final String NS = OperatorTest.NS;
  static final Duration TIMEOUT = OperatorTest.TIMEOUT;
  EmbeddedApiServer api;
  KubernetesClient client;
  final List<HalvsOperator> operators = new ArrayList<>();

  @BeforeEach
  void start() {
    api = new EmbeddedApiServer();
    client = api.client();
    OperatorTest.createSeed(client);
  }

  @AfterEach
  void stop() {
    operators.forEach(HalvsOperator::close);
    api.close();
  }

  HalvsOperator replica(String identity) throws InterruptedException {
    HalvsOperator o = new HalvsOperator(client, NS, "example.org/agent:test", new HalvsOperator.LeaderElection(
        identity, Duration.ofSeconds(4), Duration.ofSeconds(3), Duration.ofMillis(250)));
    operators.add(o);
    o.onLostLease(() -> { }); // stop() ends leading too; the tests never lose a lease otherwise
    o.start();
    return o;
  }

  String holder() {
    Lease l = client.leases().inNamespace(NS).withName(HalvsOperator.LEASE).get();
    return l == null || l.getSpec() == null ? null : l.getSpec().getHolderIdentity();
  }

  boolean daemonSetWritten() {
    return client.apps().daemonSets().inNamespace(NS).withName("halvs-agent-lvs").get() != null;
  }

  @Test
  void aStandbyWritesNothingUntilItHoldsTheLease() throws InterruptedException {
    // Someone else holds a fresh lease: this replica syncs its caches and waits.
    client.resource(new LeaseBuilder().withNewMetadata().withName(HalvsOperator.LEASE).withNamespace(NS)
        .endMetadata().withNewSpec().withHolderIdentity("other").withLeaseDurationSeconds(60)
        .withAcquireTime(ZonedDateTime.now().truncatedTo(ChronoUnit.MICROS))
        .withRenewTime(ZonedDateTime.now().truncatedTo(ChronoUnit.MICROS)).endSpec().build()).create();
    HalvsOperator standby = replica("b");
    await().atMost(TIMEOUT).until(standby::ready);
    assertThat(standby.leading()).isFalse();
    assertThat(daemonSetWritten()).as("a standby wrote the agent DaemonSet").isFalse();
    var status = client.resources(io.halvs.api.v1alpha1.DirectorPair.class).withName("lvs").get().getStatus();
    assertThat(status.getObservedGeneration()).as("a standby wrote status").isNull();
    assertThat(status.getConditions()).as("a standby wrote status").isNullOrEmpty();
    // Its /metrics say so: not leading, no status written, the plan model built all the same (warm).
    Exposition m = new Exposition(standby.metrics().scrape());
    assertThat(m.value("halvs_operator_leader")).isZero();
    assertThat(m.samples("halvs_operator_status_writes_total")).hasSize(9)
        .allSatisfy(x -> assertThat(x.value()).isZero());
    assertThat(m.value("halvs_operator_plan_builds_total", "result", "ok")).isGreaterThanOrEqualTo(1);
    assertThat(m.samples("halvs_operator_plan_configmap_writes_total")).isEmpty();
    // The holder hands the lease back: the standby leads and writes.
    Lease l = client.leases().inNamespace(NS).withName(HalvsOperator.LEASE).get();
    l.getSpec().setHolderIdentity(null);
    client.resource(l).update();
    await().atMost(TIMEOUT).until(standby::leading);
    await().atMost(TIMEOUT).until(this::daemonSetWritten);
    assertThat(holder()).isEqualTo("b");
    assertThat(new Exposition(standby.metrics().scrape()).value("halvs_operator_leader")).isEqualTo(1);
  }

  /**
   * A rollout in the middle (a new agent revision, both pods outdated) seen by a standby replica: it deletes no
   * pod; once it leads, it continues from what the API server holds, the standby director's pod first.
   */
  @Test
  void onlyTheLeaderReplacesAgentPods() throws InterruptedException {
    for (String node : List.of("lvs-01", "lvs-02")) {
      client.nodes().resource(new io.fabric8.kubernetes.api.model.NodeBuilder().withNewMetadata().withName(node)
          .endMetadata().withNewStatus().addNewCondition().withType("Ready").withStatus("True").endCondition()
          .endStatus().build()).create();
    }
    // The agent DaemonSet as a previous leader wrote it, its controller's revisions and pods, the agents' reports.
    var dp = client.resources(io.halvs.api.v1alpha1.DirectorPair.class).withName("lvs").get();
    var applier = new io.halvs.operator.dependent.Applier(client);
    var resources = new io.halvs.operator.dependent.AgentResources(NS, "example.org/agent:test");
    applier.apply(resources.daemonSet(dp));
    applier.apply(resources.reportConfigMap(dp, "lvs-01"));
    applier.apply(resources.reportConfigMap(dp, "lvs-02"));
    var ds = client.apps().daemonSets().inNamespace(NS).withName("halvs-agent-lvs").get();
    OperatorTest.controllerRevision(client, ds, "old", 1);
    OperatorTest.controllerRevision(client, ds, "new", 2);
    OperatorTest.agentPod(client, ds, "lvs-01", "old");
    OperatorTest.agentPod(client, ds, "lvs-02", "old");
    OperatorTest.observed(client, ds);
    report("lvs-01", io.halvs.plan.publish.AgentReport.ACTIVE, "plan-0");
    report("lvs-02", io.halvs.plan.publish.AgentReport.STANDBY, "plan-0");
    client.resource(new LeaseBuilder().withNewMetadata().withName(HalvsOperator.LEASE).withNamespace(NS)
        .endMetadata().withNewSpec().withHolderIdentity("other").withLeaseDurationSeconds(60)
        .withAcquireTime(ZonedDateTime.now().truncatedTo(ChronoUnit.MICROS))
        .withRenewTime(ZonedDateTime.now().truncatedTo(ChronoUnit.MICROS)).endSpec().build()).create();
    HalvsOperator standby = replica("b");
    await().atMost(TIMEOUT).until(standby::ready);
    // Everything a rollout step needs is in its caches; not leading, it deletes nothing.
    assertThat(standby.leading()).isFalse();
    assertThat(agentPods()).hasSize(2);

    Lease l = client.leases().inNamespace(NS).withName(HalvsOperator.LEASE).get();
    l.getSpec().setHolderIdentity(null);
    client.resource(l).update();
    await().atMost(TIMEOUT).until(standby::leading);
    await().atMost(TIMEOUT).until(() -> agentPods().size() == 1);
    assertThat(agentPods()).containsExactly("halvs-agent-lvs-old-lvs-01");
  }

  List<String> agentPods() {
    return client.pods().inNamespace(NS).list().getItems().stream().map(p -> p.getMetadata().getName()).sorted()
        .toList();
  }

  void report(String node, String role, String hash) {
    String name = io.halvs.plan.publish.Names.report("lvs", node);
    await().atMost(TIMEOUT).until(() -> client.configMaps().inNamespace(NS).withName(name).get() != null);
    client.configMaps().inNamespace(NS).withName(name).edit(cm -> {
      cm.setData(java.util.Map.of(io.halvs.plan.publish.Names.REPORT_KEY, io.halvs.plan.publish.AgentReport.toJson(
          new io.halvs.plan.publish.AgentReport(node, "lvs", role, hash, true, java.time.Instant.now().toString(),
              null, java.util.Map.of(), false))));
      return cm;
    });
  }

  @Test
  void oneLeadsAndTheOtherTakesOverWhenItStops() throws InterruptedException {
    HalvsOperator a = replica("a");
    await().atMost(TIMEOUT).until(a::leading);
    await().atMost(TIMEOUT).until(this::daemonSetWritten);
    HalvsOperator b = replica("b");
    await().atMost(TIMEOUT).until(b::ready);
    assertThat(b.leading()).isFalse();
    assertThat(holder()).isEqualTo("a");
    long t0 = System.nanoTime();
    a.close(); // hands the lease back
    await().atMost(TIMEOUT).until(b::leading);
    System.out.printf("takeover after the leader stopped: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    assertThat(holder()).isEqualTo("b");
    // The new leader reconciles: an edit of the pair's agent settings reaches the DaemonSet.
    client.resources(io.halvs.api.v1alpha1.DirectorPair.class).withName("lvs").edit(dp -> {
      dp.getSpec().setAgent(new io.halvs.api.v1alpha1.AgentSettings());
      dp.getSpec().getAgent().setArgs(List.of("--fake-ipvs"));
      return dp;
    });
    await().atMost(TIMEOUT).until(() -> client.apps().daemonSets().inNamespace(NS).withName("halvs-agent-lvs").get()
        .getSpec().getTemplate().getSpec().getContainers().get(0).getArgs().contains("--fake-ipvs"));
  }
}
