package io.halvs.plan.publish;

import io.halvs.plan.RealServerNodePlan;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * How a real-server node's part of the plan travels from the operator to the real-server agent on that node (one
 * small ConfigMap per node, {@link Names#realServerPlan}), and the agent's report back ({@link
 * Names#realServerReport}). An empty plan (no needs) tells the agent to undo everything halvs did on the node;
 * the operator removes the node's ConfigMaps and agent only after the agent reported that done.
 */
public final class RealServerPublish {
  private RealServerPublish() {}

  /**
   * What one real-server agent tells the operator.
   *
   * @param planHash hash of the plan the last pass applied
   * @param configured what the node holds for the plan, e.g. "vip 192.0.2.10/32 on lo", "tunl0 up"
   * @param problems what failed, each a sentence; empty when the node is configured as the plan says
   * @param lastSeen RFC 3339
   */
  public record Report(String node, String planHash, List<String> configured, List<String> problems,
      String lastSeen) {
    public Report {
      configured = configured == null ? List.of() : List.copyOf(configured);
      problems = problems == null ? List.of() : List.copyOf(problems);
    }

    /** The agent applied this plan and nothing failed. */
    public boolean applied(String hash) {
      return hash != null && hash.equals(planHash) && problems.isEmpty();
    }
  }

  public static String planJson(RealServerNodePlan plan) {
    return new String(PlanCodec.write(plan), StandardCharsets.UTF_8);
  }

  public static RealServerNodePlan parsePlan(String json) {
    return PlanCodec.read(json.getBytes(StandardCharsets.UTF_8),
        new com.fasterxml.jackson.core.type.TypeReference<RealServerNodePlan>() {});
  }

  public static String hash(String planJson) {
    return PlanCodec.sha256(planJson.getBytes(StandardCharsets.UTF_8));
  }

  /** The plan that undoes everything on a node no RealServer names any more. */
  public static RealServerNodePlan empty(String node) {
    return new RealServerNodePlan(node, List.of(), List.of());
  }

  public static String reportJson(Report r) {
    return new String(PlanCodec.write(r), StandardCharsets.UTF_8);
  }

  public static Report parseReport(String json) {
    return PlanCodec.read(json.getBytes(StandardCharsets.UTF_8),
        new com.fasterxml.jackson.core.type.TypeReference<Report>() {});
  }
}
