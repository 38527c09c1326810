package io.halvs.operator.model;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.logging.ThreadSchedule;
import io.halvs.operator.Logs;
import io.halvs.operator.metrics.OperatorMetrics;
import io.halvs.plan.CompactHashMap;
import io.halvs.plan.Finding;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.ObjectRef;
import io.halvs.plan.IncrementalPlanBuilder;
import io.halvs.plan.IpvsService;
import io.halvs.plan.PlanBuilder;
import io.halvs.plan.PlanInput;
import io.halvs.plan.PlanResult;
import io.halvs.plan.StatusOnly;
import io.halvs.plan.publish.AgentReport;
import io.halvs.plan.publish.Names;
import io.halvs.plan.publish.PlanCodec;
import io.halvs.plan.publish.RealServerPublish;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model of the whole cluster's halvs objects, kept current from informers: every change schedules one
 * rebuild, at most one per 100 ms (changes meanwhile coalesce, so a thousand VirtualService reconciles after one
 * edit share one plan build); the first change after a quiet spell is built after {@link #QUIET_MILLIS} only.
 * After each rebuild it tells listeners which objects' status inputs changed; the reconcilers turn that into
 * JOSDK events, {@code RealServerStatuses} into the RealServers' statuses. Reconcilers read {@link #snapshot()}
 * and never build plans themselves.
 *
 * <p>The DirectorPairs and VirtualServices are the controllers' own caches: JOSDK's informers store into
 * {@link #store}s this model reads, so each object is held once (at 100,000 RealServers a second copy was
 * hundreds of MiB). The RealServers, which no JOSDK controller reconciles ({@code RealServerStatuses} writes their
 * statuses), and the agents' reports have informers of their own here.
 */
public final class PlanService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PlanService.class);
  static final long DEBOUNCE_MILLIS = 100;
  /**
   * How long the first change after a quiet spell (no rebuild for DEBOUNCE_MILLIS) waits: the events of one edit
   * come together (an object and its reconcile's finalizer), and waiting the whole DEBOUNCE_MILLIS for them was
   * a tenth of an edit's 1 s goal.
   */
  static final long QUIET_MILLIS = 10;
  /** When the last rebuild started (System.nanoTime). */
  private volatile long lastRebuild = System.nanoTime() - DEBOUNCE_MILLIS * 1_000_000;
  /** The listeners hear this one when the real-server nodes' plans, their agents' reports or the Nodes change. */
  public static final ObjectRef REAL_SERVER_NODES = new ObjectRef("RealServerNodes", null, "all");
  /** The agent rewrites its report at least this often unless its args say otherwise (--heartbeat-seconds). */
  static final Duration AGENT_HEARTBEAT = Duration.ofSeconds(60);
  /** A report older than this many heartbeats is stale (halvs_operator_agent_report_stale). */
  static final int STALE_HEARTBEATS = 3;

  private final KubernetesClient client;
  private final String namespace;
  private final OperatorMetrics metrics;
  private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "halvs-plan");
    t.setDaemon(true);
    return t;
  });
  private final AtomicBoolean rebuildScheduled = new AtomicBoolean();
  /** When the first change since the last rebuild came (for the debug log). */
  private volatile long firstChange;
  private final List<Consumer<ObjectRef>> listeners = new CopyOnWriteArrayList<>();
  private final List<CacheListener> cacheListeners = new CopyOnWriteArrayList<>();
  private final CountDownLatch firstBuild = new CountDownLatch(1);
  private final ModelStore<DirectorPair> directorPairs = new ModelStore<>();
  private final ModelStore<VirtualService> virtualServices = new ModelStore<>();
  private final ModelStore<RealServer> realServers = new ModelStore<>();
  /** Set once the controllers' caches are synced: a build from half-listed stores would publish a partial plan. */
  private volatile boolean storesSynced;
  private SharedIndexInformer<ConfigMap> reports;
  /** Null until {@link #watchRealServers}: tests fill the store by hand. */
  private SharedIndexInformer<RealServer> realServerInformer;
  /** The cluster's Nodes, for RealServers whose spec.nodeName names none; null when they cannot be listed. */
  private SharedIndexInformer<io.fabric8.kubernetes.api.model.Node> nodes;
  private volatile Snapshot snapshot;
  /** The status events of a rebuild that changed a plan, until it is published. */
  private final StatusHold hold = new StatusHold();
  /** Held status events are handed on after this long even when the plan was not published (not leading). */
  static final long HOLD_MILLIS = 2000;
  /** Each object's view as of the last rebuild (plan thread only). */
  private final ViewKeeper views = new ViewKeeper();
  private final History history = new History();
  /**
   * At most this often a full build checks the kept model (PlanAudit), on a thread of its own and once no object
   * has changed for AUDIT_QUIET: a full build of 100,000 RealServers takes 1-3 s of CPU and its garbage, which
   * edits in progress should not share. A model that never rests is checked after AUDIT_OVERDUE all the same.
   */
  static final Duration AUDIT_INTERVAL = Duration.ofMinutes(5);
  static final Duration AUDIT_QUIET = Duration.ofSeconds(10);
  static final Duration AUDIT_OVERDUE = Duration.ofMinutes(30);
  private final ExecutorService auditor = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "halvs-plan-audit");
    t.setDaemon(true);
    t.setPriority(Thread.MIN_PRIORITY);
    return t;
  });
  private volatile Duration auditInterval = AUDIT_INTERVAL;
  private volatile Duration auditQuiet = AUDIT_QUIET;
  // plan thread only: when the model was last checked or built from nothing, when an object build last ran, and
  // whether an audit is waiting for a quiet spell (System.nanoTime)
  private long lastAudit = System.nanoTime();
  private long lastObjectBuild;
  private boolean auditWaiting;
  private final AtomicBoolean auditing = new AtomicBoolean();
  /** Set by an audit that found the kept model wrong: the next rebuild starts from nothing. */
  private final AtomicBoolean startOver = new AtomicBoolean();
  /** Set by every change to the three kinds' stores: without one, a rebuild only reads the reports again. */
  private final AtomicBoolean objectsChanged = new AtomicBoolean(true);
  /**
   * After this many status-only replacements since the last object build (a bulk apply's statuses, a failover's),
   * an object build binds them to the kept model once they rest for BIND_QUIET (or BIND_OVERDUE after the first):
   * else the next edit paid for it (1.9 s at full size) and the replaced objects stayed in memory until then.
   */
  static final int BIND_AFTER = 1_000;
  static final Duration BIND_QUIET = Duration.ofSeconds(5);
  static final Duration BIND_OVERDUE = Duration.ofSeconds(60);
  private volatile int bindAfter = BIND_AFTER;
  private volatile Duration bindQuiet = BIND_QUIET;
  private final java.util.concurrent.atomic.AtomicInteger statusOnlyPuts = new java.util.concurrent.atomic
      .AtomicInteger();
  private final AtomicBoolean bindScheduled = new AtomicBoolean();
  /** When the last status-only replacement came, and the first since the last object build (System.nanoTime). */
  private volatile long lastStatusOnlyPut;
  private volatile long firstStatusOnlyPut;
  // the objects the current snapshot was built from: plan thread only
  private List<DirectorPair> lastPairs = List.of();
  private List<VirtualService> lastVss = List.of();
  private List<RealServer> lastRss = List.of();

  public PlanService(KubernetesClient client, String namespace, OperatorMetrics metrics) {
    this.client = client;
    this.namespace = namespace;
    this.metrics = metrics;
  }

  /**
   * The store JOSDK's controller for {@code kind} caches into ({@code withItemStore}), or for RealServers this
   * model's own informer ({@link #watchRealServers}): objects without managedFields (LeanStore), every change
   * scheduling a rebuild. One informer per store, watching all namespaces. Nothing may change a stored object.
   */
  @SuppressWarnings("unchecked")
  public <T extends HasMetadata> ItemStore<T> store(Class<T> kind) {
    if (kind == DirectorPair.class) {
      return (ItemStore<T>) directorPairs;
    } else if (kind == VirtualService.class) {
      return (ItemStore<T>) virtualServices;
    } else if (kind == RealServer.class) {
      return (ItemStore<T>) realServers;
    }
    throw new IllegalArgumentException("no model store for " + kind.getSimpleName());
  }

  /**
   * Lists and watches the RealServers of every namespace into their {@link #store}, and returns once they are
   * listed (or throws when they cannot be: RBAC, the CRD). Before {@link #start}. Without a namespace index:
   * the model reads the store whole (at 100,000 RealServers the index kept each object's key once more, 10 MiB).
   */
  public void watchRealServers() {
    realServerInformer = client.resources(RealServer.class).inAnyNamespace().runnableInformer(0);
    realServerInformer.itemStore(realServers);
    realServerInformer.removeNamespaceIndex();
    realServerInformer.start().toCompletableFuture().join();
  }

  /** The RealServers' informer's index (tests: none by namespace). */
  public List<RealServer> realServersByIndex(String index, String key) {
    return realServerInformer.getIndexer().byIndex(index, key);
  }

  /**
   * Call once the controllers' informers have synced into the {@link #store}s (JOSDK's Operator.start() returns
   * then) and the RealServers' too ({@link #watchRealServers}): starts the agents' reports informer and builds
   * the first plan.
   */
  public void start() {
    reports = client.configMaps().inNamespace(namespace)
        .withLabelIn(Names.PART_LABEL, Names.PART_REPORT, Names.PART_REAL_SERVER_REPORT).runnableInformer(0);
    reports.itemStore(LeanStore.create());
    reports.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(ConfigMap o) {
        changed();
      }

      @Override
      public void onUpdate(ConfigMap a, ConfigMap b) {
        changed();
      }

      @Override
      public void onDelete(ConfigMap o, boolean unknown) {
        changed();
      }
    });
    reports.start().toCompletableFuture().join();
    startNodes();
    storesSynced = true;
    // on the plan thread, like every rebuild after it: a change meanwhile must not build beside it
    try {
      executor.submit(this::rebuild).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("the first plan build failed", e.getCause());
    }
  }

  /**
   * Node names only matter when added or deleted: a Node's status changes every few seconds and must not cost a
   * rebuild. Without the permission to list Nodes the model treats every node as existing.
   */
  private void startNodes() {
    try {
      nodes = client.nodes().runnableInformer(0);
      nodes.itemStore(LeanStore.create());
      nodes.addEventHandler(new ResourceEventHandler<>() {
        @Override
        public void onAdd(io.fabric8.kubernetes.api.model.Node o) {
          changed();
        }

        @Override
        public void onUpdate(io.fabric8.kubernetes.api.model.Node a, io.fabric8.kubernetes.api.model.Node b) {
          // names do not change
        }

        @Override
        public void onDelete(io.fabric8.kubernetes.api.model.Node o, boolean unknown) {
          changed();
        }
      });
      nodes.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("cannot list the cluster's Nodes ({}): a RealServer's spec.nodeName naming no Node goes unnoticed",
          e.getMessage());
      if (nodes != null) {
        nodes.close();
      }
      nodes = null;
    }
  }

  private Set<String> nodeNames() {
    if (nodes == null) {
      return null;
    }
    Set<String> out = new java.util.HashSet<>();
    nodes.getStore().list().forEach(n -> out.add(n.getMetadata().getName()));
    return out;
  }

  /** The DirectorPair of that name as the controllers' cache holds it (null: none); cluster-scoped: keyed by name. */
  public DirectorPair directorPair(String name) {
    return directorPairs.get(name);
  }

  public void addListener(Consumer<ObjectRef> listener) {
    listeners.add(listener);
  }

  /** Hears each copy of an object the controllers' caches take in; {@code version} null: the object is gone. */
  @FunctionalInterface
  public interface CacheListener {
    void cached(String kind, String namespace, String name, String version);
  }

  /** Called on the informers' threads, for every change of the DirectorPairs', VirtualServices' and RealServers'. */
  public void onCached(CacheListener listener) {
    cacheListeners.add(listener);
  }

  private void cached(ObjectRef ref, String version) {
    for (CacheListener l : cacheListeners) {
      l.cached(ref.kind(), ref.namespace(), ref.name(), version);
    }
  }

  /** The current snapshot; waits for the first build after start. */
  public Snapshot snapshot() {
    try {
      if (!firstBuild.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the plan model did not build within 60 s of start");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for the plan model", e);
    }
    return snapshot;
  }

  /** The informers' caches are synced and the first plan is built. */
  public boolean synced() {
    return firstBuild.getCount() == 0;
  }

  /** Plans built so far (a change of the agents' reports alone builds none). */
  long planBuilds() {
    return history.builds();
  }

  /** Test seam: the kept model (the plan thread's; read its counters once builds rest). */
  History history() {
    return history;
  }

  /** Whether the plan thread runs a no-op within {@code timeout}: false when a rebuild is stuck. */
  public boolean responsive(java.time.Duration timeout) {
    try {
      executor.submit(() -> { }).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException
        | java.util.concurrent.RejectedExecutionException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void changed() {
    if (storesSynced && rebuildScheduled.compareAndSet(false, true)) {
      firstChange = System.nanoTime();
      executor.schedule(this::rebuild, rebuildDelay((firstChange - lastRebuild) / 1_000_000), TimeUnit.MILLISECONDS);
    }
  }

  /** How long a change waits for its rebuild, the last one having started {@code sinceLast} ms before. */
  static long rebuildDelay(long sinceLast) {
    return Math.max(QUIET_MILLIS, DEBOUNCE_MILLIS - Math.max(0, sinceLast));
  }

  private void rebuild() {
    long firstChange = this.firstChange;
    lastRebuild = System.nanoTime();
    rebuildScheduled.set(false);
    boolean objectsChanged = this.objectsChanged.getAndSet(false);
    long start = System.nanoTime();
    ThreadSchedule before = LOG.isDebugEnabled() ? ThreadSchedule.now() : null;
    try {
      if (startOver.getAndSet(false)) {
        history.startOver();
        objectsChanged = true;
      }
      Snapshot s;
      List<DirectorPair> pairs;
      List<VirtualService> vss;
      List<RealServer> rss;
      Delta delta;
      if (!objectsChanged && snapshot != null) {
        // Only the agents' reports (or the Nodes) changed (a heartbeat, a plan programmed): the plan stands, the
        // same objects.
        pairs = lastPairs;
        vss = lastVss;
        rss = lastRss;
        s = History.withReports(snapshot, reports.getStore().list(), nodeNames());
        delta = Delta.NONE;
      } else {
        List<ConfigMap> reportMaps = reports.getStore().list();
        Set<String> nodeNames = nodeNames();
        // One read of each store: the views must describe exactly the objects the snapshot was built from, and
        // the changes logged exactly what differs from the last build's read. Nothing between the reads and the
        // build may throw: a log read and not built from would be lost (History.build keeps itself whole).
        Map<ObjectRef, HasMetadata> changes = new HashMap<>();
        pairs = directorPairs.read(changes);
        vss = virtualServices.read(changes);
        rss = realServers.read(changes);
        statusOnlyPuts.set(0); // this build binds them
        s = history.build(pairs, vss, rss, reportMaps, nodeNames, changes);
        delta = history.takeDelta();
        metrics.planBuilt(System.nanoTime() - start, true);
        lastPairs = pairs;
        lastVss = vss;
        lastRss = rss;
        lastObjectBuild = System.nanoTime();
        if (history.audit() == null) {
          lastAudit = lastObjectBuild; // built from nothing just now
        } else if (!auditWaiting && lastObjectBuild - lastAudit >= auditInterval.toNanos()) {
          auditWaiting = true;
          executor.schedule(this::auditWhenQuiet, auditQuiet.toMillis(), TimeUnit.MILLISECONDS);
        }
      }
      long built = System.nanoTime();
      metrics.pairs(pairStates(s, pairs));
      Snapshot previous = snapshot;
      List<ObjectRef> changed = views.update(s, pairs, vss, rss, delta, history::refOf);
      long viewed = System.nanoTime();
      Map<String, String> newPlans = new HashMap<>();
      s.published().forEach((pair, p) -> {
        if (previous == null || !p.manifest().planHash().equals(previous.planHash(pair))) {
          newPlans.put(pair, p.manifest().planHash());
        }
      });
      // held before the snapshot is out: a pair's reconcile may publish its plan as soon as it is
      boolean wasHolding = hold.holding();
      List<ObjectRef> now = hold.changed(changed, newPlans);
      if (!wasHolding && hold.holding()) {
        long episode = hold.episode();
        executor.schedule(() -> expire(episode), HOLD_MILLIS, TimeUnit.MILLISECONDS);
      }
      snapshot = s;
      firstBuild.countDown();
      hand(now); // the pairs first: their reconcile publishes the plan
      if (LOG.isDebugEnabled()) {
        LOG.debug("model rebuilt ({}): first change {} ms before, build {} ms, views {} ms; {} objects handed on{}",
            objectsChanged ? "objects" : "reports only", (start - firstChange) / 1_000_000,
            (built - start) / 1_000_000, (viewed - built) / 1_000_000, changed.size(), ThreadSchedule.since(before));
      }
    } catch (RuntimeException e) {
      // The model never throws on bad objects; this is a bug. Keep the last snapshot serving.
      this.objectsChanged.set(objectsChanged || this.objectsChanged.get());
      views.forget(); // it may have missed a build's changes: the next update makes every view again
      hand(hold.release());
      metrics.planBuilt(System.nanoTime() - start, false);
      LOG.error("plan rebuild failed; the last good plan stays published", e);
    }
  }

  /** Checks the last build's model with a full build on the audit thread, once objects rest (plan thread). */
  private void auditWhenQuiet() {
    long now = System.nanoTime();
    if (notQuietYet(this::auditWhenQuiet, now, lastObjectBuild, auditQuiet, lastAudit, AUDIT_OVERDUE)) {
      return;
    }
    auditWaiting = false;
    PlanAudit audit = history.audit();
    if (audit == null) {
      lastAudit = now; // built from nothing since (an error, a pair changed)
      return;
    }
    if (!auditing.compareAndSet(false, true)) {
      return; // the last one still runs: the next object build asks again
    }
    lastAudit = now;
    try {
      auditor.execute(() -> {
        try {
          long t0 = System.nanoTime();
          String differences = audit.differences();
          metrics.planAudited(differences == null);
          if (differences == null) {
            LOG.debug("plan audit: a full build of the same objects agrees with the kept model ({} ms)",
                (System.nanoTime() - t0) / 1_000_000);
          } else {
            LOG.error("plan audit: a full build of the same objects differs from the kept model in {}; building "
                + "the model from nothing (an object changed in place, or a bug in the incremental build: please "
                + "report this line)", differences);
            startOver.set(true);
            objectsChanged.set(true);
            changed();
          }
        } catch (RuntimeException e) {
          LOG.warn("plan audit failed; the next is due in {}", auditInterval, e);
        } finally {
          auditing.set(false);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      auditing.set(false); // closing
    }
  }

  /**
   * Plan thread: whether the last change ({@code last}) came less than {@code quiet} before {@code now} and the
   * wait began ({@code since}) less than {@code overdue} ago; then {@code again} runs once the quiet is due.
   */
  private boolean notQuietYet(Runnable again, long now, long last, Duration quiet, long since, Duration overdue) {
    if (now - last >= quiet.toNanos() || now - since >= overdue.toNanos()) {
      return false;
    }
    executor.schedule(again, (quiet.toNanos() - (now - last)) / 1_000_000 + 1, TimeUnit.MILLISECONDS);
    return true;
  }

  /** A status-only replacement reached the store: counted, and past BIND_AFTER an object build is scheduled. */
  private void statusOnlyPut() {
    long now = System.nanoTime();
    lastStatusOnlyPut = now;
    if (statusOnlyPuts.incrementAndGet() == 1) {
      firstStatusOnlyPut = now;
    }
    if (storesSynced && statusOnlyPuts.get() >= bindAfter && bindScheduled.compareAndSet(false, true)) {
      try {
        executor.schedule(this::bindWhenQuiet, bindQuiet.toMillis(), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        bindScheduled.set(false); // closing
      }
    }
  }

  /** Plan thread: once the status-only replacements rest (or have come for BIND_OVERDUE), an object build. */
  private void bindWhenQuiet() {
    if (statusOnlyPuts.get() < bindAfter) {
      bindScheduled.set(false); // an object build came first and bound them
      return;
    }
    if (notQuietYet(this::bindWhenQuiet, System.nanoTime(), lastStatusOnlyPut, bindQuiet, firstStatusOnlyPut,
        BIND_OVERDUE)) {
      return;
    }
    bindScheduled.set(false);
    LOG.debug("{} status-only replacements since the last object build: binding them to the kept model",
        statusOnlyPuts.get());
    objectsChanged.set(true);
    changed();
  }

  /** Test seam: after how many status-only replacements, resting how long, they are bound by an object build. */
  void binds(int after, Duration quiet) {
    this.bindAfter = after;
    this.bindQuiet = quiet;
  }

  /** Test seam: how often the kept model is checked, and after how long without an object build. */
  void audits(Duration interval, Duration quiet) {
    this.auditInterval = interval;
    this.auditQuiet = quiet;
  }

  private void hand(List<ObjectRef> refs) {
    for (ObjectRef ref : refs) {
      listeners.forEach(l -> l.accept(ref));
    }
  }

  private void expire(long episode) {
    List<ObjectRef> refs = hold.expire(episode);
    if (!refs.isEmpty()) {
      LOG.debug("{} status events held for a plan not published within {} ms: handed on", refs.size(), HOLD_MILLIS);
    }
    hand(refs);
  }

  /** Whether status events wait for a plan to be published (tests: until then a listener may still hear them). */
  public boolean statusHeld() {
    return hold.holding();
  }

  /**
   * The DirectorPair reconciler published this plan of the pair: the status events held for it are handed on
   * (on the plan thread, after any rebuild running).
   */
  public void published(String pair, String planHash) {
    if (hold.holding()) {
      try {
        executor.execute(() -> hand(hold.published(pair, planHash)));
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // closing: nobody listens any more
      }
    }
  }

  /** Builds a snapshot from objects: the same code path the informers feed, usable without a cluster. */
  public static Snapshot build(List<DirectorPair> pairs, List<VirtualService> vss, List<RealServer> rss,
      List<ConfigMap> reportMaps) {
    return build(pairs, vss, rss, reportMaps, null);
  }

  /** @param nodeNames the cluster's Node names; null when unknown */
  public static Snapshot build(List<DirectorPair> pairs, List<VirtualService> vss, List<RealServer> rss,
      List<ConfigMap> reportMaps, Set<String> nodeNames) {
    return new History().build(pairs, vss, rss, reportMaps, nodeNames);
  }

  /**
   * What one build keeps for the next (the plan thread's alone): each pair's shard encoder, so a change encodes
   * only the shards it touches, and the versions of each pair's services in its last {@link #PLANS} plans, so a
   * director that programmed a recent plan still counts for every service that plan had the same.
   *
   * <p>With the incremental planner it also keeps the snapshot's per-object maps (each object's generation, each
   * RealServer's use, each VirtualService's first service, the current plan's service versions) and updates them
   * with what changed: the objects the stores logged as put or removed since the last build (else, or when the
   * log falls short, the objects that are new instances: one identity lookup per object, as the planner does)
   * and the services whose part of a plan differs from the last build's (compared per owner: an unchanged
   * service shares its destination list with the last plan, so the comparison stops at the list's identity).
   * {@link #lastDelta()} says what changed, for the views. Whenever the planner starts from nothing (its periodic
   * guard included), or the input names an object twice, the maps are built from nothing too.
   */
  static final class History {
    static final int PLANS = 16;
    private final Map<String, PlanCodec.Encoder> encoders = new HashMap<>();
    private final Map<String, java.util.LinkedHashMap<String, Map<ObjectRef, Integer>>> versions = new HashMap<>();
    /**
     * Keeps the checked and resolved objects between builds: an edit rebuilds the services it touches. Null: every
     * build a full PlanBuilder.build.
     */
    private final IncrementalPlanBuilder planner;
    /** Whether the snapshot's maps are kept and updated (else built from nothing at every build). */
    private final boolean keepModel;

    private long builds;
    private long freshModels;
    private long passes;
    private Delta lastDelta;
    // kept between builds when keepModel
    private final Map<HasMetadata, Kept> objects = new java.util.IdentityHashMap<>();
    private final Map<ObjectRef, Kept> byRef = new CompactHashMap<>();
    private long epoch;
    /** pair -> owner -> its services in the plan's order, as of the last build. */
    private Map<String, Map<ObjectRef, List<IpvsService>>> owners;
    private Overlay<ObjectRef, Long> generations;
    private Overlay<ObjectRef, Integer> use;
    private Overlay<ObjectRef, IpvsService> services;
    private final Map<String, Overlay<ObjectRef, Integer>> currentVersions = new HashMap<>();
    /** The last build's input and result while its model was kept incrementally (not rebuilt): an audit's. */
    private PlanAudit audit;

    /**
     * An object as the last build saw it; seen marks the builds whose input holds it. A status-only replacement
     * of the object rebinds it to the new one, so the old object is not held.
     */
    private static final class Kept {
      HasMetadata object;
      final ObjectRef ref;
      long seen;

      Kept(HasMetadata object, ObjectRef ref) {
        this.object = object;
        this.ref = ref;
      }
    }

    History() {
      this(new IncrementalPlanBuilder(), true);
    }

    History(IncrementalPlanBuilder planner) {
      this(planner, true);
    }

    private History(IncrementalPlanBuilder planner, boolean keepModel) {
      this.planner = planner;
      this.keepModel = keepModel && planner != null;
    }

    /** Every build a full PlanBuilder.build, as before the plan build was incremental (RebuildBenchmark). */
    static History full() {
      return new History(null, false);
    }

    /** The incremental plan build with the snapshot's maps built from nothing, as before they were kept. */
    static History freshMaps(IncrementalPlanBuilder planner) {
      return new History(planner, false);
    }

    IncrementalPlanBuilder planner() {
      return planner;
    }

    /** Plans built so far. */
    long builds() {
      return builds;
    }

    /** Builds that kept their maps but looked at every object to find what changed (no log, or it fell short). */
    long passes() {
      return passes;
    }

    /** Builds whose snapshot maps were built from nothing. */
    long freshModels() {
      return freshModels;
    }

    /** What the last build changed; null when it built everything from nothing. */
    Delta lastDelta() {
      return lastDelta;
    }

    /**
     * The same, handed over once: the delta of a build that bound a wave of status writes names most RealServers,
     * and would otherwise stay in the heap until the next edit.
     */
    Delta takeDelta() {
      Delta d = lastDelta;
      lastDelta = null;
      return d;
    }

    /** The same plan, objects and Nodes with the agents' reports as they are now. */
    static Snapshot withReports(Snapshot s, List<ConfigMap> reportMaps) {
      return withReports(s, reportMaps, s.nodes());
    }

    /** The same plan and objects with the agents' reports (and the cluster's Nodes) as they are now. */
    static Snapshot withReports(Snapshot s, List<ConfigMap> reportMaps, Set<String> nodeNames) {
      Reports reports = reports(reportMaps);
      return new Snapshot(s.result(), s.published(), reports.directors(), s.realServerUse(), s.generations(),
          s.serviceVersions(), s.services(), reports.realServers(), nodeNames == null ? null : Set.copyOf(nodeNames));
    }

    /** Shards encoded by every build so far. */
    long shardsEncoded() {
      return encoders.values().stream().mapToLong(PlanCodec.Encoder::encoded).sum();
    }

    /** With the cluster's Nodes unknown. */
    Snapshot build(List<DirectorPair> pairs, List<VirtualService> vss, List<RealServer> rss,
        List<ConfigMap> reportMaps) {
      return build(pairs, vss, rss, reportMaps, null);
    }

    Snapshot build(List<DirectorPair> pairs, List<VirtualService> vss, List<RealServer> rss,
        List<ConfigMap> reportMaps, Set<String> nodeNames) {
      return build(pairs, vss, rss, reportMaps, nodeNames, null);
    }

    /**
     * @param changes the objects that may differ from the last build's input (ref -> the object in these lists,
     *     null when deleted), as the stores logged them; null: unknown, every object is looked at
     */
    Snapshot build(List<DirectorPair> pairs, List<VirtualService> vss, List<RealServer> rss,
        List<ConfigMap> reportMaps, Set<String> nodeNames, Map<ObjectRef, HasMetadata> changes) {
      builds++;
      PlanResult result;
      try {
        PlanInput input = new PlanInput(pairs, vss, rss);
        result = planner == null ? PlanBuilder.build(input)
            : planner.build(input, changes == null ? null : realServers(changes));
      } catch (RuntimeException e) {
        startOver(); // the changes may not have reached the planner: they are not logged again
        throw e;
      }
      boolean fresh = !keepModel || owners == null || planner.lastBuildFull();
      Delta delta = null;
      Map<String, Map<ObjectRef, List<IpvsService>>> nowOwners;
      try {
        nowOwners = keepModel ? byOwner(result) : null;
        if (!fresh) {
          delta = update(pairs, vss, rss, nowOwners, result, changes);
          fresh = delta == null;
        }
        if (fresh) {
          freshModels++;
          rememberAll(pairs, vss, rss, nowOwners, result);
        }
      } catch (RuntimeException e) {
        forget(); // half-updated: the next build starts from nothing
        throw e;
      }
      owners = nowOwners;
      lastDelta = delta;
      audit = fresh ? null : new PlanAudit(pairs, vss, rss, result, generations, use, services,
          Map.copyOf(currentVersions));
      Map<String, PlanCodec.Published> published = new HashMap<>();
      Map<String, Map<String, Map<ObjectRef, Integer>>> recent = new HashMap<>();
      for (DirectorPair dp : pairs) {
        String name = dp.getMetadata().getName();
        DirectorPlan plan = result.plans().get(name);
        if (plan != null) {
          boolean deleting = dp.getMetadata().getDeletionTimestamp() != null;
          PlanCodec.Published p = encoders.computeIfAbsent(name, n -> new PlanCodec.Encoder())
              .split(plan, deleting ? PlanCodec.Manifest.DELETING : PlanCodec.Manifest.ACTIVE);
          published.put(name, p);
          var byPlan = versions.computeIfAbsent(name, n -> new java.util.LinkedHashMap<>());
          // re-inserted last: a plan published again (an edit undone) is the newest
          Map<ObjectRef, Integer> v = byPlan.remove(p.manifest().planHash());
          if (v == null) {
            v = keepModel ? currentVersions.get(name) : Snapshot.versions(plan);
          }
          byPlan.put(p.manifest().planHash(), v);
          while (byPlan.size() > PLANS) {
            byPlan.remove(byPlan.keySet().iterator().next());
          }
          recent.put(name, Map.copyOf(byPlan));
        }
      }
      encoders.keySet().retainAll(published.keySet());
      versions.keySet().retainAll(published.keySet());
      if (!keepModel) {
        return snapshot(result, published, pairs, vss, rss, reportMaps, recent, nodeNames);
      }
      Reports reports = reports(reportMaps);
      return new Snapshot(result, published, reports.directors(), use, generations, recent, services,
          reports.realServers(), nodeNames == null ? null : Set.copyOf(nodeNames));
    }

    /**
     * What the last build was given, built and kept, for a full build to check (off the caller's thread); null
     * when that build was a full one, its model built from nothing.
     */
    PlanAudit audit() {
      return audit;
    }

    /** The next build starts from nothing, the plan's and the model's. */
    void startOver() {
      if (planner != null) {
        planner.startOver();
      }
      forget();
    }

    private void forget() {
      audit = null;
      owners = null;
      objects.clear();
      byRef.clear();
      currentVersions.clear();
    }

    /** Each pair's services by owner, in the plan's order. */
    private static Map<String, Map<ObjectRef, List<IpvsService>>> byOwner(PlanResult result) {
      Map<String, Map<ObjectRef, List<IpvsService>>> out = new HashMap<>();
      result.plans().forEach((pair, plan) -> {
        Map<ObjectRef, List<IpvsService>> m = new HashMap<>();
        for (IpvsService s : plan.services()) {
          m.computeIfAbsent(s.owner(), o -> new ArrayList<>(1)).add(s);
        }
        out.put(pair, m);
      });
      return out;
    }

    /** Builds the maps and the kept objects from nothing. */
    private void rememberAll(List<DirectorPair> pairs, List<VirtualService> vss, List<RealServer> rss,
        Map<String, Map<ObjectRef, List<IpvsService>>> nowOwners, PlanResult result) {
      forget();
      if (!keepModel) {
        return;
      }
      epoch++;
      Map<ObjectRef, Long> gens = new HashMap<>();
      for (List<? extends HasMetadata> list : List.of(pairs, vss, rss)) {
        for (HasMetadata o : list) {
          if (o.getMetadata() != null && o.getMetadata().getName() != null) {
            ObjectRef ref = plannersRef(o, null);
            gens.put(ref, o.getMetadata().getGeneration());
            Kept k = new Kept(o, ref);
            k.seen = epoch;
            Kept old = byRef.put(ref, k);
            if (old != null) {
              objects.remove(old.object);
            }
            objects.put(o, k);
          }
        }
      }
      generations = Overlay.of(gens);
      use = Overlay.of(Snapshot.realServerUse(result));
      services = Overlay.of(Snapshot.services(result));
      result.plans().forEach((pair, plan) -> currentVersions.put(pair, Overlay.of(Snapshot.versions(plan))));
    }

    /** The RealServers among the logged changes, for the planner. */
    private static Map<ObjectRef, RealServer> realServers(Map<ObjectRef, HasMetadata> changes) {
      Map<ObjectRef, RealServer> out = new HashMap<>();
      changes.forEach((ref, o) -> {
        if ("RealServer".equals(ref.kind())) {
          out.put(ref, (RealServer) o);
        }
      });
      return out;
    }

    /**
     * Updates the maps with what changed since the last build; null (nothing updated) when the input names an
     * object twice: the caller builds them from nothing. With the stores' log of changes only those objects are
     * looked at; should the kept objects then not number the input's, every object is looked at after all.
     */
    private Delta update(List<DirectorPair> pairs, List<VirtualService> vss, List<RealServer> rss,
        Map<String, Map<ObjectRef, List<IpvsService>>> nowOwners, PlanResult result,
        Map<ObjectRef, HasMetadata> changes) {
      epoch++;
      Map<ObjectRef, HasMetadata> changed = new HashMap<>();
      Map<ObjectRef, RealServer> rebound = new HashMap<>();
      Map<ObjectRef, Long> gens = new HashMap<>();
      Set<ObjectRef> removed = new java.util.HashSet<>();
      if (changes != null) {
        changes.forEach((ref, o) -> {
          Kept old = byRef.get(ref);
          if (o == null) {
            if (old != null) {
              byRef.remove(ref);
              objects.remove(old.object);
              removed.add(ref);
            }
          } else if (old == null || old.object != o) {
            keep(o, plannersRef(o, ref), old, changed, rebound, gens);
          }
        });
      }
      if (changes == null || byRef.size() != pairs.size() + vss.size() + rss.size()) {
        passes++;
        long seen = 0;
        for (List<? extends HasMetadata> list : List.of(pairs, vss, rss)) {
          for (HasMetadata o : list) {
            if (o.getMetadata() == null || o.getMetadata().getName() == null) {
              continue;
            }
            Kept k = objects.get(o);
            if (k == null) {
              ObjectRef ref = plannersRef(o, null);
              Kept old = byRef.get(ref);
              if (old != null && old.seen == epoch) {
                return null; // two objects of one name: which one counts is the full build's business
              }
              k = keep(o, ref, old, changed, rebound, gens);
            } else if (k.seen == epoch) {
              return null; // the same object twice
            }
            k.seen = epoch;
            seen++;
          }
        }
        if (byRef.size() > seen) {
          for (java.util.Iterator<Kept> i = byRef.values().iterator(); i.hasNext(); ) {
            Kept k = i.next();
            if (k.seen != epoch) {
              i.remove();
              objects.remove(k.object);
              removed.add(k.ref);
              changed.remove(k.ref);
              rebound.remove(k.ref);
              gens.remove(k.ref);
            }
          }
        }
      }
      generations = generations.with(gens, removed);

      // the services whose part of a plan changed, per pair: their destinations' use, first service, versions
      Map<ObjectRef, Integer> useDelta = new HashMap<>();
      Set<ObjectRef> ownersChanged = new java.util.HashSet<>();
      Set<String> allPairs = new java.util.HashSet<>(owners.keySet());
      allPairs.addAll(nowOwners.keySet());
      for (String pair : allPairs) {
        Map<ObjectRef, List<IpvsService>> before = owners.getOrDefault(pair, Map.of());
        Map<ObjectRef, List<IpvsService>> after = nowOwners.getOrDefault(pair, Map.of());
        Map<ObjectRef, Integer> versionChanges = new HashMap<>();
        Set<ObjectRef> versionsGone = new java.util.HashSet<>();
        Set<ObjectRef> owned = new java.util.HashSet<>(before.keySet());
        owned.addAll(after.keySet());
        for (ObjectRef owner : owned) {
          List<IpvsService> b = before.get(owner);
          List<IpvsService> a = after.get(owner);
          if (Objects.equals(b, a)) {
            continue;
          }
          ownersChanged.add(owner);
          count(b, -1, useDelta);
          count(a, 1, useDelta);
          if (a == null) {
            versionsGone.add(owner);
          } else {
            versionChanges.put(owner, version(a));
          }
        }
        if (after.isEmpty() && !result.plans().containsKey(pair)) {
          currentVersions.remove(pair);
        } else {
          Overlay<ObjectRef, Integer> v = currentVersions.get(pair);
          currentVersions.put(pair, v == null ? Overlay.of(Snapshot.versions(result.plans().get(pair)))
              : v.with(versionChanges, versionsGone));
        }
      }
      Map<ObjectRef, Integer> useSet = new HashMap<>();
      Set<ObjectRef> useGone = new java.util.HashSet<>();
      useDelta.forEach((ref, d) -> {
        if (d != 0) {
          int n = use.getOrDefault(ref, 0) + d;
          if (n == 0) {
            useGone.add(ref);
          } else {
            useSet.put(ref, n);
          }
        }
      });
      Set<ObjectRef> useChanged = new java.util.HashSet<>(useSet.keySet());
      useChanged.addAll(useGone);
      // an edited RealServer's use, the same, under the plan's new instance of its name (one instance per name)
      changed.forEach((ref, o) -> {
        if (o instanceof RealServer && !useChanged.contains(ref)) {
          Integer n = use.get(ref);
          if (n != null) {
            useSet.put(ref, n);
          }
        }
      });
      use = use.with(useSet, useGone);
      Map<ObjectRef, IpvsService> firsts = new HashMap<>();
      Set<ObjectRef> noService = new java.util.HashSet<>();
      for (ObjectRef owner : ownersChanged) {
        IpvsService first = null;
        for (String pair : result.plans().keySet()) { // in the plans' order, as Snapshot.services
          List<IpvsService> l = nowOwners.get(pair).get(owner);
          if (l != null) {
            first = l.get(0);
            break;
          }
        }
        if (first == null) {
          noService.add(owner);
        } else {
          firsts.put(owner, first);
        }
      }
      services = services.with(firsts, noService);
      return new Delta(changed, rebound, removed, useChanged, ownersChanged);
    }

    /**
     * Keeps {@code o}, new or in place of {@code old} (null: none of its name): bound to old's entry when only its
     * status was written (the same to the plan and the views), else a change.
     */
    private Kept keep(HasMetadata o, ObjectRef ref, Kept old, Map<ObjectRef, HasMetadata> changed,
        Map<ObjectRef, RealServer> rebound, Map<ObjectRef, Long> gens) {
      Kept k;
      if (old != null) {
        objects.remove(old.object);
      }
      if (old != null && !planner.comparesByIdentity() && statusOnly(old.object, o)) {
        old.object = o;
        k = old;
        if (o instanceof RealServer rs) {
          rebound.put(ref, rs);
        }
      } else {
        k = new Kept(o, ref);
        byRef.remove(ref); // a put keeps the old key: the replaced object's name, a second instance
        byRef.put(ref, k);
        changed.put(ref, o);
        gens.put(ref, o.getMetadata().getGeneration());
      }
      objects.put(o, k);
      return k;
    }

    /**
     * The planner's instance of o's name ({@link IncrementalPlanBuilder#refOf}) for a RealServer it kept, else
     * {@code given}, else a new one: the model's maps then share the plan's instance.
     */
    private ObjectRef plannersRef(HasMetadata o, ObjectRef given) {
      ObjectRef ref = o instanceof RealServer rs ? planner.refOf(rs) : null;
      return ref != null ? ref : given != null ? given : StatusComputer.ref(o);
    }

    /** The names of the kept objects (tests). */
    Set<ObjectRef> keptNames() {
      return byRef.keySet();
    }

    /** The kept instance of o's name (o as of the last build), else a new one (ViewKeeper's keys). */
    ObjectRef refOf(HasMetadata o) {
      Kept k = objects.get(o);
      return k != null ? k.ref : StatusComputer.ref(o);
    }

    private static void count(List<IpvsService> services, int sign, Map<ObjectRef, Integer> into) {
      if (services != null) {
        for (IpvsService s : services) {
          for (io.halvs.plan.Destination d : s.destinations()) {
            into.merge(d.realServer(), sign, Integer::sum);
          }
        }
      }
    }

    /** An owner's version as {@link Snapshot#versions} makes it, from its services in the plan's order. */
    private static int version(List<IpvsService> services) {
      int v = services.get(0).hashCode();
      for (int i = 1; i < services.size(); i++) {
        v = 31 * v + services.get(i).hashCode();
      }
      return v;
    }
  }

  /**
   * What a build changed: the objects that are new instances (added or edited; ref -> the object), the
   * RealServers replaced by a new instance with only their status changed (ref -> the new one: the same view), the
   * objects deleted, the RealServers whose use changed and the VirtualServices whose services changed.
   */
  record Delta(Map<ObjectRef, HasMetadata> changed, Map<ObjectRef, RealServer> rebound, Set<ObjectRef> removed,
      Set<ObjectRef> useChanged, Set<ObjectRef> servicesChanged) {
    /** A change of the agents' reports (or the Nodes) alone. */
    static final Delta NONE = new Delta(Map.of(), Map.of(), Set.of(), Set.of(), Set.of());
  }

  private static Snapshot snapshot(PlanResult result, Map<String, PlanCodec.Published> published,
      List<DirectorPair> pairs, List<VirtualService> vss, List<RealServer> rss, List<ConfigMap> reportMaps,
      Map<String, Map<String, Map<ObjectRef, Integer>>> versions, Set<String> nodeNames) {
    Reports reports = reports(reportMaps);
    return new Snapshot(result, published, reports.directors(), Snapshot.realServerUse(result),
        Snapshot.generationsOf(pairs, vss, rss), versions, Snapshot.services(result), reports.realServers(),
        nodeNames == null ? null : Set.copyOf(nodeNames));
  }

  /** The directors' reports (pair -> node -> report) and the real-server agents' (node -> report). */
  record Reports(Map<String, Map<String, AgentReport>> directors, Map<String, RealServerPublish.Report> realServers) {
  }

  /** The agents' reports; unreadable ones skipped with a warning. */
  static Reports reports(List<ConfigMap> reportMaps) {
    Map<String, Map<String, AgentReport>> reports = new HashMap<>();
    Map<String, RealServerPublish.Report> realServerReports = new HashMap<>();
    for (ConfigMap cm : reportMaps) {
      String json = cm.getData() == null ? null : cm.getData().get(Names.REPORT_KEY);
      if (json == null || json.isBlank()) {
        continue; // pre-created, not written by its agent yet
      }
      if (cm.getMetadata().getLabels() != null
          && Names.PART_REAL_SERVER_REPORT.equals(cm.getMetadata().getLabels().get(Names.PART_LABEL))) {
        try {
          RealServerPublish.Report r = RealServerPublish.parseReport(json);
          if (r.node() != null) {
            realServerReports.put(r.node(), r);
          }
        } catch (RuntimeException e) {
          LOG.warn("ignoring unreadable real-server agent report {}: {}", cm.getMetadata().getName(), e.getMessage());
        }
        continue;
      }
      try {
        AgentReport r = AgentReport.fromJson(json);
        if (r.pair() != null && r.node() != null) {
          reports.computeIfAbsent(r.pair(), p -> new HashMap<>()).put(r.node(), r);
        }
      } catch (RuntimeException e) {
        Logs.pair(LOG.atWarn(), cm.getMetadata().getLabels() == null ? null
            : cm.getMetadata().getLabels().get(Names.PAIR_LABEL))
            .log("ignoring unreadable agent report {}: {}", cm.getMetadata().getName(), e.getMessage());
      }
    }
    return new Reports(reports, realServerReports);
  }

  /**
   * Per deployed pair (a plan published, not rejected): the plan's size and when each director last reported.
   * A rejected pair has no agents, so no report of it can be stale.
   */
  static List<OperatorMetrics.PairState> pairStates(Snapshot s, List<DirectorPair> pairs) {
    List<OperatorMetrics.PairState> out = new ArrayList<>();
    for (DirectorPair dp : pairs) {
      String pair = dp.getMetadata().getName();
      PlanCodec.Published published = s.published().get(pair);
      if (published == null || s.result().findingsFor(StatusComputer.ref(dp)).stream()
          .anyMatch(f -> f.severity() == Finding.Severity.ERROR)) {
        continue;
      }
      long bytes = PlanCodec.manifestJson(published.manifest()).getBytes(StandardCharsets.UTF_8).length;
      for (PlanCodec.Shard shard : published.shards()) {
        bytes += shard.gzipJson().length;
      }
      Map<String, Instant> lastSeen = new HashMap<>();
      s.reportsOf(pair).forEach((node, r) -> {
        try {
          lastSeen.put(node, Instant.parse(r.lastSeen()));
        } catch (RuntimeException e) {
          // no usable time: counts as never reported
        }
      });
      List<String> nodes = dp.getSpec() == null || dp.getSpec().getNodes() == null ? List.of()
          : dp.getSpec().getNodes();
      out.add(new OperatorMetrics.PairState(pair, published.shards().size(), bytes, nodes, lastSeen,
          heartbeat(dp).multipliedBy(STALE_HEARTBEATS)));
    }
    return out;
  }

  /** The agent's report heartbeat: its --heartbeat-seconds from the pair's agent args, else the default. */
  static Duration heartbeat(DirectorPair dp) {
    List<String> args = dp.getSpec() == null || dp.getSpec().getAgent() == null
        || dp.getSpec().getAgent().getArgs() == null ? List.of() : dp.getSpec().getAgent().getArgs();
    Duration heartbeat = AGENT_HEARTBEAT;
    for (int i = 0; i < args.size(); i++) {
      String value = args.get(i).startsWith("--heartbeat-seconds=") ? args.get(i).substring(20)
          : args.get(i).equals("--heartbeat-seconds") && i + 1 < args.size() ? args.get(i + 1) : null;
      if (value != null) {
        try {
          heartbeat = Duration.ofSeconds(Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
          // the agent refuses it and says so; keep the default here
        }
      }
    }
    return heartbeat;
  }

  /** What each object's status depends on, without timestamps that change on every heartbeat. */
  static Map<ObjectRef, Object> views(Snapshot s, List<VirtualService> vss, List<RealServer> rss,
      List<DirectorPair> pairs) {
    Map<ObjectRef, List<Finding>> findings = findingsByObject(s.result());
    Map<ObjectRef, Object> views = new HashMap<>(pairs.size() + vss.size() + rss.size());
    Map<String, Object> reportViews = reportViews(s);
    for (DirectorPair dp : pairs) {
      views.put(StatusComputer.ref(dp), pairView(s, dp, findings, reportViews));
    }
    Map<String, AgentReport> active = new HashMap<>();
    for (VirtualService vs : vss) {
      views.put(StatusComputer.ref(vs), serviceView(s, vs, findings, active));
    }
    views.put(REAL_SERVER_NODES, nodesView(s));
    for (RealServer rs : rss) {
      views.put(StatusComputer.ref(rs), realServerView(s, rs, findings));
    }
    return views;
  }

  /** Each object's findings (as {@link PlanResult#findingsFor}, in one pass). */
  static Map<ObjectRef, List<Finding>> findingsByObject(PlanResult result) {
    Map<ObjectRef, List<Finding>> out = new HashMap<>();
    for (Finding f : result.findings()) {
      out.computeIfAbsent(f.object(), o -> new ArrayList<>(2)).add(f);
    }
    return out;
  }

  static Map<String, Object> reportViews(Snapshot s) {
    Map<String, Object> reportViews = new HashMap<>();
    s.reports().forEach((pair, byNode) -> {
      List<Object> v = new ArrayList<>();
      byNode.values().stream().sorted(java.util.Comparator.comparing(AgentReport::node)).forEach(r -> v.add(List.of(
          r.node(), String.valueOf(r.role()), String.valueOf(r.programmedPlanHash()), r.programmed(),
          String.valueOf(r.message()), String.valueOf(r.health()), r.cleaned())));
      reportViews.put(pair, v);
    });
    return reportViews;
  }

  static Object pairView(Snapshot s, DirectorPair dp, Map<ObjectRef, List<Finding>> findings,
      Map<String, Object> reportViews) {
    ObjectRef ref = StatusComputer.ref(dp);
    String pair = ref.name();
    return List.of(findings.getOrDefault(ref, List.of()), String.valueOf(s.planHash(pair)),
        String.valueOf(reportViews.get(pair)), dp.getMetadata().getDeletionTimestamp() != null,
        generation(dp));
  }

  /**
   * A service's status reads its own part of the plan and of the reports (who is active, this service's health,
   * which directors programmed it as it is now): not the plan hash, which every edit of any service changes.
   *
   * @param active each pair's active director, filled as asked for
   */
  static Object serviceView(Snapshot s, VirtualService vs, Map<ObjectRef, List<Finding>> findings,
      Map<String, AgentReport> active) {
    ObjectRef ref = StatusComputer.ref(vs);
    String pair = vs.getSpec() == null ? "" : String.valueOf(vs.getSpec().getDirectorPair());
    DirectorPlan plan = s.result().plans().get(pair);
    Object service = plan == null ? "" : Objects.requireNonNullElse((Object) s.services().get(ref), "");
    AgentReport a = active.computeIfAbsent(pair, p -> Objects.requireNonNullElse(
        StatusComputer.active(s.reportsOf(p)), NO_REPORT));
    a = a == NO_REPORT ? null : a;
    Object health = a == null || a.health() == null ? null : a.health().get(ref.key());
    return List.of(findings.getOrDefault(ref, List.of()), service, s.programmedNodes(pair, ref),
        String.valueOf(a == null ? null : a.node()), String.valueOf(health),
        generation(vs));
  }

  private static final AgentReport NO_REPORT = new AgentReport(null, null, null, null, false, null, null, null,
      false);

  /** What the real-server agents' DaemonSet and ConfigMaps depend on (RealServerAgents listens for this one). */
  static Object nodesView(Snapshot s) {
    Map<String, Object> rsReports = new java.util.TreeMap<>();
    s.realServerReports().forEach((node, r) -> rsReports.put(node, StatusComputer.withoutTime(r)));
    return List.of(String.valueOf(s.result().realServerNodes()), String.valueOf(rsReports),
        String.valueOf(s.nodes() == null ? null : new java.util.TreeSet<>(s.nodes())));
  }

  /**
   * An object's generation as a view holds it: the Long itself (1 for most objects, one shared instance), not a
   * string of its own per object; "" when it has none.
   */
  private static Object generation(HasMetadata o) {
    Long g = o.getMetadata().getGeneration();
    return g == null ? "" : g;
  }

  /**
   * What a RealServer's status reads: its findings, how many services it backs, its generation and, with a
   * spec.nodeName, its node's state. A record, not a list of them (56 B a RealServer as a list), and equal views
   * are one instance: most RealServers back one service, with no findings, at generation 1.
   */
  record RealServerView(List<Finding> findings, int use, Object generation, Object node) {}

  private static final Interner<RealServerView> REAL_SERVER_VIEWS = new Interner<>();

  static Object realServerView(Snapshot s, RealServer rs, Map<ObjectRef, List<Finding>> findings) {
    ObjectRef ref = StatusComputer.ref(rs);
    String node = rs.getSpec() == null ? null : rs.getSpec().getNodeName();
    return REAL_SERVER_VIEWS.intern(new RealServerView(findings.getOrDefault(ref, List.of()),
        s.realServerUse().getOrDefault(ref, 0), generation(rs), node == null ? "" : List.of(s.nodeExists(node),
            String.valueOf(s.result().realServerNodes().get(node)), String.valueOf(
                StatusComputer.withoutTime(s.realServerReports().get(node))))));
  }

  @Override
  public void close() {
    if (realServerInformer != null) {
      realServerInformer.close();
    }
    if (reports != null) {
      reports.close();
    }
    if (nodes != null) {
      nodes.close();
    }
    executor.shutdownNow();
    auditor.shutdownNow();
  }

  /**
   * Whether {@code now} differs from {@code previous} only where no plan and no view reads it: its status (but a
   * DirectorPair's naming a plan or not, which decides a contested node), resourceVersion, managed fields. The
   * operator's own status writes are most of the updates during edits (a selector changed: 200 RealServers'
   * counts); each one used to cost a rebuild that the next edit's had to wait for. The stores keep the new
   * object; the next rebuild binds the kept model to it without checking it again (History, ViewKeeper, the
   * planner's {@link StatusOnly}).
   */
  static boolean statusOnly(HasMetadata previous, HasMetadata now) {
    if (!StatusOnly.replaces(previous, now)) {
      return false;
    }
    if (previous instanceof DirectorPair p && now instanceof DirectorPair q) {
      return (p.getStatus() != null && p.getStatus().getPlanHash() != null)
          == (q.getStatus() != null && q.getStatus().getPlanHash() != null);
    }
    return true;
  }

  /**
   * A controller's cache, lean, that schedules a rebuild after every change to it but a status write, and logs
   * which objects changed since it was last read ({@link #read}), so a build looks at those alone.
   */
  private final class ModelStore<T extends HasMetadata> implements ItemStore<T> {
    private final ItemStore<T> objects = LeanStore.create();
    /** ref -> the object put since the last read, null when removed; guarded by this, as a read's list is. */
    private Map<ObjectRef, HasMetadata> log = new HashMap<>();

    /** The objects, and the log since the last read added to {@code changes}: one moment of the store. */
    synchronized List<T> read(Map<ObjectRef, HasMetadata> changes) {
      changes.putAll(log);
      log = new HashMap<>();
      return objects.values().toList();
    }

    @Override
    public String getKey(T object) {
      return objects.getKey(object);
    }

    @Override
    public T put(String key, T object) {
      T previous;
      ObjectRef ref = StatusComputer.ref(object);
      synchronized (this) {
        previous = objects.put(key, object);
        log.put(ref, object);
      }
      cached(ref, object.getMetadata().getResourceVersion());
      if (!statusOnly(previous, object)) {
        objectsChanged.set(true);
        changed();
      } else {
        statusOnlyPut();
      }
      return previous;
    }

    @Override
    public T remove(String key) {
      T previous;
      synchronized (this) {
        previous = objects.remove(key);
        if (previous != null) {
          log.put(StatusComputer.ref(previous), null);
        }
      }
      if (previous != null) {
        cached(StatusComputer.ref(previous), null);
      }
      objectsChanged.set(true);
      changed();
      return previous;
    }

    @Override
    public Stream<String> keySet() {
      return objects.keySet();
    }

    @Override
    public Stream<T> values() {
      return objects.values();
    }

    @Override
    public T get(String key) {
      return objects.get(key);
    }

    @Override
    public int size() {
      return objects.size();
    }

    @Override
    public boolean isFullState() {
      return objects.isFullState();
    }
  }
}
