package io.halvs.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.halvs.agent.kernel.DestinationHealth;
import io.halvs.agent.kernel.FakeIpvsKernel;
import io.halvs.agent.kernel.KernelService;
import io.halvs.agent.kernel.OwnershipJournal;
import io.halvs.agent.runtime.Director;
import io.halvs.agent.runtime.StaticElection;
import io.halvs.agent.runtime.TestDoubles;
import io.halvs.api.client.ApiRequests;
import io.halvs.operator.demo.CrudMockServers;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpvsService;
import io.halvs.plan.publish.AgentReport;
import io.halvs.plan.publish.Names;
import io.halvs.plan.publish.PlanCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The in-cluster agent against fabric8's CRUD mock of the API server: plan in, kernel programmed, report out. */
class InClusterTest {
  static final String NS = "halvs-system";
  static final String PAIR = "edge";
  static final String NODE = "lvs-01";

  static {
    java.util.logging.Logger.getLogger("io.fabric8.mockwebserver").setLevel(java.util.logging.Level.WARNING);
  }

  KubernetesMockServer server;
  KubernetesClient operator; // writes plans, as the operator would
  KubernetesClient agentClient;
  final FakeIpvsKernel kernel = new FakeIpvsKernel();
  final TestDoubles.SteeredHealth health = new TestDoubles.SteeredHealth();
  Director director;
  ReportWriter reports;
  PlanSource plans;

  @BeforeEach
  void start() {
    server = CrudMockServers.start();
    operator = server.createClient();
    agentClient = server.createClient();
    operator.resource(new ConfigMapBuilder().withNewMetadata().withName(Names.report(PAIR, NODE)).withNamespace(NS)
        .addToLabels(Names.PAIR_LABEL, PAIR).addToLabels(Names.PART_LABEL, Names.PART_REPORT).endMetadata().build())
        .create();
    director = new Director(kernel, new OwnershipJournal(null), health,
        StaticElection.firstNodeActive(NODE, null, c -> {}), null, Duration.ofHours(1));
    reports = new ReportWriter(agentClient, NS, PAIR, NODE, director, Duration.ofMillis(20), Duration.ofHours(1));
    plans = new PlanSource(agentClient, NS, PAIR, director::offer);
    reports.planDamage(plans::damage);
    plans.onDamage(reports::request);
    director.start("director-test");
    reports.start();
    plans.start();
  }

  @AfterEach
  void stop() {
    plans.close();
    reports.close();
    director.close();
    agentClient.close();
    operator.close();
    CrudMockServers.stop(server);
  }

  ConfigMap cm(String name, String part) {
    return new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(NS).addToLabels(Names.PAIR_LABEL, PAIR)
        .addToLabels(Names.PART_LABEL, part).endMetadata().build();
  }

  void writeShard(PlanCodec.Shard s) {
    ConfigMap cm = cm(Names.shard(PAIR, s.index()), Names.PART_SHARD);
    cm.setBinaryData(Map.of(Names.SHARD_KEY, Base64.getEncoder().encodeToString(s.gzipJson())));
    operator.resource(cm).createOr(op -> op.update());
  }

  void writeManifest(PlanCodec.Manifest m) {
    ConfigMap cm = cm(Names.manifest(PAIR), Names.PART_MANIFEST);
    cm.setData(Map.of(Names.MANIFEST_KEY, PlanCodec.manifestJson(m)));
    operator.resource(cm).createOr(op -> op.update());
  }

  /** In the operator's order: shards, then the manifest. */
  PlanCodec.Published publish(DirectorPlan plan, String state) {
    PlanCodec.Published p = PlanCodec.split(plan, state);
    p.shards().forEach(this::writeShard);
    writeManifest(p.manifest());
    return p;
  }

  AgentReport report() {
    ConfigMap cm = operator.configMaps().inNamespace(NS).withName(Names.report(PAIR, NODE)).get();
    String json = cm.getData() == null ? null : cm.getData().get(Names.REPORT_KEY);
    return json == null ? null : AgentReport.fromJson(json);
  }

  boolean reported(String planHash) {
    AgentReport r = report();
    return r != null && r.programmed() && planHash.equals(r.programmedPlanHash());
  }

  @Test
  void closeWritesTheLastReportAtOnce() {
    // the handover's STANDBY must reach the API server before the agent exits, not at the next interval
    String node = "lvs-02";
    operator.resource(new ConfigMapBuilder().withNewMetadata().withName(Names.report(PAIR, node)).withNamespace(NS)
        .endMetadata().build()).create();
    ReportWriter last = new ReportWriter(agentClient, NS, PAIR, node, director, Duration.ofHours(1),
        Duration.ofHours(1));
    last.start();
    last.request();
    var before = operator.configMaps().inNamespace(NS).withName(Names.report(PAIR, node)).get().getData();
    assertThat(before == null || !before.containsKey(Names.REPORT_KEY)).as("nothing written yet").isTrue();
    last.close();
    ConfigMap cm = operator.configMaps().inNamespace(NS).withName(Names.report(PAIR, node)).get();
    assertThat(AgentReport.fromJson(cm.getData().get(Names.REPORT_KEY)).node()).isEqualTo(node);
  }

