package io.halvs.operator.model;

import io.halvs.plan.PlanResult;
import io.halvs.plan.publish.AgentReport;
import io.halvs.plan.publish.PlanCodec;
import java.util.Map;

/**
 * One consistent view for status: the plan result over all objects, each pair's published form (with its
 * planHash), what each pair's agents last reported (pair -> node -> report), and the generation of each object
 * it was built from; the real-server agents' reports (node -> report) and the names of the cluster's Nodes (null
 * when unknown).
 */
public record Snapshot(PlanResult result, Map<String, PlanCodec.Published> published,
    Map<String, Map<String, AgentReport>> reports, Map<io.halvs.plan.ObjectRef, Integer> realServerUse,
    Map<io.halvs.plan.ObjectRef, Long> generations,
    Map<String, io.halvs.plan.publish.RealServerPublish.Report> realServerReports,
    java.util.Set<String> nodes) {

  /** Without real-server reports, and the cluster's Nodes unknown. */
  public Snapshot(PlanResult result, Map<String, PlanCodec.Published> published,
      Map<String, Map<String, AgentReport>> reports, Map<io.halvs.plan.ObjectRef, Integer> realServerUse,
      Map<io.halvs.plan.ObjectRef, Long> generations) {
    this(result, published, reports, realServerUse, generations, Map.of(), null);
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
  public boolean covers(io.fabric8.kubernetes.api.model.HasMetadata o) {
    io.halvs.plan.ObjectRef ref = StatusComputer.ref(o);
    return generations.containsKey(ref) && java.util.Objects.equals(generations.get(ref), o.getMetadata().getGeneration());
  }

  /** How many virtual services each RealServer backs, counted once per snapshot. */
  public static Map<io.halvs.plan.ObjectRef, Integer> realServerUse(PlanResult result) {
    Map<io.halvs.plan.ObjectRef, Integer> use = new java.util.HashMap<>();
    result.plans().values().forEach(p -> p.services().forEach(s -> s.destinations()
        .forEach(d -> use.merge(d.realServer(), 1, Integer::sum))));
    return use;
  }

  public Map<String, AgentReport> reportsOf(String pair) {
    return reports.getOrDefault(pair, Map.of());
  }

  public String planHash(String pair) {
    PlanCodec.Published p = published.get(pair);
    return p == null ? null : p.manifest().planHash();
  }
}
