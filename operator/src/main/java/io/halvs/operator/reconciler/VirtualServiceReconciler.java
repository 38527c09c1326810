package io.halvs.operator.reconciler;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.api.v1alpha1.VirtualServiceStatus;
import io.halvs.operator.model.PlanService;
import io.halvs.operator.model.Snapshot;
import io.halvs.operator.model.StatusComputer;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;

/** Keeps each VirtualService's status equal to what the model and the agents say. */
@ControllerConfiguration(name = "virtualservice")
public class VirtualServiceReconciler extends StatusReconciler<VirtualService, VirtualServiceStatus> {
  public VirtualServiceReconciler(KubernetesClient client, PlanService plans) {
    super(client, plans, "VirtualService");
  }

  @Override
  VirtualServiceStatus desired(VirtualService vs, Snapshot snapshot, String now) {
    return StatusComputer.virtualService(vs, snapshot, now);
  }
}
