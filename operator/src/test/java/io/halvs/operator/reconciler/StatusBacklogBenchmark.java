package io.halvs.operator.reconciler;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.RealServerStatus;
import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.operator.metrics.OperatorMetrics;
import io.halvs.operator.model.Fleet;
import io.halvs.operator.model.MemoryBenchmark;
import io.halvs.operator.model.PlanService;
import io.halvs.operator.model.RebuildBenchmark;
import io.halvs.operator.model.Snapshot;
import io.halvs.operator.model.StatusComputer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Benchmark (prints figures, asserts nothing): the heap a waiting status write retains. After a bulk apply with
 * the operator down every RealServer's status is written at once, at about 50 a second through a loaded API server:
 * at 100,000 RealServers the writes wait for half an hour, all of them in the heap meanwhile (the operator's peak,
 * and the full collection of its cold start at full size, docs/PERFORMANCE.md "The heap's cap"). Each object is
 * handed over as JOSDK hands it to a reconcile (a JSON copy of the cached object, here without a status, as after
 * such an apply), with the status StatusComputer computes for it; the writer has no threads, so every write waits.
 * Retained = the live heap after a full GC with the writes waiting, minus before.
 *
 * <pre>
 * ./mvnw -B -q -o -pl operator -am test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt \
 *     -Dmdep.includeScope=test
 * java -Xmx2g -XX:+UseSerialGC -cp operator/target/test-classes:operator/target/classes:$(cat operator/target/cp.txt) \
 *     io.halvs.operator.reconciler.StatusBacklogBenchmark 1000 100 [ROWS]   # ROWS: the classes the writes add most
 * </pre>
 */
public final class StatusBacklogBenchmark {
  private StatusBacklogBenchmark() {}

  public static void main(String[] args) {
    int services = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int perService = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    Fleet fleet = new Fleet(services, perService);
    List<DirectorPair> pairs = fleet.pairs;
    List<VirtualService> vss = fleet.vss;
    List<RealServer> rss = fleet.rss;
    for (int n = 0; n < rss.size(); n++) { // as the API server returns them
      rss.get(n).getMetadata().setUid(UUID.nameUUIDFromBytes(("rs-" + n).getBytes(StandardCharsets.UTF_8)).toString());
      rss.get(n).getMetadata().setResourceVersion(String.valueOf(1_000_000 + n));
      rss.get(n).getMetadata().setCreationTimestamp("2026-12-02T18:00:00Z");
    }
    Snapshot s = PlanService.build(pairs, vss, rss, List.of());
    KubernetesSerialization json = new KubernetesSerialization();
    StatusWriter writer = new StatusWriter(OperatorMetrics.unexported(), 0);
    String now = Instant.parse("2026-12-02T19:00:00Z").toString();
    // Once before measuring, results dropped: a copy's serialization leaves views cached in the original's maps,
    // and StatusComputer may index the snapshot on first use; neither belongs to the waiting writes.
    for (RealServer cached : rss) {
      StatusComputer.realServer(json.clone(cached), s, now);
    }
    long before = RebuildBenchmark.usedHeap();
    Map<String, long[]> classesBefore = args.length > 2 ? classes() : Map.of();
    for (RealServer cached : rss) {
      RealServer copy = json.clone(cached); // JOSDK's copy for the reconcile
      RealServerStatus desired = StatusComputer.realServer(copy, s, now);
      writer.submit(null, "RealServer", copy, copy.getStatus(), desired, (o, was, is) -> {});
    }
    long after = RebuildBenchmark.usedHeap();
    int waiting = writer.waiting();
    System.out.printf("%d VirtualServices x %d RealServers: %,d status writes waiting retain %,d MiB, %,d B each"
        + " (the objects themselves, in the cache, not counted)%n", services, perService, waiting,
        (after - before) >> 20, (after - before) / Math.max(1, waiting));
    if (args.length > 2) { // what the waiting writes added, by class
      Map<String, long[]> classesAfter = classes();
      System.out.println("  instances   bytes/write  class (added by the waiting writes)");
      classesAfter.entrySet().stream()
          .map(e -> Map.entry(e.getKey(), new long[] {
              e.getValue()[0] - classesBefore.getOrDefault(e.getKey(), new long[2])[0],
              e.getValue()[1] - classesBefore.getOrDefault(e.getKey(), new long[2])[1]}))
          .sorted((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]))
          .limit(Integer.parseInt(args[2]))
          .forEach(e -> System.out.printf("%11d %13.1f  %s%n", e.getValue()[0],
              (double) e.getValue()[1] / Math.max(1, waiting), e.getKey()));
    }
    writer.close();
    // the cache, the model and the writer stay reachable until measured
    java.lang.ref.Reference.reachabilityFence(List.of(pairs, vss, rss, s, json, writer, classesBefore));
  }

  /** The class histogram after a full GC (jcmd GC.class_histogram): class -> {instances, bytes}. */
  static Map<String, long[]> classes() {
    String all;
    try {
      all = MemoryBenchmark.classHistogram();
    } catch (javax.management.JMException e) {
      throw new IllegalStateException("no class histogram", e);
    }
    Map<String, long[]> out = new java.util.HashMap<>();
    for (String line : all.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 4 && f[0].endsWith(":")) {
        out.put(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
      }
    }
    return out;
  }
}
