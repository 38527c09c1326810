package io.halvs.operator.reconciler;

import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.api.v1alpha1.VirtualServiceStatus;
import io.halvs.operator.model.PlanService;
import io.halvs.operator.model.StatusComputer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.time.Instant;
import java.util.List;

/** Keeps each VirtualService's status equal to what the model and the agents say. */
@ControllerConfiguration(name = "virtualservice")
public class VirtualServiceReconciler implements Reconciler<VirtualService> {
  private final io.fabric8.kubernetes.client.KubernetesClient client;
  private final PlanService plans;

  public VirtualServiceReconciler(io.fabric8.kubernetes.client.KubernetesClient client, PlanService plans) {
    this.client = client;
    this.plans = plans;
  }

  @Override
  public List<EventSource<?, VirtualService>> prepareEventSources(EventSourceContext<VirtualService> context) {
    return List.of(StatusSupport.planEvents(plans, "VirtualService"));
  }

  @Override
  public UpdateControl<VirtualService> reconcile(VirtualService vs, Context<VirtualService> context) {
    VirtualServiceStatus desired = StatusComputer.virtualService(vs, plans.snapshot(), Instant.now().toString());
    if (StatusSupport.same(vs.getStatus(), desired)) {
      return UpdateControl.noUpdate();
    }
    StatusSupport.writeStatus(client, vs, desired);
    return UpdateControl.noUpdate();
  }
}
