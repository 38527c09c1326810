package io.halvs.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.operator.dependent.AgentResources;
import io.halvs.operator.dependent.RealServerAgents;
import io.halvs.operator.metrics.OperatorMetrics;
import io.halvs.operator.model.NamespaceIndex;
import io.halvs.operator.model.PlanService;
import io.halvs.operator.reconciler.DirectorPairReconciler;
import io.halvs.operator.reconciler.EventRecorder;
import io.halvs.operator.reconciler.RealServerStatuses;
import io.halvs.operator.reconciler.PublishFirst;
import io.halvs.operator.reconciler.StatusWriter;
import io.halvs.operator.reconciler.VirtualServiceReconciler;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The operator: the plan model plus the three reconcilers, on one client. */
public final class HalvsOperator implements AutoCloseable {
  public static final String DEFAULT_NAMESPACE = "halvs-system";
  public static final String DEFAULT_AGENT_IMAGE = "ghcr.io/halvs/director-agent:0.1.0";
  /** The leader-election Lease, in the operator's namespace. */
  public static final String LEASE = "halvs-operator";
  static final Duration CRD_RETRY = Duration.ofSeconds(2);
  private static final Logger LOG = LoggerFactory.getLogger(HalvsOperator.class);
  private static final List<Class<? extends HasMetadata>> KINDS =
      List.of(DirectorPair.class, VirtualService.class, RealServer.class);

