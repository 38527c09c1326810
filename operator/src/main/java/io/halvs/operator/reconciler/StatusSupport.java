package io.halvs.operator.reconciler;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.halvs.operator.metrics.OperatorMetrics;
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

  /**
   * Replaces the status subresource (PUT) on the newest copy of the object, so status fields that became empty
   * are cleared and nothing else is touched. Only the operator writes status; a conflict (someone changed the
   * spec meanwhile) is retried once on a fresh copy, then left to JOSDK's retry. Every PUT is counted in
   * halvs_operator_status_writes_total by its result.
   */
  static <S, P extends io.fabric8.kubernetes.client.CustomResource<?, S>> void writeStatus(
      io.fabric8.kubernetes.client.KubernetesClient client, OperatorMetrics metrics, String kind, P resource,
      S status) {
    for (int attempt = 0; ; attempt++) {
      P fresh = client.resource(resource).get();
      if (fresh == null) {
        return; // deleted meanwhile
      }
      fresh.setStatus(status);
      try {
        client.resource(fresh).updateStatus();
        metrics.statusWrite(kind, OperatorMetrics.OK);
        return;
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        metrics.statusWrite(kind, e.getCode() == 409 ? OperatorMetrics.CONFLICT : OperatorMetrics.ERROR);
        if (e.getCode() != 409 || attempt > 0) {
          throw e;
        }
      }
    }
  }

  static boolean same(Object a, Object b) {
    return Objects.equals(a == null ? null : Serialization.asJson(a), b == null ? null : Serialization.asJson(b));
  }
}
