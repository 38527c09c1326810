package io.halvs.operator.reconciler;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.DirectorPairStatus;
import io.halvs.operator.Logs;
import io.halvs.operator.dependent.AgentResources;
import io.halvs.operator.dependent.Applier;
import io.halvs.operator.dependent.PlanPublisher;
import io.halvs.operator.metrics.OperatorMetrics;
import io.halvs.operator.model.PlanService;
import io.halvs.operator.model.Snapshot;
import io.halvs.operator.model.StatusComputer;
import io.halvs.plan.Finding;
import io.halvs.plan.ObjectRef;
import io.halvs.plan.publish.AgentReport;
import io.halvs.plan.publish.Names;
import io.halvs.plan.publish.PlanCodec;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per DirectorPair: the agents' identity, RBAC and DaemonSet; the published plan; the aggregated status; and,
 * on deletion, the cleanup of the directors' kernel state (finalizer halvs.io/cleanup). An agent restart or
 * upgrade never cleans anything: only a published plan in state Deleting makes the agents remove their state.
 */
@ControllerConfiguration(name = "directorpair", finalizerName = DirectorPairReconciler.FINALIZER,
    maxReconciliationInterval = @MaxReconciliationInterval(interval = 5, timeUnit = TimeUnit.MINUTES))
public class DirectorPairReconciler implements Reconciler<DirectorPair>, Cleaner<DirectorPair> {
  public static final String FINALIZER = "halvs.io/cleanup";
  /** How long the finalizer waits for agents that do not answer (node gone, agent not running). */
  static final Duration CLEANUP_TIMEOUT = Duration.ofMinutes(2);
  private static final Logger LOG = LoggerFactory.getLogger(DirectorPairReconciler.class);

  private final KubernetesClient client;
  private final PlanService plans;
  private final AgentResources resources;
  private final PlanPublisher publisher;
  private final Applier applier;
  private final EventRecorder events;
  private final OperatorMetrics metrics;

  public DirectorPairReconciler(KubernetesClient client, PlanService plans, AgentResources resources,
      OperatorMetrics metrics, EventRecorder events) {
    this.client = client;
    this.plans = plans;
    this.resources = resources;
    this.metrics = metrics;
    this.publisher = new PlanPublisher(client, resources.namespace(), metrics);
    this.applier = new Applier(client);
    this.events = events;
  }

  @Override
  public List<EventSource<?, DirectorPair>> prepareEventSources(EventSourceContext<DirectorPair> context) {
    return List.of(StatusSupport.planEvents(plans, "DirectorPair"));
  }

  @Override
  public UpdateControl<DirectorPair> reconcile(DirectorPair dp, Context<DirectorPair> context) {
    try {
      UpdateControl<DirectorPair> done = reconcilePair(dp);
      Forbidden.cleared("DirectorPair");
      return done;
    } catch (RuntimeException e) {
      if (!Forbidden.is(e)) {
        throw e;
      }
      Forbidden.report("DirectorPair", dp.getMetadata().getName(), e);
      return UpdateControl.<DirectorPair>noUpdate().rescheduleAfter(Forbidden.RETRY);
    }
  }

  private UpdateControl<DirectorPair> reconcilePair(DirectorPair dp) {
    Snapshot s = plans.snapshot();
    String pair = dp.getMetadata().getName();
    if (!s.covers(dp)) {
      return UpdateControl.noUpdate(); // the model's rebuild brings it back
    }
    // Only a pair the model has built a plan for: a new pair reconciled before the model saw it has no findings
    // yet either, and must not get agents deployed (it may be invalid, or on a node of another pair). The
    // model's rebuild triggers the next reconcile.
    boolean valid = s.result().plans().containsKey(pair)
        && s.result().findingsFor(new ObjectRef("DirectorPair", null, pair)).stream()
            .noneMatch(f -> f.severity() == Finding.Severity.ERROR);
    if (valid) {
      for (HasMetadata desired : resources.desired(dp)) {
        if (applier.apply(desired)) {
          Logs.pair(LOG.atInfo(), pair).log("wrote {} {}", desired.getKind(), desired.getMetadata().getName());
        }
      }
      if (dp.getSpec().getHighAvailability() == null || dp.getSpec().getHighAvailability().getAuthSecretRef() == null) {
        applier.createIfMissing(resources.hmacSecret(dp));
      }
      PlanCodec.Published published = s.published().get(pair);
      if (published != null) {
        int writes = publisher.publish(dp, published);
        if (writes > 0) {
          Logs.pair(LOG.atInfo(), pair).log("published plan {} ({} ConfigMaps written)",
              published.manifest().planHash(), writes);
        }
      }
    }
    DirectorPairStatus desired = StatusComputer.directorPair(dp, s, Instant.now().toString());
    String before = dp.getStatus() == null ? null : dp.getStatus().getLastActiveNode();
    if (desired.getActiveNode() != null && !desired.getActiveNode().equals(before)) {
      events.normal(dp, before == null ? "ActiveDirector" : "Failover", desired.getLastTransitionReason());
    }
    if (StatusSupport.same(dp.getStatus(), desired)) {
      return UpdateControl.noUpdate();
    }
    StatusSupport.writeStatus(client, metrics, "DirectorPair", dp, desired);
    return UpdateControl.noUpdate();
  }

  @Override
  public DeleteControl cleanup(DirectorPair dp, Context<DirectorPair> context) {
    String pair = dp.getMetadata().getName();
    Snapshot s = plans.snapshot();
    PlanCodec.Published published = s.published().get(pair);
    if (published != null && PlanCodec.Manifest.DELETING.equals(published.manifest().state())) {
      publisher.publish(dp, published);
    }
    if (published == null && client.configMaps().inNamespace(resources.namespace()).withName(Names.manifest(pair))
        .get() == null) {
      // Never published (rejected from the start, e.g. its node serves another pair): no director holds state.
      Logs.pair(LOG.atInfo(), pair).log("never deployed, removing finalizer");
      return DeleteControl.defaultDelete();
    }
    Map<String, AgentReport> reports = s.reportsOf(pair);
    List<String> waiting = new ArrayList<>();
    for (String node : dp.getSpec() == null || dp.getSpec().getNodes() == null ? List.<String>of()
        : dp.getSpec().getNodes()) {
      AgentReport r = reports.get(node);
      boolean cleaned = r != null && r.cleaned();
      boolean nodeGone = client.nodes().withName(node).get() == null;
      if (!cleaned && !nodeGone) {
        waiting.add(node);
      }
    }
    if (waiting.isEmpty()) {
      Logs.pair(LOG.atInfo(), pair).log("directors cleaned, removing finalizer");
      return DeleteControl.defaultDelete();
    }
    String since = dp.getMetadata().getDeletionTimestamp();
    if (since != null && Instant.parse(since).plus(CLEANUP_TIMEOUT).isBefore(Instant.now())) {
      events.warning(dp, "CleanupTimedOut", "directors " + waiting + " did not confirm removing the pair's IPVS "
          + "services and VIPs within " + CLEANUP_TIMEOUT.toMinutes() + " minutes; check them by hand");
      return DeleteControl.defaultDelete();
    }
    Logs.pair(LOG.atInfo(), pair).log("waiting for {} to clean their kernel state", waiting);
    return DeleteControl.noFinalizerRemoval().rescheduleAfter(2000);
  }
}
