package io.halvs.operator.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.operator.demo.EmbeddedApiServer;
import io.halvs.operator.metrics.OperatorMetrics;
import io.halvs.plan.Destination;
import io.halvs.plan.IncrementalPlanBuilder;
import io.halvs.plan.PlanResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The kept (incremental) plan model is checked by a full build of the same objects off the edit's path, not by a
 * full build on it every 100th edit. The one thing that makes them differ without a bug: a cached object changed
 * in place, which the incremental build (comparing objects by identity) cannot see.
 */
class PlanAuditTest {

  static int weight(PlanResult result, String realServer) {
    return result.plans().get("lvs").services().stream().flatMap(s -> s.destinations().stream())
        .filter(d -> d.realServer().name().equals(realServer)).mapToInt(Destination::weight).findFirst()
        .orElseThrow();
  }

  @Test
  void aFullBuildFindsAnObjectChangedInPlaceAndTheModelStartsOver() {
    Fleet fleet = new Fleet(3, 2);
    PlanService.History history = new PlanService.History(new IncrementalPlanBuilder());
    history.build(fleet.pairs, fleet.vss, new ArrayList<>(fleet.rss), List.of());
    assertThat(history.audit()).as("a build from nothing leaves nothing to check").isNull();

    fleet.reweigh(1, 5);
    history.build(fleet.pairs, fleet.vss, new ArrayList<>(fleet.rss), List.of());
    assertThat(history.planner().lastBuildFull()).isFalse();
    assertThat(history.audit().differences()).as("an edit as the informers make it (a new object)").isNull();

    fleet.rss.get(2).getSpec().setWeight(7); // in place: never done to a cached object, the case the audit is for
    Snapshot s = history.build(fleet.pairs, fleet.vss, new ArrayList<>(fleet.rss), List.of());
    assertThat(weight(s.result(), "rs-2")).as("the kept model cannot see it").isEqualTo(100);
    assertThat(history.audit().differences())
        .isEqualTo("the plan of DirectorPair lvs (1 of 3 services differ, 10.100.1.1:80/TCP among them); the "
            + "VirtualServices' services");

    history.startOver();
    s = history.build(fleet.pairs, fleet.vss, new ArrayList<>(fleet.rss), List.of());
    assertThat(history.planner().lastBuildFull()).isTrue();
    assertThat(weight(s.result(), "rs-2")).isEqualTo(7);
    assertThat(weight(s.result(), "rs-1")).isEqualTo(5);
  }

  @Test
  void theOperatorAuditsOnAThreadOfItsOwnAndRebuildsAModelFoundWrong() {
    Fleet fleet = new Fleet(3, 2);
    OperatorMetrics metrics = OperatorMetrics.unexported();
    try (EmbeddedApiServer api = new EmbeddedApiServer();
        PlanService plans = new PlanService(api.client(), "halvs-system", metrics)) {
      api.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("halvs-system")
          .endMetadata().build()).create();
      plans.audits(Duration.ZERO, Duration.ofMillis(200));
      fleet.pairs.forEach(o -> ReportsOnlyRebuildTest.put(plans.store(DirectorPair.class), o));
      fleet.vss.forEach(o -> ReportsOnlyRebuildTest.put(plans.store(VirtualService.class), o));
      fleet.rss.forEach(o -> ReportsOnlyRebuildTest.put(plans.store(RealServer.class), o));
      plans.start();

      plans.store(RealServer.class).get("default/rs-2").getSpec().setWeight(7); // in place, as above
      fleet.reweigh(1, 5); // an edit: an incremental build, and the audit due at once
      ReportsOnlyRebuildTest.put(plans.store(RealServer.class), fleet.rss.get(1));
      await().atMost(Duration.ofSeconds(30)).until(() -> weight(plans.snapshot().result(), "rs-2") == 7);
      assertThat(weight(plans.snapshot().result(), "rs-1")).isEqualTo(5);
      assertThat(metrics.scrape()).contains("halvs_operator_plan_audits_total{result=\"differed\"} 1");
    }
  }
}
