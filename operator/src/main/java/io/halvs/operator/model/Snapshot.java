package io.halvs.operator.model;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpvsService;
import io.halvs.plan.ObjectRef;
import io.halvs.plan.PlanResult;
import io.halvs.plan.publish.AgentReport;
import io.halvs.plan.publish.PlanCodec;
import io.halvs.plan.publish.RealServerPublish;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One consistent view for status: the plan result over all objects, each pair's published form (with its
* planHash), what each pair's agents last reported (pair -> node -> report), the generation of each object it
 * was built from, and, for the pair's recent plans, the version of each VirtualService's services in them
 * (pair -> planHash -> owner -> version); the real-server agents' reports (node -> report) and the names of the
 * cluster's Nodes (null when unknown).
 */
public record Snapshot(PlanResult result, Map<String, PlanCodec.Published> published,
    Map<String, Map<String, AgentReport>> reports, Map<ObjectRef, Integer> realServerUse,
    Map<ObjectRef, Long> generations, Map<String, Map<String, Map<ObjectRef, Integer>>> serviceVersions,
    Map<ObjectRef, IpvsService> services, Map<String, RealServerPublish.Report> realServerReports,
    Set<String> nodes) {

  /**
   * Without plan history (a service counts as programmed only where its pair's current plan is), without
   * real-server reports, and the cluster's Nodes unknown.
   */
  public Snapshot(PlanResult result, Map<String, PlanCodec.Published> published,
      Map<String, Map<String, AgentReport>> reports, Map<ObjectRef, Integer> realServerUse,
      Map<ObjectRef, Long> generations) {
    this(result, published, reports, realServerUse, generations, Map.of(), services(result), Map.of(), null);
  }

  /**
   * Whether a node exists; true while the cluster's Nodes are unknown (the operator may not list them), so an
   * unreadable list never reports a node missing.
   */
  public boolean nodeExists(String node) {
    return nodes == null || nodes.contains(node);
  }

  /**
   * Whether this snapshot was built from this very generation of the object. A reconcile that runs before the
   * model's rebuild saw a new or edited object would write a status (or deploy agents) for what the model does
   * not know yet; it waits instead, and the rebuild triggers the reconcile again (the generation is part of what
   * the model compares after each rebuild).
   */
  public boolean covers(HasMetadata o) {
    ObjectRef ref = StatusComputer.ref(o);
    return generations.containsKey(ref) && Objects.equals(generations.get(ref), o.getMetadata().getGeneration());
  }

  /** Every named object's generation, as a snapshot holds them. */
  public static Map<ObjectRef, Long> generationsOf(List<? extends HasMetadata> pairs, List<? extends HasMetadata> vss,
      List<? extends HasMetadata> rss) {
    Map<ObjectRef, Long> out = new HashMap<>();
    for (List<? extends HasMetadata> objects : List.of(pairs, vss, rss)) {
      for (HasMetadata o : objects) {
        if (o.getMetadata() != null && o.getMetadata().getName() != null) {
          out.put(StatusComputer.ref(o), o.getMetadata().getGeneration());
        }
      }
    }
    return out;
  }

  /** How many virtual services each RealServer backs, counted once per snapshot. */
  public static Map<ObjectRef, Integer> realServerUse(PlanResult result) {
    Map<ObjectRef, Integer> use = new HashMap<>();
    result.plans().values().forEach(p -> p.services().forEach(s -> s.destinations()
        .forEach(d -> use.merge(d.realServer(), 1, Integer::sum))));
    return use;
  }

  /** Each VirtualService's (first) IPVS service in its pair's plan: looked up once, not once per status. */
  public static Map<ObjectRef, IpvsService> services(PlanResult result) {
    Map<ObjectRef, IpvsService> out = new HashMap<>();
    result.plans().values().forEach(p -> p.services().forEach(s -> out.putIfAbsent(s.owner(), s)));
    return out;
  }

  /**
   * The version of each VirtualService's services in a plan: a hash over them, so that a director which
   * programmed an older plan still counts as having programmed every service that plan had in the same form.
   */
  public static Map<ObjectRef, Integer> versions(DirectorPlan plan) {
    Map<ObjectRef, Integer> out = new HashMap<>();
    for (IpvsService s : plan.services()) {
      out.merge(s.owner(), s.hashCode(), (a, b) -> 31 * a + b);
    }
    return out;
  }

  public Map<String, AgentReport> reportsOf(String pair) {
    return reports.getOrDefault(pair, Map.of());
  }

  public String planHash(String pair) {
    PlanCodec.Published p = published.get(pair);
    return p == null ? null : p.manifest().planHash();
  }

  /** The pair's directors (sorted) that report programmed the current plan. */
  public List<String> programmedNodes(String pair) {
    String planHash = planHash(pair);
    return reportsOf(pair).values().stream().filter(r -> r.programmed() && planHash != null
        && planHash.equals(r.programmedPlanHash())).map(AgentReport::node).sorted().toList();
  }

  /**
   * The pair's directors (sorted) that programmed this VirtualService as the current plan has it: the current
   * plan, or a recent one in which its services were the same. An edit of one service then leaves every other
   * service's status alone, instead of sending all of them through "waiting for the directors" and back.
   */
  public List<String> programmedNodes(String pair, ObjectRef service) {
    String planHash = planHash(pair);
    if (planHash == null) {
      return List.of();
    }
    Map<String, Map<ObjectRef, Integer>> byPlan = serviceVersions.getOrDefault(pair, Map.of());
    Map<ObjectRef, Integer> current = byPlan.get(planHash);
    List<String> out = new ArrayList<>();
    for (AgentReport r : reportsOf(pair).values()) {
      if (!r.programmed() || r.programmedPlanHash() == null) {
        continue;
      }
      Map<ObjectRef, Integer> programmed = byPlan.get(r.programmedPlanHash());
      if (planHash.equals(r.programmedPlanHash()) || current != null && programmed != null
          && current.containsKey(service) && Objects.equals(current.get(service), programmed.get(service))) {
        out.add(r.node());
      }
    }
    out.sort(null);
    return out;
  }
}
