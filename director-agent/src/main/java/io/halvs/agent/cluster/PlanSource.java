package io.halvs.agent.cluster;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.halvs.agent.Logs;
import io.halvs.agent.runtime.Director;
import io.halvs.logging.ThreadSchedule;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.publish.Names;
import io.halvs.plan.publish.PlanCodec;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pair's published plan, read from the API server: one informer on the pair's manifest and shard ConfigMaps.
 * After any change the plan is put back together from the informer's cache; a plan whose shards do not match
 * its manifest yet (an update in flight) is skipped, the last good one keeps serving and the next event tries
 * again. A plan goes to the director only when its hash or state changed. A part that stays unreadable (bad
 * gzip, JSON or base64, a hash that does not match: edited by hand, or a publisher that died half-way) is named
 * in one warning and, after a grace period, in the agent's report, which the operator shows as the DirectorPair's
 * Degraded condition; the last good plan keeps serving until a good publish replaces it. Only the shards whose
 * bytes changed are decoded; the others are kept from the last plan (a byte comparison per shard and event).
 *
 * <p>The informer retries forever while the API server is away; the data plane does not notice. One line says
 * the API server is unreachable, one that it is back.
 */
public final class PlanSource implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PlanSource.class);
  /** How long a damaged plan lasts before the report says so (a publish in flight lasts milliseconds). */
  static final long PROBLEM_GRACE_MILLIS = 5000;

  private final KubernetesClient client;
  private final String namespace;
  private final String pair;
  private final Consumer<Director.Target> sink;
  private final ScheduledExecutorService worker;
  private final AtomicBoolean queued = new AtomicBoolean();
  /** When the first event of the burst being coalesced came (nanoTime): the plan's line says how long it took. */
  private volatile long burstStart;
  private SharedIndexInformer<ConfigMap> informer;
  private final PlanCodec.Decoder decoder = new PlanCodec.Decoder(); // worker thread only
  /**
   * Each shard's bytes as last decoded from base64, with the resourceVersion of the ConfigMap they came from: an
   * unchanged ConfigMap is not decoded again. A publish is several events and each assembles the whole plan; at
   * 100,000 destinations (32 shards then) decoding every shard each time was a seventh of the agent's allocation while
   * a large apply streamed plans in. Worker thread only.
   */
  private final Map<Integer, Base64Shard> base64Shards = new HashMap<>();

  private record Base64Shard(String resourceVersion, byte[] bytes) {}

  private volatile long base64Decoded;
  private String offered; // hash + state of the last plan handed on; worker thread only
  private String lastProblem; // worker thread only
  private String offeredHash; // worker thread only
  private volatile String damage;
  private volatile Runnable problemListener = () -> {};
  private volatile Runnable reachableAgain = () -> {};
  private WatchOutage outage; // worker thread only

  public PlanSource(KubernetesClient client, String namespace, String pair, Consumer<Director.Target> sink) {
    this.client = client;
    this.namespace = namespace;
    this.pair = pair;
    this.sink = sink;
    this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "halvs-plan-source");
      t.setDaemon(true);
      return t;
    });
  }

  public void start() {
    informer = client.configMaps().inNamespace(namespace).withLabel(Names.PAIR_LABEL, pair)
        .withLabelIn(Names.PART_LABEL, Names.PART_MANIFEST, Names.PART_SHARD).runnableInformer(0);
    informer.exceptionHandler((started, t) -> {
      LOG.debug("plan informer: {}", t.toString());
      return true; // keep retrying: the last good plan serves meanwhile
    });
    informer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(ConfigMap cm) {
        event("added", cm);
        changed();
      }

      @Override
      public void onUpdate(ConfigMap before, ConfigMap after) {
        event("updated", after);
        changed();
      }

      @Override
      public void onDelete(ConfigMap cm, boolean unknownFinalState) {
        event("deleted", cm);
        changed();
      }
    });
    outage = new WatchOutage(System.currentTimeMillis());
    informer.start();
    worker.scheduleWithFixedDelay(this::watchConnection, 1, 1, TimeUnit.SECONDS);
    Logs.pair(LOG.atInfo(), pair).log("following the plan of DirectorPair {} in namespace {}", pair, namespace);
  }

  /** Each event as it reaches the handler, at debug: where a plan's time between its publish and its read went. */
  private void event(String what, ConfigMap cm) {
    if (LOG.isDebugEnabled()) {
      Logs.pair(LOG.atDebug(), pair).log("ConfigMap {} {} at resourceVersion {}", cm.getMetadata().getName(), what,
          cm.getMetadata().getResourceVersion());
    }
  }

  /** Coalesces a burst of events (a publish writes several ConfigMaps) into one assembly. */
  private void changed() {
    if (queued.compareAndSet(false, true)) {
      burstStart = System.nanoTime();
      worker.schedule(() -> {
        long firstEvent = burstStart;
        queued.set(false);
        assemble(firstEvent);
      }, 20, TimeUnit.MILLISECONDS);
    }
  }

  private void assemble(long firstEvent) {
    long begun = System.nanoTime();
    ThreadSchedule before = ThreadSchedule.now();
    String manifestName = namespace + "/" + Names.manifest(pair);
    try {
      ConfigMap manifestMap = informer.getStore().getByKey(manifestName);
      if (manifestMap == null || manifestMap.getData() == null || manifestMap.getData().get(Names.MANIFEST_KEY) == null) {
        problem("no plan published for DirectorPair " + pair + " yet", false);
        return;
      }
      PlanCodec.Manifest manifest;
      try {
        manifest = PlanCodec.parseManifest(manifestMap.getData().get(Names.MANIFEST_KEY));
      } catch (PlanCodec.IncompletePlanException e) {
        problem("ConfigMap " + manifestName + ": " + e.getMessage() + "; " + keepsServing(), true);
        return;
      }
      String key = manifest.planHash() + " " + manifest.state();
      Map<Integer, byte[]> shards = new HashMap<>();
      for (PlanCodec.ShardRef ref : manifest.shards()) {
        ConfigMap cm = informer.getStore().getByKey(shardName(ref.index()));
        String b64 = cm == null || cm.getBinaryData() == null ? null : cm.getBinaryData().get(Names.SHARD_KEY);
        String version = cm == null ? null : cm.getMetadata().getResourceVersion();
        Base64Shard last = base64Shards.get(ref.index());
        if (b64 != null && version != null && last != null && version.equals(last.resourceVersion())) {
          shards.put(ref.index(), last.bytes()); // the same array: the decoder's byte comparison is then free
        } else if (b64 != null) {
          try {
            byte[] bytes = Base64.getDecoder().decode(b64);
            base64Decoded++;
            base64Shards.put(ref.index(), new Base64Shard(version, bytes));
            shards.put(ref.index(), bytes);
          } catch (IllegalArgumentException e) {
            problem("ConfigMap " + shardName(ref.index()) + ": not base64 (" + e.getMessage() + "); "
                + keepsServing(), true);
            return;
          }
        }
      }
      base64Shards.keySet().retainAll(shards.keySet());
      // Assembled also when this plan is the one already handed on: a part edited by hand under an unchanged
      // manifest is found (and reported) now rather than at the next restart, which would find no plan. A shard
      // whose bytes are the ones last decoded costs a byte comparison.
      DirectorPlan plan;
      try {
        plan = decoder.assemble(manifest, shards::get);
      } catch (PlanCodec.IncompletePlanException e) {
        String object = e.shard() < 0 ? manifestName : shardName(e.shard());
        problem("ConfigMap " + object + ": " + e.getMessage() + "; " + keepsServing(), true);
        return;
      }
      clearProblem();
      if (key.equals(offered)) {
        return;
      }
      offered = key;
      offeredHash = manifest.planHash();
      boolean deleting = PlanCodec.Manifest.DELETING.equals(manifest.state());
      long now = System.nanoTime();
      Logs.pair(LOG.atInfo(), pair).log("plan {} of DirectorPair {}: {} services, {} destinations{} (read in {} ms, "
          + "{} ms after the first event{})", manifest.planHash(), pair, plan.services().size(),
          plan.destinationCount(), deleting ? ", pair is being deleted" : "", (now - begun) / 1_000_000,
          (now - firstEvent) / 1_000_000, ThreadSchedule.since(before));
      sink.accept(new Director.Target(plan, manifest.planHash(), deleting));
    } catch (RuntimeException e) {
      problem("cannot read the plan of DirectorPair " + pair + ": " + e + "; " + keepsServing(), true);
    }
  }

  /** Shard ConfigMaps decoded from base64 so far: once per version of each. */
  long base64Decoded() {
    return base64Decoded;
  }

  /** Shards decoded so far: only those whose bytes changed. */
  long shardsDecoded() {
    return decoder.decoded();
  }

  private String shardName(int index) {
    return namespace + "/" + Names.shard(pair, index);
  }

  private String keepsServing() {
    return offeredHash == null ? "no plan yet" : "the last good plan " + offeredHash + " keeps serving";
  }

  /**
   * Each distinct problem logged once, not once per event. A damaged plan (reported) is also published in the
   * agent's report once it has lasted {@link #PROBLEM_GRACE_MILLIS}: a publish in flight (shards written, the
   * manifest not yet) looks the same for a few milliseconds and must not flap the DirectorPair's condition.
   */
  private void problem(String message, boolean reported) {
    if (!message.equals(lastProblem)) {
      lastProblem = message;
      if (!reported) {
        Logs.pair(LOG.atInfo(), pair).log(message);
        return;
      }
      // A publish in flight reads as damaged for milliseconds (the manifest and a shard are two ConfigMaps, seen
      // one after the other): a warning only once it outlasts the grace, as the report does.
      Logs.pair(LOG.atDebug(), pair).log(message);
      worker.schedule(() -> {
        if (message.equals(lastProblem) && !message.equals(damage)) {
          Logs.pair(LOG.atWarn(), pair).log(message);
          damage = message;
          problemListener.run();
        }
      }, PROBLEM_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  private void clearProblem() {
    lastProblem = null;
    if (damage != null) {
      Logs.pair(LOG.atInfo(), pair).log("the published plan of DirectorPair {} reads well again", pair);
      damage = null;
      problemListener.run();
    }
  }

  /** What is wrong with the published plan, naming the ConfigMap; null when it reads well (for the report). */
  public String damage() {
    return damage;
  }

  /** Called (on this source's thread) when the API server answers again after an outage. */
  public void onReachableAgain(Runnable listener) {
    this.reachableAgain = listener;
  }

  /** Called (on this source's thread) when {@link #damage()} changed. */
  public void onDamage(Runnable listener) {
    this.problemListener = listener;
  }

  private void watchConnection() {
    switch (outage.observe(informer.isWatching(), System.currentTimeMillis())) {
      case REACHABLE_AGAIN -> {
        Logs.pair(LOG.atInfo(), pair).log("API server reachable again: following plan updates");
        changed();
        reachableAgain.run();
      }
      case UNREACHABLE ->
          Logs.pair(LOG.atWarn(), pair).log("API server unreachable: the last good plan keeps serving; retrying");
      case UNREACHABLE_SINCE_START -> Logs.pair(LOG.atWarn(), pair)
          .log("API server unreachable since this agent started: no plan from it yet (the kernel's table is left "
              + "as it is); retrying");
      case NONE -> { }
    }
  }

  @Override
  public void close() {
    if (informer != null) {
      informer.close();
    }
    worker.shutdownNow();
  }
}
