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
import io.halvs.operator.Logs;
import io.halvs.operator.metrics.OperatorMetrics;
import io.halvs.plan.Finding;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.ObjectRef;
import io.halvs.plan.IncrementalPlanBuilder;
import io.halvs.plan.PlanBuilder;
import io.halvs.plan.PlanInput;
import io.halvs.plan.PlanResult;
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
 * rebuild (changes within 100 ms coalesce), so a thousand VirtualService reconciles after one edit share one
 * plan build. After each rebuild it tells listeners which objects' status inputs changed; the reconcilers turn
 * that into JOSDK events. Reconcilers read {@link #snapshot()} and never build plans themselves.
 *
 * <p>The DirectorPairs, VirtualServices and RealServers are the controllers' own caches: JOSDK's informers store
 * into {@link #store}s this model reads, so each object is held once (at 100,000 RealServers a second copy was
 * hundreds of MiB). The agents' reports have an informer of their own here.
 */
public final class PlanService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PlanService.class);
  static final long DEBOUNCE_MILLIS = 100;
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
  private final List<Consumer<ObjectRef>> listeners = new CopyOnWriteArrayList<>();
  private final CountDownLatch firstBuild = new CountDownLatch(1);
  private final ModelStore<DirectorPair> directorPairs = new ModelStore<>();
  private final ModelStore<VirtualService> virtualServices = new ModelStore<>();
  private final ModelStore<RealServer> realServers = new ModelStore<>();
  /** Set once the controllers' caches are synced: a build from half-listed stores would publish a partial plan. */
  private volatile boolean storesSynced;
  private SharedIndexInformer<ConfigMap> reports;
  /** The cluster's Nodes, for RealServers whose spec.nodeName names none; null when they cannot be listed. */
  private SharedIndexInformer<io.fabric8.kubernetes.api.model.Node> nodes;
  private volatile Snapshot snapshot;
  private Map<ObjectRef, Object> lastViews = Map.of();
  private final History history = new History();
  /** Set by every change to the three kinds' stores: without one, a rebuild only reads the reports again. */
  private final AtomicBoolean objectsChanged = new AtomicBoolean(true);
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
   * The store JOSDK's controller for {@code kind} caches into ({@code withItemStore}): objects without
   * managedFields (LeanStore), every change scheduling a rebuild. One informer per store: the controllers watch
   * all namespaces.
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
   * Call once the controllers' informers have synced into the {@link #store}s (JOSDK's Operator.start() returns
   * then): starts the agents' reports informer and builds the first plan.
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
    rebuild();
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

  public void addListener(Consumer<ObjectRef> listener) {
    listeners.add(listener);
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
      executor.schedule(this::rebuild, DEBOUNCE_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  private void rebuild() {
    rebuildScheduled.set(false);
    boolean objectsChanged = this.objectsChanged.getAndSet(false);
    long start = System.nanoTime();
    try {
      Snapshot s;
      List<DirectorPair> pairs;
      List<VirtualService> vss;
      List<RealServer> rss;
      if (!objectsChanged && snapshot != null) {
        // Only the agents' reports (or the Nodes) changed (a heartbeat, a plan programmed): the plan stands, the
        // same objects.
        pairs = lastPairs;
        vss = lastVss;
        rss = lastRss;
        s = History.withReports(snapshot, reports.getStore().list(), nodeNames());
      } else {
        // One read of each store: the views must describe exactly the objects the snapshot was built from.
        pairs = directorPairs.list();
        vss = virtualServices.list();
        rss = realServers.list();
        s = history.build(pairs, vss, rss, reports.getStore().list(), nodeNames());
        metrics.planBuilt(System.nanoTime() - start, true);
        lastPairs = pairs;
        lastVss = vss;
        lastRss = rss;
      }
      metrics.pairs(pairStates(s, pairs));
      snapshot = s;
      firstBuild.countDown();
      Map<ObjectRef, Object> views = views(s, vss, rss, pairs);
      Map<ObjectRef, Object> previous = lastViews;
      lastViews = views;
      for (Map.Entry<ObjectRef, Object> e : views.entrySet()) {
        if (!Objects.equals(previous.get(e.getKey()), e.getValue())) {
          listeners.forEach(l -> l.accept(e.getKey()));
        }
      }
    } catch (RuntimeException e) {
      // The model never throws on bad objects; this is a bug. Keep the last snapshot serving.
      this.objectsChanged.set(objectsChanged || this.objectsChanged.get());
      metrics.planBuilt(System.nanoTime() - start, false);
      LOG.error("plan rebuild failed; the last good plan stays published", e);
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

    private long builds;

    History() {
      this(new IncrementalPlanBuilder());
    }

    History(IncrementalPlanBuilder planner) {
      this.planner = planner;
    }

    /** Every build a full PlanBuilder.build, as before the plan build was incremental (RebuildBenchmark). */
    static History full() {
      return new History(null);
    }

    IncrementalPlanBuilder planner() {
      return planner;
    }

    /** Plans built so far. */
    long builds() {
      return builds;
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
      builds++;
      PlanInput input = new PlanInput(pairs, vss, rss);
      PlanResult result = planner != null ? planner.build(input) : PlanBuilder.build(input);
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
          byPlan.put(p.manifest().planHash(), v != null ? v : Snapshot.versions(plan));
          while (byPlan.size() > PLANS) {
            byPlan.remove(byPlan.keySet().iterator().next());
          }
          recent.put(name, Map.copyOf(byPlan));
        }
      }
      encoders.keySet().retainAll(published.keySet());
      versions.keySet().retainAll(published.keySet());
      return snapshot(result, published, pairs, vss, rss, reportMaps, recent, nodeNames);
    }
  }

  private static Snapshot snapshot(PlanResult result, Map<String, PlanCodec.Published> published,
      List<DirectorPair> pairs, List<VirtualService> vss, List<RealServer> rss, List<ConfigMap> reportMaps,
      Map<String, Map<String, Map<ObjectRef, Integer>>> versions, Set<String> nodeNames) {
    Reports reports = reports(reportMaps);
    Map<ObjectRef, Long> generations = new HashMap<>();
    for (List<? extends HasMetadata> objects : List.of(pairs, vss, rss)) {
      for (HasMetadata o : objects) {
        if (o.getMetadata() != null && o.getMetadata().getName() != null) {
          generations.put(StatusComputer.ref(o), o.getMetadata().getGeneration());
        }
      }
    }
    return new Snapshot(result, published, reports.directors(), Snapshot.realServerUse(result), generations,
        versions, Snapshot.services(result), reports.realServers(), nodeNames == null ? null : Set.copyOf(nodeNames));
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
    Map<String, Object> reportViews = new HashMap<>();
    s.reports().forEach((pair, byNode) -> {
      List<Object> v = new ArrayList<>();
      byNode.values().stream().sorted(java.util.Comparator.comparing(AgentReport::node)).forEach(r -> v.add(List.of(
          r.node(), String.valueOf(r.role()), String.valueOf(r.programmedPlanHash()), r.programmed(),
          String.valueOf(r.message()), String.valueOf(r.health()), r.cleaned())));
      reportViews.put(pair, v);
    });
    Map<ObjectRef, Object> views = new HashMap<>(pairs.size() + vss.size() + rss.size());
    for (DirectorPair dp : pairs) {
      ObjectRef ref = StatusComputer.ref(dp);
      String pair = ref.name();
      views.put(ref, List.of(s.result().findingsFor(ref), String.valueOf(s.planHash(pair)),
          String.valueOf(reportViews.get(pair)), dp.getMetadata().getDeletionTimestamp() != null,
          String.valueOf(dp.getMetadata().getGeneration())));
    }
    // A service's status reads its own part of the plan and of the reports (who is active, this service's health,
    // which directors programmed it as it is now): not the plan hash, which every edit of any service changes.
    for (VirtualService vs : vss) {
      ObjectRef ref = StatusComputer.ref(vs);
      String pair = vs.getSpec() == null ? "" : String.valueOf(vs.getSpec().getDirectorPair());
      DirectorPlan plan = s.result().plans().get(pair);
      Object service = plan == null ? "" : Objects.requireNonNullElse((Object) s.services().get(ref), "");
      AgentReport active = StatusComputer.active(s.reportsOf(pair));
      Object health = active == null || active.health() == null ? null : active.health().get(ref.key());
      views.put(ref, List.of(s.result().findingsFor(ref), service, s.programmedNodes(pair, ref),
          String.valueOf(active == null ? null : active.node()), String.valueOf(health),
          String.valueOf(vs.getMetadata().getGeneration())));
    }
    // What the real-server agents' DaemonSet and ConfigMaps depend on (RealServerAgents listens for this one).
    Map<String, Object> rsReports = new java.util.TreeMap<>();
    s.realServerReports().forEach((node, r) -> rsReports.put(node, StatusComputer.withoutTime(r)));
    views.put(REAL_SERVER_NODES, List.of(String.valueOf(s.result().realServerNodes()), String.valueOf(rsReports),
        String.valueOf(s.nodes() == null ? null : new java.util.TreeSet<>(s.nodes()))));
    for (RealServer rs : rss) {
      ObjectRef ref = StatusComputer.ref(rs);
      String node = rs.getSpec() == null ? null : rs.getSpec().getNodeName();
      views.put(ref, List.of(s.result().findingsFor(ref), s.realServerUse().getOrDefault(ref, 0),
          String.valueOf(rs.getMetadata().getGeneration()), node == null ? "" : List.of(s.nodeExists(node),
              String.valueOf(s.result().realServerNodes().get(node)), String.valueOf(
                  StatusComputer.withoutTime(s.realServerReports().get(node))))));
    }
    return views;
  }

  @Override
  public void close() {
    if (reports != null) {
      reports.close();
    }
    if (nodes != null) {
      nodes.close();
    }
    executor.shutdownNow();
  }

  /** A controller's cache, lean, that schedules a rebuild after every change to it. */
  private final class ModelStore<T extends HasMetadata> implements ItemStore<T> {
    private final ItemStore<T> objects = LeanStore.create();

    List<T> list() {
      return objects.values().toList();
    }

    @Override
    public String getKey(T object) {
      return objects.getKey(object);
    }

    @Override
    public T put(String key, T object) {
      T previous = objects.put(key, object);
      objectsChanged.set(true);
      changed();
      return previous;
    }

    @Override
    public T remove(String key) {
      T previous = objects.remove(key);
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