  @Test
  void aReportIsOnePatchWithoutAReadOfItsConfigMapFirst() {
    String node = "lvs-03";
    operator.resource(new ConfigMapBuilder().withNewMetadata().withName(Names.report(PAIR, node)).withNamespace(NS)
        .endMetadata().build()).create();
    ApiRequests counted = new ApiRequests();
    try (KubernetesClient c = counted.install(new io.fabric8.kubernetes.client.KubernetesClientBuilder()
        .withConfig(agentClient.getConfiguration())).build()) {
      ReportWriter w = new ReportWriter(c, NS, PAIR, node, director, Duration.ofMillis(20), Duration.ofHours(1));
      w.start();
      w.request();
      await().atMost(Duration.ofSeconds(20)).until(() -> {
        ConfigMap cm = operator.configMaps().inNamespace(NS).withName(Names.report(PAIR, node)).get();
        return cm.getData() != null && cm.getData().containsKey(Names.REPORT_KEY);
      });
      w.close();
    }
    assertThat(counted.snapshot().keySet()).isNotEmpty() // the mock answers a patch 202, an API server 200
        .allSatisfy(k -> assertThat(k.verb() + " " + k.resource()).isEqualTo("patch configmaps"));
  }

  /** Many destinations, so the plan needs more than one shard. */
  static DirectorPlan big(int weight) {
    DirectorPlan p = TestDoubles.plan(60, 100, null);
    List<IpvsService> services = new ArrayList<>(p.services());
    IpvsService s = services.get(7);
    var d = new ArrayList<>(s.destinations());
    var first = d.get(0);
    d.set(0, new io.halvs.plan.Destination(first.address(), first.port(), first.method(), weight,
        first.upperThreshold(), first.lowerThreshold(), first.tunnelType(), first.tunnelPort(),
        first.tunnelChecksum(), first.realServer()));
    services.set(7, new IpvsService(s.key(), s.vip(), s.scheduler(), s.flags(), s.timeoutSeconds(), s.netmask(), d,
        s.sorryServer(), s.healthCheck(), s.owner()));
    return new DirectorPlan(p.pair(), p.nodes(), p.vipInterface(), p.vips(), p.gateway(), p.sysctls(),
        p.syncDaemon(), p.highAvailability(), services);
  }

  @Test
  void publishedPlanIsProgrammedAndReported() {
    DirectorPlan plan = big(100);
    PlanCodec.Published p = publish(plan, PlanCodec.Manifest.ACTIVE);
    assertThat(p.shards()).hasSizeGreaterThan(1);

    await().atMost(Duration.ofSeconds(20)).until(() -> reported(p.manifest().planHash()));
    assertThat(kernel.services()).hasSize(60);
    assertThat(kernel.count(FakeIpvsKernel.Op.ADD_DEST)).isEqualTo(6000);
    AgentReport r = report();
    assertThat(r.node()).isEqualTo(NODE);
    assertThat(r.pair()).isEqualTo(PAIR);
    assertThat(r.role()).isEqualTo(AgentReport.ACTIVE);
    assertThat(r.message()).isNull();
    assertThat(r.cleaned()).isFalse();
  }

  @Test
  void anAgentWithoutIpVsReportsTheMissingModuleAndNothingProgrammed() {
    String problem = io.halvs.agent.kernel.KernelModuleMissing.problem("ip_vs");
    assertThat(ReportWriter.writeProblem(agentClient, NS, PAIR, NODE, problem)).isTrue();
    AgentReport r = report();
    assertThat(r.message()).isEqualTo("kernel module ip_vs not loaded; load it at boot (/etc/modules-load.d) or "
        + "enable the load-modules init container");
    assertThat(r.node()).isEqualTo(NODE);
    assertThat(r.role()).isEqualTo("unknown");
    assertThat(r.programmed()).isFalse();
    assertThat(r.programmedPlanHash()).isNull();
  }

  @Test
  void aShardMidUpdateKeepsTheLastGoodPlanUntilTheManifestFollows() throws Exception {
    PlanCodec.Published first = publish(big(100), PlanCodec.Manifest.ACTIVE);
    await().atMost(Duration.ofSeconds(20)).until(() -> reported(first.manifest().planHash()));
    kernel.resetCounts();

    PlanCodec.Published second = PlanCodec.split(big(5), PlanCodec.Manifest.ACTIVE);
    List<PlanCodec.Shard> changed = second.shards().stream()
        .filter(s -> !s.hash().equals(first.shards().get(s.index()).hash())).toList();
    assertThat(changed).hasSize(1);
    writeShard(changed.get(0));
    Thread.sleep(500); // the agent has seen the shard; it does not match the manifest it has
    assertThat(kernel.totalOperations()).isZero();
    assertThat(director.status().programmedPlanHash()).isEqualTo(first.manifest().planHash());

    writeManifest(second.manifest());
    await().atMost(Duration.ofSeconds(20)).until(() -> reported(second.manifest().planHash()));
    assertThat(kernel.totalOperations()).as("one weight changed: one edit").isEqualTo(1);
    assertThat(kernel.count(FakeIpvsKernel.Op.EDIT_DEST)).isEqualTo(1);
    assertThat(plans.shardsDecoded()).as("the first plan's shards, then the changed one")
        .isEqualTo(first.shards().size() + 1);
    assertThat(plans.base64Decoded()).as("each shard ConfigMap's version read from base64 once, however many "
        + "events assembled the plan").isEqualTo(first.shards().size() + 1);
  }

