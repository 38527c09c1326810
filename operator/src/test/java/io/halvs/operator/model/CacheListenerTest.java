package io.halvs.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.RealServerStatus;
import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.operator.metrics.OperatorMetrics;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The controllers' caches tell the status writer each copy they take in, status-only changes included. */
class CacheListenerTest {
  @Test
  void everyCopyTheCachesTakeInAndEveryObjectTheyDropIsHeard() {
    List<String> heard = new CopyOnWriteArrayList<>();
    try (PlanService plans = new PlanService(null, "halvs-system", OperatorMetrics.unexported())) {
      plans.onCached((kind, namespace, name, version) ->
          heard.add(kind + " " + namespace + "/" + name + " " + version));
      RealServer rs = new RealServer();
      rs.setMetadata(new ObjectMetaBuilder().withName("web-1").withNamespace("default").withResourceVersion("5")
          .build());
      plans.store(RealServer.class).put("default/web-1", rs);
      RealServer written = new RealServer();
      written.setMetadata(new ObjectMetaBuilder().withName("web-1").withNamespace("default").withResourceVersion("6")
          .build());
      written.setStatus(new RealServerStatus()); // a status write: no rebuild, but heard
      plans.store(RealServer.class).put("default/web-1", written);
      VirtualService vs = new VirtualService();
      vs.setMetadata(new ObjectMetaBuilder().withName("web").withNamespace("shop").withResourceVersion("9").build());
      plans.store(VirtualService.class).put("shop/web", vs);
      plans.store(RealServer.class).remove("default/web-1");
      plans.store(RealServer.class).remove("default/none"); // not cached: nothing to hear
    }
    assertThat(heard).containsExactly("RealServer default/web-1 5", "RealServer default/web-1 6",
        "VirtualService shop/web 9", "RealServer default/web-1 null");
  }
}
