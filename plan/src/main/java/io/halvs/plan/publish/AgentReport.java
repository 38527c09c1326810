package io.halvs.plan.publish;

import java.util.List;
import java.util.Map;

/**
 * What one director agent tells the operator, in its report ConfigMap (key report.json).
 *
 * @param role active, standby or unknown
 * @param programmedPlanHash planHash of the plan the kernel holds on that node
 * @param programmed whether the last pass left the kernel exactly as that plan says
 * @param lastSeen RFC 3339
 * @param message problems, e.g. a failed netlink operation; null when none
 * @param health per VirtualService (namespace/name): what the health checks see
 * @param cleaned the agent removed everything of a Deleting plan from the kernel
 */
public record AgentReport(String node, String pair, String role, String programmedPlanHash, boolean programmed,
    String lastSeen, String message, Map<String, ServiceHealth> health, boolean cleaned) {

  public static final String ACTIVE = "active";
  public static final String STANDBY = "standby";

  /** Health of one virtual service's real servers as one agent sees them. */
  public record ServiceHealth(int ready, int total, List<Unavailable> unavailable) {}

  /** A real server out of rotation. */
  public record Unavailable(String name, String destination, String state, String since, String message) {}

  public static String toJson(AgentReport r) {
    return new String(PlanCodec.write(r), java.nio.charset.StandardCharsets.UTF_8);
  }

  public static AgentReport fromJson(String json) {
    return PlanCodec.read(json.getBytes(java.nio.charset.StandardCharsets.UTF_8),
        new com.fasterxml.jackson.core.type.TypeReference<AgentReport>() {});
  }
}
