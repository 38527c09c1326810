package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One director agent's view, as it last reported it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AgentState {
  @JsonPropertyDescription("Director node.")
  private String node;
  @JsonPropertyDescription("active, standby or unknown.")
  private String role;
  @JsonPropertyDescription("Plan hash the kernel holds on that node.")
  private String programmedPlanHash;
  @JsonPropertyDescription("Whether the kernel there matches the plan.")
  private Boolean programmed;
  @JsonPropertyDescription("Last report (RFC 3339).")
  private String lastSeen;
  @JsonPropertyDescription("Problems the agent reported, e.g. a failed netlink operation.")
  private String message;

  public String getNode() { return node; }
  public void setNode(String node) { this.node = node; }
  public String getRole() { return role; }
  public void setRole(String role) { this.role = role; }
  public String getProgrammedPlanHash() { return programmedPlanHash; }
  public void setProgrammedPlanHash(String programmedPlanHash) { this.programmedPlanHash = programmedPlanHash; }
  public Boolean getProgrammed() { return programmed; }
  public void setProgrammed(Boolean programmed) { this.programmed = programmed; }
  public String getLastSeen() { return lastSeen; }
  public void setLastSeen(String lastSeen) { this.lastSeen = lastSeen; }
  public String getMessage() { return message; }
  public void setMessage(String message) { this.message = message; }
}
