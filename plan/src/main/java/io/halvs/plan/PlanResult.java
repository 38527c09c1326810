package io.halvs.plan;

import java.util.List;
import java.util.SortedMap;

/**
 * Plans per DirectorPair name, and every finding, sorted. A pair with errors in some of its objects still has
 * a plan: the objects in error are left out, the rest serve.
 */
public record PlanResult(SortedMap<String, DirectorPlan> plans, List<Finding> findings) {

  public PlanResult {
    findings = List.copyOf(findings);
  }

  public List<Finding> findingsFor(ObjectRef object) {
    return findings.stream().filter(f -> f.object().equals(object)).toList();
  }

  public boolean hasErrors() {
    return findings.stream().anyMatch(f -> f.severity() == Finding.Severity.ERROR);
  }
}
