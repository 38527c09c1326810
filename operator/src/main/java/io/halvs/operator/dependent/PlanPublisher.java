package io.halvs.operator.dependent;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.operator.metrics.OperatorMetrics;
import io.halvs.plan.publish.Names;
import io.halvs.plan.publish.PlanCodec;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Writes a pair's published plan as ConfigMaps, in an order that never shows an agent a manifest pointing at
 * content that is not there yet: changed shards first, then the manifest, then shards no longer referenced are
 * deleted. Unchanged shards are not rewritten (their content hash is their label), and are not read back after
 * each publish: what it wrote stands for what is there for {@link #REREAD}.
 */
public final class PlanPublisher {
  static final String HASH_LABEL = "halvs.io/content-hash";

  /**
   * How long what this publisher wrote stands for what is there, without reading the shards back: at 100,000
   * destinations the list of a pair's shards is megabytes on every publish. After this (or after any failure)
   * it reads them again, so a ConfigMap changed or deleted behind its back is repaired within this time.
   */
  static final Duration REREAD = Duration.ofSeconds(60);

  /** For the pair of this uid: the shards' hashes by name and the manifest as written, and when last read. */
  private record Written(String uid, Map<String, String> shardHashes, String manifestJson, long readAtNanos) {}

  private final KubernetesClient client;
  private final String namespace;
  private final OperatorMetrics metrics;
  private final Map<String, Written> written = new ConcurrentHashMap<>();

  /** A reader of published plans (the demo, tests): its writes, if any, are counted nowhere. */
  public PlanPublisher(KubernetesClient client, String namespace) {
    this(client, namespace, OperatorMetrics.unexported());
  }

  public PlanPublisher(KubernetesClient client, String namespace, OperatorMetrics metrics) {
    this.client = client;
    this.namespace = namespace;
    this.metrics = metrics;
  }

  /** Returns the number of ConfigMaps written or deleted (0 when the published plan was already current). */
  public int publish(DirectorPair dp, PlanCodec.Published published) {
    String pair = dp.getMetadata().getName();
    Written before = written.remove(pair); // dropped while writing: a failure re-reads what is there
    // another pair of that name (deleted and created again: the garbage collector took the old one's ConfigMaps)
    if (before != null && (System.nanoTime() - before.readAtNanos() > REREAD.toNanos()
        || !java.util.Objects.equals(before.uid(), dp.getMetadata().getUid()))) {
      before = null;
    }
    int writes = 0;
    Map<String, String> live;
    String liveManifest;
    long readAt;
    if (before != null) {
      live = before.shardHashes();
      liveManifest = before.manifestJson();
      readAt = before.readAtNanos();
    } else {
      readAt = System.nanoTime();
      live = client.configMaps().inNamespace(namespace)
          .withLabel(Names.PAIR_LABEL, pair).withLabel(Names.PART_LABEL, Names.PART_SHARD).list().getItems()
          .stream().collect(Collectors.toMap(cm -> cm.getMetadata().getName(),
              cm -> String.valueOf(cm.getMetadata().getLabels().get(HASH_LABEL))));
      ConfigMap manifest = client.configMaps().inNamespace(namespace).withName(Names.manifest(pair)).get();
      liveManifest = manifest == null || manifest.getData() == null ? null
          : manifest.getData().get(Names.MANIFEST_KEY);
    }
    for (PlanCodec.Shard shard : published.shards()) {
      String name = Names.shard(pair, shard.index());
      if (shard.hash().equals(live.get(name))) {
        continue;
      }
      ConfigMap cm = base(dp, name, Names.PART_SHARD);
      cm.getMetadata().getLabels().put(HASH_LABEL, shard.hash());
      cm.setBinaryData(Map.of(Names.SHARD_KEY, Base64.getEncoder().encodeToString(shard.gzipJson())));
      client.resource(cm).createOr(op -> op.update());
      writes++;
    }
    String manifestJson = PlanCodec.manifestJson(published.manifest());
    if (!manifestJson.equals(liveManifest)) {
      ConfigMap cm = base(dp, Names.manifest(pair), Names.PART_MANIFEST);
      cm.setData(Map.of(Names.MANIFEST_KEY, manifestJson));
      client.resource(cm).createOr(op -> op.update());
      writes++;
    }
    Set<String> wanted = published.shards().stream().map(s -> Names.shard(pair, s.index())).collect(Collectors.toSet());
    for (String name : live.keySet()) {
      if (!wanted.contains(name)) {
        client.configMaps().inNamespace(namespace).withName(name).delete();
        writes++;
      }
    }
    Map<String, String> now = new HashMap<>();
    published.shards().forEach(shard -> now.put(Names.shard(pair, shard.index()), shard.hash()));
    written.put(pair, new Written(dp.getMetadata().getUid(), Map.copyOf(now), manifestJson, readAt));
    metrics.planConfigMapsWritten(pair, writes);
    return writes;
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

  private ConfigMap base(DirectorPair dp, String name, String part) {
    ConfigMap cm = new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(namespace)
        .withLabels(new HashMap<>(AgentResources.labels(dp.getMetadata().getName())))
        .withOwnerReferences(AgentResources.owner(dp)).endMetadata().build();
    cm.getMetadata().getLabels().put(Names.PART_LABEL, part);
    return cm;
  }
}
