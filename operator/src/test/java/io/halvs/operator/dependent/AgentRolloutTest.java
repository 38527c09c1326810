package io.halvs.operator.dependent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ControllerRevisionBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.halvs.operator.demo.EmbeddedApiServer;
import io.halvs.plan.publish.AgentReport;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agents' rollout order against fabric8's CRUD mock, with the DaemonSet controller's part played by the test:
 * its ControllerRevisions, its pods (labelled with their revision) and their readiness. Each step is what one
 * reconcile does: observe what the API server holds, decide, delete at most one pod.
 */
class AgentRolloutTest {
  static final String NS = "halvs-system";
  static final List<String> NODES = List.of("lvs-01", "lvs-02");
  static final String PLAN = "plan-1";
  static final String OLD = "6b8f9c7d5";
  static final String NEW = "7c9d8e6f4";
  static final Instant NOW = Instant.parse("2026-11-30T08:00:00Z");

  EmbeddedApiServer api;
  KubernetesClient client;
  DaemonSet ds;
  final Map<String, AgentReport> reports = new HashMap<>();

  @BeforeEach
  void start() {
    api = new EmbeddedApiServer();
    client = api.client();
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
    for (String n : NODES) {
      node(n, true);
    }
    ds = client.resource(new DaemonSetBuilder().withNewMetadata().withName("halvs-agent-lvs").withNamespace(NS)
        .withGeneration(2L).endMetadata()
        .withNewSpec().withMinReadySeconds(10).withNewSelector()
        .addToMatchLabels("app.kubernetes.io/instance", "halvs-agent-lvs").endSelector()
        .withNewUpdateStrategy().withType("OnDelete").endUpdateStrategy().endSpec()
        .withNewStatus().withObservedGeneration(2L).endStatus().build()).create();
    revision(OLD, 1);
    reports.put("lvs-01", report("lvs-01", AgentReport.ACTIVE, NOW.minusSeconds(5)));
    reports.put("lvs-02", report("lvs-02", AgentReport.STANDBY, NOW.minusSeconds(5)));
  }

  @AfterEach
  void stop() {
    api.close();
  }

