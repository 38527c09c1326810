package io.halvs.operator.model;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.FieldsV1;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.plan.ObjectRef;
import io.javaoperatorsdk.operator.processing.event.source.informer.TransformingItemStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * Where the operator's heap goes at full size, in one process: every object decoded from JSON as the watch
 * delivers it (as the API server returns it after a server-side apply and the operator's status write: uid,
 * resourceVersion, generation, creationTimestamp, labels, managedFields of both managers, the status with its
 * conditions), put through the informers' stores, then the model built from the stores as PlanService keeps it
 * (the incremental planner, the plan, the encoder's shards, the services' versions, the views). Before (the stores
 * as they were: managedFields and last-applied dropped) and now (LeanStore), one after the other in one run: the
 * retained heap per VirtualService and per RealServer after a full GC, and the largest classes.
 * JOSDK's per-resource state (ResourceState, RateState, timer: about 250 bytes a RealServer, e2e/bench/README.md)
 * and the writes in flight are not in here. Not a test: prints figures. Run:
 *   ./mvnw -B -q -o -pl operator -am test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 *       -Dmdep.includeScope=test
 *   java -Xmx3g -XX:+UseSerialGC -cp operator/target/test-classes:operator/target/classes:$(cat operator/target/cp.txt) \
 *       io.halvs.operator.model.MemoryBenchmark [services=1000] [perService=100] [histogramRows=12]
 */
public final class MemoryBenchmark {
  static final KubernetesSerialization JSON = new KubernetesSerialization();

  public static void main(String[] args) throws Exception {
    int services = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int perService = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    int rows = args.length > 2 ? Integer.parseInt(args[2]) : 12;
    Served served = served(services, perService);
    System.out.printf("%d VirtualServices x %d RealServers (%d objects as the watch delivers them: %.1f KiB of JSON"
        + " per RealServer), one DirectorPair; load %s%n", services, perService, served.realServers,
        served.rsJsonBytes / 1024.0 / served.realServers, RebuildBenchmark.loadAverage());
    Figures before = measure("before", MemoryBenchmark::beforeStore, served, rows);
    Figures now = measure("now", LeanStore::create, served, rows);
    System.out.printf("%n| retained after a full GC | before (managedFields, last-applied dropped) | now (LeanStore) |%n");
    System.out.printf("|---|---|---|%n");
    System.out.printf("| per VirtualService in the store | %,d B | %,d B |%n", before.perVs, now.perVs);
    System.out.printf("| per RealServer in the store | %,d B | %,d B |%n", before.perRs, now.perRs);
    System.out.printf("| the model kept (planner, plan, shards, versions, views), per RealServer | %,d B | %,d B |%n",
        before.modelPerRs, now.modelPerRs);
    System.out.printf("| stores and model, MiB | %,d | %,d |%n", before.total >> 20, now.total >> 20);
  }

  record Figures(long perVs, long perRs, long modelPerRs, long total) {}

  /**
   * The JSON of every object, one a line: what the watch would deliver, kept in files so that it is not in the
   * heap measured.
   */
  record Served(Path pair, Path vss, Path rss, int services, int realServers, int rsJsonBytes) {}

  interface StoreKind {
    <T extends HasMetadata> ItemStore<T> create();
  }

  /** The stores before this change: JOSDK's TransformingItemStore dropping managedFields and last-applied only. */
  static <T extends HasMetadata> ItemStore<T> beforeStore() {
    return new TransformingItemStore<>(o -> {
      o.getMetadata().setManagedFields(null);
      if (o.getMetadata().getAnnotations() != null) {
        o.getMetadata().getAnnotations().remove(LeanStore.LAST_APPLIED);
      }
      return o;
    });
  }

  static Figures measure(String name, StoreKind kind, Served served, int rows) throws Exception {
    // What the previous pass (or generating the JSON) left in stale ThreadLocal entries, some MiB, goes at a
    // ThreadLocal's use after a GC has cleared their keys: a GC, then a throwaway pass, before measuring.
    RebuildBenchmark.usedHeap();
    decode(served.vss, VirtualService.class, kind.create());
    ItemStore<DirectorPair> pairs = kind.create();
    ItemStore<VirtualService> vss = kind.create();
    ItemStore<RealServer> rss = kind.create();
    long start = RebuildBenchmark.usedHeap();
    decode(served.pair, DirectorPair.class, pairs);
    decode(served.vss, VirtualService.class, vss);
    long afterVs = RebuildBenchmark.usedHeap();
    decode(served.rss, RealServer.class, rss);
    long afterRs = RebuildBenchmark.usedHeap();
    // the model as PlanService keeps it between rebuilds: its History, the snapshot, the last views
    PlanService.History history = new PlanService.History();
    List<DirectorPair> p = pairs.values().toList();
    List<VirtualService> v = vss.values().toList();
    List<RealServer> r = rss.values().toList();
    Snapshot s = history.build(p, v, r, List.of());
    List<ConfigMap> reports = Fleet.programmed(s.planHash("lvs"));
    s = PlanService.History.withReports(s, reports);
    Map<ObjectRef, Object> views = PlanService.views(s, v, r, p);
    long afterModel = RebuildBenchmark.usedHeap();
    System.out.printf("%n%s: stores %,d MiB (VirtualServices %,d KiB, RealServers %,d MiB), model %,d MiB;"
        + " top classes after a full GC:%n", name, (afterRs - start) >> 20, (afterVs - start) >> 10,
        (afterRs - afterVs) >> 20, (afterModel - afterRs) >> 20);
    System.out.print(histogram(rows));
    Figures f = new Figures((afterVs - start) / Math.max(1, served.services),
        (afterRs - afterVs) / Math.max(1, served.realServers), (afterModel - afterRs) / Math.max(1, served.realServers),
        afterModel - start);
    // kept reachable until measured
    if (views.size() < r.size() || history.builds() != 1) {
      throw new IllegalStateException("the model lost objects");
    }
    return f;
  }

