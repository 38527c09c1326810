package io.halvs.operator.reconciler;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.halvs.operator.model.PlanService;
import io.halvs.plan.ObjectRef;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.util.Objects;

/** Shared by the reconcilers: plan-change events for one kind, and "did the status change?". */
final class StatusSupport {
  private StatusSupport() {}

  /** An event source that fires for objects of that kind whose status inputs changed in the model. */
  static <P extends HasMetadata> SimpleInboundEventSource<P> planEvents(PlanService plans, String kind) {
    SimpleInboundEventSource<P> source = new SimpleInboundEventSource<>("plan-" + kind);
    plans.addListener((ObjectRef ref) -> {
      if (kind.equals(ref.kind())) {
        source.propagateEvent(new ResourceID(ref.name(), ref.namespace()));
      }
    });
    return source;
  }

  static boolean same(Object a, Object b) {
    return Objects.equals(a == null ? null : Serialization.asJson(a), b == null ? null : Serialization.asJson(b));
  }
}
