package io.halvs.operator.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.operator.demo.EmbeddedApiServer;
import io.halvs.operator.metrics.OperatorMetrics;
import io.halvs.plan.publish.Names;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An agent's report (a heartbeat, a plan programmed) changes what the statuses say, not the plan: the model
 * reads the reports again and builds no plan. Before, every report write was a full plan build, two per edit.
 */
class ReportsOnlyRebuildTest {
  static <T extends HasMetadata> void put(ItemStore<T> store, T o) {
    store.put(store.getKey(o), o);
  }

  /** Every object of the fleet into the controllers' stores, as their informers list them. */
  static void putAll(PlanService plans, Fleet fleet) {
    fleet.pairs.forEach(o -> put(plans.store(DirectorPair.class), o));
    fleet.vss.forEach(o -> put(plans.store(VirtualService.class), o));
    fleet.rss.forEach(o -> put(plans.store(RealServer.class), o));
  }

  /** At most one rebuild per DEBOUNCE_MILLIS; the first change after a quiet spell waits QUIET_MILLIS only. */
  @Test
  void aChangeAfterAQuietSpellIsBuiltAtOnceAndBurstsCoalesce() {
    assertThat(PlanService.rebuildDelay(5_000)).isEqualTo(PlanService.QUIET_MILLIS);
    assertThat(PlanService.rebuildDelay(PlanService.DEBOUNCE_MILLIS)).isEqualTo(PlanService.QUIET_MILLIS);
    assertThat(PlanService.rebuildDelay(30)).isEqualTo(PlanService.DEBOUNCE_MILLIS - 30);
    assertThat(PlanService.rebuildDelay(0)).isEqualTo(PlanService.DEBOUNCE_MILLIS);
    assertThat(PlanService.rebuildDelay(PlanService.DEBOUNCE_MILLIS - 3)).isEqualTo(PlanService.QUIET_MILLIS);
  }

  /**
   * A status write is no rebuild; a bulk of them (every RealServer's after a bulk apply) is bound to the kept model
   * by one object build once they rest, not left to the next edit.
   */
  @Test
  void aBulkOfStatusWritesIsBoundOnceItRests() throws Exception {
    Fleet fleet = new Fleet(3, 2);
    try (EmbeddedApiServer api = new EmbeddedApiServer();
        PlanService plans = new PlanService(api.client(), "halvs-system", OperatorMetrics.unexported())) {
      plans.binds(5, Duration.ofMillis(300));
      putAll(plans, fleet);
      plans.start();
      String hash = plans.snapshot().planHash("lvs");
      assertThat(plans.planBuilds()).isEqualTo(1);

      fleet.writeStatuses(); // 6 RealServers, 3 VirtualServices
      for (int i = 0; i < 4; i++) {
        put(plans.store(RealServer.class), fleet.rss.get(i));
      }
      Thread.sleep(1_000); // under the bulk: no build, however long they rest
      assertThat(plans.planBuilds()).isEqualTo(1);
      put(plans.store(RealServer.class), fleet.rss.get(4)); // the 5th: bound once they rest
      await().atMost(Duration.ofSeconds(30)).until(plans::planBuilds, n -> n == 2);
      assertThat(plans.snapshot().planHash("lvs")).isEqualTo(hash);
      Thread.sleep(1_000);
      assertThat(plans.planBuilds()).as("one build for the bulk").isEqualTo(2);
    }
  }

  /**
   * The stores log which objects changed, and a build looks at those alone: no build after the first looks at
   * every object to find them (at 100,000 RealServers two such passes were most of an edit's build).
   */
  @Test
  void editsAreBuiltFromTheStoresLogNotFromAPassOverEveryObject() {
    Fleet fleet = new Fleet(3, 2);
    try (EmbeddedApiServer api = new EmbeddedApiServer();
        PlanService plans = new PlanService(api.client(), "halvs-system", OperatorMetrics.unexported())) {
      plans.binds(3, Duration.ofMillis(100));
      putAll(plans, fleet);
      plans.start();
      List<Runnable> edits = List.of(
          () -> {
            fleet.reweigh(1, 5);
            put(plans.store(RealServer.class), fleet.rss.get(1));
          },
          () -> {
            fleet.addReal(6, 0);
            put(plans.store(RealServer.class), fleet.rss.get(6));
          },
          () -> {
            RealServer gone = fleet.rss.remove(2);
            plans.store(RealServer.class).remove(plans.store(RealServer.class).getKey(gone));
          },
          () -> { // every status written, then bound as a bulk
            fleet.writeStatuses();
            fleet.rss.forEach(o -> put(plans.store(RealServer.class), o));
            fleet.vss.forEach(o -> put(plans.store(VirtualService.class), o));
          },
          () -> {
            fleet.addService("vs-new", "10.200.0.1", 1);
            put(plans.store(VirtualService.class), fleet.vss.get(3));
          },
          () -> {
            fleet.reselect(0, 2);
            put(plans.store(VirtualService.class), fleet.vss.get(0));
          });
      for (Runnable edit : edits) {
        long builds = plans.planBuilds();
        edit.run();
        await().atMost(Duration.ofSeconds(30)).until(plans::planBuilds, n -> n > builds);
        await().atMost(Duration.ofSeconds(30)).until(() -> plans.snapshot().planHash("lvs"), h -> h.equals(
            PlanService.build(fleet.pairs, fleet.vss, fleet.rss, List.of()).planHash("lvs")));
      }
      assertThat(plans.history().passes()).as("model passes over every object").isZero();
      assertThat(plans.history().planner().realServerPasses()).as("planner passes over every RealServer")
          .isEqualTo(plans.history().planner().fullBuilds()).isEqualTo(1);
    }
  }

  @Test
  void aReportBuildsNoPlanAnEditDoes() {
    Fleet fleet = new Fleet(3, 2);
    try (EmbeddedApiServer api = new EmbeddedApiServer();
        PlanService plans = new PlanService(api.client(), "halvs-system", OperatorMetrics.unexported())) {
      api.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("halvs-system")
          .endMetadata().build()).create();
      putAll(plans, fleet);
      plans.start();
      String hash = plans.snapshot().planHash("lvs");
      assertThat(hash).isNotNull();
      assertThat(plans.planBuilds()).isEqualTo(1);

      for (ConfigMap report : Fleet.programmed(hash)) {
        Map<String, String> labels = new HashMap<>(Map.of(Names.PART_LABEL, Names.PART_REPORT,
            Names.PAIR_LABEL, "lvs"));
        report.getMetadata().setLabels(labels);
        report.getMetadata().setNamespace("halvs-system");
        api.client().resource(report).create();
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> plans.snapshot().programmedNodes("lvs"),
          nodes -> nodes.equals(List.of("lvs-01", "lvs-02")));
      assertThat(plans.planBuilds()).isEqualTo(1);
      assertThat(plans.snapshot().planHash("lvs")).isEqualTo(hash);

      fleet.reweigh(1, 5);
      put(plans.store(RealServer.class), fleet.rss.get(1));
      await().atMost(Duration.ofSeconds(60)).until(() -> plans.snapshot().planHash("lvs"), h -> !h.equals(hash));
      assertThat(plans.planBuilds()).isEqualTo(2);
      assertThat(plans.snapshot().programmedNodes("lvs")).isEmpty();
      assertThat(plans.snapshot().reportsOf("lvs")).containsOnlyKeys("lvs-01", "lvs-02");
    }
  }
}
