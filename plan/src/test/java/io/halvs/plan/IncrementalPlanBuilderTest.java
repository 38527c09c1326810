package io.halvs.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.Forwarding;
import io.halvs.api.v1alpha1.ForwardingMethod;
import io.halvs.api.v1alpha1.HealthCheck;
import io.halvs.api.v1alpha1.HealthCheckOverride;
import io.halvs.api.v1alpha1.HealthCheckType;
import io.halvs.api.v1alpha1.MarkingRule;
import io.halvs.api.v1alpha1.Protocol;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.plan.testing.Fuzz;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The incremental build equals a fresh full build after any sequence of edits (plans, findings and real-server
 * nodes, cross-service checks included), and redoes only what an edit touches (counted, not timed).
 */
class IncrementalPlanBuilderTest {
  static final String[] APPS = {"a", "b", "c", "d"};
  static final ForwardingMethod[] METHODS = ForwardingMethod.values();

  /**
   * A small cluster that random edits change: objects are replaced, never changed in place, as informers do. Each
   * edit of a RealServer's or VirtualService's spec or metadata gives it a new generation, as the API server does;
   * a status write keeps it (StatusOnly).
   */
  static final class World {
    final Random r;
    final Map<String, DirectorPair> pairs = new TreeMap<>();
    final Map<String, VirtualService> vss = new TreeMap<>();
    final Map<String, RealServer> rss = new TreeMap<>();
    int next;
    long generation;

    World(Random r) {
      this.r = r;
      pairs.put("p1", pair("p1", "n1", "n2"));
      pairs.put("p2", pair("p2", "n3", "n4"));
      if (r.nextBoolean()) {
        pairs.put("p3", pair("p3", "n1", "n5")); // takes p1's node n1: rejected or p1 is
      }
      for (int i = 0, n = 4 + r.nextInt(12); i < n; i++) {
        addService();
      }
      for (int i = 0, n = 8 + r.nextInt(40); i < n; i++) {
        addRealServer();
      }
    }

    PlanInput input() {
      List<VirtualService> v = new ArrayList<>(vss.values());
      List<RealServer> s = new ArrayList<>(rss.values());
      java.util.Collections.shuffle(v, r);
      java.util.Collections.shuffle(s, r);
      return new PlanInput(new ArrayList<>(pairs.values()), v, s);
    }

    String ns() {
      return r.nextInt(5) == 0 ? "ns2" : "ns1";
    }

    void addService() {
      String ns = ns();
      String name = "vs-" + next++;
      vss.put(ns + "/" + name, service(ns, name));
    }

    void addRealServer() {
      String ns = ns();
      String name = "rs-" + next++;
      rss.put(ns + "/" + name, realServer(ns, name));
    }

