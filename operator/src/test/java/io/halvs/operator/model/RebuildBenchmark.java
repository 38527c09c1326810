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
import java.util.Set;

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
 * or, per kind of edit, the whole model path before and after its per-object maps and views were kept:
 *   ... io.halvs.operator.model.RebuildBenchmark kinds [services=1000] [perService=100] [edits=10]
 * or the first edit after every object's status was written, before and after those were bound, not checked:
 *   ... io.halvs.operator.model.RebuildBenchmark statuses [services=1000] [perService=100] [rounds=10]
 * or each kind of edit's rebuild and views with every object looked at to find the changed ones, and told them by
 * the stores' log:
 *   ... io.halvs.operator.model.RebuildBenchmark logged [services=1000] [perService=100] [edits=20]
 */
public final class RebuildBenchmark {
  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("kinds")) {
      kinds(args.length > 1 ? Integer.parseInt(args[1]) : 1000, args.length > 2 ? Integer.parseInt(args[2]) : 100,
          args.length > 3 ? Integer.parseInt(args[3]) : 10);
      return;
    }
    if (args.length > 0 && args[0].equals("logged")) {
      logged(args.length > 1 ? Integer.parseInt(args[1]) : 1000, args.length > 2 ? Integer.parseInt(args[2]) : 100,
          args.length > 3 ? Integer.parseInt(args[3]) : 20);
      return;
    }
    if (args.length > 0 && args[0].equals("statuses")) {
      statuses(args.length > 1 ? Integer.parseInt(args[1]) : 1000, args.length > 2 ? Integer.parseInt(args[2]) : 100,
          args.length > 3 ? Integer.parseInt(args[3]) : 10);
      return;
    }
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

  /** The heap in use after full collections (what is still reachable). */
  public static long usedHeap() {
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

  /**
   * The model's whole path per edit, as the operator runs it: the edit's rebuild and the objects handed on; the
   * operator's status writes (the pair's, with the new plan hash, and one for each object handed on: new
   * objects in the stores); the agents' reports of the new plan. Before: each status write a rebuild (a new pair
   * object started the plan build from nothing), the snapshot's maps and every view made from nothing and
   * compared with the last. Now: status writes no rebuild, the kept maps and views updated with what changed.
   */
  interface ModelPath {
    /** A rebuild after the objects changed; returns the objects handed on. */
    List<ObjectRef> objects(Fleet f);

    /** A rebuild after the reports (alone) changed. */
    List<ObjectRef> reports(Fleet f, List<ConfigMap> reports);

    /** The operator's status writes, the objects already replaced in the fleet. */
    void statusWritten(Fleet f);

    Snapshot last();
  }

  /** The model as of commit e98d19f: every view made and compared at every rebuild, maps from nothing. */
  static final class Before implements ModelPath {
    final PlanService.History history = PlanService.History.freshMaps(IncrementalPlanBuilder.comparingByIdentity());
    Snapshot s;
    Map<ObjectRef, Object> views = Map.of();
    List<ConfigMap> reports = List.of();

    @Override
    public List<ObjectRef> objects(Fleet f) {
      s = history.build(f.pairs, f.vss, f.rss, reports);
      return compare(viewsAsBefore(s, f.vss, f.rss, f.pairs));
    }

    @Override
    public List<ObjectRef> reports(Fleet f, List<ConfigMap> reports) {
      this.reports = reports;
      s = PlanService.History.withReports(s, reports);
      return compare(viewsAsBefore(s, f.vss, f.rss, f.pairs));
    }

    @Override
    public void statusWritten(Fleet f) {
      objects(f); // every write an update in the stores, a rebuild
    }

    List<ObjectRef> compare(Map<ObjectRef, Object> now) {
      List<ObjectRef> out = new ArrayList<>();
      now.forEach((ref, v) -> {
        if (!Objects.equals(views.get(ref), v)) {
          out.add(ref);
        }
      });
      views = now;
      return out;
    }

    @Override
    public Snapshot last() {
      return s;
    }
  }

  static final class Now implements ModelPath {
    final PlanService.History history = new PlanService.History();
    final ViewKeeper keeper = new ViewKeeper();
    Snapshot s;
    List<ConfigMap> reports = List.of();

    @Override
    public List<ObjectRef> objects(Fleet f) {
      s = history.build(f.pairs, f.vss, f.rss, reports);
      return keeper.update(s, f.pairs, f.vss, f.rss, history.lastDelta());
    }

    @Override
    public List<ObjectRef> reports(Fleet f, List<ConfigMap> reports) {
      this.reports = reports;
      s = PlanService.History.withReports(s, reports);
      return keeper.update(s, f.pairs, f.vss, f.rss, PlanService.Delta.NONE);
    }

    @Override
    public void statusWritten(Fleet f) {
      // status only: no rebuild (PlanService.statusOnly); the next rebuild reads the new objects
    }

    @Override
    public Snapshot last() {
      return s;
    }
  }

  /** The objects handed on get a status written: new objects in place of the old, as the informers put them. */
  static void writeStatuses(Fleet f, List<ObjectRef> handed, String planHash) {
    Set<ObjectRef> refs = new java.util.HashSet<>(handed);
    for (int i = 0; i < f.pairs.size(); i++) {
      DirectorPair old = f.pairs.get(i);
      DirectorPair dp = new DirectorPair();
      dp.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder(old.getMetadata()).build());
      dp.setSpec(old.getSpec());
      dp.setStatus(new io.halvs.api.v1alpha1.DirectorPairStatus());
      dp.getStatus().setPlanHash(planHash);
      f.pairs.set(i, dp);
    }
    for (int i = 0; i < f.vss.size(); i++) {
      VirtualService old = f.vss.get(i);
      if (refs.contains(StatusComputer.ref(old))) {
        VirtualService vs = new VirtualService();
        vs.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder(old.getMetadata()).build());
        vs.setSpec(old.getSpec());
        vs.setStatus(new io.halvs.api.v1alpha1.VirtualServiceStatus());
        f.vss.set(i, vs);
      }
    }
    for (int i = 0; i < f.rss.size(); i++) {
      RealServer old = f.rss.get(i);
      if (refs.contains(StatusComputer.ref(old))) {
        RealServer rs = new RealServer();
        rs.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder(old.getMetadata()).build());
        rs.setSpec(old.getSpec());
        rs.setStatus(new io.halvs.api.v1alpha1.RealServerStatus());
        f.rss.set(i, rs);
      }
    }
  }

  /**
   * A weight edited after every RealServer's and VirtualService's status was written (the operator does that
   * after a bulk apply, and to every VirtualService after a failover): the model's rebuild and views, with every
   * new object checked again (before) and with status-only ones bound to the kept model (now), in turns.
   */
  static void statuses(int services, int perService, int rounds) {
    Fleet fleet = new Fleet(services, perService);
    List<PlanService.History> histories = List.of(new PlanService.History(IncrementalPlanBuilder.comparingByIdentity()),
        new PlanService.History());
    List<ViewKeeper> keepers = List.of(new ViewKeeper(), new ViewKeeper());
    String[] hashes = new String[2];
    for (int p = 0; p < 2; p++) {
      Snapshot s = histories.get(p).build(fleet.pairs, fleet.vss, fleet.rss, List.of());
      keepers.get(p).update(s, fleet.pairs, fleet.vss, fleet.rss, histories.get(p).lastDelta());
    }
    long[][] took = new long[2][rounds];
    long[] checked = new long[2];
    for (int i = 0; i < rounds + 2; i++) { // 2 warm-up rounds
      fleet.writeStatuses();
      fleet.reweigh((i * 7919) % fleet.rss.size(), 1 + i % 99);
      for (int turn = 0; turn < 2; turn++) {
        int p = (turn + i) % 2;
        long t = System.nanoTime();
        Snapshot s = histories.get(p).build(fleet.pairs, fleet.vss, fleet.rss, List.of());
        keepers.get(p).update(s, fleet.pairs, fleet.vss, fleet.rss, histories.get(p).lastDelta());
        if (i >= 2) {
          took[p][i - 2] = System.nanoTime() - t;
          checked[p] += histories.get(p).planner().checkedLastBuild();
        }
        hashes[p] = s.planHash("lvs");
      }
      if (!Objects.equals(hashes[0], hashes[1])) {
        throw new IllegalStateException("the two paths built different plans");
      }
    }
    System.out.printf("%d VirtualServices x %d RealServers, %d rounds: every object's status written, then a weight;"
        + " the rebuild and views of that edit, before and now in turns, load %s%n", services, perService, rounds,
        loadAverage());
    System.out.printf("  before (every new object checked again): median %6.0f ms, p90 %6.0f ms; objects checked"
        + " %.0f/edit%n", ms(took[0], 50), ms(took[0], 90), (double) checked[0] / rounds);
    System.out.printf("  now (status-only ones bound, not checked): median %6.0f ms, p90 %6.0f ms; objects checked"
        + " %.0f/edit%n", ms(took[1], 50), ms(took[1], 90), (double) checked[1] / rounds);
  }

  /**
   * Each kind of edit's rebuild and views (History.build, ViewKeeper.update), with every object looked at to find
   * the changed ones (before) and told them by the stores' log (now), in turns. The log is made outside the timed
   * part, as the stores make it while they are written.
   */
  static void logged(int services, int perService, int edits) {
    Fleet fleet = new Fleet(services, perService);
    List<PlanService.History> histories = List.of(new PlanService.History(), new PlanService.History());
    List<ViewKeeper> keepers = List.of(new ViewKeeper(), new ViewKeeper());
    for (int p = 0; p < 2; p++) {
      Snapshot s = histories.get(p).build(fleet.pairs, fleet.vss, fleet.rss, List.of());
      keepers.get(p).update(s, fleet.pairs, fleet.vss, fleet.rss, histories.get(p).lastDelta());
    }
    Map<ObjectRef, io.fabric8.kubernetes.api.model.HasMetadata> last = IncrementalModelTest.byRef(fleet.pairs,
        fleet.vss, fleet.rss);
    String[] kinds = editKinds(perService);
    System.out.printf("%d VirtualServices x %d RealServers, %d edits of each kind: the rebuild and views, every"
        + " object looked at (before) and the stores' log (now), in turns, load %s%n", services, perService, edits,
        loadAverage());
    System.out.printf("  %-40s %21s %21s%n", "edit", "before median / p90", "now median / p90");
    int added = 0;
    String[] hashes = new String[2];
    for (int kind = 0; kind < kinds.length; kind++) {
      long[][] took = new long[2][edits];
      for (int i = 0; i < edits + 3; i++) { // 3 warm-up edits
        added = edit(fleet, kind, i, services, perService, added);
        Map<ObjectRef, io.fabric8.kubernetes.api.model.HasMetadata> now = IncrementalModelTest.byRef(fleet.pairs,
            fleet.vss, fleet.rss);
        Map<ObjectRef, io.fabric8.kubernetes.api.model.HasMetadata> log = new HashMap<>();
        now.forEach((ref, o) -> {
          if (last.get(ref) != o) {
            log.put(ref, o);
          }
        });
        last.clear();
        last.putAll(now);
        for (int turn = 0; turn < 2; turn++) {
          int p = (turn + i) % 2;
          long t = System.nanoTime();
          Snapshot s = histories.get(p).build(fleet.pairs, fleet.vss, fleet.rss, List.of(), null, p == 0 ? null : log);
          keepers.get(p).update(s, fleet.pairs, fleet.vss, fleet.rss, histories.get(p).lastDelta());
          if (i >= 3) {
            took[p][i - 3] = System.nanoTime() - t;
          }
          hashes[p] = s.planHash("lvs");
        }
        if (!Objects.equals(hashes[0], hashes[1])) {
          throw new IllegalStateException("the two paths built different plans");
        }
      }
      System.out.printf("  %-40s %9.1f / %6.1f ms %9.1f / %6.1f ms%n", kinds[kind], ms(took[0], 50),
          ms(took[0], 90), ms(took[1], 50), ms(took[1], 90));
    }
    System.out.printf("  passes over every object: before %d, now %d (model), %d (planner, its first build)%n",
        histories.get(0).passes(), histories.get(1).passes(), histories.get(1).planner().realServerPasses());
  }

  /** The four kinds of edit, as {@link #edit} makes them. */
  static String[] editKinds(int perService) {
    return new String[] {"a RealServer's weight", "a RealServer added", "a VirtualService added (" + perService
        + " destinations)", "a selector changed (" + perService + " out, " + perService + " in)"};
  }

  /**
   * Edit i of a kind of {@link #editKinds} on the fleet (built with services x perService); returns the RealServers
   * added so far, {@code added} before it.
   */
  static int edit(Fleet fleet, int kind, int i, int services, int perService, int added) {
    switch (kind) {
      case 0 -> fleet.reweigh((i * 7919) % (services * perService), 1 + i % 99);
      case 1 -> fleet.addReal(services * perService + added++, i * 31 % services);
      case 2 -> fleet.addService("vs-edit-" + i, "10.99." + (i / 250) + "." + (i % 250 + 1), i * 17 % services);
      default -> {
        int vs = i / 2 * 13 % services;
        fleet.reselect(vs, i % 2 == 0 ? (vs + 1) % services : vs);
      }
    }
    return added;
  }

  static void kinds(int services, int perService, int edits) {
    Fleet fleet = new Fleet(services, perService);
    ModelPath before = new Before();
    ModelPath now = new Now();
    for (ModelPath p : List.of(before, now)) {
      p.objects(fleet);
      p.reports(fleet, Fleet.programmed(p.last().planHash("lvs")));
    }
    String[] kinds = editKinds(perService);
    System.out.printf("%d VirtualServices x %d RealServers, %d edits of each kind, one at a time; per edit: the"
        + " rebuild, the operator's status writes, the agents' reports of the new plan; before and now in turns,"
        + " load %s%n", services, perService, edits, loadAverage());
    System.out.printf("  %-40s %21s %21s %17s%n", "edit", "before median / p90", "now median / p90",
        "handed on b / n");
    int added = 0;
    for (int kind = 0; kind < kinds.length; kind++) {
      long[] b = new long[edits];
      long[] n = new long[edits];
      long handedBefore = 0;
      long handedNow = 0;
      for (int i = 0; i < edits + 2; i++) { // 2 warm-up edits
        boolean counted = i >= 2;
        added = edit(fleet, kind, i, services, perService, added);
        long[] took = new long[2];
        long[] handed = new long[2];
        for (int turn = 0; turn < 2; turn++) {
          ModelPath p = (turn + i) % 2 == 0 ? before : now;
          int which = p == before ? 0 : 1;
          long t = System.nanoTime();
          List<ObjectRef> h = p.objects(fleet);
          handed[which] = h.size();
          took[which] = System.nanoTime() - t;
          // the status writes replace objects in the fleet that both paths read: time the other path's share later
          if (turn == 1) {
            List<ObjectRef> written = new ArrayList<>(h);
            writeStatuses(fleet, written, p.last().planHash("lvs"));
            for (ModelPath q : List.of(before, now)) {
              long t2 = System.nanoTime();
              q.statusWritten(fleet);
              List<ConfigMap> reports = Fleet.programmed(q.last().planHash("lvs"));
              q.reports(fleet, reports);
              took[q == before ? 0 : 1] += System.nanoTime() - t2;
            }
          }
        }
        if (!Objects.equals(before.last().planHash("lvs"), now.last().planHash("lvs"))) {
          throw new IllegalStateException("the two paths built different plans");
        }
        if (counted) {
          b[i - 2] = took[0];
          n[i - 2] = took[1];
          handedBefore += handed[0];
          handedNow += handed[1];
        }
      }
      System.out.printf("  %-40s %9.0f / %6.0f ms %9.0f / %6.0f ms %8.1f / %6.1f%n", kinds[kind], ms(b, 50),
          ms(b, 90), ms(n, 50), ms(n, 90), (double) handedBefore / edits, (double) handedNow / edits);
    }
  }

  /** The views as they were made at commit e98d19f: each object's findings looked up in the whole list. */
  static Map<ObjectRef, Object> viewsAsBefore(Snapshot s, List<VirtualService> vss, List<RealServer> rss,
      List<DirectorPair> pairs) {
    Map<String, Object> reportViews = PlanService.reportViews(s);
    Map<ObjectRef, Object> views = new HashMap<>(pairs.size() + vss.size() + rss.size());
    for (DirectorPair dp : pairs) {
      ObjectRef ref = StatusComputer.ref(dp);
      String pair = ref.name();
      views.put(ref, List.of(s.result().findingsFor(ref), String.valueOf(s.planHash(pair)),
          String.valueOf(reportViews.get(pair)), dp.getMetadata().getDeletionTimestamp() != null,
          String.valueOf(dp.getMetadata().getGeneration())));
    }
    for (VirtualService vs : vss) {
      ObjectRef ref = StatusComputer.ref(vs);
      String pair = vs.getSpec() == null ? "" : String.valueOf(vs.getSpec().getDirectorPair());
      DirectorPlan plan = s.result().plans().get(pair);
      Object service = plan == null ? "" : Objects.requireNonNullElse((Object) s.services().get(ref), "");
      AgentReport active = StatusComputer.active(s.reportsOf(pair));
      Object health = active == null || active.health() == null ? null : active.health().get(ref.key());
      views.put(ref, List.of(s.result().findingsFor(ref), service, s.programmedNodes(pair, ref),
          String.valueOf(active == null ? null : active.node()), String.valueOf(health),
          String.valueOf(vs.getMetadata().getGeneration())));
    }
    views.put(PlanService.REAL_SERVER_NODES, PlanService.nodesView(s));
    for (RealServer rs : rss) {
      ObjectRef ref = StatusComputer.ref(rs);
      String node = rs.getSpec() == null ? null : rs.getSpec().getNodeName();
      views.put(ref, List.of(s.result().findingsFor(ref), s.realServerUse().getOrDefault(ref, 0),
          String.valueOf(rs.getMetadata().getGeneration()), node == null ? "" : List.of(s.nodeExists(node),
              String.valueOf(s.result().realServerNodes().get(node)), String.valueOf(
                  StatusComputer.withoutTime(s.realServerReports().get(node))))));
    }
    return views;
  }
}
