package io.halvs.operator.reconciler;

import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.RealServerStatus;
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

/** Keeps each RealServer's status: how many virtual services it backs, and its problems. */
@ControllerConfiguration(name = "realserver")
public class RealServerReconciler implements Reconciler<RealServer> {
  private final io.fabric8.kubernetes.client.KubernetesClient client;
  private final PlanService plans;

  public RealServerReconciler(io.fabric8.kubernetes.client.KubernetesClient client, PlanService plans) {
    this.client = client;
    this.plans = plans;
  }

  @Override
  public List<EventSource<?, RealServer>> prepareEventSources(EventSourceContext<RealServer> context) {
    return List.of(StatusSupport.planEvents(plans, "RealServer"));
  }

  @Override
  public UpdateControl<RealServer> reconcile(RealServer rs, Context<RealServer> context) {
    RealServerStatus desired = StatusComputer.realServer(rs, plans.snapshot(), Instant.now().toString());
    if (StatusSupport.same(rs.getStatus(), desired)) {
      return UpdateControl.noUpdate();
    }
    StatusSupport.writeStatus(client, rs, desired);
    return UpdateControl.noUpdate();
  }
}