    /** One random edit; returns what it did. */
    String edit() {
      int k = r.nextInt(115);
      if (k < 25 && !rss.isEmpty()) { // a weight, as most edits are
        String key = any(rss);
        RealServer old = rss.get(key);
        RealServer rs = realServer(old.getMetadata().getNamespace(), old.getMetadata().getName());
        rs.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder(old.getMetadata())
            .withGeneration(++generation).build());
        rs.getSpec().setAddress(old.getSpec().getAddress());
        rs.getSpec().setForwardingMethod(old.getSpec().getForwardingMethod());
        rs.getSpec().setPort(old.getSpec().getPort());
        rss.put(key, rs);
        return "reweigh " + key;
      } else if (k < 45 && !rss.isEmpty()) {
        String key = any(rss);
        String[] nsName = key.split("/");
        rss.put(key, realServer(nsName[0], nsName[1]));
        return "replace " + key;
      } else if (k < 55) {
        addRealServer();
        return "add a RealServer";
      } else if (k < 63 && !rss.isEmpty()) {
        return "delete " + rss.remove(any(rss)).getMetadata().getName();
      } else if (k < 78 && !vss.isEmpty()) {
        String key = any(vss);
        String[] nsName = key.split("/");
        vss.put(key, service(nsName[0], nsName[1]));
        return "replace " + key;
      } else if (k < 85) {
        addService();
        return "add a VirtualService";
      } else if (k < 92 && !vss.isEmpty()) {
        return "delete " + vss.remove(any(vss)).getMetadata().getName();
      } else if (k < 96) {
        String name = "p" + (1 + r.nextInt(3));
        if (name.equals("p3") && pairs.containsKey("p3") && r.nextBoolean()) {
          pairs.remove("p3");
          return "delete p3";
        }
        String[][] nodes = {{"n1", "n2"}, {"n3", "n4"}, {"n1", "n5"}, {"n6", "n7"}};
        String[] n = nodes[r.nextInt(nodes.length)];
        DirectorPair dp = pair(name, n[0], n[1]);
        if (r.nextInt(4) == 0) {
          dp.getSpec().setAllowedNamespaces(List.of("ns1"));
        }
        pairs.put(name, dp);
        return "pair " + name + " on " + n[0] + "," + n[1];
      } else if (k < 99) { // the operator's status write: a new object, naming a plan or not
        String name = any(pairs);
        DirectorPair old = pairs.get(name);
        DirectorPair dp = new DirectorPair();
        dp.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder(old.getMetadata()).build());
        dp.setSpec(old.getSpec());
        dp.setStatus(new io.halvs.api.v1alpha1.DirectorPairStatus());
        dp.getStatus().setPlanHash(r.nextInt(3) == 0 ? null : "plan-" + r.nextInt(3));
        pairs.put(name, dp);
        return "status of " + name;
      } else if (k >= 100 && k < 108 && !rss.isEmpty()) { // the operator's status write of a RealServer
        String key = any(rss);
        RealServer old = rss.get(key);
        RealServer rs = new RealServer();
        rs.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder(old.getMetadata())
            .withResourceVersion(String.valueOf(next++)).build());
        rs.setSpec(old.getSpec());
        rs.setStatus(new io.halvs.api.v1alpha1.RealServerStatus());
        rs.getStatus().setVirtualServices(r.nextInt(5));
        rss.put(key, rs);
        return "status of " + key;
      } else if (k >= 108 && !vss.isEmpty()) { // and of a VirtualService
        String key = any(vss);
        VirtualService old = vss.get(key);
        VirtualService vs = new VirtualService();
        vs.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder(old.getMetadata())
            .withResourceVersion(String.valueOf(next++)).build());
        vs.setSpec(old.getSpec());
        vs.setStatus(new io.halvs.api.v1alpha1.VirtualServiceStatus());
        vs.getStatus().setObservedGeneration(old.getMetadata().getGeneration());
        vss.put(key, vs);
        return "status of " + key;
      }
      return "nothing";
    }

    <T> String any(Map<String, T> m) {
      List<String> keys = new ArrayList<>(m.keySet());
      return keys.get(r.nextInt(keys.size()));
    }

    VirtualService service(String ns, String name) {
      String[] pairNames = {"p1", "p1", "p2", "p3", "gone"};
      int kind = r.nextInt(26);
      String vip = kind < 16 ? "192.168.0." + (1 + r.nextInt(6)) : kind < 18 ? "fd00:1::" + (1 + r.nextInt(2))
          : kind < 19 ? "not-an-address" : null;
      VirtualService vs = Fixtures.service(ns, name, pairNames[r.nextInt(pairNames.length)], vip,
          r.nextInt(4) == 0 ? 443 : 80, APPS[r.nextInt(APPS.length)]);
      vs.getMetadata().setGeneration(++generation);
      var s = vs.getSpec();
      if (vip == null) { // a firewall-mark service
        s.setPort(null);
        s.setFirewallMark(1L + r.nextInt(3));
        if (r.nextBoolean()) {
          s.setVips(List.of("192.168.0." + (1 + r.nextInt(6))));
        }
        if (kind >= 20) {
          s.setMarking(marking(s.getVips() != null));
        }
      } else if (r.nextInt(40) == 0) {
        s.setMarking(marking(true)); // refused: marking is for firewall-mark services
      }
      if (r.nextInt(5) == 0 && s.getPort() != null) {
        s.setProtocol(Protocol.UDP);
      }
      if (r.nextInt(2) == 0) {
        Forwarding f = new Forwarding();
        f.setMethod(METHODS[r.nextInt(METHODS.length)]);
        s.setForwarding(f);
      }
      int sel = r.nextInt(20);
      LabelSelector selector = new LabelSelector();
      if (sel < 12) {
        selector.setMatchLabels(Map.of("app", APPS[r.nextInt(APPS.length)]));
      } else if (sel < 15) {
        selector.setMatchLabels(Map.of("app", APPS[r.nextInt(APPS.length)], "tier", r.nextBoolean() ? "x" : "y"));
      } else if (sel < 17) {
        selector.setMatchExpressions(List.of(new LabelSelectorRequirement("app", "In", List.of("a", "b"))));
      } else if (sel < 18) {
        selector.setMatchExpressions(List.of(new LabelSelectorRequirement("tier", "Exists", null)));
      } else if (sel < 19) {
        selector.setMatchExpressions(List.of(new LabelSelectorRequirement("app", "NotIn", List.of("a"))));
      } // else {}: every RealServer of the namespace
      s.setRealServerSelector(selector);
      if (r.nextInt(8) == 0) {
        s.setVipInterface("eth1");
      }
      if (r.nextInt(8) == 0 && vip != null && !vip.contains(":") && !vip.startsWith("not")) {
        s.setVipPrefixLength(24);
      }
      if (r.nextInt(6) == 0) {
        HealthCheck hc = new HealthCheck();
        hc.setType(HealthCheckType.TCP);
        hc.setPort(8080);
        s.setHealthCheck(hc);
      }
      String[] created = {null, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"};
      vs.getMetadata().setCreationTimestamp(created[r.nextInt(created.length)]);
      if (r.nextInt(8) == 0) {
        vs.getMetadata().setAnnotations(Map.of(PlanBuilder.ALLOW_EMPTY_ANNOTATION, "true"));
      }
      return vs;
    }

    /**
     * A firewall-mark service's marking from a small pool of destinations and ports, so services overlap (with the
     * same mark or another), shadow port services on 192.168.0.x, catch the sync daemons or heartbeats, or not.
     */
    List<MarkingRule> marking(boolean hasVips) {
      String[] destinations = {"192.168.0.1", "192.168.0.2", "192.168.0.4/30", "192.168.0.0/29", "198.51.100.0/28",
          "198.51.100.8/29", "198.51.100.32/27", "224.0.0.0/4", "0.0.0.0/0", "fd00:1::/64"};
      String[] ports = {"80", "443", "8000-8099", "8848", "8849", "1-1024", "not-a-port"};
      Protocol[] protocols = {Protocol.TCP, Protocol.TCP, Protocol.UDP, Protocol.SCTP, null};
      List<MarkingRule> rules = new ArrayList<>();
      for (int i = 0, n = 1 + r.nextInt(2); i < n; i++) {
        MarkingRule m = new MarkingRule();
        m.setProtocol(protocols[r.nextInt(protocols.length)]);
        if (!hasVips || r.nextInt(3) != 0) { // else the service's vips
          List<String> d = new ArrayList<>();
          for (int j = 0, k = 1 + r.nextInt(2); j < k; j++) {
            d.add(destinations[r.nextInt(r.nextInt(12) == 0 ? destinations.length : destinations.length - 3)]);
          }
          m.setDestinations(d);
        }
        if (m.getProtocol() != null && r.nextInt(4) != 0) {
          List<String> p = new ArrayList<>();
          for (int j = 0, k = 1 + r.nextInt(2); j < k; j++) {
            p.add(ports[r.nextInt(r.nextInt(15) == 0 ? ports.length : ports.length - 1)]);
          }
          m.setPorts(p);
        }
        rules.add(m);
      }
      return rules;
    }

    RealServer realServer(String ns, String name) {
      int a = r.nextInt(40);
      String address = a < 34 ? "10.0.0." + (1 + r.nextInt(24)) : a < 38 ? "fd00::" + (1 + r.nextInt(4)) : "bogus";
      RealServer rs = Fixtures.real(ns, name, address, 10 * r.nextInt(5), APPS[r.nextInt(APPS.length)]);
      rs.getMetadata().setGeneration(++generation);
      if (r.nextInt(3) == 0) {
        rs.getMetadata().getLabels().put("tier", r.nextBoolean() ? "x" : "y");
      }
      if (r.nextInt(20) == 0) {
        rs.getMetadata().setLabels(null);
      }
      var s = rs.getSpec();
      if (r.nextInt(4) == 0) {
        s.setPort(r.nextBoolean() ? 80 : 8080);
      }
      if (r.nextInt(4) == 0) {
        s.setForwardingMethod(METHODS[r.nextInt(METHODS.length)]);
      }
      if (r.nextInt(4) == 0) {
        String[] nodes = {"n1", "n3", "w1", "w2"};
        s.setNodeName(nodes[r.nextInt(nodes.length)]);
      }
      if (r.nextInt(10) == 0) {
        s.setDrain(true);
      }
      if (r.nextInt(30) == 0) {
        s.setWeight(70000);
      }
      if (r.nextInt(10) == 0) {
        HealthCheckOverride o = new HealthCheckOverride();
        if (r.nextBoolean()) {
          o.setPort(8081);
        } else {
          o.setIntervalMillis(-5);
        }
        s.setHealthCheck(o);
      }
      return rs;
    }

    static DirectorPair pair(String name, String a, String b) {
      DirectorPair dp = Fixtures.pair(name, a, b);
      dp.getMetadata().setCreationTimestamp("2026-01-0" + name.charAt(1) + "T00:00:00Z");
      return dp;
    }
  }

  static long incrementalBuilds;
  /** Incremental builds right after a pair's status write. */
  static long pairCopiesKept;
  /** RealServers and VirtualServices whose status writes incremental builds kept (not checked again). */
  static long statusWritesKept;
  /** Finding reasons, and plans with marking rules, that incremental (not full) builds produced. */
  static final java.util.Set<String> seenIncrementally = new java.util.TreeSet<>();
  static long incrementalMarkRules;

  @Test
  void randomEditsBuildWhatAFullBuildBuilds() {
    incrementalBuilds = 0;
    pairCopiesKept = 0;
    statusWritesKept = 0;
    incrementalMarkRules = 0;
    seenIncrementally.clear();
    int ran = Fuzz.run("incremental plan", 100, Random::nextLong, seed -> "scenario " + seed,
        seed -> Long.MAX_VALUE, IncrementalPlanBuilderTest::scenario);
    // the property must have run on the incremental path, not only on full builds, also past pairs' status writes
    assertThat(incrementalBuilds).isGreaterThan(ran * 20L);
    assertThat(pairCopiesKept).isGreaterThan(ran / 5);
    assertThat(statusWritesKept).isGreaterThan(ran * 5L);
    // and on marking: rules kept, and every pair-level marking finding
    assertThat(incrementalMarkRules).isGreaterThan(ran * 10L);
    assertThat(seenIncrementally).contains("MarkingOverlap", "MarkingCatchesSync", "MarkingShadowsService",
        "MarkingMayCatchHeartbeats", "MarksEveryAddress", "VipConflict", "DuplicateService", "ConflictingMethods");
  }

  /** 40 rounds of 1-3 random edits, comparing after each. */
  static void scenario(long seed) {
    World w = new World(new Random(seed));
    IncrementalPlanBuilder builder = new IncrementalPlanBuilder(1000);
    // the same, told which RealServers changed, as the operator's stores log them
    IncrementalPlanBuilder logged = new IncrementalPlanBuilder(1000);
    Map<ObjectRef, RealServer> lastRss = null;
    List<String> done = new ArrayList<>();
    for (int round = 0; round < 40; round++) {
      if (round > 0) {
        for (int i = 0, n = 1 + w.r.nextInt(3); i < n; i++) {
          done.add(w.edit());
        }
      }
      PlanInput input = w.input();
      PlanResult incremental = builder.build(input);
      PlanResult full = PlanBuilder.build(input);
      Map<ObjectRef, RealServer> nowRss = byRef(input.realServers());
      PlanResult fromLog = logged.build(input, lastRss == null ? null : log(lastRss, nowRss, w.r));
      lastRss = nowRss;
      String context = "round " + round + " after " + done.subList(Math.max(0, done.size() - 3), done.size());
      assertThat(incremental.findings()).as("findings, " + context).isEqualTo(full.findings());
      assertThat(incremental.plans()).as("plans, " + context).isEqualTo(full.plans());
      assertThat(incremental.realServerNodes()).as("real-server nodes, " + context)
          .isEqualTo(full.realServerNodes());
      assertThat(fromLog.findings()).as("findings from the log, " + context).isEqualTo(full.findings());
      assertThat(fromLog.plans()).as("plans from the log, " + context).isEqualTo(full.plans());
      assertThat(fromLog.realServerNodes()).as("real-server nodes from the log, " + context)
          .isEqualTo(full.realServerNodes());
      if (!builder.lastBuildFull()) {
        incrementalBuilds++;
        if (round > 0 && done.get(done.size() - 1).startsWith("status of p")) {
          pairCopiesKept++;
        }
        statusWritesKept += builder.reboundLastBuild();
        incremental.findings().forEach(f -> seenIncrementally.add(f.reason()));
        incremental.plans().values().forEach(p -> incrementalMarkRules += p.markRules().size());
      }
    }
    // the log was whole: every RealServer was looked at only when the build started from nothing
    assertThat(logged.realServerPasses()).as("passes over every RealServer").isEqualTo(logged.fullBuilds());
  }

  static Map<ObjectRef, RealServer> byRef(List<RealServer> rss) {
    Map<ObjectRef, RealServer> out = new HashMap<>();
    rss.forEach(rs -> out.put(PlanBuilder.ref(rs, "RealServer"), rs));
    return out;
  }

  /**
   * What a store's log holds between two reads: each RealServer put or removed since (ref -> the object now,
   * null: gone); and, as a log may, some put again unchanged and some added and deleted in between (gone, never
   * built).
   */
  static Map<ObjectRef, RealServer> log(Map<ObjectRef, RealServer> before, Map<ObjectRef, RealServer> now,
      Random r) {
    Map<ObjectRef, RealServer> log = new HashMap<>();
    now.forEach((ref, rs) -> {
      if (before.get(ref) != rs || r.nextInt(10) == 0) {
        log.put(ref, rs);
      }
    });
    before.keySet().forEach(ref -> {
      if (!now.containsKey(ref)) {
        log.put(ref, null);
      }
    });
    if (r.nextInt(5) == 0) {
      log.put(new ObjectRef("RealServer", "ns1", "rs-added-and-deleted-" + r.nextInt(1000)), null);
    }
    return log;
  }

  /** One pair; vs-i (created in order) selects app=app-i, which perService RealServers carry. */
  static final class Fleet {
    final List<DirectorPair> pairs = new ArrayList<>(List.of(World.pair("p1", "n1", "n2"),
        World.pair("p2", "n3", "n4")));
    final Map<String, VirtualService> vss = new TreeMap<>();
    final Map<String, RealServer> rss = new TreeMap<>();
    /** Each new object's generation: an edit is a new generation, as the API server counts them. */
    long generation;

    Fleet(int services, int perService) {
      for (int i = 0; i < services; i++) {
        put(service(i, "p1", "192.168.1." + i));
        for (int j = 0; j < perService; j++) {
          putReal("rs-" + i + "-" + j, "10.1." + i + "." + j, 100, "app-" + i);
        }
      }
    }

    static VirtualService service(int i, String pair, String vip) {
      VirtualService vs = Fixtures.service("ns1", "vs-" + i, pair, vip, 80, "app-" + i);
      vs.getMetadata().setCreationTimestamp(String.format("2026-01-01T00:%02d:%02dZ", i / 60, i % 60));
      return vs;
    }

    /** vs-i, a firewall-mark service marking TCP to a prefix, selecting vs-0's real servers. */
    static VirtualService markService(int i, long mark, String prefix) {
      VirtualService vs = service(i, "p1", null);
      vs.getSpec().getRealServerSelector().setMatchLabels(Map.of("app", "app-0"));
      vs.getSpec().setPort(null);
      vs.getSpec().setFirewallMark(mark);
      MarkingRule m = new MarkingRule();
      m.setProtocol(Protocol.TCP);
      m.setDestinations(List.of(prefix));
      m.setPorts(List.of("8000-8099"));
      vs.getSpec().setMarking(List.of(m));
      return vs;
    }

    /** vs as it is, or a new generation when it has none. */
    void put(VirtualService vs) {
      if (vs.getMetadata().getGeneration() == null) {
        vs.getMetadata().setGeneration(++generation);
      }
      vss.put(vs.getMetadata().getName(), vs);
    }

    void putReal(String name, String address, int weight, String app) {
      RealServer rs = Fixtures.real("ns1", name, address, weight, app);
      rs.getMetadata().setGeneration(++generation);
      rss.put(name, rs);
    }

    /** Every RealServer and VirtualService replaced by a new object with only its status written. */
    void writeEveryStatus() {
      rss.replaceAll((name, old) -> {
        RealServer rs = new RealServer();
        rs.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder(old.getMetadata())
            .withResourceVersion("w" + ++generation).build());
        rs.setSpec(old.getSpec());
        rs.setStatus(new io.halvs.api.v1alpha1.RealServerStatus());
        rs.getStatus().setVirtualServices(1);
        return rs;
      });
      vss.replaceAll((name, old) -> {
        VirtualService vs = new VirtualService();
        vs.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder(old.getMetadata())
            .withResourceVersion("w" + ++generation).build());
        vs.setSpec(old.getSpec());
        vs.setStatus(new io.halvs.api.v1alpha1.VirtualServiceStatus());
        vs.getStatus().setObservedGeneration(old.getMetadata().getGeneration());
        return vs;
      });
    }

    PlanInput input() {
      return new PlanInput(pairs, new ArrayList<>(vss.values()), new ArrayList<>(rss.values()));
    }
  }

  static PlanResult buildBoth(IncrementalPlanBuilder builder, Fleet fleet) {
    PlanResult result = builder.build(fleet.input());
    PlanResult full = PlanBuilder.build(fleet.input());
    assertThat(result.plans()).isEqualTo(full.plans());
    assertThat(result.findings()).isEqualTo(full.findings());
    return result;
  }

  /** The operator writes a pair's status after most edits: a new object, the same pair to a build. */
  @Test
  void aPairsStatusWriteKeepsWhatWasBuilt() {
    Fleet fleet = new Fleet(20, 5);
    IncrementalPlanBuilder builder = new IncrementalPlanBuilder();
    buildBoth(builder, fleet);
    DirectorPair old = fleet.pairs.get(0);
    DirectorPair written = new DirectorPair();
    written.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder(old.getMetadata())
        .withResourceVersion("42").build());
    written.setSpec(old.getSpec());
    fleet.pairs.set(0, written);
    buildBoth(builder, fleet);
    assertThat(builder.lastBuildFull()).isFalse();
    assertThat(builder.resolvedLastBuild()).isZero();

    DirectorPair named = new DirectorPair(); // naming a plan decides a contested node: counted a change
    named.setMetadata(written.getMetadata());
    named.setSpec(written.getSpec());
    named.setStatus(new io.halvs.api.v1alpha1.DirectorPairStatus());
    named.getStatus().setPlanHash("abc");
    fleet.pairs.set(0, named);
    buildBoth(builder, fleet);
    assertThat(builder.lastBuildFull()).isTrue();
  }

  /**
   * The operator writes every RealServer's status after a bulk apply, and every VirtualService's after a
   * failover: new objects the same to a build. Checked again, the first edit after a bulk apply took 3.3 s at full
   * size. They keep their checks and destinations, and the old objects are let go.
   */
  @Test
  void statusWritesKeepWhatWasBuiltAndLetTheOldObjectsGo() {
    Fleet fleet = new Fleet(20, 5);
    IncrementalPlanBuilder builder = new IncrementalPlanBuilder();
    buildBoth(builder, fleet);
    List<java.lang.ref.WeakReference<Object>> old = new ArrayList<>();
    fleet.rss.values().forEach(o -> old.add(new java.lang.ref.WeakReference<>(o)));
    fleet.vss.values().forEach(o -> old.add(new java.lang.ref.WeakReference<>(o)));

    fleet.writeEveryStatus();
    buildBoth(builder, fleet);
    assertThat(builder.lastBuildFull()).isFalse();
    assertThat(builder.checkedLastBuild()).isZero();
    assertThat(builder.resolvedLastBuild()).isZero();
    assertThat(builder.reboundLastBuild()).isEqualTo(120);
    // only the builder could still hold them
    for (int i = 0; i < 50 && old.stream().anyMatch(w -> w.get() != null); i++) {
      System.gc();
    }
    assertThat(old).as("the replaced objects, collected").allMatch(w -> w.get() == null);

    // the labels are metadata (no new generation) but a build reads them: checked, and resolved again
    RealServer relabelled = new RealServer();
    relabelled.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder(fleet.rss.get("rs-3-1")
        .getMetadata()).withLabels(Map.of("app", "app-4")).build());
    relabelled.setSpec(fleet.rss.get("rs-3-1").getSpec());
    fleet.rss.put("rs-3-1", relabelled);
    buildBoth(builder, fleet);
    assertThat(builder.checkedLastBuild()).isEqualTo(1);
    assertThat(builder.resolvedLastBuild()).isEqualTo(2);
    assertThat(builder.reboundLastBuild()).isZero();

    // a new generation is a new spec, even with every field of the metadata the same
    RealServer respecified = new RealServer();
    respecified.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder(relabelled.getMetadata())
        .withGeneration(relabelled.getMetadata().getGeneration() + 1).build());
    respecified.setSpec(Fixtures.real("ns1", "rs-3-1", "10.1.3.1", 7, "app-4").getSpec());
    fleet.rss.put("rs-3-1", respecified);
    PlanResult r = buildBoth(builder, fleet);
    assertThat(builder.checkedLastBuild()).isEqualTo(1);
    assertThat(r.plans().get("p1").services().stream().flatMap(s -> s.destinations().stream())
        .filter(d -> d.address().toString().equals("10.1.3.1")).findFirst().orElseThrow().weight()).isEqualTo(7);

    // a VirtualService's status written, then an edit of what it selects: resolved from the kept draft
    fleet.writeEveryStatus();
    buildBoth(builder, fleet);
    fleet.putReal("rs-5-0", "10.1.5.0", 3, "app-5");
    buildBoth(builder, fleet);
    assertThat(builder.checkedLastBuild()).isEqualTo(1);
    assertThat(builder.resolvedLastBuild()).isEqualTo(1);
  }

  @Test
  void anEditResolvesOnlyTheServicesItTouches() {
    Fleet fleet = new Fleet(50, 10);
    IncrementalPlanBuilder builder = new IncrementalPlanBuilder();
    buildBoth(builder, fleet);
    assertThat(builder.lastBuildFull()).isTrue();
    assertThat(builder.resolvedLastBuild()).isEqualTo(50);
    assertThat(builder.checkedLastBuild()).isEqualTo(550);

    buildBoth(builder, fleet);
    assertThat(builder.lastBuildFull()).isFalse();
    assertThat(builder.checkedLastBuild()).isZero();
    assertThat(builder.resolvedLastBuild()).isZero();

    fleet.putReal("rs-7-3", "10.1.7.3", 42, "app-7"); // a weight
    PlanResult r = buildBoth(builder, fleet);
    assertThat(builder.checkedLastBuild()).isEqualTo(1);
    assertThat(builder.resolvedLastBuild()).isEqualTo(1);
    assertThat(r.plans().get("p1").services().stream().flatMap(s -> s.destinations().stream())
        .filter(d -> d.address().toString().equals("10.1.7.3")).findFirst().orElseThrow().weight()).isEqualTo(42);

    fleet.putReal("rs-7-3", "10.1.7.3", 42, "app-8"); // moved from vs-7 to vs-8
    buildBoth(builder, fleet);
    assertThat(builder.resolvedLastBuild()).isEqualTo(2);

    fleet.putReal("rs-new", "10.1.99.1", 1, "app-9"); // added
    buildBoth(builder, fleet);
    assertThat(builder.resolvedLastBuild()).isEqualTo(1);

    fleet.rss.remove("rs-new"); // deleted
    buildBoth(builder, fleet);
    assertThat(builder.resolvedLastBuild()).isEqualTo(1);

    fleet.putReal("rs-other", "10.1.99.2", 1, "nobody"); // selected by none
    buildBoth(builder, fleet);
    assertThat(builder.resolvedLastBuild()).isZero();

    fleet.put(Fleet.service(12, "p1", "192.168.2.12")); // a VirtualService edited
    buildBoth(builder, fleet);
    assertThat(builder.checkedLastBuild()).isEqualTo(1);
    assertThat(builder.resolvedLastBuild()).isEqualTo(1);
    assertThat(builder.lastBuildFull()).isFalse();
  }

  /** A VIP conflict between pairs changes a service nobody edited: the one that was rejected now serves. */
  @Test
  void deletingTheOlderHolderOfAVipLetsTheRejectedNeighbourServe() {
    Fleet fleet = new Fleet(20, 5);
    IncrementalPlanBuilder builder = new IncrementalPlanBuilder();
    buildBoth(builder, fleet);
    VirtualService newer = Fleet.service(30, "p2", "192.168.1.4"); // vs-4's VIP, on the other pair
    fleet.put(newer);
    PlanResult r = buildBoth(builder, fleet);
    assertThat(r.findingsFor(new ObjectRef("VirtualService", "ns1", "vs-30")))
        .extracting(Finding::reason).containsExactly("VipConflict");
    assertThat(builder.resolvedLastBuild()).isZero(); // rejected: not resolved

    fleet.vss.remove("vs-4");
    r = buildBoth(builder, fleet);
    assertThat(builder.lastBuildFull()).isFalse();
    assertThat(builder.resolvedLastBuild()).isEqualTo(1); // vs-30, which was not edited
    assertThat(r.plans().get("p2").services()).extracting(IpvsService::owner)
        .containsExactly(new ObjectRef("VirtualService", "ns1", "vs-30"));
  }

  /**
   * Marking overlap is decided between the services of a pair: deleting the older of two overlapping services
   * brings in the younger one's rules, though nobody edited it.
   */
  @Test
  void deletingTheOlderOfTwoOverlappingMarkingsLetsTheYoungerMark() {
    Fleet fleet = new Fleet(5, 2);
    IncrementalPlanBuilder builder = new IncrementalPlanBuilder();
    fleet.put(Fleet.markService(40, 7, "198.51.100.0/28"));
    fleet.put(Fleet.markService(41, 8, "198.51.100.8/29")); // younger, inside 40's prefix, another mark
    buildBoth(builder, fleet);
    fleet.putReal("rs-1-1", "10.1.1.1", 7, "app-1"); // an edit elsewhere: the overlap stays as it was
    PlanResult r = buildBoth(builder, fleet);
    assertThat(builder.lastBuildFull()).isFalse();
    assertThat(r.findingsFor(new ObjectRef("VirtualService", "ns1", "vs-41")))
        .extracting(Finding::reason).containsExactly("MarkingOverlap");
    assertThat(r.plans().get("p1").markRules()).extracting(MarkRule::mark).containsOnly(7L);

    fleet.vss.remove("vs-40");
    r = buildBoth(builder, fleet);
    assertThat(builder.lastBuildFull()).isFalse();
    assertThat(builder.checkedLastBuild()).isZero();
    assertThat(r.findingsFor(new ObjectRef("VirtualService", "ns1", "vs-41"))).isEmpty();
    assertThat(r.plans().get("p1").markRules()).extracting(MarkRule::mark).containsOnly(8L);
    assertThat(r.plans().get("p1").services()).extracting(IpvsService::owner)
        .contains(new ObjectRef("VirtualService", "ns1", "vs-41"));
  }

  @Test
  void aPairChangeOrEveryNthBuildStartsFromNothing() {
    Fleet fleet = new Fleet(10, 3);
    IncrementalPlanBuilder builder = new IncrementalPlanBuilder(3);
    buildBoth(builder, fleet);
    buildBoth(builder, fleet);
    assertThat(builder.lastBuildFull()).isFalse();
    fleet.pairs.set(1, World.pair("p2", "n3", "n6"));
    buildBoth(builder, fleet);
    assertThat(builder.lastBuildFull()).isTrue();
    assertThat(builder.resolvedLastBuild()).isEqualTo(10);
    buildBoth(builder, fleet);
    buildBoth(builder, fleet);
    assertThat(builder.lastBuildFull()).isFalse();
    buildBoth(builder, fleet); // the third since the last full one
    assertThat(builder.lastBuildFull()).isTrue();
    assertThat(builder.fullBuilds()).isEqualTo(3);
  }

  /** An input naming an object twice is the full build's: which one counts is input order. */
  @Test
  void aLogThatMissedAChangeIsCaughtByTheCountAndEveryRealServerLookedAt() {
    Fleet fleet = new Fleet(3, 4);
    IncrementalPlanBuilder builder = new IncrementalPlanBuilder();
    buildBoth(builder, fleet);
    fleet.putReal("rs-0-9", "10.1.0.9", 100, "app-0");
    fleet.rss.remove("rs-1-0");
    fleet.putReal("rs-2-0", "10.1.2.0", 7, "app-2");
    RealServer added = fleet.rss.get("rs-0-9");
    // logged: the reweighed one and the deletion, not the one added
    Map<ObjectRef, RealServer> log = new HashMap<>();
    log.put(new ObjectRef("RealServer", "ns1", "rs-2-0"), fleet.rss.get("rs-2-0"));
    log.put(new ObjectRef("RealServer", "ns1", "rs-1-0"), null);
    long passes = builder.realServerPasses();
    PlanResult result = builder.build(fleet.input(), log);
    assertThat(builder.realServerPasses()).isEqualTo(passes + 1);
    assertThat(builder.lastBuildFull()).isFalse();
    assertThat(result.plans()).isEqualTo(PlanBuilder.build(fleet.input()).plans());
    assertThat(result.plans().get("p1").services().get(0).destinations())
        .anyMatch(d -> d.realServer().name().equals(added.getMetadata().getName()));
    // a whole log: no pass
    fleet.putReal("rs-0-1", "10.1.0.1", 3, "app-0");
    result = builder.build(fleet.input(), Map.of(new ObjectRef("RealServer", "ns1", "rs-0-1"),
        fleet.rss.get("rs-0-1")));
    assertThat(builder.realServerPasses()).isEqualTo(passes + 1);
    assertThat(builder.checkedLastBuild()).isEqualTo(1);
    assertThat(result.plans()).isEqualTo(PlanBuilder.build(fleet.input()).plans());
  }

  @Test
  void anObjectNamedTwiceIsLeftToTheFullBuild() {
    Fleet fleet = new Fleet(3, 2);
    IncrementalPlanBuilder builder = new IncrementalPlanBuilder();
    buildBoth(builder, fleet);
    List<RealServer> rss = new ArrayList<>(fleet.rss.values());
    rss.add(Fixtures.real("ns1", "rs-1-1", "10.9.9.9", 5, "app-1"));
    PlanInput input = new PlanInput(fleet.pairs, new ArrayList<>(fleet.vss.values()), rss);
    PlanResult r = builder.build(input);
    assertThat(builder.lastBuildFull()).isTrue();
    assertThat(r).isEqualTo(PlanBuilder.build(input));
    assertThat(r.findings()).extracting(Finding::reason).contains("Duplicate");
    buildBoth(builder, fleet);
    assertThat(builder.lastBuildFull()).isTrue(); // nothing was kept

    rss = new ArrayList<>(fleet.rss.values());
    rss.add(rss.get(0)); // the same object twice
    input = new PlanInput(fleet.pairs, new ArrayList<>(fleet.vss.values()), rss);
    r = builder.build(input);
    assertThat(builder.lastBuildFull()).isTrue();
    assertThat(r).isEqualTo(PlanBuilder.build(input));
    buildBoth(builder, fleet);
    assertThat(builder.lastBuildFull()).isTrue();
    buildBoth(builder, fleet);
    assertThat(builder.lastBuildFull()).isFalse();
  }

  @Test
  void theIndexStaysConsistentWhenANamespaceEmpties() {
    Fleet fleet = new Fleet(2, 1);
    IncrementalPlanBuilder builder = new IncrementalPlanBuilder();
    buildBoth(builder, fleet);
    fleet.rss.clear();
    buildBoth(builder, fleet);
    assertThat(builder.resolvedLastBuild()).isEqualTo(2);
    fleet.putReal("rs-back", "10.1.0.9", 3, "app-0");
    PlanResult r = buildBoth(builder, fleet);
    assertThat(builder.resolvedLastBuild()).isEqualTo(1);
    assertThat(r.plans().get("p1").destinationCount()).isEqualTo(1);
    assertThat(r.plans()).containsOnlyKeys("p1", "p2");
  }
}
