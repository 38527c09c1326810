package io.halvs.operator.reconciler;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.DirectorPairStatus;
import io.halvs.logging.ThreadSchedule;
import io.halvs.operator.Logs;
import io.halvs.operator.dependent.AgentResources;
import io.halvs.operator.dependent.AgentRollout;
import io.halvs.operator.dependent.Applier;
import io.halvs.operator.dependent.PlanPublisher;
import io.halvs.operator.metrics.OperatorMetrics;
import io.halvs.operator.model.Conditions;
import io.halvs.operator.model.PlanService;
import io.halvs.operator.model.Snapshot;
import io.halvs.operator.model.StatusComputer;
import io.halvs.plan.Finding;
import io.halvs.plan.ObjectRef;
import io.halvs.plan.publish.AgentReport;
import io.halvs.plan.publish.Names;
import io.halvs.plan.publish.PlanCodec;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per DirectorPair: the agents' identity, RBAC and DaemonSet; the agents' rollout, one pod at a time and the
 * standby first (AgentRollout); the published plan; the aggregated status; and, on deletion, the cleanup of the
 * directors' kernel state (finalizer halvs.io/cleanup). An agent restart or upgrade never cleans anything: only
 * a published plan in state Deleting makes the agents remove their state.
 */
@ControllerConfiguration(name = "directorpair", finalizerName = DirectorPairReconciler.FINALIZER,
    rateLimiter = Unlimited.class,
    maxReconciliationInterval = @MaxReconciliationInterval(interval = 5, timeUnit = TimeUnit.MINUTES))
public class DirectorPairReconciler implements Reconciler<DirectorPair>, Cleaner<DirectorPair> {
  public static final String FINALIZER = "halvs.io/cleanup";
  /** How long the finalizer waits for agents that do not answer (node gone, agent not running). */
  static final Duration CLEANUP_TIMEOUT = Duration.ofMinutes(2);
  /**
   * How long an agent object seen in its desired form goes unread (Applier): a reconcile follows every agent
   * report, and each read all ten objects. The DaemonSet's informer makes its own be read again at once.
   */
  static final Duration AGENT_OBJECTS_RECHECK = Duration.ofMinutes(1);
  private static final Logger LOG = LoggerFactory.getLogger(DirectorPairReconciler.class);

  private final KubernetesClient client;
  private final PlanService plans;
  private final AgentResources resources;
  private final PlanPublisher publisher;
  private final Applier applier;
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  private final AgentRollout rollout;
  private final PublishFirst publishFirst;
  /** The status writes the cache does not show yet (shared with the StatusWriter, which the caches tell). */
  private final UnseenWrites unseen;
  private final PromptSpacing promptSpacing = new PromptSpacing(System::nanoTime);

  public DirectorPairReconciler(KubernetesClient client, PlanService plans, AgentResources resources,
      OperatorMetrics metrics, EventRecorder events) {
    this(client, plans, resources, metrics, events, new PublishFirst(), null);
  }

  /**
   * @param publishFirst held while a plan is written, so the status writers sharing it wait
   * @param statusWriter whose record of writes the caches do not show yet this pair's status shares (null: its own)
   */
  public DirectorPairReconciler(KubernetesClient client, PlanService plans, AgentResources resources,
      OperatorMetrics metrics, EventRecorder events, PublishFirst publishFirst, StatusWriter statusWriter) {
    this.publishFirst = publishFirst;
    this.unseen = statusWriter != null ? statusWriter.unseenWrites() : new UnseenWrites();
    this.client = client;
    this.plans = plans;
    this.resources = resources;
    this.metrics = metrics;
    this.publisher = new PlanPublisher(client, resources.namespace(), metrics);
    this.applier = new Applier(client, AGENT_OBJECTS_RECHECK);
    this.events = events;
    this.rollout = new AgentRollout(client, resources.namespace());
  }

  @Override
  public List<EventSource<?, DirectorPair>> prepareEventSources(EventSourceContext<DirectorPair> context) {
    // The rollout moves on when an agent pod or the DaemonSet changes (a pod deleted, recreated, turning Ready;
    // the controller observing a new template): both carry the pair's label.
    return List.of(StatusSupport.planEvents(plans, "DirectorPair"),
        agentEvents(context, Pod.class, "app.kubernetes.io/name=halvs-director-agent"),
        agentEvents(context, DaemonSet.class, Names.MANAGED_BY + "=" + Names.OPERATOR),
        planEvents(context));
  }

