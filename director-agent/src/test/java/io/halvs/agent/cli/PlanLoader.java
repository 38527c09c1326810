package io.halvs.agent.cli;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.halvs.api.v1alpha1.ForwardingMethod;
import io.halvs.plan.Destination;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpAddress;
import io.halvs.plan.IpvsService;
import io.halvs.plan.ObjectRef;
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
 * <p>Usage: PlanLoader NAMESPACE SERVICES DESTINATIONS_PER_SERVICE HEARTBEAT_PORT [STEPS PERIOD_MS CHANGES]
 *
 * <p>With STEPS: then a stream of STEPS plans, one every PERIOD_MS, each adding a destination to CHANGES services
 * spread over the table, published as the operator publishes (the changed shards, then the manifest): what an
 * agent receives while a large apply streams in (at full size the operator published every 0.6 s, 3 shards each).
 */
public final class PlanLoader {
  public static void main(String[] args) {
    if (args.length != 4 && args.length != 7) {
      System.err.println("usage: PlanLoader NAMESPACE SERVICES DESTINATIONS_PER_SERVICE HEARTBEAT_PORT "
          + "[STEPS PERIOD_MS CHANGES]");
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
    DirectorPlan.HaPlan ha = new DirectorPlan.HaPlan(50, 3, false, 0, Integer.parseInt(args[3]), null, null);
    DirectorPlan plan = new DirectorPlan(pair, List.of("lvs-01", "lvs-02"), "eth0", vips, null, new TreeMap<>(),
        null, ha, services);
    PlanCodec.Published published = PlanCodec.split(plan, "Active");
    try (KubernetesClient client = new KubernetesClientBuilder().build()) {
      if (args.length == 7) {
        stream(client, namespace, pair, ha, vips, services, published, Integer.parseInt(args[4]),
            Long.parseLong(args[5]), Integer.parseInt(args[6]), bench.destinations);
        return;
      }
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
        bytes += writeShard(client, namespace, pair, shard);
      }
      writeManifest(client, namespace, pair, published);
      System.out.printf("published plan %s: %d services, %d destinations, %d shards, %d KiB (base64)%n",
          published.manifest().planHash(), services.size(), plan.destinationCount(), published.shards().size(),
          bytes / 1024);
    }
  }

  private static void stream(KubernetesClient client, String namespace, String pair, DirectorPlan.HaPlan ha,
      List<IpAddress> vips, List<IpvsService> services, PlanCodec.Published first, int steps, long periodMs,
      int changes, int perService) {
    Map<Integer, String> hashes = new java.util.HashMap<>();
    first.shards().forEach(sh -> hashes.put(sh.index(), sh.hash()));
    int n = services.size();
    int added = 0;
    long shardsWritten = 0;
    long start = System.nanoTime();
    for (int step = 0; step < steps; step++) {
      for (int c = 0; c < changes; c++) {
        int i = (int) ((step * 37L + c * (long) (n / Math.max(1, changes) + 1)) % n);
        IpvsService s = services.get(i);
        List<Destination> ds = new ArrayList<>(s.destinations());
        int m = n * perService + added++; // past the synthetic table's addresses
        ds.add(new Destination(Bench.ipv4(172, 16 + m / 65536, m / 256 % 256, m % 256), 80, ForwardingMethod.MASQ,
            100, 0, 0, null, 0, null, new ObjectRef("RealServer", "bench", "more-" + m)));
        services.set(i, new IpvsService(s.key(), s.vip(), s.scheduler(), s.flags(), s.timeoutSeconds(), s.netmask(),
            ds, null, s.healthCheck(), s.owner()));
      }
      PlanCodec.Published published = PlanCodec.split(new DirectorPlan(pair, List.of("lvs-01", "lvs-02"), "eth0",
          vips, null, new TreeMap<>(), null, ha, services), "Active");
      for (PlanCodec.Shard shard : published.shards()) {
        if (!shard.hash().equals(hashes.put(shard.index(), shard.hash()))) {
          writeShard(client, namespace, pair, shard);
          shardsWritten++;
        }
      }
      writeManifest(client, namespace, pair, published);
      // when the plan was out, to set beside the agent's "plan H of DirectorPair" line (both this machine's clock)
      System.out.printf("published plan %s at %s%n", published.manifest().planHash(), java.time.Instant.now());
      long next = start + (step + 1) * periodMs * 1_000_000L;
      long sleep = (next - System.nanoTime()) / 1_000_000L;
      if (sleep > 0) {
        try {
          Thread.sleep(sleep);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
    System.out.printf("streamed %d plans in %.1f s (every %d ms, %d services changed each): %d shards written%n",
        steps, (System.nanoTime() - start) / 1e9, periodMs, changes, shardsWritten);
  }

  /** Writes the shard's ConfigMap; returns its content's length (base64). */
  private static int writeShard(KubernetesClient client, String namespace, String pair, PlanCodec.Shard shard) {
    String content = Base64.getEncoder().encodeToString(shard.gzipJson());
    client.resource(new ConfigMapBuilder().withNewMetadata().withName(Names.shard(pair, shard.index()))
        .withNamespace(namespace).addToLabels(Names.PAIR_LABEL, pair)
        .addToLabels(Names.PART_LABEL, Names.PART_SHARD).endMetadata()
        .withBinaryData(Map.of(Names.SHARD_KEY, content)).build()).createOr(op -> op.update());
    return content.length();
  }

  private static void writeManifest(KubernetesClient client, String namespace, String pair,
      PlanCodec.Published published) {
    client.resource(new ConfigMapBuilder().withNewMetadata().withName(Names.manifest(pair))
        .withNamespace(namespace).addToLabels(Names.PAIR_LABEL, pair)
        .addToLabels(Names.PART_LABEL, Names.PART_MANIFEST).endMetadata()
        .withData(Map.of(Names.MANIFEST_KEY, PlanCodec.manifestJson(published.manifest()))).build())
        .createOr(op -> op.update());
  }
}
