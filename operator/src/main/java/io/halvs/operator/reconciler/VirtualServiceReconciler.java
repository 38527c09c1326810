package io.halvs.operator.reconciler;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.halvs.api.v1alpha1.RealServerState;
import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.api.v1alpha1.VirtualServiceStatus;
import io.halvs.operator.metrics.OperatorMetrics;
import io.halvs.operator.model.PlanService;
import io.halvs.operator.model.Snapshot;
import io.halvs.operator.model.StatusComputer;
import io.javaoperatorsdk.operator.api.reconciler.Constants;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps each VirtualService's status equal to what the model and the agents say, and records an Event each time
 * a real server leaves or rejoins the rotation (as the active director's health checks see it).
 */
// No periodic reconcile (JOSDK's default: one 10 h after each): the status follows the informer's and the model's
// events, and a replaced timer task stays in the timer's queue until its time (154,000 at rest at full size).
@ControllerConfiguration(name = "virtualservice",
    rateLimiter = Unlimited.class,
    maxReconciliationInterval = @MaxReconciliationInterval(interval = Constants.NO_MAX_RECONCILIATION_INTERVAL))
public class VirtualServiceReconciler extends StatusReconciler<VirtualService, VirtualServiceStatus> {
  private final EventRecorder events;

  public VirtualServiceReconciler(KubernetesClient client, PlanService plans, StatusWriter writer,
      EventRecorder events) {
    super(client, plans, writer, "VirtualService");
    this.events = events;
  }

  @Override
  VirtualServiceStatus desired(VirtualService vs, Snapshot snapshot, String now) {
    return StatusComputer.virtualService(vs, snapshot, now);
  }

  @Override
  void written(VirtualService vs, VirtualServiceStatus before, VirtualServiceStatus after) {
    // No agent view now (none reported, or the active's report lacks the service): unknown, not "all back".
    if (after.getReadyRealServers() == null) {
      return;
    }
    Map<String, RealServerState> was = byDestination(before == null ? null : before.getUnavailable());
    Map<String, RealServerState> now = byDestination(after.getUnavailable());
    now.forEach((dest, s) -> {
      if (!was.containsKey(dest)) {
        events.warning(vs, "RealServerDown", s.getName() + " (" + dest + ") out of rotation, " + s.getState()
            + ": " + s.getMessage());
      }
    });
    was.forEach((dest, s) -> {
      if (!now.containsKey(dest)) {
        events.normal(vs, "RealServerUp", s.getName() + " (" + dest + ") back in rotation");
      }
    });
  }

  private static Map<String, RealServerState> byDestination(List<RealServerState> states) {
    Map<String, RealServerState> out = new LinkedHashMap<>();
    if (states != null) {
      states.forEach(s -> out.put(s.getDestination(), s));
    }
    return out;
  }
}