  void node(String name, boolean ready) {
    client.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).endMetadata().withNewStatus()
        .addNewCondition().withType("Ready").withStatus(ready ? "True" : "Unknown").endCondition().endStatus()
        .build()).createOr(r -> r.update());
  }

  void revision(String hash, long revision) {
    client.resource(new ControllerRevisionBuilder().withNewMetadata().withName("halvs-agent-lvs-" + hash)
        .withNamespace(NS).addToLabels("app.kubernetes.io/instance", "halvs-agent-lvs")
        .addToLabels(AgentRollout.REVISION_LABEL, hash).addNewOwnerReference().withApiVersion("apps/v1")
        .withKind("DaemonSet").withName("halvs-agent-lvs").withUid(ds.getMetadata().getUid()).withController(true)
        .endOwnerReference()
        .endMetadata().withRevision(revision).build()).create();
  }

  /** An agent pod as the DaemonSet controller makes it; readySince null: not Ready. */
  Pod pod(String node, String hash, Instant readySince) {
    var b = new PodBuilder().withNewMetadata().withName("halvs-agent-lvs-" + hash.substring(0, 3) + "-" + node)
        .withNamespace(NS).addToLabels("app.kubernetes.io/instance", "halvs-agent-lvs")
        .addToLabels(AgentRollout.REVISION_LABEL, hash).addNewOwnerReference().withApiVersion("apps/v1")
        .withKind("DaemonSet").withName("halvs-agent-lvs").withUid(ds.getMetadata().getUid()).withController(true)
        .endOwnerReference()
        .endMetadata().withNewSpec().withNodeName(node).endSpec().withNewStatus()
        .withStartTime((readySince == null ? NOW.minusSeconds(2) : readySince.minusSeconds(3)).toString());
    b = readySince == null ? b.addNewCondition().withType("Ready").withStatus("False").endCondition()
        : b.addNewCondition().withType("Ready").withStatus("True").withLastTransitionTime(readySince.toString())
            .endCondition();
    return client.resource(b.endStatus().build()).create();
  }

  static AgentReport report(String node, String role, Instant seen) {
    return new AgentReport(node, "lvs", role, PLAN, true, seen.toString(), null, Map.of(), false);
  }

  /** One reconcile's step: observe, decide (lvs-01 active unless the reports say otherwise), delete. */
  AgentRollout.Step step(Instant now) {
    AgentRollout rollout = new AgentRollout(client, NS); // no memory between steps: a restart changes nothing
    var active = io.halvs.operator.model.StatusComputer.active(reports);
    AgentRollout.Step s = AgentRollout.decide(NODES, rollout.observe("lvs", NODES), reports,
        active == null ? null : active.node(), PLAN, now);
    rollout.apply(s);
    return s;
  }

  List<String> podNames() {
    return client.pods().inNamespace(NS).list().getItems().stream().map(p -> p.getMetadata().getName()).sorted()
        .toList();
  }

  @Test
  void nothingToDoWhenBothAgentsRunTheNewestRevision() {
    pod("lvs-01", OLD, NOW.minusSeconds(60));
    pod("lvs-02", OLD, NOW.minusSeconds(60));
    AgentRollout.Step s = step(NOW);
    assertThat(s.upToDate()).isTrue();
    assertThat(s.reason()).isEqualTo(AgentRollout.UP_TO_DATE);
    assertThat(s.message()).isEqualTo("the agents run revision " + OLD);
    assertThat(s.replace()).isNull();
    assertThat(podNames()).hasSize(2);
  }

  /**
   * A reconcile after a plan build (several per edit) decides from what the last one read, until an agent pod or
   * the DaemonSet changes: no requests. A step that deletes is decided again from a read made for it.
   */
  @Test
  void aStepReadsTheAgentsAgainOnlyAfterAnAgentEventAndAlwaysBeforeItDeletes() {
    AgentRollout rollout = new AgentRollout(client, NS);
    pod("lvs-01", OLD, NOW.minusSeconds(600));
    pod("lvs-02", OLD, NOW.minusSeconds(600));
    assertThat(kept(rollout).upToDate()).isTrue();
    long reads = api.requests("GET", "/pods");
    for (int i = 0; i < 3; i++) {
      assertThat(kept(rollout).upToDate()).isTrue();
    }
    assertThat(api.requests("GET", "/pods")).as("no read while nothing changed").isEqualTo(reads);

    // A new template: the DaemonSet controller's writes are events; without one the kept read stands.
    revision(NEW, 2);
    assertThat(kept(rollout).upToDate()).isTrue();
    rollout.changed();
    AgentRollout.Step replace = kept(rollout);
    assertThat(replace.replace().getSpec().getNodeName()).isEqualTo("lvs-02");
    assertThat(api.requests("GET", "/pods")).isEqualTo(reads + 1);

    // The standby's pod goes by another hand before its event arrives: the kept read still names it, but no pod
    // is deleted on a kept read. Read again: nothing to delete until the DaemonSet makes its replacement.
    client.pods().inNamespace(NS).withName(replace.replace().getMetadata().getName()).delete();
    AgentRollout.Step again = kept(rollout);
    assertThat(again.replace()).isNull();
    assertThat(again.message()).startsWith("lvs-02: waiting for the DaemonSet to create its agent pod");
    assertThat(api.requests("GET", "/pods")).isEqualTo(reads + 2);
  }

  /** One step of a rollout that keeps its reads, decided (lvs-01 active), not applied. */
  AgentRollout.Step kept(AgentRollout rollout) {
    return rollout.step("lvs", NODES, reports, "lvs-01", PLAN, NOW);
  }

  @Test
  void theStandbyIsReplacedFirstThenTheActiveOnceTheNewStandbyIsAvailableAndReports() {
    pod("lvs-01", OLD, NOW.minusSeconds(600));
    pod("lvs-02", OLD, NOW.minusSeconds(600));
    revision(NEW, 2); // a new template (an upgrade, kubectl rollout restart)

    AgentRollout.Step s = step(NOW);
    assertThat(s.replace().getSpec().getNodeName()).isEqualTo("lvs-02");
    assertThat(s.reason()).isEqualTo(AgentRollout.ROLLING_OUT);
    assertThat(s.message()).contains("replacing the standby lvs-02 first").contains("the active lvs-01");
    assertThat(podNames()).containsExactly("halvs-agent-lvs-6b8-lvs-01");

    // Until the DaemonSet recreates it, and then until it is Ready, the active is left alone.
    s = step(NOW.plusSeconds(1));
    assertThat(s.replace()).isNull();
    assertThat(s.message()).startsWith("lvs-02: waiting for the DaemonSet").contains("next: lvs-01 (the active");
    pod("lvs-02", NEW, null);
    s = step(NOW.plusSeconds(5));
    assertThat(s.replace()).isNull();
    assertThat(s.message()).startsWith("lvs-02: waiting for the agent of revision " + NEW + " to turn Ready");
    assertThat(podNames()).hasSize(2);

    // Ready, but not yet for minReadySeconds: look again when it will be.
    client.pods().inNamespace(NS).delete();
    pod("lvs-01", OLD, NOW.minusSeconds(600));
    pod("lvs-02", NEW, NOW.plusSeconds(6));
    s = step(NOW.plusSeconds(9));
    assertThat(s.replace()).isNull();
    assertThat(s.recheck()).isEqualTo(Duration.ofSeconds(7).plusMillis(500));
    assertThat(podNames()).hasSize(2);

    // Available, but the report on lvs-02 is its old agent's (written before the new pod started).
    s = step(NOW.plusSeconds(20));
    assertThat(s.replace()).isNull();
    assertThat(s.message()).startsWith("waiting for the new agent on lvs-02 to report");
    assertThat(s.recheck()).isEqualTo(AgentRollout.REPORT_RECHECK);

    // The new agent reports: a standby with the current plan. Now the active, which hands over to it.
    reports.put("lvs-02", report("lvs-02", AgentReport.STANDBY, NOW.plusSeconds(8)));
    s = step(NOW.plusSeconds(21));
    assertThat(s.replace().getSpec().getNodeName()).isEqualTo("lvs-01");
    assertThat(s.message()).isEqualTo("lvs-02 is back as a ready standby on the new revision: replacing the active "
        + "lvs-01, which hands the VIP over to it (one handover) (pod halvs-agent-lvs-6b8-lvs-01, revision " + OLD
        + " -> " + NEW + ")");
    assertThat(podNames()).containsExactly("halvs-agent-lvs-7c9-lvs-02");

    // lvs-02 took the VIP over; lvs-01 comes back on the new revision: done once it is available.
    reports.put("lvs-02", report("lvs-02", AgentReport.ACTIVE, NOW.plusSeconds(22)));
    pod("lvs-01", NEW, NOW.plusSeconds(25));
    s = step(NOW.plusSeconds(30));
    assertThat(s.upToDate()).isFalse();
    assertThat(s.reason()).isEqualTo(AgentRollout.ROLLING_OUT);
    s = step(NOW.plusSeconds(36));
    assertThat(s.upToDate()).isTrue();
    assertThat(podNames()).hasSize(2);
  }

  @Test
  void theActiveWaitsUntilItsPeerReportsAsAStandbyWithTheCurrentPlan() {
    pod("lvs-01", OLD, NOW.minusSeconds(600));
    pod("lvs-02", NEW, NOW.minusSeconds(60));
    revision(NEW, 2);
    reports.put("lvs-02", new AgentReport("lvs-02", "lvs", AgentReport.STANDBY, "plan-0", true,
        NOW.toString(), null, Map.of(), false));
    AgentRollout.Step s = step(NOW);
    assertThat(s.replace()).isNull();
    assertThat(s.message()).isEqualTo("waiting for lvs-02 to report as a standby with the current plan before "
        + "replacing the active lvs-01");
    assertThat(podNames()).hasSize(2);
  }

  @Test
  void anOperatorRestartedMidRolloutGoesOnWhereTheRolloutStands() {
    // The previous leader deleted the standby's pod; it is still stopping: nothing else may go.
    pod("lvs-01", OLD, NOW.minusSeconds(600));
    Pod stopping = pod("lvs-02", OLD, NOW.minusSeconds(600));
    revision(NEW, 2);
    // (a finalizer keeps it visible while it is being deleted, as a kubelet's graceful stop does)
    client.pods().resource(stopping).edit(p -> {
      p.getMetadata().setFinalizers(List.of("example.org/stopping"));
      return p;
    });
    client.pods().resource(stopping).delete();
    assertThat(client.pods().resource(stopping).get().getMetadata().getDeletionTimestamp()).isNotNull();
    AgentRollout.Step s = step(NOW.plusSeconds(1));
    assertThat(s.replace()).isNull();
    assertThat(s.message()).startsWith("lvs-02: waiting for the old agent pod to stop");
    assertThat(podNames()).hasSize(2);

    // Later: the standby was replaced and is available; a new operator replaces the active, and only it.
    client.pods().inNamespace(NS).withName(stopping.getMetadata().getName()).edit(p -> {
      p.getMetadata().setFinalizers(List.of());
      return p;
    });
    client.pods().inNamespace(NS).withName(stopping.getMetadata().getName()).delete();
    pod("lvs-02", NEW, NOW.minusSeconds(30));
    s = step(NOW);
    assertThat(s.replace().getSpec().getNodeName()).isEqualTo("lvs-01");
    assertThat(podNames()).containsExactly("halvs-agent-lvs-7c9-lvs-02");
  }

  @Test
  void aNewRevisionThatNeverTurnsReadyStopsTheRolloutBeforeTheActive() {
    pod("lvs-01", OLD, NOW.minusSeconds(600));
    pod("lvs-02", NEW, null);
    revision(NEW, 2);
    for (int i = 0; i < 3; i++) {
      assertThat(step(NOW.plusSeconds(60L * i)).replace()).isNull();
    }
    assertThat(podNames()).hasSize(2);
  }

  @Test
  void withoutReportsNoPodGoesTheActiveCouldBeEither() {
    pod("lvs-01", OLD, NOW.minusSeconds(600));
    pod("lvs-02", OLD, NOW.minusSeconds(600));
    revision(NEW, 2);
    reports.clear();
    AgentRollout.Step s = step(NOW);
    assertThat(s.replace()).isNull();
    assertThat(s.message()).startsWith("waiting for a report from lvs-01, lvs-02 to know which director holds the "
        + "VIP");
    assertThat(s.recheck()).isEqualTo(AgentRollout.REPORT_RECHECK);
    assertThat(podNames()).hasSize(2);
    // Both report, neither holds the VIP: no order to keep.
    reports.put("lvs-01", report("lvs-01", AgentReport.STANDBY, NOW));
    reports.put("lvs-02", report("lvs-02", AgentReport.STANDBY, NOW));
    assertThat(step(NOW).replace().getSpec().getNodeName()).isEqualTo("lvs-01");
  }

  @Test
  void anOutdatedAgentThatIsNotReadyGoesFirstItServesNothing() {
    pod("lvs-01", OLD, NOW.minusSeconds(600));
    pod("lvs-02", OLD, null); // crash-looping, say
    revision(NEW, 2);
    reports.put("lvs-02", report("lvs-02", "unknown", NOW));
    AgentRollout.Step s = step(NOW);
    assertThat(s.replace().getSpec().getNodeName()).isEqualTo("lvs-02");
    assertThat(s.message()).contains("lvs-02 is not Ready");
  }

  @Test
  void anActiveThatIsNotReadyStillGoesLast() {
    pod("lvs-01", OLD, null); // holds the VIP, but its last plan did not apply
    pod("lvs-02", OLD, NOW.minusSeconds(600));
    revision(NEW, 2);
    AgentRollout.Step s = step(NOW);
    assertThat(s.replace().getSpec().getNodeName()).isEqualTo("lvs-02");
    assertThat(s.message()).startsWith("replacing the standby lvs-02 first");
  }

  @Test
  void withoutAHealthyPeerTheActiveIsReplacedAnywayAndTheConditionSaysSo() {
    pod("lvs-01", OLD, NOW.minusSeconds(600));
    pod("lvs-02", OLD, null);
    node("lvs-02", false); // the standby's node is down: its pod cannot be replaced now
    revision(NEW, 2);
    AgentRollout.Step s = step(NOW);
    assertThat(s.replace().getSpec().getNodeName()).isEqualTo("lvs-01");
    assertThat(s.message()).contains("no healthy peer: lvs-02 is not Ready, so nothing better exists")
        .contains("without a handover");
    assertThat(podNames()).containsExactly("halvs-agent-lvs-6b8-lvs-02");

    // lvs-01 comes back new; lvs-02 stays outdated until its node is back.
    pod("lvs-01", NEW, NOW.minusSeconds(20));
    s = step(NOW.plusSeconds(1));
    assertThat(s.replace()).isNull();
    assertThat(s.message()).isEqualTo("lvs-02: outdated, but the node is not Ready; its agent is replaced once the "
        + "node is back");
  }

  @Test
  void nothingMovesBeforeTheDaemonSetControllerObservedTheNewTemplate() {
    pod("lvs-01", OLD, NOW.minusSeconds(600));
    pod("lvs-02", OLD, NOW.minusSeconds(600));
    ds.getMetadata().setGeneration(3L); // the operator wrote a new template; the controller has not seen it
    client.resource(ds).update();
    ds = client.apps().daemonSets().inNamespace(NS).withName("halvs-agent-lvs").get();
    ds.getStatus().setObservedGeneration(ds.getMetadata().getGeneration() - 1);
    client.resource(ds).updateStatus();
    AgentRollout.Step s = step(NOW);
    assertThat(s.reason()).isEqualTo(AgentRollout.PENDING);
    assertThat(s.message()).startsWith("waiting for the DaemonSet controller to observe halvs-agent-lvs");
    assertThat(podNames()).hasSize(2);
  }
}
