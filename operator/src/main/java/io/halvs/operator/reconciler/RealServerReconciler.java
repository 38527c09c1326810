package io.halvs.operator.reconciler;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.RealServerStatus;
import io.halvs.operator.metrics.OperatorMetrics;
import io.halvs.operator.model.PlanService;
import io.halvs.operator.model.Snapshot;
import io.halvs.operator.model.StatusComputer;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;

/** Keeps each RealServer's status: how many virtual services it backs, and its problems. */
@ControllerConfiguration(name = "realserver")
public class RealServerReconciler extends StatusReconciler<RealServer, RealServerStatus> {
  public RealServerReconciler(KubernetesClient client, PlanService plans, StatusWriter writer) {
    super(client, plans, writer, "RealServer");
  }

  @Override
  RealServerStatus desired(RealServer rs, Snapshot snapshot, String now) {
    return StatusComputer.realServer(rs, snapshot, now);
  }
}
