package io.halvs.operator.reconciler;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.RealServerStatus;
import io.halvs.operator.metrics.OperatorMetrics;
import io.halvs.operator.model.PlanService;
import io.halvs.operator.model.Snapshot;
import io.halvs.operator.model.StatusComputer;
import io.javaoperatorsdk.operator.api.reconciler.Constants;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;

/** Keeps each RealServer's status: how many virtual services it backs, and its problems. */
// No periodic reconcile (JOSDK's default: one 10 h after each): the status follows the informer's and the model's
// events, and a replaced timer task stays in the timer's queue until its time (154,000 at rest at full size).
@ControllerConfiguration(name = "realserver",
    rateLimiter = Unlimited.class,
    maxReconciliationInterval = @MaxReconciliationInterval(interval = Constants.NO_MAX_RECONCILIATION_INTERVAL))
public class RealServerReconciler extends StatusReconciler<RealServer, RealServerStatus> {
  public RealServerReconciler(KubernetesClient client, PlanService plans, StatusWriter writer) {
    super(client, plans, writer, "RealServer");
  }

  @Override
  RealServerStatus desired(RealServer rs, Snapshot snapshot, String now) {
    return StatusComputer.realServer(rs, snapshot, now);
  }
}
