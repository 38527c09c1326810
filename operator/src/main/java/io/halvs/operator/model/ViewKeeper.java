package io.halvs.operator.model;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.plan.CompactHashMap;
import io.halvs.plan.Finding;
import io.halvs.plan.ObjectRef;
import io.halvs.plan.PlanResult;
import io.halvs.plan.publish.AgentReport;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Each object's view ({@link PlanService#views}: what its status reads) as of the last rebuild, and which ones a
 * rebuild changed, at the cost of what it touched: at 100,000 RealServers building and comparing every view took
 * longer than the plan build. After a build that kept its maps ({@link PlanService.Delta}) only these views are
 * made again: every DirectorPair's and VirtualService's (a few thousand at most; a service's reads the pair's
 * reports and plan hash, which most rebuilds change), the real-server nodes', and the RealServers' that are new
 * instances (but those with only their status written: the same view), whose use or findings changed, or whose
 * node's state (exists, its plan, its agent's report) did.
 * After any other build (a delta of null) every view is made again and compared. Plan thread only.
 */
final class ViewKeeper {
  private final Map<ObjectRef, Object> views = new CompactHashMap<>();
  private final Map<ObjectRef, RealServer> realServers = new CompactHashMap<>();
  /** The RealServers naming each spec.nodeName. */
  private final Map<String, Set<ObjectRef>> byNode = new HashMap<>();
  private final Set<ObjectRef> pairsAndServices = new HashSet<>();
  private Snapshot last;
  private PlanResult findingsOf;
  private Map<ObjectRef, List<Finding>> findings = Map.of();
  private long realServerViews;

  /** The next update makes every view again and compares it (after a rebuild that failed half-way). */
  void forget() {
    last = null;
  }

  /** The views as of the last update (the caller must not change it). */
  Map<ObjectRef, Object> views() {
    return views;
  }

  /** The RealServers as of the last update (tests). */
  Map<ObjectRef, RealServer> realServers() {
    return realServers;
  }

  /** RealServer views made by the updates so far. */
  long realServerViews() {
    return realServerViews;
  }

  /**
   * The views of this snapshot of these objects; returns the objects whose view changed (or appeared).
   *
   * @param delta what changed since the last update's snapshot; null: anything may have
   */
  List<ObjectRef> update(Snapshot s, List<DirectorPair> pairs, List<VirtualService> vss, List<RealServer> rss,
      PlanService.Delta delta) {
    return update(s, pairs, vss, rss, delta, StatusComputer::ref);
  }

  /**
   * The same, the maps keyed by {@code refs}' instance of each object's name: the model's (PlanService.History's
   * refOf), so that each RealServer's name is one instance across the plan, the model and the views.
   */
  List<ObjectRef> update(Snapshot s, List<DirectorPair> pairs, List<VirtualService> vss, List<RealServer> rss,
      PlanService.Delta delta, Function<HasMetadata, ObjectRef> refs) {
    Map<ObjectRef, List<Finding>> oldFindings = findings;
    Set<ObjectRef> findingsChanged = Set.of();
    if (s.result() != findingsOf) {
      findings = PlanService.findingsByObject(s.result());
      findingsOf = s.result();
      findingsChanged = new HashSet<>();
      for (Map.Entry<ObjectRef, List<Finding>> e : findings.entrySet()) {
        if (!e.getValue().equals(oldFindings.get(e.getKey()))) {
          findingsChanged.add(e.getKey());
        }
      }
      for (ObjectRef ref : oldFindings.keySet()) {
        if (!findings.containsKey(ref)) {
          findingsChanged.add(ref);
        }
      }
    }
    List<ObjectRef> changed = new ArrayList<>();
    Map<String, Object> reportViews = PlanService.reportViews(s);
    Set<ObjectRef> present = new HashSet<>(pairs.size() + vss.size());
    for (DirectorPair dp : pairs) {
      ObjectRef ref = refs.apply(dp);
      present.add(ref);
      put(ref, PlanService.pairView(s, dp, findings, reportViews), changed);
    }
    Map<String, AgentReport> active = new HashMap<>();
    for (VirtualService vs : vss) {
      ObjectRef ref = refs.apply(vs);
      present.add(ref);
      put(ref, PlanService.serviceView(s, vs, findings, active), changed);
    }
    pairsAndServices.removeAll(present);
    pairsAndServices.forEach(views::remove); // deleted
    pairsAndServices.clear();
    pairsAndServices.addAll(present);
    put(PlanService.REAL_SERVER_NODES, PlanService.nodesView(s), changed);

    if (delta == null || last == null) {
      Set<ObjectRef> gone = new HashSet<>(realServers.keySet());
      realServers.clear();
      byNode.clear();
      for (RealServer rs : rss) {
        ObjectRef ref = refs.apply(rs);
        gone.remove(ref);
        index(ref, rs);
        put(ref, PlanService.realServerView(s, rs, findings), changed);
        realServerViews++;
      }
      gone.forEach(views::remove);
    } else {
      Set<ObjectRef> dirty = new HashSet<>(delta.useChanged());
      for (ObjectRef ref : delta.removed()) {
        RealServer rs = realServers.remove(ref);
        if (rs != null) {
          unindex(ref, rs);
          views.remove(ref);
        }
      }
      for (Map.Entry<ObjectRef, HasMetadata> e : delta.changed().entrySet()) {
        if (e.getValue() instanceof RealServer rs) {
          RealServer old = realServers.get(e.getKey());
          if (old != null) {
            unindex(e.getKey(), old);
          }
          index(e.getKey(), rs);
          dirty.add(e.getKey());
        }
      }
      // the same spec and labels (StatusOnly): the same node and view; held so the old object is not
      realServers.putAll(delta.rebound());
      dirty.addAll(findingsChanged);
      for (Map.Entry<String, Set<ObjectRef>> e : byNode.entrySet()) {
        if (nodeChanged(e.getKey(), s)) {
          dirty.addAll(e.getValue());
        }
      }
      for (ObjectRef ref : dirty) {
        RealServer rs = realServers.get(ref);
        if (rs != null) {
          put(ref, PlanService.realServerView(s, rs, findings), changed);
          realServerViews++;
        }
      }
    }
    last = s;
    return changed;
  }

  /** Whether what a RealServer's view reads of its node changed since the last snapshot. */
  private boolean nodeChanged(String node, Snapshot s) {
    return last.nodeExists(node) != s.nodeExists(node)
        || !Objects.equals(last.result().realServerNodes().get(node), s.result().realServerNodes().get(node))
        || !Objects.equals(StatusComputer.withoutTime(last.realServerReports().get(node)),
            StatusComputer.withoutTime(s.realServerReports().get(node)));
  }

  private void put(ObjectRef ref, Object view, List<ObjectRef> changed) {
    Object old = views.remove(ref); // a put keeps the old key: the name of an object since replaced
    views.put(ref, view);
    if (!Objects.equals(old, view)) {
      changed.add(ref);
    }
  }

  private void index(ObjectRef ref, RealServer rs) {
    realServers.remove(ref); // as in put
    realServers.put(ref, rs);
    String node = node(rs);
    if (node != null) {
      byNode.computeIfAbsent(node, n -> new HashSet<>()).add(ref);
    }
  }

  private void unindex(ObjectRef ref, RealServer rs) {
    String node = node(rs);
    Set<ObjectRef> refs = node == null ? null : byNode.get(node);
    if (refs != null && refs.remove(ref) && refs.isEmpty()) {
      byNode.remove(node);
    }
  }

  private static String node(RealServer rs) {
    return rs.getSpec() == null ? null : rs.getSpec().getNodeName();
  }
}
