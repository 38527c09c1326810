package io.halvs.agent.cli;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpAddress;
import io.halvs.plan.IpvsService;
import io.halvs.plan.publish.Names;
import io.halvs.plan.publish.PlanCodec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Publishes a synthetic plan of services x destinations for DirectorPair "lvs" as the operator publishes one
 * (manifest and shard ConfigMaps), with what the pair's election reads (the two Nodes with InternalIPs on
 * loopback, the HMAC Secret), so an in-cluster agent can be measured at full size without the operator
 * (e2e/bench/agent-memory.sh). KUBECONFIG names the API server. A benchmark tool, not a test.
 *
 * <p>Usage: PlanLoader NAMESPACE SERVICES DESTINATIONS_PER_SERVICE HEARTBEAT_PORT
 */
public final class PlanLoader {
  public static void main(String[] args) {
    if (args.length != 4) {
      System.err.println("usage: PlanLoader NAMESPACE SERVICES DESTINATIONS_PER_SERVICE HEARTBEAT_PORT");
      System.exit(2);
    }
    String namespace = args[0];
    Bench bench = new Bench();
    bench.services = Integer.parseInt(args[1]);
    bench.destinations = Integer.parseInt(args[2]);
    List<IpvsService> services = bench.plan();
    List<IpAddress> vips = new ArrayList<>();
    services.forEach(s -> vips.add(s.vip()));
    String pair = "lvs";
    DirectorPlan plan = new DirectorPlan(pair, List.of("lvs-01", "lvs-02"), "eth0", vips, null, new TreeMap<>(),
        null, new DirectorPlan.HaPlan(50, 3, false, 0, Integer.parseInt(args[3]), null, null), services);
    PlanCodec.Published published = PlanCodec.split(plan, "Active");
    try (KubernetesClient client = new KubernetesClientBuilder().build()) {
      client.resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
          .createOr(op -> op.update());
      for (int i = 1; i <= 2; i++) {
        client.resource(new NodeBuilder().withNewMetadata().withName("lvs-0" + i).endMetadata().build())
            .createOr(op -> op.update());
        client.nodes().withName("lvs-0" + i).editStatus(n -> new NodeBuilder(n).editOrNewStatus()
            .withAddresses(new io.fabric8.kubernetes.api.model.NodeAddress("127.0.0." + (1 + n.getMetadata()
                .getName().charAt(5) - '0'), "InternalIP")).endStatus().build());
      }
      client.resource(new SecretBuilder().withNewMetadata().withName(Names.hmacSecret(pair))
          .withNamespace(namespace).endMetadata()
          .withData(Map.of(Names.HMAC_KEY, Base64.getEncoder().encodeToString("agent-memory bench key".getBytes())))
          .build()).createOr(op -> op.update());
      long bytes = 0;
      for (PlanCodec.Shard shard : published.shards()) {
        String content = Base64.getEncoder().encodeToString(shard.gzipJson());
        bytes += content.length();
        client.resource(new ConfigMapBuilder().withNewMetadata().withName(Names.shard(pair, shard.index()))
            .withNamespace(namespace).addToLabels(Names.PAIR_LABEL, pair)
            .addToLabels(Names.PART_LABEL, Names.PART_SHARD).endMetadata()
            .withBinaryData(Map.of(Names.SHARD_KEY, content)).build()).createOr(op -> op.update());
      }
      client.resource(new ConfigMapBuilder().withNewMetadata().withName(Names.manifest(pair))
          .withNamespace(namespace).addToLabels(Names.PAIR_LABEL, pair)
          .addToLabels(Names.PART_LABEL, Names.PART_MANIFEST).endMetadata()
          .withData(Map.of(Names.MANIFEST_KEY, PlanCodec.manifestJson(published.manifest()))).build())
          .createOr(op -> op.update());
      System.out.printf("published plan %s: %d services, %d destinations, %d shards, %d KiB (base64)%n",
          published.manifest().planHash(), services.size(), plan.destinationCount(), published.shards().size(),
          bytes / 1024);
    }
  }
}