  /**
   * The pair's plan ConfigMaps: a change the publisher did not write (edited, deleted by hand) ends its trust in
   * what it wrote and reconciles the pair, whose publish reads them back and rewrites what does not match.
   */
  private InformerEventSource<ConfigMap, DirectorPair> planEvents(EventSourceContext<DirectorPair> context) {
    return new InformerEventSource<>(InformerEventSourceConfiguration.from(ConfigMap.class, DirectorPair.class)
        .withName("plan-ConfigMap").withNamespaces(Set.of(resources.namespace()))
        .withLabelSelector(Names.PART_LABEL + " in (" + Names.PART_MANIFEST + "," + Names.PART_SHARD + ")")
        .withSecondaryToPrimaryMapper((ConfigMap cm) -> publisher.observed(cm)
            ? Set.of(new ResourceID(cm.getMetadata().getLabels().get(Names.PAIR_LABEL))) : Set.of())
        .build(), context);
  }

  private <R extends HasMetadata> InformerEventSource<R, DirectorPair> agentEvents(
      EventSourceContext<DirectorPair> context, Class<R> kind, String labels) {
    return new InformerEventSource<>(InformerEventSourceConfiguration.from(kind, DirectorPair.class)
        .withName("agent-" + kind.getSimpleName()).withNamespaces(Set.of(resources.namespace()))
        .withLabelSelector(labels)
        .withSecondaryToPrimaryMapper((R o) -> {
          if (o instanceof DaemonSet) {
            applier.forget(o); // changed or deleted (by hand, or by the operator itself): the reconcile reads it
          }
          rollout.changed(); // the rollout's next step reads the agents again
          String pair = o.getMetadata().getLabels() == null ? null : o.getMetadata().getLabels().get(Names.PAIR_LABEL);
          return pair == null ? Set.of() : Set.of(new ResourceID(pair));
        }).build(), context);
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
    boolean valid = valid(s, pair);
    List<Condition> rolloutCondition = new ArrayList<>();
    AgentRollout.Step step = null;
    long t0 = System.nanoTime(), tObjects = t0, tPublished = t0, tRolled = t0;
    if (valid) {
      for (HasMetadata desired : resources.desired(dp)) {
        if (applier.apply(desired)) {
          Logs.pair(LOG.atInfo(), pair).log("wrote {} {}", desired.getKind(), desired.getMetadata().getName());
        }
      }
      if (dp.getSpec().getHighAvailability() == null || dp.getSpec().getHighAvailability().getAuthSecretRef() == null) {
        applier.createIfMissing(resources.hmacSecret(dp));
      }
      tObjects = System.nanoTime();
      publishNewest(dp, false);
      tPublished = System.nanoTime();
      step = rollAgents(dp, s);
      tRolled = System.nanoTime();
      rolloutCondition.add(Conditions.of(AgentRollout.CONDITION, step.upToDate(), step.reason(), step.message(),
          dp.getMetadata().getGeneration()));
    }
    DirectorPairStatus desired = StatusComputer.directorPair(dp, s, Conditions.now(), rolloutCondition);
    String key = UnseenWrites.key("DirectorPair", dp.getMetadata().getNamespace(), pair);
    String version = dp.getMetadata().getResourceVersion();
    DirectorPairStatus has = (DirectorPairStatus) unseen.status(key, dp.getStatus(), version);
    String before = has == null ? null : has.getLastActiveNode();
    if (desired.getActiveNode() != null && !desired.getActiveNode().equals(before)) {
      events.normal(dp, before == null ? "ActiveDirector" : "Failover", desired.getLastTransitionReason());
    }
    if (step != null && step.upToDate() && wasNotUpToDate(has)) {
      events.normal(dp, "AgentsUpToDate", step.message());
    }
    UpdateControl<DirectorPair> done = step != null && step.recheck() != null
        ? UpdateControl.<DirectorPair>noUpdate().rescheduleAfter(step.recheck())
        : UpdateControl.noUpdate();
    if (!StatusSupport.same(has, desired)) {
      unseen.write(key, version, desired,
          () -> StatusSupport.writeStatus(client, metrics, "DirectorPair", dp, desired));
    }
    if (LOG.isDebugEnabled()) {
      long end = System.nanoTime();
      LOG.debug("DirectorPair {}: reconciled in {} ms (agent objects {} ms, publish {} ms, rollout {} ms, "
          + "status {} ms)",
          pair, (end - t0) / 1_000_000, (tObjects - t0) / 1_000_000, (tPublished - tObjects) / 1_000_000,
          (tRolled - tPublished) / 1_000_000, (end - Math.max(tRolled, t0)) / 1_000_000);
    }
    return done;
  }

