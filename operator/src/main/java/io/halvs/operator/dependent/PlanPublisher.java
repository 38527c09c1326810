package io.halvs.operator.dependent;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.operator.metrics.OperatorMetrics;
import io.halvs.plan.publish.Names;
import io.halvs.plan.publish.PlanCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a pair's published plan as ConfigMaps: the changed shards and the manifest side by side, then shards no
 * longer referenced are deleted. An agent takes a plan only when every shard matches its manifest's hash for it
 * (PlanSource), so a publish half seen, in either order, is skipped and the last good plan keeps serving; written
 * one after the other, an edit's shard and manifest cost two of the API server's write latencies before any agent
 * could take the plan, in parallel one. A ConfigMap it wrote or read is replaced by one PUT at that
 * resourceVersion, not a create that conflicts and then a read and a PUT. Unchanged shards are not rewritten
 * (their content hash is their label), and are not read back after each publish: what it wrote stands for what is
 * there for {@link #REREAD}.
 */
public final class PlanPublisher {
  static final String HASH_LABEL = "halvs.io/content-hash";
  /**
   * Test-only fault injection: system properties that make the publisher write only the shards, or only the
   * manifest, of a publish and halt the JVM: a publisher dying half-way, the two tears its parallel writes allow.
   */
  static final String FAULT_EXIT_AFTER_SHARDS = "halvs.fault.exitAfterShards";
  static final String FAULT_EXIT_AFTER_MANIFEST = "halvs.fault.exitAfterManifest";
  /** Writes in flight beside each publishing thread's own, over every pair: a cold start's 128 shards go 5 at a time. */
  static final int PARALLEL_WRITES = 4;
  private static final Logger LOG = LoggerFactory.getLogger(PlanPublisher.class);

  /**
   * How long what this publisher wrote stands for what is there, without reading the shards back: at 100,000
   * destinations the list of a pair's shards is megabytes on every publish. After this (or after any failure, or
   * a change it did not write: {@link #observed}) it reads them again, so a ConfigMap changed or deleted behind
   * its back is repaired.
   */
  static final Duration REREAD = Duration.ofSeconds(60);

  /**
   * For the pair of this uid: the shards' hashes by name and the manifest as written, the resourceVersion of each
   * plan ConfigMap as written or read (by name), and when they were last read.
   */
  private record Written(String uid, Map<String, String> shardHashes, String manifestJson,
      Map<String, String> versions, long readAtNanos, boolean trusted) {
    Written distrusted() {
      return new Written(uid, shardHashes, manifestJson, versions, readAtNanos, false);
    }
  }

  private final KubernetesClient client;
  private final String namespace;
  private final OperatorMetrics metrics;
  private final Map<String, Written> written = new ConcurrentHashMap<>();
  private final Map<String, Object> locks = new ConcurrentHashMap<>();
  /** The clock of {@link #REREAD} (tests move it on). */
  java.util.function.LongSupplier nanoTime = System::nanoTime;
  /** Publishes that listed the pair's shards from the API server (the log says which publishes did). */
  private final java.util.concurrent.atomic.AtomicLong readBacks = new java.util.concurrent.atomic.AtomicLong();
  /** Per pair being published: the plan ConfigMaps' events meanwhile (name, resourceVersion), checked at its end. */
  private final Map<String, java.util.Queue<Map.Entry<String, String>>> seenWhilePublishing = new ConcurrentHashMap<>();
  /** The writes of a publish beside the publishing thread's own; idle threads end, so nothing needs closing. */
  private final ThreadPoolExecutor writers = writers();

  /** A reader of published plans (the demo, tests): its writes, if any, are counted nowhere. */
  public PlanPublisher(KubernetesClient client, String namespace) {
    this(client, namespace, OperatorMetrics.unexported());
  }

  public PlanPublisher(KubernetesClient client, String namespace, OperatorMetrics metrics) {
    this.client = client;
    this.namespace = namespace;
    this.metrics = metrics;
  }

  /**
   * A watch event for one of a pair's plan ConfigMaps (manifest or shard). One this publisher did not write (its
   * resourceVersion is not the one it wrote or read: edited, deleted or created by hand) ends the trust in what it
   * wrote, so the next publish reads the ConfigMaps back and rewrites what does not match; returns true then, when
   * that publish is worth a reconcile. Events during a publish are checked at its end, against what it wrote.
   */
  public boolean observed(ConfigMap cm) {
    Map<String, String> labels = cm.getMetadata().getLabels();
    String pair = labels == null ? null : labels.get(Names.PAIR_LABEL);
    if (pair == null) {
      return false;
    }
    String name = cm.getMetadata().getName();
    String version = cm.getMetadata().getResourceVersion();
    var during = seenWhilePublishing.get(pair);
    if (during != null) {
      during.add(Map.entry(name, String.valueOf(version)));
    }
    // Not removed but marked: the mapper that calls this may run more than once for one event.
    Written w = written.computeIfPresent(pair, (p, now) ->
        java.util.Objects.equals(now.versions().get(name), version) ? now : now.distrusted());
    return w != null && !w.trusted();
  }

  /**
   * The pair's lock: every publish of a pair holds it, so two callers (the pair's reconcile and the prompt path
   * after a rebuild) never interleave their writes, and a caller that reads the newest plan under it never
   * publishes an older one after a newer.
   */
  public Object lock(String pair) {
    return locks.computeIfAbsent(pair, p -> new Object());
  }

  /** Whether this publisher wrote a plan for this pair (this uid) and has seen no change it did not write since. */
  public boolean trusts(String pair, String uid) {
    // Under the pair's lock: a publish in flight holds no record of what it wrote until it ends, and a prompt
    // publish that asked meanwhile was refused and left its edit to the next reconcile (fsO: the edits behind the
    // reconcile's minutely read-back, 1.2-1.6 s instead of about 0.4).
    synchronized (lock(pair)) {
      Written w = written.get(pair);
      return w != null && w.trusted() && java.util.Objects.equals(w.uid(), uid);
    }
  }

  /** Returns the number of ConfigMaps written or deleted (0 when the published plan was already current). */
  public int publish(DirectorPair dp, PlanCodec.Published published) {
    return publish(dp, published, false);
  }

  /**
   * As {@link #publish(DirectorPair, PlanCodec.Published)}, but what it wrote stands for what is there even past
   * {@link #REREAD}: an edit's plan goes out without first listing megabytes of shards back. The pair's reconcile,
   * which follows every rebuild, reads them back when that is due.
   */
  public int publishTrusting(DirectorPair dp, PlanCodec.Published published) {
    return publish(dp, published, true);
  }

  private int publish(DirectorPair dp, PlanCodec.Published published, boolean pastReread) {
    String pair = dp.getMetadata().getName();
    synchronized (lock(pair)) {
      return publishLocked(dp, published, pastReread);
    }
  }

  private int publishLocked(DirectorPair dp, PlanCodec.Published published, boolean pastReread) {
    String pair = dp.getMetadata().getName();
    seenWhilePublishing.put(pair, new java.util.concurrent.ConcurrentLinkedQueue<>());
    int writes;
    try {
      writes = publishOnce(dp, published, pastReread);
    } finally {
      var during = seenWhilePublishing.remove(pair);
      // A change it did not write came in while it wrote (its own writes' events may arrive before it knows
      // their resourceVersions): read everything back now rather than trust it for a minute.
      written.computeIfPresent(pair, (p, now) -> during.stream()
          .anyMatch(e -> !e.getValue().equals(now.versions().get(e.getKey()))) ? now.distrusted() : now);
    }
    Written now = written.get(pair);
    return now == null || now.trusted() ? writes : writes + publishOnce(dp, published, false);
  }

  private int publishOnce(DirectorPair dp, PlanCodec.Published published, boolean pastReread) {
    String pair = dp.getMetadata().getName();
    Written before = written.remove(pair); // dropped while writing: a failure re-reads what is there
    // another pair of that name (deleted and created again: the garbage collector took the old one's ConfigMaps)
    if (before != null && (!before.trusted()
        || (!pastReread && nanoTime.getAsLong() - before.readAtNanos() > REREAD.toNanos())
        || !java.util.Objects.equals(before.uid(), dp.getMetadata().getUid()))) {
      before = null;
    }
    int writes = 0;
    Map<String, ConfigMap> listed = null; // read back: the content is compared too
    Set<String> live;
    Map<String, String> versions;
    String liveManifest;
    long readAt;
    if (before != null) {
      live = before.shardHashes().keySet();
      versions = new HashMap<>(before.versions());
      liveManifest = before.manifestJson();
      readAt = before.readAtNanos();
    } else {
      readAt = nanoTime.getAsLong();
      readBacks.incrementAndGet();
      listed = client.configMaps().inNamespace(namespace)
          .withLabel(Names.PAIR_LABEL, pair).withLabel(Names.PART_LABEL, Names.PART_SHARD).list().getItems()
          .stream().collect(Collectors.toMap(cm -> cm.getMetadata().getName(), cm -> cm));
      live = listed.keySet();
      versions = new HashMap<>();
      listed.forEach((name, cm) -> versions.put(name, cm.getMetadata().getResourceVersion()));
      ConfigMap manifest = client.configMaps().inNamespace(namespace).withName(Names.manifest(pair)).get();
      liveManifest = manifest == null || manifest.getData() == null ? null
          : manifest.getData().get(Names.MANIFEST_KEY);
      if (manifest != null) {
        versions.put(manifest.getMetadata().getName(), manifest.getMetadata().getResourceVersion());
      }
    }
    List<ConfigMap> shardMaps = new ArrayList<>();
    for (PlanCodec.Shard shard : published.shards()) {
      String name = Names.shard(pair, shard.index());
      String content = null;
      if (listed == null) {
        if (shard.hash().equals(before.shardHashes().get(name))) {
          continue;
        }
      } else {
        ConfigMap existing = listed.get(name);
        content = Base64.getEncoder().encodeToString(shard.gzipJson());
        boolean labelled = existing != null && shard.hash().equals(existing.getMetadata().getLabels().get(HASH_LABEL));
        // The content too, not only its label: a shard edited by hand keeps its label and would otherwise stay
        // damaged (and every agent on its last good plan) until the plan changes.
        if (labelled && existing.getBinaryData() != null && content.equals(existing.getBinaryData().get(Names.SHARD_KEY))) {
          continue;
        }
        if (labelled) {
          LOG.warn("DirectorPair {}: ConfigMap {}/{} does not hold what its hash label says (edited by hand?): "
              + "rewriting it", pair, namespace, name);
        }
      }
      ConfigMap cm = base(dp, name, Names.PART_SHARD);
      cm.getMetadata().getLabels().put(HASH_LABEL, shard.hash());
      cm.setBinaryData(Map.of(Names.SHARD_KEY, content != null ? content
          : Base64.getEncoder().encodeToString(shard.gzipJson())));
      shardMaps.add(cm);
    }
    String manifestJson = PlanCodec.manifestJson(published.manifest());
    ConfigMap manifestMap = null;
    if (!manifestJson.equals(liveManifest)) {
      manifestMap = base(dp, Names.manifest(pair), Names.PART_MANIFEST);
      manifestMap.setData(Map.of(Names.MANIFEST_KEY, manifestJson));
    }
    // Fault injection (e2e/faults): the operator dies with half of a publish written, the shards or the manifest.
    boolean tearAfterShards = Boolean.getBoolean(FAULT_EXIT_AFTER_SHARDS) && !shardMaps.isEmpty();
    boolean tearAfterManifest = Boolean.getBoolean(FAULT_EXIT_AFTER_MANIFEST) && !shardMaps.isEmpty()
        && manifestMap != null;
    List<ConfigMap> writing = new ArrayList<>();
    if (!tearAfterManifest) {
      writing.addAll(shardMaps);
    }
    if (manifestMap != null && !tearAfterShards) {
      writing.add(manifestMap);
    }
    versions.putAll(writeAll(writing, versions));
    writes += writing.size();
    if (tearAfterShards || tearAfterManifest) {
      LOG.warn(tearAfterShards ? "halting after {} shard writes, before the manifest"
          : "halting after the manifest, before its {} shard writes", shardMaps.size());
      Runtime.getRuntime().halt(137);
    }
    Set<String> wanted = published.shards().stream().map(s -> Names.shard(pair, s.index())).collect(Collectors.toSet());
    for (String name : live) {
      if (!wanted.contains(name)) {
        client.configMaps().inNamespace(namespace).withName(name).delete();
        versions.remove(name);
        writes++;
      }
    }
    Map<String, String> now = new HashMap<>();
    published.shards().forEach(shard -> now.put(Names.shard(pair, shard.index()), shard.hash()));
    written.put(pair, new Written(dp.getMetadata().getUid(), Map.copyOf(now), manifestJson, Map.copyOf(versions),
        readAt, true));
    metrics.planConfigMapsWritten(pair, writes);
    return writes;
  }

  /** How many publishes so far listed the shards back from the API server rather than trust what they wrote. */
  public long readBacks() {
    return readBacks.get();
  }

  /** The manifest and shards as the agents would read them back: proves the round trip in the demo and tests. */
  public PlanCodec.Manifest readManifest(String pair) {
    ConfigMap cm = client.configMaps().inNamespace(namespace).withName(Names.manifest(pair)).get();
    return cm == null ? null : PlanCodec.parseManifest(cm.getData().get(Names.MANIFEST_KEY));
  }

  public Map<Integer, byte[]> readShards(String pair) {
    Map<Integer, byte[]> out = new HashMap<>();
    List<ConfigMap> shards = client.configMaps().inNamespace(namespace).withLabel(Names.PAIR_LABEL, pair)
        .withLabel(Names.PART_LABEL, Names.PART_SHARD).list().getItems();
    String prefix = Names.shard(pair, 0).substring(0, Names.shard(pair, 0).length() - 1);
    for (ConfigMap cm : shards) {
      String name = cm.getMetadata().getName();
      out.put(Integer.parseInt(name.substring(prefix.length())),
          Base64.getDecoder().decode(cm.getBinaryData().get(Names.SHARD_KEY)));
    }
    return out;
  }

  /**
   * Writes these ConfigMaps in parallel and returns each one's new resourceVersion by name; throws the first
   * failure once every write has ended, so no write of this publish is still in flight when the next one starts.
   */
  private Map<String, String> writeAll(List<ConfigMap> maps, Map<String, String> known) {
    if (maps.isEmpty()) {
      return Map.of();
    }
    List<java.util.concurrent.Future<String>> others = new ArrayList<>();
    for (ConfigMap cm : maps.subList(1, maps.size())) {
      String version = known.get(cm.getMetadata().getName());
      others.add(writers.submit(() -> write(cm, version)));
    }
    Map<String, String> out = new HashMap<>();
    RuntimeException failure = null;
    try {
      String first = maps.get(0).getMetadata().getName();
      out.put(first, write(maps.get(0), known.get(first)));
    } catch (RuntimeException e) {
      failure = e;
    }
    boolean interrupted = false;
    for (int i = 0; i < others.size(); i++) {
      while (true) {
        try {
          out.put(maps.get(i + 1).getMetadata().getName(), others.get(i).get());
          break;
        } catch (InterruptedException e) {
          interrupted = true; // wait on: a write still in flight must not overtake the next publish's
        } catch (java.util.concurrent.ExecutionException e) {
          RuntimeException cause = e.getCause() instanceof RuntimeException r ? r
              : new IllegalStateException(e.getCause());
          if (failure == null) {
            failure = cause;
          } else {
            failure.addSuppressed(cause);
          }
          break;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (failure != null) {
      throw failure;
    }
    return out;
  }

  /**
   * One ConfigMap: a PUT at the resourceVersion it last wrote or read (one request), else, or when that is no
   * longer current (changed or deleted behind its back: 409, 404), create or replace what is there.
   */
  private String write(ConfigMap cm, String version) {
    if (version != null) {
      cm.getMetadata().setResourceVersion(version);
      try {
        return client.resource(cm).update().getMetadata().getResourceVersion();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 && e.getCode() != 404) {
          throw e;
        }
        cm.getMetadata().setResourceVersion(null);
      }
    }
    return client.resource(cm).createOr(op -> op.update()).getMetadata().getResourceVersion();
  }

  private static ThreadPoolExecutor writers() {
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor pool = new ThreadPoolExecutor(PARALLEL_WRITES, PARALLEL_WRITES, 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "plan-writer-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  private ConfigMap base(DirectorPair dp, String name, String part) {
    ConfigMap cm = new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(namespace)
        .withLabels(new HashMap<>(AgentResources.labels(dp.getMetadata().getName())))
        .withOwnerReferences(AgentResources.owner(dp)).endMetadata().build();
    cm.getMetadata().getLabels().put(Names.PART_LABEL, part);
    return cm;
  }
}
