package io.halvs.plan;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.Objects;

/**
 * Whether a new object of a name differs from the one before it only where a plan never reads: its status,
 * resourceVersion, managed fields, finalizers. The API server bumps metadata.generation on every change to
 * anything else but metadata (the CRDs have a status subresource), so equal generations stand for an equal spec;
 * the metadata a plan or a view reads is compared here. An object without a generation (built by hand, not
 * stored by an API server) never counts as a status-only replacement.
 *
 * <p>The operator writes status after every edit (at full size: every RealServer's after a bulk apply, every
 * VirtualService's after a failover); each write replaces the cached object. Treating those as changed objects
 * re-checked and re-resolved them all at the next build.
 */
public final class StatusOnly {
  private StatusOnly() {}

  public static boolean replaces(HasMetadata previous, HasMetadata now) {
    if (previous == null || now == null || previous.getClass() != now.getClass()) {
      return false;
    }
    ObjectMeta a = previous.getMetadata();
    ObjectMeta b = now.getMetadata();
    return a != null && b != null && a.getGeneration() != null && a.getGeneration().equals(b.getGeneration())
        && Objects.equals(a.getUid(), b.getUid()) && Objects.equals(a.getName(), b.getName())
        && Objects.equals(a.getNamespace(), b.getNamespace())
        && Objects.equals(a.getCreationTimestamp(), b.getCreationTimestamp())
        && Objects.equals(a.getDeletionTimestamp(), b.getDeletionTimestamp())
        && Objects.equals(a.getLabels(), b.getLabels()) && Objects.equals(a.getAnnotations(), b.getAnnotations())
        && Objects.equals(a.getAdditionalProperties(), b.getAdditionalProperties());
  }
}