  /**
   * Publishes the pair's plan as soon as the model rebuilt it, without waiting for the pair's reconcile: that one
   * reads and writes the agents' objects, their pods and the pair's status first (100-800 ms of API calls, longer
   * under load), and an edit's plan waited for it, and for the reconcile in flight before it. Only for a pair
   * already published from its reconcile (the same uid) and not being deleted; the reconcile follows every
   * rebuild anyway and does the rest, the first publish and any read-back. Call on the leader only. Spaced
   * ({@link PromptSpacing}): soon after a publish that wrote, it waits, and what changed meanwhile goes out as one.
   */
  public void publishPromptly(String pair) {
    long wait = promptSpacing.waitNanos(pair);
    if (wait > 0) {
      try {
        java.util.concurrent.TimeUnit.NANOSECONDS.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // closing; the reconcile publishes what is left
        return;
      }
    }
    DirectorPair dp = plans.directorPair(pair);
    if (dp == null || dp.getMetadata().getDeletionTimestamp() != null
        || !publisher.trusts(pair, dp.getMetadata().getUid())) {
      return;
    }
    try {
      promptSpacing.published(pair, publishNewest(dp, true));
    } catch (RuntimeException e) {
      // The reconcile that follows the same rebuild publishes again, and reports what fails.
      Logs.pair(LOG.atDebug(), pair).log("prompt publish failed, left to the reconcile: {}", e.toString());
    }
  }

  /**
   * Publishes the newest snapshot's plan for the pair, read under the pair's publish lock: two callers (the
   * reconcile and {@link #publishPromptly}) never publish an older plan after a newer one.
   */
  private int publishNewest(DirectorPair dp, boolean promptly) {
    String pair = dp.getMetadata().getName();
    synchronized (publisher.lock(pair)) {
      Snapshot s = plans.snapshot();
      PlanCodec.Published published = s.published().get(pair);
      // checked again on this snapshot: it may be newer than the one the reconcile validated (a newer one covers
      // a newer generation, and the reconcile its rebuild started publishes it)
      if (published == null || !s.covers(dp) || !valid(s, pair)) {
        return 0;
      }
      long start = System.nanoTime();
      ThreadSchedule before = ThreadSchedule.now();
      long readBacks = publisher.readBacks();
      int writes = publishFirst.publishing(() -> promptly ? publisher.publishTrusting(dp, published)
          : publisher.publish(dp, published));
      plans.published(pair, published.manifest().planHash());
      if (writes > 0) {
        // the time: an edit's share of the operator, beside the model's rebuild (debug) and the agents' logs
        Logs.pair(LOG.atInfo(), pair).log("published plan {} ({} ConfigMaps written in {} ms{}{}{})",
            published.manifest().planHash(), writes, (System.nanoTime() - start) / 1_000_000,
            promptly ? ", promptly" : "",
            publisher.readBacks() > readBacks ? ", the shards listed back first" : "",
            ThreadSchedule.since(before));
      }
      return writes;
    }
  }

  /** The model built a plan for the pair and found no error in it. */
  private static boolean valid(Snapshot s, String pair) {
    return s.result().plans().containsKey(pair)
        && s.result().findingsFor(new ObjectRef("DirectorPair", null, pair)).stream()
            .noneMatch(f -> f.severity() == Finding.Severity.ERROR);
  }

  /**
   * One step of the agents' rollout: at most one pod deleted per reconcile, decided from what the API server and
   * the agents' reports say now (AgentRollout).
   */
  private AgentRollout.Step rollAgents(DirectorPair dp, Snapshot s) {
    String pair = dp.getMetadata().getName();
    List<String> nodes = dp.getSpec().getNodes();
    var reports = s.reportsOf(pair);
    var active = StatusComputer.active(reports);
    try {
      AgentRollout.Step step = rollout.step(pair, nodes, reports, active == null ? null : active.node(),
          s.planHash(pair), Instant.now());
      if (step.replace() != null && rollout.apply(step)) {
        LOG.info("DirectorPair {}: {}", pair, step.message());
        events.normal(dp, "ReplacingAgent", step.message());
      }
      return step;
    } catch (RuntimeException e) {
      if (!Forbidden.is(e)) {
        throw e;
      }
      // The rest of the pair (plan, status) goes on; the condition says what is missing.
      Forbidden.report("DirectorPair rollout", pair, e);
      return new AgentRollout.Step(false, "Forbidden", "the operator may not read or replace the agents' pods "
          + "(pods get/list/delete, controllerrevisions list in its namespace: deploy/base/operator-rbac.yaml)",
          null, Forbidden.RETRY);
    }
  }

  private static boolean wasNotUpToDate(DirectorPairStatus status) {
    return status != null && status.getConditions() != null && status.getConditions().stream()
        .anyMatch(c -> AgentRollout.CONDITION.equals(c.getType()) && "False".equals(c.getStatus()));
  }

  @Override
  public DeleteControl cleanup(DirectorPair dp, Context<DirectorPair> context) {
    String pair = dp.getMetadata().getName();
    Snapshot s = plans.snapshot();
    PlanCodec.Published published = s.published().get(pair);
    if (published != null && PlanCodec.Manifest.DELETING.equals(published.manifest().state())) {
      publisher.publish(dp, published); // under the pair's lock, as every publish
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
