package io.halvs.operator.model;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IncrementalPlanBuilder;
import io.halvs.plan.ObjectRef;
import io.halvs.plan.PlanBuilder;
import io.halvs.plan.PlanInput;
import io.halvs.plan.PlanResult;
import io.halvs.plan.publish.AgentReport;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The operator's share of one edit, in process: a RealServer's weight changed -> the model rebuilt -> the
 * objects whose status reads the change handed on, then the directors' reports of the new plan -> the same again.
 * Before (a full plan build for the edit and another for the reports, every shard encoded, every
 * VirtualService's view holding the plan hash) and now (one incremental plan build, changed shards only, each
 * service's view holding which directors programmed it) side by side, alternating, in one run; and the plan
 * build alone, full and incremental, in turns.
 * Not a test: prints figures. Run:
 *   ./mvnw -B -q -o -pl operator -am test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 *       -Dmdep.includeScope=test
 *   java -cp operator/target/test-classes:operator/target/classes:$(cat operator/target/cp.txt) \
 *       io.halvs.operator.model.RebuildBenchmark [services=1000] [perService=100] [edits=20]
 */
public final class RebuildBenchmark {
  public static void main(String[] args) {
    int services = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int perService = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    int edits = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    Fleet fleet = new Fleet(services, perService);
    long heapBefore = usedHeap();
    IncrementalPlanBuilder planner = new IncrementalPlanBuilder();
    planner.build(new PlanInput(fleet.pairs, fleet.vss, fleet.rss));
    long kept = usedHeap() - heapBefore;
    PlanService.History history = new PlanService.History();
    Snapshot s = history.build(fleet.pairs, fleet.vss, fleet.rss, List.of());
    List<ConfigMap> reports = Fleet.programmed(s.planHash("lvs"));
    Map<ObjectRef, Object> beforeViews = viewsBefore(s, fleet.vss, fleet.rss, fleet.pairs);
    Map<ObjectRef, Object> nowViews = PlanService.views(s, fleet.vss, fleet.rss, fleet.pairs);
    long[] fullBuild = new long[edits];
    long[] incrementalBuild = new long[edits];
    long[] before = new long[edits];
    long[] now = new long[edits];
    long encodedBefore = 0;
    long encodedNow = 0;
    long handedBefore = 0;
    long handedNow = 0;
    long resolved = 0;
    long checked = 0;
    for (int i = 0; i < edits + 3; i++) { // 3 warm-up rounds
      boolean counted = i >= 3;
      int k = counted ? i - 3 : i;
      fleet.reweigh((i * 7919) % fleet.rss.size(), 50 + i % 50);
      PlanInput input = new PlanInput(fleet.pairs, fleet.vss, fleet.rss);
      // the plan build alone: a full build and the kept incremental one, in turns first (the load varies)
      long full = 0;
      long incremental = 0;
      PlanResult fullResult = null;
      PlanResult incrementalResult = null;
      for (int turn = 0; turn < 2; turn++) {
        long t = System.nanoTime();
        if ((turn + i) % 2 == 0) {
          fullResult = PlanBuilder.build(input);
          full = System.nanoTime() - t;
        } else {
          incrementalResult = planner.build(input);
          incremental = System.nanoTime() - t;
        }
      }
      if (!fullResult.equals(incrementalResult)) {
        throw new IllegalStateException("the incremental build differs from the full build");
      }
      DirectorPlan plan = incrementalResult.plans().get("lvs");
      long t1 = System.nanoTime();
      // before: full plan builds, a fresh model each time (every shard encoded), views with the plan hash; edit,
      // then the reports
      PlanService.History fresh = PlanService.History.full();
      Snapshot b = fresh.build(fleet.pairs, fleet.vss, fleet.rss, reports);
      Map<ObjectRef, Object> bv = viewsBefore(b, fleet.vss, fleet.rss, fleet.pairs);
      long handedB = changed(beforeViews, bv);
      List<ConfigMap> bReports = Fleet.programmed(b.planHash("lvs"));
      Snapshot b2 = fresh.build(fleet.pairs, fleet.vss, fleet.rss, bReports);
      Map<ObjectRef, Object> bv2 = viewsBefore(b2, fleet.vss, fleet.rss, fleet.pairs);
      handedB += changed(bv, bv2);
      long t2 = System.nanoTime();
      // now: the kept History (incremental plan build)
      long encodedAtStart = history.shardsEncoded();
      Snapshot n = history.build(fleet.pairs, fleet.vss, fleet.rss, reports);
      Map<ObjectRef, Object> nv = PlanService.views(n, fleet.vss, fleet.rss, fleet.pairs);
      long handedN = changed(nowViews, nv);
      reports = Fleet.programmed(n.planHash("lvs"));
      Snapshot n2 = PlanService.History.withReports(n, reports); // a report change builds no plan now
      Map<ObjectRef, Object> nv2 = PlanService.views(n2, fleet.vss, fleet.rss, fleet.pairs);
      handedN += changed(nv, nv2);
      long t3 = System.nanoTime();
      beforeViews = bv2;
      nowViews = nv2;
      if (!Objects.equals(b2.planHash("lvs"), n2.planHash("lvs")) || plan.destinationCount() != services * perService) {
        throw new IllegalStateException("the two paths built different plans");
      }
      if (counted) {
        fullBuild[k] = full;
        incrementalBuild[k] = incremental;
        before[k] = t2 - t1;
        now[k] = t3 - t2;
        encodedBefore += fresh.shardsEncoded();
        encodedNow += history.shardsEncoded() - encodedAtStart;
        handedBefore += handedB;
        handedNow += handedN;
        resolved += planner.resolvedLastBuild();
        checked += planner.checkedLastBuild();
      }
    }
    System.out.printf("%d VirtualServices x %d RealServers, %d weight edits (each: rebuild, views, the reports of"
        + " the new plan, rebuild, views), side by side in one run, load %s%n", services, perService, edits,
        loadAverage());
    System.out.printf("  plan build alone, full (PlanBuilder):          median %6.1f ms, p90 %6.1f ms; services"
        + " resolved %d/edit%n", ms(fullBuild, 50), ms(fullBuild, 90), services);
    System.out.printf("  plan build alone, incremental (kept between):  median %6.1f ms, p90 %6.1f ms; services"
        + " resolved %.1f/edit, objects checked %.1f/edit; ~%d MiB kept%n", ms(incrementalBuild, 50),
        ms(incrementalBuild, 90), (double) resolved / edits, (double) checked / edits, kept >> 20);
    System.out.printf("  before (full builds, all shards, plan-hash views): median %6.0f ms, p90 %6.0f ms; shards"
        + " encoded %.1f/edit; objects handed to reconcilers %.1f/edit%n", ms(before, 50), ms(before, 90),
        (double) encodedBefore / edits, (double) handedBefore / edits);
    System.out.printf("  now (incremental build, changed shards, own views): median %6.0f ms, p90 %6.0f ms; shards"
        + " encoded %.1f/edit; objects handed to reconcilers %.1f/edit%n", ms(now, 50), ms(now, 90),
        (double) encodedNow / edits, (double) handedNow / edits);
  }

  static long usedHeap() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    Runtime r = Runtime.getRuntime();
    return r.totalMemory() - r.freeMemory();
  }

  static long changed(Map<ObjectRef, Object> before, Map<ObjectRef, Object> after) {
    return after.entrySet().stream().filter(e -> !Objects.equals(before.get(e.getKey()), e.getValue())).count();
  }

  static double ms(long[] nanos, int percentile) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return sorted[Math.min(sorted.length - 1, sorted.length * percentile / 100)] / 1e6;
  }

  static String loadAverage() {
    try {
      return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ")[0];
    } catch (java.io.IOException e) {
      return "?";
    }
  }

  /** The views as they were before: every VirtualService's view held its pair's plan hash and whole reports. */
  static Map<ObjectRef, Object> viewsBefore(Snapshot s, List<VirtualService> vss, List<RealServer> rss,
      List<DirectorPair> pairs) {
    Map<String, Object> reportViews = new HashMap<>();
    s.reports().forEach((pair, byNode) -> {
      List<Object> v = new ArrayList<>();
      byNode.values().stream().sorted(java.util.Comparator.comparing(AgentReport::node)).forEach(r -> v.add(List.of(
          r.node(), String.valueOf(r.role()), String.valueOf(r.programmedPlanHash()), r.programmed(),
          String.valueOf(r.message()), String.valueOf(r.health()), r.cleaned())));
      reportViews.put(pair, v);
    });
    Map<ObjectRef, Object> views = new HashMap<>(PlanService.views(s, List.of(), rss, pairs));
    for (VirtualService vs : vss) {
      ObjectRef ref = StatusComputer.ref(vs);
      String pair = vs.getSpec() == null ? "" : String.valueOf(vs.getSpec().getDirectorPair());
      DirectorPlan plan = s.result().plans().get(pair);
      Object service = plan == null ? "" : plan.services().stream().filter(x -> x.owner().equals(ref)).findFirst()
          .map(Object.class::cast).orElse("");
      views.put(ref, List.of(s.result().findingsFor(ref), service, String.valueOf(s.planHash(pair)),
          String.valueOf(reportViews.get(pair)), String.valueOf(vs.getMetadata().getGeneration())));
    }
    return views;
  }
}
