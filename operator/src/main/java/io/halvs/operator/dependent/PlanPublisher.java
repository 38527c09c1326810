package io.halvs.operator.dependent;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.operator.metrics.OperatorMetrics;
import io.halvs.plan.publish.Names;
import io.halvs.plan.publish.PlanCodec;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a pair's published plan as ConfigMaps, in an order that never shows an agent a manifest pointing at
 * content that is not there yet: changed shards first, then the manifest, then shards no longer referenced are
 * deleted. Unchanged shards are not rewritten (their content hash is their label).
 */
public final class PlanPublisher {
  static final String HASH_LABEL = "halvs.io/content-hash";
  /** Test-only fault injection: a system property that makes the publisher halt the JVM after the shards. */
  static final String FAULT_EXIT_AFTER_SHARDS = "halvs.fault.exitAfterShards";
  private static final Logger LOG = LoggerFactory.getLogger(PlanPublisher.class);

  private final KubernetesClient client;
  private final String namespace;
  private final OperatorMetrics metrics;

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
    int writes = 0;
    Map<String, ConfigMap> live = client.configMaps().inNamespace(namespace)
        .withLabel(Names.PAIR_LABEL, pair).withLabel(Names.PART_LABEL, Names.PART_SHARD).list().getItems()
        .stream().collect(Collectors.toMap(cm -> cm.getMetadata().getName(), cm -> cm));
    int shardWrites = 0;
    for (PlanCodec.Shard shard : published.shards()) {
      String name = Names.shard(pair, shard.index());
      ConfigMap existing = live.get(name);
      String content = Base64.getEncoder().encodeToString(shard.gzipJson());
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
      ConfigMap cm = base(dp, name, Names.PART_SHARD);
      cm.getMetadata().getLabels().put(HASH_LABEL, shard.hash());
      cm.setBinaryData(Map.of(Names.SHARD_KEY, content));
      client.resource(cm).createOr(op -> op.update());
      writes++;
      shardWrites++;
    }
    if (shardWrites > 0 && Boolean.getBoolean(FAULT_EXIT_AFTER_SHARDS)) {
      // Fault injection (e2e/faults): the operator dies between the shards and the manifest.
      LOG.warn("{}: halting after {} shard writes, before the manifest", FAULT_EXIT_AFTER_SHARDS, shardWrites);
      Runtime.getRuntime().halt(137);
    }
    String manifestJson = PlanCodec.manifestJson(published.manifest());
    ConfigMap manifest = client.configMaps().inNamespace(namespace).withName(Names.manifest(pair)).get();
    if (manifest == null || manifest.getData() == null || !manifestJson.equals(manifest.getData().get(Names.MANIFEST_KEY))) {
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
