package io.halvs.operator.model;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.javaoperatorsdk.operator.processing.event.source.informer.TransformingItemStore;
import java.util.Map;

/**
 * Informer stores that keep objects without what the operator never reads: server-side apply's managedFields
 * (FieldsV1 as nested maps, most of a cached object's heap) and kubectl's last-applied-configuration annotation
 * (a second copy of the object). Nothing writes a cached object back: status writes replace the status
 * subresource of a freshly read copy, so the server's field ownership is never touched.
 */
public final class LeanStore {
  static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

  private LeanStore() {}

  public static <T extends HasMetadata> ItemStore<T> create() {
    return new TransformingItemStore<>(LeanStore::prune);
  }

  /** Drops the two from an object fresh off the watch (the informer's own copy: nobody else holds it). */
  static <T extends HasMetadata> T prune(T o) {
    ObjectMeta meta = o.getMetadata();
    if (meta != null) {
      meta.setManagedFields(null);
      Map<String, String> annotations = meta.getAnnotations();
      if (annotations != null && annotations.containsKey(LAST_APPLIED)) {
        annotations.remove(LAST_APPLIED);
      }
    }
    return o;
  }
}
