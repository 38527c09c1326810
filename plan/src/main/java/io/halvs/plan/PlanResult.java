package io.halvs.plan;

import java.util.List;
import java.util.SortedMap;

/**
 * Plans per DirectorPair name, what each real-server node must hold (RealServers with spec.nodeName and a gate
 * or ipip method), and every finding, sorted. A pair with errors in some of its objects still has a plan: the
 * objects in error are left out, the rest serve.
 */
public record PlanResult(SortedMap<String, DirectorPlan> plans, List<Finding> findings,
    SortedMap<String, RealServerNodePlan> realServerNodes) {

  public PlanResult {
    findings = List.copyOf(findings);
    realServerNodes = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(realServerNodes));
  }

  public PlanResult(SortedMap<String, DirectorPlan> plans, List<Finding> findings) {
    this(plans, findings, new java.util.TreeMap<>());
  }

  public List<Finding> findingsFor(ObjectRef object) {
    return findings.stream().filter(f -> f.object().equals(object)).toList();
  }

  public boolean hasErrors() {
    return findings.stream().anyMatch(f -> f.severity() == Finding.Severity.ERROR);
  }
}
