package io.halvs.plan.publish;

import io.halvs.plan.Destination;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpvsService;
import io.halvs.plan.PlanBenchmark;
import io.halvs.plan.PlanBuilder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Prints what one weight edit costs the plan's two ends at full size (1,000 VirtualServices x 100 RealServers):
 * the operator's encode of the changed shard and an agent's assembly of the new plan from its manifest and
 * shards, side by side for shards of 5,000 and 1,250 destinations, each with the manifest checked by the hash of
 * the compressed bytes and (as from an older operator) by the hash of the JSON; the assembly's time on a CPU
 * beside its wall time (this thread's, from the JVM: it moves less with the machine's load). Run it as the agent
 * runs, C1 only:
 * ./mvnw -q -pl crds,plan test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 *     -Dmdep.includeScope=test &&
 *     java -XX:TieredStopAtLevel=1 -cp plan/target/classes:plan/target/test-classes:$(cat plan/target/cp.txt)
 *     io.halvs.plan.publish.PlanCodecBenchmark [edits]
 */
public final class PlanCodecBenchmark {
  public static void main(String[] args) {
    int edits = args.length > 0 ? Integer.parseInt(args[0]) : 60;
    DirectorPlan plan = PlanBuilder.build(PlanBenchmark.input(1000, 100)).plans().get("lvs");
    System.out.printf("one weight edit at %,d destinations, %d edits each, %s:%n", plan.destinationCount(),
        edits, System.getProperty("java.vm.name"));
    for (int perShard : new int[] {5000, PlanCodec.DESTINATIONS_PER_SHARD}) {
      for (boolean gzipHashes : new boolean[] {false, true}) {
        run(plan, perShard, gzipHashes, edits);
      }
    }
  }

  private static void run(DirectorPlan plan, int perShard, boolean gzipHashes, int edits) {
    PlanCodec.Encoder encoder = new PlanCodec.Encoder(perShard);
    PlanCodec.Decoder decoder = new PlanCodec.Decoder();
    PlanCodec.Published published = encoder.split(plan, PlanCodec.Manifest.ACTIVE);
    decoder.assemble(manifest(published, gzipHashes), PlanCodecTest.byIndex(published.shards())::get);
    Random random = new Random(1);
    long[] encode = new long[edits];
    long[] assemble = new long[edits];
    long[] assembleCpu = new long[edits];
    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    long jsonBytes = 0;
    DirectorPlan current = plan;
    for (int e = 0; e < edits; e++) {
      int service = random.nextInt(current.services().size());
      current = reweighted(current, service, random.nextInt(100), 101 + e); // never the weight it had
      long t0 = System.nanoTime();
      published = encoder.split(current, PlanCodec.Manifest.ACTIVE);
      long t1 = System.nanoTime();
      PlanCodec.Manifest manifest = manifest(published, gzipHashes);
      Map<Integer, byte[]> shards = PlanCodecTest.byIndex(published.shards());
      long unzipped = decoder.unzipped();
      long cpu = threads.getCurrentThreadCpuTime();
      long t2 = System.nanoTime();
      DirectorPlan read = decoder.assemble(manifest, shards::get);
      long t3 = System.nanoTime();
      assembleCpu[e] = threads.getCurrentThreadCpuTime() - cpu;
      if (read.services().size() != current.services().size() || decoder.unzipped() != unzipped + 1) {
        throw new IllegalStateException("edit " + e + ": not one shard read");
      }
      encode[e] = t1 - t0;
      assemble[e] = t3 - t2;
      int shard = PlanCodec.shardOf(current.services().get(service), published.shards().size());
      jsonBytes += PlanCodec.gunzip(shards.get(shard)).length;
    }
    System.out.printf("  %,5d destinations a shard (%3d shards), checked by the hash of the %s: operator encode "
            + "p50 %5.1f ms, p90 %5.1f; agent assembly p50 %5.1f ms, p90 %5.1f (on a CPU %5.1f, %5.1f); %.2f MiB of "
            + "JSON a shard%n",
        perShard, published.shards().size(), gzipHashes ? "gzip bytes" : "JSON      ", percentile(encode, 50),
        percentile(encode, 90), percentile(assemble, 50), percentile(assemble, 90), percentile(assembleCpu, 50),
        percentile(assembleCpu, 90),
        jsonBytes / (double) edits / (1 << 20));
  }

  private static DirectorPlan reweighted(DirectorPlan plan, int service, int destination, int weight) {
    List<IpvsService> services = new ArrayList<>(plan.services());
    IpvsService s = services.get(service);
    List<Destination> dests = new ArrayList<>(s.destinations());
    Destination d = dests.get(destination % dests.size());
    dests.set(destination % dests.size(), new Destination(d.address(), d.port(), d.method(), weight,
        d.upperThreshold(), d.lowerThreshold(), d.tunnelType(), d.tunnelPort(), d.tunnelChecksum(), d.realServer(),
        d.healthCheck()));
    services.set(service, s.withDestinations(dests));
    return plan.withServices(services);
  }

  private static PlanCodec.Manifest manifest(PlanCodec.Published p, boolean gzipHashes) {
    PlanCodec.Manifest m = p.manifest();
    return gzipHashes ? m : PlanCodecTest.withoutGzipHashes(m);
  }

  private static double percentile(long[] nanos, int p) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return sorted[Math.min(sorted.length - 1, sorted.length * p / 100)] / 1e6;
  }
}