  /** Each line decoded on its own, as the watch decodes each event, into the store. */
  static <T extends HasMetadata> void decode(Path lines, Class<T> kind, ItemStore<T> store) throws IOException {
    try (BufferedReader in = Files.newBufferedReader(lines)) {
      for (String json = in.readLine(); json != null; json = in.readLine()) {
        T o = JSON.unmarshal(json, kind);
        store.put(store.getKey(o), o);
      }
    }
  }

  /** The class histogram after a full GC (jcmd GC.class_histogram), its header and first rows. */
  static String histogram(int rows) throws Exception {
    String all = classHistogram();
    StringBuilder out = new StringBuilder();
    String[] lines = all.split("\n");
    for (int i = 0; i < Math.min(lines.length, rows + 2); i++) {
      out.append("  ").append(lines[i]).append('\n');
    }
    out.append("  ").append(lines[lines.length - 1]).append('\n');
    return out.toString();
  }

  /** jcmd GC.class_histogram's text, in this JVM: a full GC, then every class's instances and bytes. */
  public static String classHistogram() throws JMException {
    return (String) ManagementFactory.getPlatformMBeanServer().invoke(
        new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
        new Object[] {new String[0]}, new String[] {String[].class.getName()});
  }

  /**
   * Every object as the API server returns it once applied server-side by kubectl and its status written by the
   * operator: statuses from StatusComputer on a model of the fleet, as the operator writes them.
   */
  static Served served(int services, int perService) throws IOException {
    Fleet fleet = new Fleet(services, perService);
    Snapshot s = PlanService.History.withReports(PlanService.build(fleet.pairs, fleet.vss, fleet.rss, List.of()),
        Fleet.programmed(PlanService.build(fleet.pairs, fleet.vss, fleet.rss, List.of()).planHash("lvs")));
    Instant applied = Instant.parse("2026-11-30T17:00:00Z");
    DirectorPair dp = fleet.pairs.get(0);
    serve(dp, 0, applied, "f:spec");
    dp.setStatus(StatusComputer.directorPair(dp, s, applied.toString()));
    Path dir = Files.createTempDirectory("halvs-memory");
    Path pair = dir.resolve("pairs.json");
    Path vss = dir.resolve("virtualservices.json");
    Path rss = dir.resolve("realservers.json");
    Files.writeString(pair, JSON.asJson(dp) + "\n");
    List<String> lines = new ArrayList<>();
    int n = 1;
    for (VirtualService vs : fleet.vss) {
      // kubectl applies about 130 objects a second at full size; the operator writes about 180 statuses a second
      serve(vs, n, applied.plusSeconds(n / 130), "f:spec");
      vs.setStatus(StatusComputer.virtualService(vs, s, applied.plusSeconds(800 + n / 180).toString()));
      lines.add(JSON.asJson(vs));
      n++;
    }
    Files.write(vss, lines);
    lines.clear();
    for (RealServer rs : fleet.rss) {
      serve(rs, n, applied.plusSeconds(n / 130), "f:spec");
      rs.setStatus(StatusComputer.realServer(rs, s, applied.plusSeconds(800 + n / 180).toString()));
      lines.add(JSON.asJson(rs));
      n++;
    }
    Files.write(rss, lines);
    for (Path p : List.of(dir, pair, vss, rss)) { // deleted in reverse order
      p.toFile().deleteOnExit();
    }
    return new Served(pair, vss, rss, fleet.vss.size(), fleet.rss.size(), (int) Files.size(rss));
  }

  /** The metadata the API server adds: uid, resourceVersion, creationTimestamp, both managers' managedFields. */
  static void serve(HasMetadata o, int n, Instant created, String spec) {
    ObjectMeta m = o.getMetadata();
    m.setUid(UUID.nameUUIDFromBytes(("halvs-" + n).getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString());
    m.setResourceVersion(String.valueOf(1_000_000 + 2L * n));
    m.setCreationTimestamp(created.toString());
    if (m.getLabels() == null) {
      m.setLabels(Map.of());
    }
    StringBuilder labels = new StringBuilder();
    m.getLabels().keySet().forEach(k -> labels.append(labels.length() == 0 ? "" : ",").append("\"f:").append(k)
        .append("\":{}"));
    FieldsV1 applied = JSON.unmarshal("{\"f:metadata\":{\"f:labels\":{" + labels + "}},\"" + spec
        + "\":{\"f:address\":{},\"f:port\":{},\"f:weight\":{},\"f:vip\":{},\"f:directorPair\":{}}}", FieldsV1.class);
    FieldsV1 status = JSON.unmarshal("{\"f:status\":{\".\":{},\"f:conditions\":{},\"f:observedGeneration\":{},"
        + "\"f:virtualServices\":{}}}", FieldsV1.class);
    List<ManagedFieldsEntry> managed = List.of(
        new ManagedFieldsEntryBuilder().withManager("kubectl").withOperation("Apply")
            .withApiVersion(o.getApiVersion()).withFieldsType("FieldsV1").withFieldsV1(applied)
            .withTime(created.toString()).build(),
        new ManagedFieldsEntryBuilder().withManager("halvs-operator").withOperation("Update")
            .withApiVersion(o.getApiVersion()).withFieldsType("FieldsV1").withFieldsV1(status)
            .withSubresource("status").withTime(created.plusSeconds(800).toString()).build());
    m.setManagedFields(new ArrayList<>(managed));
  }
}
