package io.halvs.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.DirectorPairSpec;
import io.halvs.api.v1alpha1.DirectorPairStatus;
import io.halvs.api.v1alpha1.Forwarding;
import io.halvs.api.v1alpha1.ForwardingMethod;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.RealServerSpec;
import io.halvs.api.v1alpha1.RealServerStatus;
import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.api.v1alpha1.VirtualServiceSpec;
import io.halvs.plan.IncrementalPlanBuilder;
import io.halvs.plan.ObjectRef;
import io.halvs.plan.RealServerNodePlan;
import io.halvs.plan.publish.AgentReport;
import io.halvs.plan.publish.Names;
import io.halvs.plan.publish.RealServerPublish;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The model kept between rebuilds (the snapshot's per-object maps, the views handed to the reconcilers) equals
 * one made from nothing after any sequence of edits and report changes, and hands on exactly the objects whose
 * view changed; an edit makes the views of what it touches (counted, not timed).
 */
class IncrementalModelTest {
  static final String[] APPS = {"a", "b", "c", "d"};
  static final String[] WORKERS = {"w1", "w2", "w3"};

  /** A small cluster that random edits change: objects are replaced, never changed in place, as informers do. */
  static final class World {
    final Random r;
    final Map<String, DirectorPair> pairs = new TreeMap<>();
    final Map<String, VirtualService> vss = new TreeMap<>();
    final Map<String, RealServer> rss = new TreeMap<>();
    /** The plan hashes published so far, per pair: the agents report one of them (or one never built). */
    final Map<String, List<String>> hashes = new HashMap<>();
    List<ConfigMap> reports = List.of();
    Set<String> nodes;
    int next;

    World(Random r) {
      this.r = r;
      pairs.put("lvs", pair("lvs", "lvs-01", "lvs-02"));
      if (r.nextBoolean()) {
        pairs.put("edge", pair("edge", "e-01", "e-02"));
      }
      for (int i = 0, n = 3 + r.nextInt(8); i < n; i++) {
        addService();
      }
      for (int i = 0, n = 6 + r.nextInt(30); i < n; i++) {
        addRealServer();
      }
      nodes = r.nextInt(4) == 0 ? null : new TreeSet<>(List.of("w1", "w2"));
    }

    String ns() {
      return r.nextInt(6) == 0 ? "other" : "default";
    }

    void addService() {
      String ns = ns();
      String name = "vs-" + next++;
      vss.put(ns + "/" + name, service(ns, name, 1L));
    }

    void addRealServer() {
      String ns = ns();
      String name = "rs-" + next++;
      rss.put(ns + "/" + name, realServer(ns, name, 1L));
    }

    /** One random change of the objects; returns what it did. */
    String edit() {
      int k = r.nextInt(100);
      if (k < 20 && !rss.isEmpty()) {
        String key = any(rss);
        RealServer old = rss.get(key);
        RealServer rs = realServer(old.getMetadata().getNamespace(), old.getMetadata().getName(),
            old.getMetadata().getGeneration() + 1); // a spec edit: the API server counts a generation
        rs.getMetadata().setLabels(old.getMetadata().getLabels());
        rs.getSpec().setAddress(old.getSpec().getAddress());
        rs.getSpec().setNodeName(old.getSpec().getNodeName());
        rs.getSpec().setForwardingMethod(old.getSpec().getForwardingMethod());
        rss.put(key, rs);
        return "reweigh " + key;
      } else if (k < 35 && !rss.isEmpty()) {
        String key = any(rss);
        RealServer old = rss.get(key);
        rss.put(key, realServer(old.getMetadata().getNamespace(), old.getMetadata().getName(),
            old.getMetadata().getGeneration() + 1));
        return "replace " + key;
      } else if (k < 42 && !rss.isEmpty()) { // the operator's status write: a new object, nothing else new
        String key = any(rss);
        RealServer copy = copy(rss.get(key));
        RealServerStatus st = new RealServerStatus();
        st.setVirtualServices(r.nextInt(3));
        copy.setStatus(st);
        rss.put(key, copy);
        return "status of " + key;
      } else if (k < 50) {
        addRealServer();
        return "add a RealServer";
      } else if (k < 56 && !rss.isEmpty()) {
        return "delete " + rss.remove(any(rss)).getMetadata().getName();
      } else if (k < 70 && !vss.isEmpty()) {
        String key = any(vss);
        VirtualService old = vss.get(key);
        vss.put(key, service(old.getMetadata().getNamespace(), old.getMetadata().getName(),
            old.getMetadata().getGeneration() + 1));
        return "replace " + key;
      } else if (k < 76) {
        addService();
        return "add a VirtualService";
      } else if (k < 81 && !vss.isEmpty()) {
        return "delete " + vss.remove(any(vss)).getMetadata().getName();
      } else if (k < 88) { // a pair's status written: with or without a plan named
        String name = r.nextBoolean() || !pairs.containsKey("edge") ? "lvs" : "edge";
        DirectorPair copy = copy(pairs.get(name));
        DirectorPairStatus st = new DirectorPairStatus();
        st.setPlanHash(r.nextInt(3) == 0 ? null : "p" + r.nextInt(5));
        copy.setStatus(st);
        pairs.put(name, copy);
        return "status of pair " + name;
      } else if (k < 91) {
        if (pairs.containsKey("edge") && r.nextBoolean()) {
          pairs.remove("edge");
          return "delete edge";
        }
        pairs.put("edge", pair("edge", "e-01", r.nextInt(3) == 0 ? "lvs-02" : "e-02"));
        return "pair edge";
      }
      return "nothing";
    }

    /** New reports or Nodes (the objects unchanged); returns what changed. */
    String reportsOrNodes(Snapshot s) {
      if (r.nextInt(5) == 0) {
        nodes = r.nextInt(4) == 0 ? null : new TreeSet<>(List.of(WORKERS).subList(0, r.nextInt(4)));
        return "nodes " + nodes;
      }
      List<ConfigMap> out = new ArrayList<>();
      for (DirectorPair dp : pairs.values()) {
        String pair = dp.getMetadata().getName();
        String current = s.planHash(pair);
        List<String> seen = hashes.getOrDefault(pair, List.of());
        boolean activeTaken = false;
        for (String node : dp.getSpec().getNodes()) {
          if (r.nextInt(6) == 0) {
            continue; // no report yet
          }
          int h = r.nextInt(10);
          String programmed = h < 5 ? current : h < 8 && !seen.isEmpty() ? seen.get(r.nextInt(seen.size()))
              : "never-built";
          boolean active = !activeTaken && r.nextBoolean();
          activeTaken |= active;
          Map<String, AgentReport.ServiceHealth> health = new TreeMap<>();
          for (VirtualService vs : vss.values()) {
            if (r.nextInt(3) == 0) {
              health.put(vs.getMetadata().getNamespace() + "/" + vs.getMetadata().getName(),
                  new AgentReport.ServiceHealth(r.nextInt(3), 2, List.of()));
            }
          }
          AgentReport report = new AgentReport(node, pair, active ? AgentReport.ACTIVE : AgentReport.STANDBY,
              programmed, r.nextInt(5) != 0, "2026-11-30T11:00:0" + r.nextInt(10) + "Z",
              r.nextInt(8) == 0 ? "trouble" : null, health, false);
          out.add(new ConfigMapBuilder().withNewMetadata().withName(Names.report(pair, node)).endMetadata()
              .withData(Map.of(Names.REPORT_KEY, AgentReport.toJson(report))).build());
        }
      }
      for (String worker : WORKERS) {
        RealServerNodePlan plan = s.result().realServerNodes().get(worker);
        if (r.nextInt(3) == 0) {
          continue;
        }
        String hash = plan != null && r.nextBoolean() ? RealServerPublish.hash(RealServerPublish.planJson(plan))
            : "other";
        RealServerPublish.Report report = new RealServerPublish.Report(worker, hash, List.of("vip x on lo"),
            r.nextInt(4) == 0 ? List.of("tunl0 down") : List.of(), "2026-11-30T11:00:0" + r.nextInt(10) + "Z");
        out.add(new ConfigMapBuilder().withNewMetadata().withName("rs-report-" + worker)
            .withLabels(Map.of(Names.PART_LABEL, Names.PART_REAL_SERVER_REPORT)).endMetadata()
            .withData(Map.of(Names.REPORT_KEY, RealServerPublish.reportJson(report))).build());
      }
      reports = out;
      return "reports";
    }

    void published(Snapshot s) {
      s.published().forEach((pair, p) -> {
        List<String> l = hashes.computeIfAbsent(pair, x -> new ArrayList<>());
        if (!l.contains(p.manifest().planHash())) {
          l.add(p.manifest().planHash());
        }
      });
    }

    <T> String any(Map<String, T> m) {
      List<String> keys = new ArrayList<>(m.keySet());
      return keys.get(r.nextInt(keys.size()));
    }

    VirtualService service(String ns, String name, long generation) {
      VirtualService vs = new VirtualService();
      vs.setMetadata(new ObjectMetaBuilder().withNamespace(ns).withName(name).withGeneration(generation)
          .withCreationTimestamp("2026-01-01T00:00:0" + r.nextInt(3) + "Z").build());
      VirtualServiceSpec s = new VirtualServiceSpec();
      String[] pairNames = {"lvs", "lvs", "edge", "gone"};
      s.setDirectorPair(pairNames[r.nextInt(pairNames.length)]);
      s.setVip("10.0.0." + (1 + r.nextInt(6)));
      s.setPort(r.nextInt(4) == 0 ? 443 : 80);
      LabelSelector sel = new LabelSelector();
      if (r.nextInt(8) != 0) {
        sel.setMatchLabels(Map.of("app", APPS[r.nextInt(APPS.length)]));
      }
      s.setRealServerSelector(sel);
      if (r.nextInt(3) == 0) {
        Forwarding f = new Forwarding();
        f.setMethod(ForwardingMethod.values()[r.nextInt(ForwardingMethod.values().length)]);
        s.setForwarding(f);
      }
      vs.setSpec(s);
      return vs;
    }

    RealServer realServer(String ns, String name, long generation) {
      RealServer rs = new RealServer();
      Map<String, String> labels = new HashMap<>(Map.of("app", APPS[r.nextInt(APPS.length)]));
      rs.setMetadata(new ObjectMetaBuilder().withNamespace(ns).withName(name).withGeneration(generation)
          .withLabels(labels).build());
      RealServerSpec s = new RealServerSpec();
      s.setAddress(r.nextInt(30) == 0 ? "bogus" : "172.16.0." + (1 + r.nextInt(20)));
      s.setWeight(r.nextInt(5) * 10);
      if (r.nextInt(3) == 0) {
        s.setNodeName(WORKERS[r.nextInt(WORKERS.length)]);
      }
      if (r.nextInt(3) == 0) {
        s.setForwardingMethod(ForwardingMethod.values()[r.nextInt(ForwardingMethod.values().length)]);
      }
      rs.setSpec(s);
      return rs;
    }

    static DirectorPair pair(String name, String a, String b) {
      DirectorPair dp = new DirectorPair();
      dp.setMetadata(new ObjectMetaBuilder().withName(name).withGeneration(1L)
          .withCreationTimestamp(name.equals("lvs") ? "2026-01-01T00:00:00Z" : "2026-01-02T00:00:00Z").build());
      DirectorPairSpec ps = new DirectorPairSpec();
      ps.setNodes(List.of(a, b));
      ps.setVipInterface("eth0");
      dp.setSpec(ps);
      return dp;
    }

    static RealServer copy(RealServer rs) {
      RealServer c = new RealServer();
      c.setMetadata(new ObjectMetaBuilder(rs.getMetadata()).build());
      c.setSpec(rs.getSpec());
      return c;
    }

    static DirectorPair copy(DirectorPair dp) {
      DirectorPair c = new DirectorPair();
      c.setMetadata(new ObjectMetaBuilder(dp.getMetadata()).build());
      c.setSpec(dp.getSpec());
      return c;
    }
  }

  static long incrementalSteps;
  static long realServerViews;
  static long realServerViewsIfFull;

  @Test
  void randomEditsKeepWhatAModelFromNothingMakes() {
    incrementalSteps = 0;
    realServerViews = 0;
    realServerViewsIfFull = 0;
    long seed0 = Long.getLong("halvs.fuzz.seed", new Random().nextLong());
    int iterations = Integer.getInteger("halvs.fuzz.iterations", 60);
    for (int i = 0; i < iterations; i++) {
      long seed = seed0 + i;
      try {
        scenario(seed);
      } catch (AssertionError e) {
        throw new AssertionError("scenario " + seed + " (-Dhalvs.fuzz.seed=" + seed + "): " + e.getMessage(), e);
      }
    }
    // the property must have run on the kept path, and that path must have made fewer RealServer views
    assertThat(incrementalSteps).isGreaterThan(iterations * 20L);
    assertThat(realServerViews).isLessThan(realServerViewsIfFull / 2);
  }

  /** 40 rounds of 1-3 random edits or a change of the reports, comparing after each. */
  static void scenario(long seed) {
    World w = new World(new Random(seed));
    PlanService.History kept = new PlanService.History(new IncrementalPlanBuilder(1000));
    PlanService.History reference = PlanService.History.full();
    ViewKeeper keeper = new ViewKeeper();
    // the same, told which objects changed, as the operator's stores log them
    PlanService.History logged = new PlanService.History(new IncrementalPlanBuilder(1000));
    ViewKeeper loggedKeeper = new ViewKeeper();
    Map<ObjectRef, HasMetadata> lastObjects = null;
    Snapshot s = null;
    Snapshot fromLog = null;
    Snapshot ref = null;
    Map<ObjectRef, Object> refViews = Map.of();
    List<String> done = new ArrayList<>();
    for (int round = 0; round < 40; round++) {
      boolean objects = round == 0 || w.r.nextInt(10) < 7;
      if (round > 0 && objects) {
        for (int i = 0, n = 1 + w.r.nextInt(3); i < n; i++) {
          done.add(w.edit());
        }
      } else if (round > 0) {
        done.add(w.reportsOrNodes(s));
      }
      List<DirectorPair> pairs = new ArrayList<>(w.pairs.values());
      List<VirtualService> vss = new ArrayList<>(w.vss.values());
      List<RealServer> rss = new ArrayList<>(w.rss.values());
      java.util.Collections.shuffle(vss, w.r);
      java.util.Collections.shuffle(rss, w.r);
      PlanService.Delta delta;
      PlanService.Delta loggedDelta;
      if (objects) {
        s = kept.build(pairs, vss, rss, w.reports, w.nodes);
        ref = reference.build(pairs, vss, rss, w.reports, w.nodes);
        delta = kept.lastDelta();
        Map<ObjectRef, HasMetadata> now = byRef(pairs, vss, rss);
        fromLog = logged.build(pairs, vss, rss, w.reports, w.nodes,
            lastObjects == null ? null : log(lastObjects, now, w.r));
        lastObjects = now;
        loggedDelta = logged.lastDelta();
      } else {
        s = PlanService.History.withReports(s, w.reports, w.nodes);
        ref = PlanService.History.withReports(ref, w.reports, w.nodes);
        fromLog = PlanService.History.withReports(fromLog, w.reports, w.nodes);
        delta = PlanService.Delta.NONE;
        loggedDelta = PlanService.Delta.NONE;
      }
      w.published(s);
      long viewsBefore = keeper.realServerViews();
      Set<ObjectRef> handed = new TreeSet<>(keeper.update(s, pairs, vss, rss, delta));
      Set<ObjectRef> handedFromLog = new TreeSet<>(loggedKeeper.update(fromLog, pairs, vss, rss, loggedDelta));
      if (delta != null && round > 0) {
        incrementalSteps++;
        realServerViews += keeper.realServerViews() - viewsBefore;
        realServerViewsIfFull += rss.size();
      }
      Map<ObjectRef, Object> views = PlanService.views(ref, vss, rss, pairs);
      Set<ObjectRef> changed = IncrementalRebuildTest.changed(refViews, views);
      refViews = views;

      String context = "round " + round + " after " + done.subList(Math.max(0, done.size() - 3), done.size());
      assertSameModel(s, ref, w, context);
      assertThat(keeper.views()).as("views, " + context).isEqualTo(views);
      assertThat(handed).as("objects handed on, " + context).isEqualTo(changed);
      assertSameModel(fromLog, ref, w, "from the log, " + context);
      assertThat(loggedKeeper.views()).as("views from the log, " + context).isEqualTo(views);
      assertThat(handedFromLog).as("objects handed on from the log, " + context).isEqualTo(changed);
    }
    // the log was whole: no build looked at every object to find the changed ones
    assertThat(logged.passes()).as("passes over every object").isZero();
  }

  static void assertSameModel(Snapshot s, Snapshot ref, World w, String context) {
    for (String pair : w.pairs.keySet()) {
      assertThat(s.planHash(pair)).as("plan hash of " + pair + ", " + context).isEqualTo(ref.planHash(pair));
    }
    assertThat(s.result()).as("plan result, " + context).isEqualTo(ref.result());
    assertThat(new HashMap<>(s.realServerUse())).as("RealServer use, " + context).isEqualTo(ref.realServerUse());
    assertThat(new HashMap<>(s.generations())).as("generations, " + context).isEqualTo(ref.generations());
    assertThat(new HashMap<>(s.services())).as("services, " + context).isEqualTo(ref.services());
    assertThat(versions(s)).as("service versions, " + context).isEqualTo(versions(ref));
  }

  static Map<ObjectRef, HasMetadata> byRef(List<DirectorPair> pairs, List<VirtualService> vss,
      List<RealServer> rss) {
    Map<ObjectRef, HasMetadata> out = new HashMap<>();
    for (List<? extends HasMetadata> list : List.of(pairs, vss, rss)) {
      list.forEach(o -> out.put(StatusComputer.ref(o), o));
    }
    return out;
  }

  /**
   * What the stores' logs hold between two reads: each object put or removed since (ref -> the object now, null:
   * gone); and, as a log may, some put again unchanged and one added and deleted in between.
   */
  static Map<ObjectRef, HasMetadata> log(Map<ObjectRef, HasMetadata> before, Map<ObjectRef, HasMetadata> now,
      Random r) {
    Map<ObjectRef, HasMetadata> log = new HashMap<>();
    now.forEach((ref, o) -> {
      if (before.get(ref) != o || r.nextInt(10) == 0) {
        log.put(ref, o);
      }
    });
    before.keySet().forEach(ref -> {
      if (!now.containsKey(ref)) {
        log.put(ref, null);
      }
    });
    if (r.nextInt(5) == 0) {
      log.put(new ObjectRef("RealServer", "default", "added-and-deleted-" + r.nextInt(1000)), null);
    }
    return log;
  }

  static Map<String, Map<String, Map<ObjectRef, Integer>>> versions(Snapshot s) {
    Map<String, Map<String, Map<ObjectRef, Integer>>> out = new TreeMap<>();
    s.serviceVersions().forEach((pair, byPlan) -> {
      Map<String, Map<ObjectRef, Integer>> m = new TreeMap<>();
      byPlan.forEach((hash, v) -> m.put(hash, new HashMap<>(v)));
      out.put(pair, m);
    });
    return out;
  }

  /**
   * Equal RealServer views are one instance (most RealServers back one service at generation 1, without findings);
   * one that differs is its own, and a change of it is still seen.
   */
  @Test
  void equalRealServerViewsAreOneInstance() {
    Fleet fleet = new Fleet(20, 50);
    PlanService.History history = new PlanService.History();
    ViewKeeper keeper = new ViewKeeper();
    Snapshot s = history.build(fleet.pairs, fleet.vss, fleet.rss, List.of());
    keeper.update(s, fleet.pairs, fleet.vss, fleet.rss, history.lastDelta());
    java.util.Set<Object> distinct = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    keeper.views().forEach((ref, view) -> {
      if (ref.kind().equals("RealServer")) {
        distinct.add(view);
      }
    });
    assertThat(distinct).hasSize(1);

    fleet.reweigh(3, 42); // generation 2
    s = history.build(fleet.pairs, fleet.vss, fleet.rss, List.of());
    List<ObjectRef> handed = keeper.update(s, fleet.pairs, fleet.vss, fleet.rss, history.lastDelta());
    assertThat(handed).contains(new ObjectRef("RealServer", "default", "rs-3"));
    Object edited = keeper.views().get(new ObjectRef("RealServer", "default", "rs-3"));
    assertThat(edited).isNotEqualTo(keeper.views().get(new ObjectRef("RealServer", "default", "rs-4")));
  }

  /** A weight makes one RealServer's view; a selector changed, those of the RealServers it drops and takes. */
  @Test
  void anEditMakesTheViewsOfWhatItTouches() {
    Fleet fleet = new Fleet(200, 50);
    PlanService.History history = new PlanService.History();
    ViewKeeper keeper = new ViewKeeper();
    Snapshot s = history.build(fleet.pairs, fleet.vss, fleet.rss, List.of());
    keeper.update(s, fleet.pairs, fleet.vss, fleet.rss, history.lastDelta());
    assertThat(keeper.realServerViews()).isEqualTo(10_000);

    fleet.reweigh(7 * 50 + 3, 42);
    s = history.build(fleet.pairs, fleet.vss, fleet.rss, List.of());
    assertThat(history.lastDelta()).isNotNull();
    List<ObjectRef> handed = keeper.update(s, fleet.pairs, fleet.vss, fleet.rss, history.lastDelta());
    assertThat(keeper.realServerViews()).isEqualTo(10_001);
    assertThat(handed).containsExactlyInAnyOrder(new ObjectRef("DirectorPair", null, "lvs"),
        new ObjectRef("VirtualService", "default", "vs-7"), new ObjectRef("RealServer", "default", "rs-353"));

    VirtualService vs = fleet.vss.get(7);
    VirtualService moved = new VirtualService();
    moved.setMetadata(new ObjectMetaBuilder(vs.getMetadata()).withGeneration(2L).build());
    VirtualServiceSpec spec = new VirtualServiceSpec();
    spec.setDirectorPair("lvs");
    spec.setVip(vs.getSpec().getVip());
    spec.setPort(80);
    LabelSelector sel = new LabelSelector();
    sel.setMatchLabels(Map.of("app", "app-8")); // 50 out, 50 in (their use goes from 1 to 2)
    spec.setRealServerSelector(sel);
    moved.setSpec(spec);
    fleet.vss.set(7, moved);
    s = history.build(fleet.pairs, fleet.vss, fleet.rss, List.of());
    // PlanService takes the delta: handed over once, it is not kept until the next build.
    PlanService.Delta taken = history.takeDelta();
    assertThat(taken).isNotNull();
    assertThat(history.lastDelta()).isNull();
    handed = keeper.update(s, fleet.pairs, fleet.vss, fleet.rss, taken);
    assertThat(keeper.realServerViews()).isEqualTo(10_101);
    assertThat(handed.stream().filter(r -> r.kind().equals("RealServer")).count()).isEqualTo(100);
    assertThat(new HashMap<>(s.realServerUse())).isEqualTo(Snapshot.realServerUse(s.result()));
  }

  /**
   * After a bulk apply the operator writes every RealServer's status, after a failover every VirtualService's:
   * new objects, the same to the model. The next build checks none of them again and makes no RealServer's view
   * (the first edit after a bulk apply took 3.3 s at full size), and the model holds the new objects only.
   */
  @Test
  void statusWritesAreBoundToTheKeptModelNotCheckedAgain() {
    Fleet fleet = new Fleet(50, 20);
    PlanService.History history = new PlanService.History();
    ViewKeeper keeper = new ViewKeeper();
    Snapshot s = history.build(fleet.pairs, fleet.vss, fleet.rss, List.of());
    keeper.update(s, fleet.pairs, fleet.vss, fleet.rss, history.lastDelta());
    Map<ObjectRef, Object> before = new HashMap<>(keeper.views());
    List<java.lang.ref.WeakReference<Object>> old = new ArrayList<>();
    fleet.rss.forEach(o -> old.add(new java.lang.ref.WeakReference<>(o)));
    fleet.vss.forEach(o -> old.add(new java.lang.ref.WeakReference<>(o)));

    fleet.writeStatuses();
    s = history.build(fleet.pairs, fleet.vss, fleet.rss, List.of());
    assertThat(history.planner().checkedLastBuild()).isZero();
    assertThat(history.planner().resolvedLastBuild()).isZero();
    assertThat(history.planner().reboundLastBuild()).isEqualTo(1050);
    PlanService.Delta delta = history.lastDelta();
    assertThat(delta.changed()).isEmpty();
    assertThat(delta.rebound()).hasSize(1000);
    long views = keeper.realServerViews();
    assertThat(keeper.update(s, fleet.pairs, fleet.vss, fleet.rss, delta)).isEmpty();
    assertThat(keeper.realServerViews()).isEqualTo(views);
    assertThat(keeper.views()).isEqualTo(before);
    for (int i = 0; i < 50 && old.stream().anyMatch(w -> w.get() != null); i++) {
      System.gc();
    }
    assertThat(old).as("the replaced objects, collected").allMatch(w -> w.get() == null);

    fleet.reweigh(7, 42); // and an edit after them is one
    s = history.build(fleet.pairs, fleet.vss, fleet.rss, List.of());
    assertThat(history.planner().checkedLastBuild()).isEqualTo(1);
    assertThat(keeper.update(s, fleet.pairs, fleet.vss, fleet.rss, history.lastDelta()))
        .contains(new ObjectRef("RealServer", "default", "rs-7"));
  }

  /**
   * Each RealServer's name is one ObjectRef across the plan's destinations, the model's maps and the views: at
   * 100,000 RealServers each copy was 2.4 MiB of the operator's heap, and there were four. Also after an edit,
   * a wave of status writes, a selector moved, and an edit the stores logged under a name of their own.
   */
  @Test
  void eachRealServerIsNamedByOneInstance() {
    Fleet fleet = new Fleet(50, 20);
    PlanService.History history = new PlanService.History();
    ViewKeeper keeper = new ViewKeeper();
    Snapshot s = history.build(fleet.pairs, fleet.vss, fleet.rss, List.of());
    keeper.update(s, fleet.pairs, fleet.vss, fleet.rss, history.takeDelta(), history::refOf);
    assertThat(realServerNames(s, keeper, history)).as("after the first build").hasSize(1000);

    fleet.reweigh(7, 42);
    fleet.writeStatuses();
    fleet.reselect(3, 4);
    s = history.build(fleet.pairs, fleet.vss, fleet.rss, List.of());
    keeper.update(s, fleet.pairs, fleet.vss, fleet.rss, history.takeDelta(), history::refOf);
    assertThat(realServerNames(s, keeper, history)).as("after an edit, status writes and a selector moved")
        .hasSize(1000);

    fleet.reweigh(9, 43);
    long passes = history.passes();
    Map<ObjectRef, HasMetadata> logged = Map.of(new ObjectRef("RealServer", "default", "rs-9"), fleet.rss.get(9));
    s = history.build(fleet.pairs, fleet.vss, fleet.rss, List.of(), null, logged);
    keeper.update(s, fleet.pairs, fleet.vss, fleet.rss, history.takeDelta(), history::refOf);
    assertThat(history.passes()).as("the logged edit was taken from the log").isEqualTo(passes);
    assertThat(realServerNames(s, keeper, history)).as("after a logged edit").hasSize(1000);
  }

  /** The distinct instances naming RealServers in the plan, the model's maps and the views. */
  private static Set<ObjectRef> realServerNames(Snapshot s, ViewKeeper keeper, PlanService.History history) {
    Set<ObjectRef> names = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    s.result().plans().values().forEach(p -> p.services().forEach(
        svc -> svc.destinations().forEach(d -> names.add(d.realServer()))));
    names.addAll(s.realServerUse().keySet());
    s.generations().keySet().stream().filter(r -> r.kind().equals("RealServer")).forEach(names::add);
    keeper.views().keySet().stream().filter(r -> r.kind().equals("RealServer")).forEach(names::add);
    names.addAll(keeper.realServers().keySet());
    history.keptNames().stream().filter(r -> r.kind().equals("RealServer")).forEach(names::add);
    return names;
  }

  /** The operator's status writes are no change to the model; a spec, label or plan named is. */
  @Test
  void aStatusWriteIsNotAChange() {
    World w = new World(new Random(1));
    RealServer rs = w.rss.values().iterator().next();
    RealServer written = World.copy(rs);
    written.setStatus(new RealServerStatus());
    assertThat(PlanService.statusOnly(rs, written)).isTrue();
    RealServer relabelled = World.copy(rs);
    relabelled.getMetadata().setLabels(Map.of("app", "zz"));
    assertThat(PlanService.statusOnly(rs, relabelled)).isFalse();
    RealServer edited = World.copy(rs);
    edited.getMetadata().setGeneration(rs.getMetadata().getGeneration() + 1);
    assertThat(PlanService.statusOnly(rs, edited)).isFalse();
    RealServer deleting = World.copy(rs);
    deleting.getMetadata().setDeletionTimestamp("2026-11-30T12:00:00Z");
    assertThat(PlanService.statusOnly(rs, deleting)).isFalse();
    assertThat(PlanService.statusOnly(null, rs)).isFalse();

    DirectorPair dp = w.pairs.get("lvs");
    DirectorPair named = World.copy(dp);
    named.setStatus(new DirectorPairStatus());
    named.getStatus().setPlanHash("abc");
    assertThat(PlanService.statusOnly(dp, named)).isFalse(); // the older pair with a plan keeps a contested node
    DirectorPair renamed = World.copy(named);
    renamed.getStatus().setPlanHash("def");
    renamed.getStatus().setActiveNode("lvs-01");
    assertThat(PlanService.statusOnly(named, renamed)).isTrue();
  }

  static boolean same(Object a, Object b) {
    return Objects.equals(a, b);
  }
}
