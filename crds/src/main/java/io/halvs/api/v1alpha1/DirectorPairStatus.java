package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class DirectorPairStatus {
  @JsonPropertyDescription("metadata.generation this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription("Ready, Programmed and Degraded, per the Kubernetes API conventions.")
  private List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("Director that holds the VIPs.")
  private String activeNode;

  @JsonPropertyDescription("Director that stands by with the IPVS table hot.")
  private String standbyNode;

  @JsonPropertyDescription("Director that held the VIPs last; stays set while none does, so failovers count right.")
  private String lastActiveNode;

  @JsonPropertyDescription("When the active director took over (RFC 3339).")
  private String activeSince;

  @JsonPropertyDescription("Why the last failover happened.")
  private String lastTransitionReason;

  @JsonPropertyDescription("Failovers so far.")
  private Long transitions;

  @JsonPropertyDescription("VirtualServices programmed on this pair.")
  private Integer virtualServices;

  @JsonPropertyDescription("IPVS destinations programmed on this pair (all virtual services).")
  private Integer destinations;

  @JsonPropertyDescription("Content hash of the plan the operator published.")
  private String planHash;

  @JsonPropertyDescription("Each director agent's report.")
  private List<AgentState> agents;

  public Long getObservedGeneration() { return observedGeneration; }
  public void setObservedGeneration(Long observedGeneration) { this.observedGeneration = observedGeneration; }
  public List<Condition> getConditions() { return conditions; }
  public void setConditions(List<Condition> conditions) { this.conditions = conditions; }
  public String getActiveNode() { return activeNode; }
  public void setActiveNode(String activeNode) { this.activeNode = activeNode; }
  public String getStandbyNode() { return standbyNode; }
  public void setStandbyNode(String standbyNode) { this.standbyNode = standbyNode; }
  public String getLastActiveNode() { return lastActiveNode; }
  public void setLastActiveNode(String lastActiveNode) { this.lastActiveNode = lastActiveNode; }
  public String getActiveSince() { return activeSince; }
  public void setActiveSince(String activeSince) { this.activeSince = activeSince; }
  public String getLastTransitionReason() { return lastTransitionReason; }
  public void setLastTransitionReason(String lastTransitionReason) { this.lastTransitionReason = lastTransitionReason; }
  public Long getTransitions() { return transitions; }
  public void setTransitions(Long transitions) { this.transitions = transitions; }
  public Integer getVirtualServices() { return virtualServices; }
  public void setVirtualServices(Integer virtualServices) { this.virtualServices = virtualServices; }
  public Integer getDestinations() { return destinations; }
  public void setDestinations(Integer destinations) { this.destinations = destinations; }
  public String getPlanHash() { return planHash; }
  public void setPlanHash(String planHash) { this.planHash = planHash; }
  public List<AgentState> getAgents() { return agents; }
  public void setAgents(List<AgentState> agents) { this.agents = agents; }
}
