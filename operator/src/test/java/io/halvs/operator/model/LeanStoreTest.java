package io.halvs.operator.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.RealServerSpec;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LeanStoreTest {
  @Test
  void keepsObjectsWithoutManagedFieldsOrLastAppliedButEverythingElse() {
    RealServer rs = new RealServer();
    rs.setMetadata(new ObjectMetaBuilder().withName("web-1").withNamespace("default").withResourceVersion("42")
        .withGeneration(3L).withLabels(Map.of("app", "web"))
        .withAnnotations(new java.util.HashMap<>(Map.of(LeanStore.LAST_APPLIED, "{\"kind\":\"RealServer\"}",
            "team", "edge")))
        .withManagedFields(new ManagedFieldsEntryBuilder().withManager("gitops").withOperation("Apply").build())
        .build());
    RealServerSpec spec = new RealServerSpec();
    spec.setAddress("10.0.1.11");
    rs.setSpec(spec);
    ItemStore<RealServer> store = LeanStore.create();
    String key = store.getKey(rs);
    store.put(key, rs);

    RealServer cached = store.get(key);
    assertEquals("default/web-1", key);
    assertNull(cached.getMetadata().getManagedFields());
    assertEquals(Map.of("team", "edge"), cached.getMetadata().getAnnotations());
    assertEquals(Map.of("app", "web"), cached.getMetadata().getLabels());
    assertEquals("42", cached.getMetadata().getResourceVersion());
    assertEquals(3L, cached.getMetadata().getGeneration());
    assertEquals("10.0.1.11", cached.getSpec().getAddress());
  }
}
