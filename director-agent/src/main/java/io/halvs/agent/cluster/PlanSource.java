package io.halvs.agent.cluster;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.halvs.agent.Logs;
import io.halvs.agent.runtime.Director;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.publish.Names;
import io.halvs.plan.publish.PlanCodec;
import java.util.Base64;
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
 * again. A plan goes to the director only when its hash or state changed. Only the shards whose hash changed
 * are decoded; the others are kept from the last plan.
 *
 * <p>The informer retries forever while the API server is away; the data plane does not notice. One line says
 * the API server is unreachable, one that it is back.
 */
public final class PlanSource implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PlanSource.class);
  /** A watch that is down for longer than this is an outage worth a line, not a routine reconnect. */
  private static final long OUTAGE_MILLIS = 3000;

  private final KubernetesClient client;
  private final String namespace;
  private final String pair;
  private final Consumer<Director.Target> sink;
  private final ScheduledExecutorService worker;
  private final AtomicBoolean queued = new AtomicBoolean();
  private SharedIndexInformer<ConfigMap> informer;
  private final PlanCodec.Decoder decoder = new PlanCodec.Decoder(); // worker thread only
  private String offered; // hash + state of the last plan handed on; worker thread only
  private String lastProblem; // worker thread only
  private long notWatchingSince; // worker thread only
  private boolean unreachable; // worker thread only

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
        changed();
      }

      @Override
      public void onUpdate(ConfigMap before, ConfigMap after) {
        changed();
      }

      @Override
      public void onDelete(ConfigMap cm, boolean unknownFinalState) {
        changed();
      }
    });
    informer.start();
    worker.scheduleWithFixedDelay(this::watchConnection, 1, 1, TimeUnit.SECONDS);
    Logs.pair(LOG.atInfo(), pair).log("following the plan of DirectorPair {} in namespace {}", pair, namespace);
  }

  /** Coalesces a burst of events (a publish writes several ConfigMaps) into one assembly. */
  private void changed() {
    if (queued.compareAndSet(false, true)) {
      worker.schedule(() -> {
        queued.set(false);
        assemble();
      }, 20, TimeUnit.MILLISECONDS);
    }
  }

  private void assemble() {
    try {
      ConfigMap manifestMap = informer.getStore().getByKey(namespace + "/" + Names.manifest(pair));
      if (manifestMap == null || manifestMap.getData() == null || manifestMap.getData().get(Names.MANIFEST_KEY) == null) {
        problem("no plan published for DirectorPair " + pair + " yet");
        return;
      }
      PlanCodec.Manifest manifest = PlanCodec.parseManifest(manifestMap.getData().get(Names.MANIFEST_KEY));
      String key = manifest.planHash() + " " + manifest.state();
      if (key.equals(offered)) {
        return;
      }
      DirectorPlan plan = decoder.assemble(manifest, this::shard);
      offered = key;
      lastProblem = null;
      boolean deleting = PlanCodec.Manifest.DELETING.equals(manifest.state());
      Logs.pair(LOG.atInfo(), pair).log("plan {} of DirectorPair {}: {} services, {} destinations{}",
          manifest.planHash(), pair,
          plan.services().size(), plan.destinationCount(), deleting ? ", pair is being deleted" : "");
      sink.accept(new Director.Target(plan, manifest.planHash(), deleting));
    } catch (PlanCodec.IncompletePlanException e) {
      problem(e.getMessage() + "; the last good plan keeps serving");
    } catch (RuntimeException e) {
      problem("cannot read the plan of DirectorPair " + pair + ": " + e + "; the last good plan keeps serving");
    }
  }

  /** A shard's compressed bytes from the informer's cache, or null while it is not there. */
  private byte[] shard(int index) {
    ConfigMap cm = informer.getStore().getByKey(namespace + "/" + Names.shard(pair, index));
    String b64 = cm == null || cm.getBinaryData() == null ? null : cm.getBinaryData().get(Names.SHARD_KEY);
    return b64 == null ? null : Base64.getDecoder().decode(b64);
  }

  /** Shards decoded so far: only those whose hash in the manifest changed. */
  long shardsDecoded() {
    return decoder.decoded();
  }

  /** Each distinct problem once, not once per event. */
  private void problem(String message) {
    if (!message.equals(lastProblem)) {
      Logs.pair(LOG.atInfo(), pair).log(message);
      lastProblem = message;
    }
  }

  private void watchConnection() {
    boolean watching = informer.isWatching();
    long now = System.currentTimeMillis();
    if (watching) {
      notWatchingSince = 0;
      if (unreachable) {
        unreachable = false;
        Logs.pair(LOG.atInfo(), pair).log("API server reachable again: following plan updates");
        changed();
      }
    } else if (notWatchingSince == 0) {
      notWatchingSince = now;
    } else if (!unreachable && now - notWatchingSince > OUTAGE_MILLIS) {
      unreachable = true;
      Logs.pair(LOG.atWarn(), pair).log("API server unreachable: the last good plan keeps serving; retrying");
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
