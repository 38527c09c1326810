package io.halvs.operator.reconciler;

import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.halvs.operator.model.Conditions;
import io.halvs.operator.model.PlanService;
import io.halvs.operator.model.Snapshot;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.util.List;

/**
 * A reconciler whose only job is its kind's status: computed from the shared model, written only when it
 * changed, triggered by the model when the object's status inputs change.
 */
abstract class StatusReconciler<P extends CustomResource<?, S>, S> implements Reconciler<P> {
  private final KubernetesClient client;
  private final PlanService plans;
  private final StatusWriter writer;
  private final String kind;

  StatusReconciler(KubernetesClient client, PlanService plans, StatusWriter writer, String kind) {
    this.client = client;
    this.plans = plans;
    this.writer = writer;
    this.kind = kind;
  }

  /** The status the object should have now. */
  abstract S desired(P resource, Snapshot snapshot, String now);

  /** Called once a changed status is written: a kind may tell users about the change with Events. */
  void written(P resource, S before, S after) {}

  @Override
  public List<EventSource<?, P>> prepareEventSources(EventSourceContext<P> context) {
    return List.of(StatusSupport.planEvents(plans, kind));
  }

  @Override
  public UpdateControl<P> reconcile(P resource, Context<P> context) {
    Snapshot snapshot = plans.snapshot();
    if (!snapshot.covers(resource)) {
      return UpdateControl.noUpdate(); // the model's rebuild brings it back
    }
    // Computed here, written by the writer's threads: a reconcile never waits for the API server, so these
    // controllers' events cannot hold up the DirectorPair's (the plan) in JOSDK's shared pool.
    writer.submit(client, kind, resource, resource.getStatus(), desired(resource, snapshot, Conditions.now()),
        this::written);
    return UpdateControl.noUpdate();
  }
}
