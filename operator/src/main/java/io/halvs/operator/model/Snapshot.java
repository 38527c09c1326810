package io.halvs.operator.model;

import io.halvs.plan.PlanResult;
import io.halvs.plan.publish.AgentReport;
import io.halvs.plan.publish.PlanCodec;
import java.util.Map;

/**
 * One consistent view for status: the plan result over all objects, each pair's published form (with its
 * planHash) and what each pair's agents last reported (pair -> node -> report).
 */
public record Snapshot(PlanResult result, Map<String, PlanCodec.Published> published,
    Map<String, Map<String, AgentReport>> reports, Map<io.halvs.plan.ObjectRef, Integer> realServerUse) {

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
