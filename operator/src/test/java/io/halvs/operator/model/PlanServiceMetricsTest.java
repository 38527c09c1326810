package io.halvs.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.halvs.api.v1alpha1.AgentSettings;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.operator.metrics.Exposition;
import io.halvs.operator.metrics.OperatorMetrics;
import io.halvs.plan.load.ManifestLoader;
import io.halvs.plan.publish.AgentReport;
import io.halvs.plan.publish.Names;
import io.halvs.plan.publish.PlanCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the plan model hands the metrics: per pair, the published plan's size and the directors' report times. */
class PlanServiceMetricsTest {
  static final ManifestLoader.Result SEED = new ManifestLoader().load(List.of(Paths.get("..", "deploy", "examples",
      "seed-nat.yaml")));

  static ConfigMap reportMap(String node, Instant seen) {
    AgentReport r = new AgentReport(node, "lvs", AgentReport.STANDBY, null, false, seen.toString(), null, Map.of(),
        false);
    return new ConfigMapBuilder().withNewMetadata().withName(Names.report("lvs", node)).endMetadata()
        .withData(Map.of(Names.REPORT_KEY, AgentReport.toJson(r))).build();
  }

  static DirectorPair withArgs(List<String> args) {
    DirectorPair dp = new DirectorPair();
    dp.setSpec(new io.halvs.api.v1alpha1.DirectorPairSpec());
    dp.getSpec().setAgent(new AgentSettings());
    dp.getSpec().getAgent().setArgs(args);
    return dp;
  }

  @Test
  void theAgentsHeartbeatComesFromItsArgsElseTheDefault() {
    assertThat(PlanService.heartbeat(SEED.input().directorPairs().get(0))).isEqualTo(Duration.ofSeconds(60));
    assertThat(PlanService.heartbeat(withArgs(List.of("--fake-ipvs", "--heartbeat-seconds=5"))))
        .isEqualTo(Duration.ofSeconds(5));
    assertThat(PlanService.heartbeat(withArgs(List.of("--heartbeat-seconds", "7")))).isEqualTo(Duration.ofSeconds(7));
    assertThat(PlanService.heartbeat(withArgs(List.of("--heartbeat-seconds=soon")))).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void aPairsPlanSizeAndReportAgesBecomeItsSeries() {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    List<DirectorPair> pairs = SEED.input().directorPairs();
    Snapshot s = PlanService.build(pairs, SEED.input().virtualServices(), SEED.input().realServers(),
        List.of(reportMap("lvs-01", now.minusSeconds(10))));
    List<OperatorMetrics.PairState> states = PlanService.pairStates(s, pairs);
    PlanCodec.Published published = s.published().get("lvs");
    long bytes = PlanCodec.manifestJson(published.manifest()).getBytes(StandardCharsets.UTF_8).length
        + published.shards().stream().mapToLong(x -> x.gzipJson().length).sum();
    assertThat(states).singleElement().satisfies(p -> {
      assertThat(p.pair()).isEqualTo("lvs");
      assertThat(p.shards()).isEqualTo(published.shards().size()).isPositive();
      assertThat(p.bytes()).isEqualTo(bytes);
      assertThat(p.nodes()).containsExactly("lvs-01", "lvs-02");
      assertThat(p.lastSeen()).containsOnlyKeys("lvs-01");
      assertThat(p.reportBound()).isEqualTo(Duration.ofMinutes(3));
    });

    try (OperatorMetrics metrics = OperatorMetrics.unexported()) {
      metrics.pairs(states);
      Exposition m = new Exposition(metrics.scrape());
      assertThat(m.value("halvs_operator_plan_bytes", "directorpair", "lvs")).isEqualTo(bytes);
      // 10 s old: fresh; never reported: stale
      assertThat(m.value("halvs_operator_agent_report_stale", "directorpair", "lvs", "node", "lvs-01")).isZero();
      assertThat(m.value("halvs_operator_agent_report_stale", "directorpair", "lvs", "node", "lvs-02")).isEqualTo(1);
      // older than three heartbeats: stale
      metrics.pairs(PlanService.pairStates(PlanService.build(pairs, SEED.input().virtualServices(),
          SEED.input().realServers(), List.of(reportMap("lvs-01", now.minusSeconds(200)))), pairs));
      assertThat(new Exposition(metrics.scrape())
          .value("halvs_operator_agent_report_stale", "directorpair", "lvs", "node", "lvs-01")).isEqualTo(1);
      // a deleted pair's series go
      metrics.pairs(List.of());
      assertThat(new Exposition(metrics.scrape()).samples("halvs_operator_agent_report_stale")).isEmpty();
    }
  }
}