  /**
   * A plan part damaged by hand (the manifest unchanged, or the manifest itself): the agent keeps its last good
   * plan, its report names the ConfigMap (the operator shows it as Degraded), and the next good publish recovers.
   */
  @ParameterizedTest
  @ValueSource(strings = {"shard-bad-gzip", "shard-not-base64", "shard-wrong-hash", "manifest-bad-json",
      "manifest-null"})
  void aDamagedPlanPartKeepsTheLastGoodPlanAndTheReportNamesIt(String damage) {
    PlanCodec.Published first = publish(big(100), PlanCodec.Manifest.ACTIVE);
    await().atMost(Duration.ofSeconds(20)).until(() -> reported(first.manifest().planHash()));
    kernel.resetCounts();

    String object = damage.startsWith("shard") ? Names.shard(PAIR, 1) : Names.manifest(PAIR);
    ConfigMap cm = operator.configMaps().inNamespace(NS).withName(object).get();
    switch (damage) {
      case "shard-bad-gzip" -> cm.setBinaryData(Map.of(Names.SHARD_KEY,
          Base64.getEncoder().encodeToString("not gzip".getBytes())));
      case "shard-not-base64" -> cm.setBinaryData(Map.of(Names.SHARD_KEY, "!!!"));
      case "shard-wrong-hash" -> cm.setBinaryData(Map.of(Names.SHARD_KEY,
          Base64.getEncoder().encodeToString(first.shards().get(0).gzipJson())));
      case "manifest-bad-json" -> cm.setData(Map.of(Names.MANIFEST_KEY, "{\"pair\": \"edge\", "));
      case "manifest-null" -> cm.setData(Map.of(Names.MANIFEST_KEY, "null"));
      default -> throw new IllegalArgumentException(damage);
    }
    operator.resource(cm).update();

    await().atMost(Duration.ofSeconds(20)).until(() -> report().message() != null);
    assertThat(report().message()).startsWith("ConfigMap " + NS + "/" + object + ": ")
        .contains("the last good plan " + first.manifest().planHash() + " keeps serving");
    assertThat(kernel.totalOperations()).isZero();
    assertThat(director.status().programmedPlanHash()).isEqualTo(first.manifest().planHash());
    assertThat(report().programmed()).isTrue();

    PlanCodec.Published second = publish(big(5), PlanCodec.Manifest.ACTIVE);
    await().atMost(Duration.ofSeconds(20)).until(() -> reported(second.manifest().planHash())
        && report().message() == null);
  }

  @Test
  void deletingPlanCleansTheKernelAndReportsCleaned() {
    DirectorPlan plan = TestDoubles.plan(4, 3, null);
    publish(plan, PlanCodec.Manifest.ACTIVE);
    await().atMost(Duration.ofSeconds(20)).until(() -> kernel.services().size() == 4);

    publish(plan, PlanCodec.Manifest.DELETING);
    await().atMost(Duration.ofSeconds(20)).until(() -> report() != null && report().cleaned());
    assertThat(kernel.services()).isEmpty();
  }

  @Test
  void withTheApiServerGoneTheDataPlaneKeepsServingAndHealthStillActs() throws Exception {
    DirectorPlan plan = TestDoubles.plan(10, 5, null);
    PlanCodec.Published p = publish(plan, PlanCodec.Manifest.ACTIVE);
    await().atMost(Duration.ofSeconds(20)).until(() -> reported(p.manifest().planHash()));
    List<KernelService> before = kernel.services();
    kernel.resetCounts();

    CrudMockServers.stop(server);
    Thread.sleep(1000);
    assertThat(kernel.services()).isEqualTo(before);
    assertThat(kernel.totalOperations()).isZero();
    assertThat(director.status().programmed()).isTrue();

    // Health verdicts still reach the kernel: nothing in the data path waits for the API server.
    IpvsService s = plan.services().get(3);
    health.set(s.key(), s.destinations().get(1), DestinationHealth.Verdict.QUIESCE);
    await().atMost(Duration.ofSeconds(5)).until(() -> kernel.count(FakeIpvsKernel.Op.EDIT_DEST) == 1);
    assertThat(kernel.totalOperations()).isEqualTo(1);
  }
}