  /**
   * Leader election over a Lease: only the holder reconciles (writes status, plans, agent objects). Kubernetes'
   * own defaults: a leader that cannot renew for renewDeadline stops (the process exits and restarts as a
   * standby) before a standby may take an unrenewed lease after leaseDuration, so two never write at once.
   */
  public record LeaderElection(String identity, Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
    public static LeaderElection defaults(String identity) {
      return new LeaderElection(identity, Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2));
    }
  }

  private final KubernetesClient client;
  private final String namespace;
  private final String agentImage;
  private final LeaderElection election;
  private final AtomicBoolean leading = new AtomicBoolean();
  private final AtomicBoolean started = new AtomicBoolean();
  private final OperatorMetrics metrics = OperatorMetrics.forProcess();
  private volatile boolean closing;
  private Runnable onLostLease = () -> System.exit(1);
  private PlanService plans;
  private StatusWriter statusWriter;
  private volatile RealServerStatuses realServerStatuses;
  private Operator operator;
  private RealServerAgents realServerAgents;
  private java.util.concurrent.ScheduledExecutorService realServerSync;
  private java.util.concurrent.ExecutorService promptPublish;

  public HalvsOperator(KubernetesClient client, String namespace, String agentImage) {
    this(client, namespace, agentImage, null);
  }

  /** With {@code election} null every instance reconciles (one replica, the demo, the tests). */
  public HalvsOperator(KubernetesClient client, String namespace, String agentImage, LeaderElection election) {
    this.client = client;
    this.namespace = namespace;
    this.agentImage = agentImage;
    this.election = election;
    metrics.leading(this::leading);
  }

  public static String namespaceFromEnvironment() {
    String ns = System.getenv("POD_NAMESPACE");
    return ns == null || ns.isBlank() ? DEFAULT_NAMESPACE : ns;
  }

  public static String agentImageFromEnvironment() {
    String image = System.getenv("HALVS_AGENT_IMAGE");
    return image == null || image.isBlank() ? DEFAULT_AGENT_IMAGE : image;
  }

  /** The Pod's name in a cluster; elsewhere host and process, so two local processes differ. */
  public static String identityFromEnvironment() {
    String pod = System.getenv("POD_NAME");
    if (pod != null && !pod.isBlank()) {
      return pod;
    }
    String host = System.getenv("HOSTNAME");
    return (host == null || host.isBlank() ? "halvs-operator" : host) + "-" + ProcessHandle.current().pid();
  }

  /**
   * JOSDK's reconcile threads, shared by the two controllers. Its default is a fixed pool of 50, all of them
   * started by the first burst of events (every object at start) and kept: about 100 KiB of stack each, for
   * reconciles that only compute since the status writes have threads of their own ({@link StatusWriter}).
   */
  static final int RECONCILE_THREADS = 8;

  private static java.util.concurrent.ExecutorService reconcileThreads() {
    java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
    return java.util.concurrent.Executors.newFixedThreadPool(RECONCILE_THREADS,
        r -> new Thread(r, "halvs-reconcile-" + n.incrementAndGet()));
  }

  public void start() throws InterruptedException {
    awaitCrds();
    plans = new PlanService(client, namespace, metrics);
    // The reconcilers write status themselves (a PUT of the status subresource); nothing relies on server-side
    // apply, so the same code path runs against every API server and the CRUD mock the fast tests use.
    operator = new Operator(o -> {
      o.withKubernetesClient(client).withCloseClientOnStop(false)
          .withUseSSAToPatchPrimaryResource(false).withStopOnInformerErrorDuringStartup(true)
          .withMetrics(metrics.josdk()).withExecutorService(reconcileThreads());
      if (election != null) {
        // Informers run on every replica (a standby's caches are warm); reconciling starts on taking the lease.
        o.withLeaderElectionConfiguration(new LeaderElectionConfiguration(LEASE, namespace,
            election.leaseDuration(), election.renewDeadline(), election.retryPeriod(), election.identity(),
            callbacks(), false));
      }
    });
    EventRecorder events = new EventRecorder(client);
    // The controllers cache into the plan model's stores, so the model reads the same objects (each held once),
    // without managedFields (at 100,000 RealServers those were most of the heap).
    PublishFirst publishFirst = new PublishFirst();
    statusWriter = new StatusWriter(metrics, publishFirst);
    plans.onCached(statusWriter::seen); // each cache change: a status write the cache did not show is there now
    DirectorPairReconciler pairs = new DirectorPairReconciler(client, plans, new AgentResources(namespace, agentImage),
        metrics, events, publishFirst, statusWriter);
    operator.register(pairs, c -> c.withItemStore(plans.store(DirectorPair.class)));
    operator.register(new VirtualServiceReconciler(client, plans, statusWriter, events),
        c -> c.withItemStore(plans.store(VirtualService.class)));
    // The RealServers' statuses without a JOSDK controller (RealServerStatuses says why); it hears the model
    // from its first build on, and computes once this replica leads.
    realServerStatuses = new RealServerStatuses(client, plans, statusWriter);
    // Returns once every controller's informer has synced (or throws: stopOnInformerErrorDuringStartup), leader
    // or standby; only then may the model build (a plan from half-listed caches would drop destinations).
    // Reconciles started meanwhile wait for the first build in plans.snapshot().
    operator.start();
    // The model's stores are the only index the operator reads (at 100,000 RealServers, 10 MiB less).
    operator.getRegisteredControllers().forEach(NamespaceIndex::drop);
    plans.watchRealServers(); // the same: returns once they are listed, throws when they cannot be
    plans.start();
    startPromptPublish(pairs);
    startRealServerAgents();
    started.set(true);
    if (election == null) {
      leading.set(true);
      realServerStatuses.lead();
    }
  }

  /**
   * A pair's changed plan goes out as soon as the model is rebuilt, on a thread of its own
   * ({@link DirectorPairReconciler#publishPromptly}); the leader alone writes. A pair named again while queued is
   * published once.
   */
  private void startPromptPublish(DirectorPairReconciler pairs) {
    promptPublish = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "halvs-publish");
      t.setDaemon(true);
      return t;
    });
    java.util.Set<String> queued = java.util.concurrent.ConcurrentHashMap.newKeySet();
    plans.addListener(ref -> {
      if ("DirectorPair".equals(ref.kind()) && queued.add(ref.name())) {
        try {
          promptPublish.execute(() -> {
            queued.remove(ref.name());
            if (leading.get() && !closing) {
              pairs.publishPromptly(ref.name());
            }
          });
        } catch (java.util.concurrent.RejectedExecutionException e) {
          queued.remove(ref.name()); // closing
        }
      }
    });
  }

  /**
   * The real-server agents' DaemonSet and per-node ConfigMaps follow the model: after each change of the nodes'
   * plans or reports, and every 30 s (a failed write is retried then). The leader alone writes.
   */
  private void startRealServerAgents() {
    realServerAgents = new RealServerAgents(client, namespace, agentImage);
    realServerSync = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "halvs-real-server-agents");
      t.setDaemon(true);
      return t;
    });
    java.util.concurrent.atomic.AtomicBoolean queued = new java.util.concurrent.atomic.AtomicBoolean();
    Runnable sync = () -> {
      queued.set(false);
      if (!leading.get() || closing) {
        return;
      }
      try {
        realServerAgents.sync(plans.snapshot());
      } catch (RuntimeException e) {
        LOG.warn("real-server agents: {}; retrying in 30 s", e.getMessage());
      }
    };
    plans.addListener(ref -> {
      if (PlanService.REAL_SERVER_NODES.equals(ref) && queued.compareAndSet(false, true)) {
        realServerSync.execute(sync);
      }
    });
    realServerSync.scheduleWithFixedDelay(sync, 0, 30, TimeUnit.SECONDS);
  }

  private LeaderCallbacks callbacks() {
    return new LeaderCallbacks(() -> {
      leading.set(true);
      LOG.info("leading as {} (Lease {}/{}): reconciling", election.identity(), namespace, LEASE);
      if (realServerStatuses != null) { // made before the election starts (operator.start())
        realServerStatuses.lead();
      }
    }, () -> {
      leading.set(false);
      if (!closing) {
        // JOSDK would go on reconciling: a replica that lost the lease exits and restarts as a standby.
        LOG.warn("lost Lease {}/{}: exiting so that only the new leader writes", namespace, LEASE);
        onLostLease.run();
      }
    }, leader -> LOG.info("Lease {}/{} held by {}", namespace, LEASE, leader));
  }

  /**
   * Until the three CRDs are served (Established), wait and say so once, instead of failing and crash-looping
   * on the first `kubectl apply -k deploy/`, which creates CRDs and the operator at the same time.
   */
  void awaitCrds() throws InterruptedException {
    String said = null;
    while (!closing) {
      List<String> missing = new ArrayList<>();
      boolean forbidden = false;
      for (Class<? extends HasMetadata> kind : KINDS) {
        try {
          client.resources(kind).inAnyNamespace().list(new ListOptionsBuilder().withLimit(1L).build());
        } catch (KubernetesClientException e) {
          // 403: the same apply creates the operator's RBAC, which may land after its first request.
          if (e.getCode() != 404 && e.getCode() != 403) {
            throw e;
          }
          forbidden |= e.getCode() == 403;
          missing.add(HasMetadata.getFullResourceName(kind));
        }
      }
      if (missing.isEmpty()) {
        if (said != null) {
          LOG.info("the halvs CRDs are established");
        }
        return;
      }
      String line = forbidden ? "waiting for the permission to list " + missing + " (the operator's RBAC in deploy/)"
          : "waiting for the CRDs " + missing + " to be established (kubectl apply -k deploy/ installs them)";
      if (!line.equals(said)) {
        LOG.info(line);
        said = line;
      }
      Thread.sleep(CRD_RETRY.toMillis());
    }
  }

  /** Ready: the caches are synced and the controllers started, leader or standby (a standby is a warm spare). */
  public boolean ready() {
    return started.get() && plans != null && plans.synced();
  }

  /** Alive: not wedged. The plan thread answers; the API server being unreachable is no reason to restart. */
  public boolean alive() {
    return plans == null || plans.responsive(Duration.ofSeconds(3));
  }

  /** What losing the lease does; the tests record it instead of exiting. */
  void onLostLease(Runnable action) {
    this.onLostLease = action;
  }

  public boolean leading() {
    return leading.get();
  }

  /** Whether no status write waits, runs or is to be retried (tests). */
  boolean statusWritesIdle() {
    return statusWriter == null || statusWriter.idle();
  }

  public PlanService plans() {
    return plans;
  }

  /** JOSDK's controllers, once started (tests: what their caches keep). */
  java.util.Set<io.javaoperatorsdk.operator.RegisteredController> controllers() {
    return operator.getRegisteredControllers();
  }

  /** What /metrics serves: from construction on, so a scrape works while the operator waits for its CRDs. */
  public OperatorMetrics metrics() {
    return metrics;
  }

  @Override
  public void close() {
    closing = true;
    boolean wasLeading = leading.get();
    if (promptPublish != null) {
      promptPublish.shutdownNow();
    }
    if (realServerSync != null) {
      realServerSync.shutdownNow();
    }
    if (operator != null) {
      operator.stop();
    }
    if (realServerStatuses != null) {
      realServerStatuses.close();
    }
    if (statusWriter != null) {
      statusWriter.close();
    }
    if (plans != null) {
      plans.close();
    }
    if (election != null && wasLeading) {
      releaseLease();
    }
    metrics.close();
  }

  /**
   * After the controllers stopped, hand the Lease back (JOSDK does not), so a standby takes over within its
   * retry period instead of waiting out the lease: a rolling update of the operator then costs about 2 s.
   */
  void releaseLease() {
    // Bounded: with the API server unreachable the client would retry for long, and shutdown must not hang.
    try {
      CompletableFuture.runAsync(this::clearLeaseHolder).get(3, TimeUnit.SECONDS);
    } catch (TimeoutException | ExecutionException e) {
      LOG.warn("could not release Lease {}/{} ({}); a standby takes over when it expires", namespace, LEASE,
          e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void clearLeaseHolder() {
    try {
      Lease lease = client.leases().inNamespace(namespace).withName(LEASE).get();
      if (lease == null || lease.getSpec() == null || !election.identity().equals(lease.getSpec().getHolderIdentity())) {
        return;
      }
      lease.getSpec().setHolderIdentity(null);
      client.resource(lease).update(); // resourceVersion-checked: never clears a newer holder
      LOG.info("released Lease {}/{}", namespace, LEASE);
    } catch (KubernetesClientException e) {
      LOG.warn("could not release Lease {}/{} ({}); a standby takes over when it expires", namespace, LEASE,
          e.getMessage());
    }
  }
}
