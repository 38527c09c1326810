package io.halvs.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.operator.demo.EmbeddedApiServer;
import io.halvs.operator.metrics.OperatorMetrics;
import io.halvs.operator.model.Fleet;
import io.halvs.operator.model.PlanService;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The RealServers' statuses without a JOSDK controller: the model's informer lists them, the model names those
 * whose status inputs changed, and only a leading replica computes and writes.
 */
class RealServerStatusesTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  static <T extends io.fabric8.kubernetes.api.model.HasMetadata> void put(ItemStore<T> store, T o) {
    store.put(store.getKey(o), o);
  }

  /** How many RealServers on the API server say they back {@code n} virtual services. */
  static long backing(KubernetesClient client, int n) {
    return client.resources(RealServer.class).inNamespace("default").list().getItems().stream()
        .filter(rs -> rs.getStatus() != null && rs.getStatus().getVirtualServices() != null
            && rs.getStatus().getVirtualServices() == n)
        .count();
  }

  @Test
  void aStandbyWritesNothingAndALeaderLooksAtEveryRealServerOnceThenAtWhatTheModelNames() throws Exception {
    Fleet fleet = new Fleet(3, 4); // 12 RealServers, 4 behind each of 3 VirtualServices
    try (EmbeddedApiServer api = new EmbeddedApiServer();
        PlanService plans = new PlanService(api.client(), "halvs-system", OperatorMetrics.unexported());
        StatusWriter writer = new StatusWriter(OperatorMetrics.unexported(), 2)) {
      KubernetesClient client = api.client();
      fleet.rss.forEach(rs -> client.resource(rs).create());
      // the pair and the services as JOSDK's informers would store them; the RealServers through the model's own
      fleet.pairs.forEach(o -> put(plans.store(DirectorPair.class), o));
      fleet.vss.forEach(o -> put(plans.store(VirtualService.class), o));
      try (RealServerStatuses statuses = new RealServerStatuses(client, plans, writer)) {
        plans.watchRealServers();
        assertThat(plans.store(RealServer.class).size()).as("listed before the first build").isEqualTo(12);
        plans.start();
        // the first build named all 12, once its hold for a plan nobody publishes here ran out: a standby
        // computes nothing, writes nothing
        await().atMost(TIMEOUT).until(() -> !plans.statusHeld());
        Thread.sleep(300);
        assertThat(statuses.looked()).isZero();
        assertThat(backing(client, 1)).isZero();

        statuses.lead(); // one pass over every RealServer (the model names none of them meanwhile)
        await().atMost(TIMEOUT).until(() -> backing(client, 1) == 12);
        assertThat(statuses.looked()).isGreaterThanOrEqualTo(12);

        // a VirtualService gone: the model names its 4 RealServers, which now back none
        VirtualService gone = fleet.vss.get(1);
        plans.store(VirtualService.class).remove(plans.store(VirtualService.class).getKey(gone));
        await().atMost(TIMEOUT).until(() -> backing(client, 0) == 4);
        await().atMost(TIMEOUT).until(writer::idle);
        assertThat(backing(client, 1)).isEqualTo(8);

        // a RealServer added on the API server: the informer brings it, the model names it, its status follows
        RealServer added = Fleet.realServer(12, "app-0");
        client.resource(added).create();
        await().atMost(TIMEOUT).until(() -> backing(client, 1) == 9);
        assertThat(plans.store(RealServer.class).keySet().toList()).contains("default/rs-12");
      }
    }
  }
}
