package io.halvs.operator.reconciler;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
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
   * Replaces the status subresource (PUT), so status fields that became empty are cleared and nothing else is
   * touched. The first PUT carries the cached copy's resourceVersion and nothing but the status (the API server
   * takes everything else from the stored object): one request, no GET. A conflict (the cache was behind: the
   * spec changed, or a write it has not seen yet) is retried once on the newest copy, unless that has the status
   * already; then it is left to {@link StatusWriter}'s retry. Every PUT is counted in
   * halvs_operator_status_writes_total by its result. Returns whether it wrote.
   */
  static <S, P extends CustomResource<?, S>> boolean writeStatus(KubernetesClient client, OperatorMetrics metrics,
      String kind, P resource, S status) {
    P put = statusOnly(resource, resource.getMetadata().getResourceVersion(), status);
    for (int attempt = 0; ; attempt++) {
      try {
        client.resource(put).updateStatus();
        metrics.statusWrite(kind, OperatorMetrics.OK);
        return true;
      } catch (KubernetesClientException e) {
        metrics.statusWrite(kind, e.getCode() == 409 ? OperatorMetrics.CONFLICT : OperatorMetrics.ERROR);
        if (e.getCode() == 404) {
          return false; // deleted meanwhile
        }
        if (e.getCode() != 409 || attempt > 0) {
          throw e;
        }
      }
      P fresh = client.resource(resource).get();
      if (fresh == null || same(fresh.getStatus(), status)) {
        return false;
      }
      put = statusOnly(resource, fresh.getMetadata().getResourceVersion(), status);
    }
  }

  /** A new object of the resource's kind with its name, namespace, the given resourceVersion and the status. */
  private static <S, P extends CustomResource<?, S>> P statusOnly(P resource, String resourceVersion, S status) {
    P out = newOfKind(resource);
    out.setMetadata(new ObjectMetaBuilder().withName(resource.getMetadata().getName())
        .withNamespace(resource.getMetadata().getNamespace()).withResourceVersion(resourceVersion).build());
    out.setStatus(status);
    return out;
  }

  /**
   * What a status write and an Event about an object read of it: its kind (the class), name, namespace, uid and
   * resourceVersion; {@link #object} makes an object of them (no spec, labels or status) when they are needed.
   */
  record Target<P extends CustomResource<?, ?>>(Class<P> type, String name, String namespace, String uid,
      String resourceVersion) {
    @SuppressWarnings("unchecked")
    static <P extends CustomResource<?, ?>> Target<P> of(P resource) {
      ObjectMeta m = resource.getMetadata();
      return new Target<>((Class<P>) resource.getClass(), m.getName(), m.getNamespace(), m.getUid(),
          m.getResourceVersion());
    }

    P object() {
      P out = newOfKind(type);
      out.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).withUid(uid)
          .withResourceVersion(resourceVersion).build());
      return out;
    }
  }

  @SuppressWarnings("unchecked")
  private static <P extends CustomResource<?, ?>> P newOfKind(P resource) {
    return newOfKind((Class<P>) resource.getClass());
  }

  private static <P extends CustomResource<?, ?>> P newOfKind(Class<P> type) {
    try {
      return type.getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot instantiate " + type, e);
    }
  }

  static boolean same(Object a, Object b) {
    return Objects.equals(a == null ? null : Serialization.asJson(a), b == null ? null : Serialization.asJson(b));
  }
}
