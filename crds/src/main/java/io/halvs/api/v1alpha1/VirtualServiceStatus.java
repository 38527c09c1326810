package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class VirtualServiceStatus {
  @JsonPropertyDescription("metadata.generation this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription("Ready, Programmed and Degraded, per the Kubernetes API conventions.")
  private List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("What the directors program: VIP:port/PROTOCOL, or fwmark N (VIP).")
  private String endpoint;

  @JsonPropertyDescription("Director node that holds the VIP now.")
  private String activeDirector;

  @JsonPropertyDescription("Real servers in rotation (healthy, weight > 0).")
  private Integer readyRealServers;

  @JsonPropertyDescription("Real servers selected.")
  private Integer totalRealServers;

  @JsonPropertyDescription("ready/total, for kubectl get.")
  private String realServers;

  @JsonPropertyDescription("Selected real servers that are out of rotation and why (at most 100 listed).")
  private List<RealServerState> unavailable;

  public Long getObservedGeneration() { return observedGeneration; }
  public void setObservedGeneration(Long observedGeneration) { this.observedGeneration = observedGeneration; }
  public List<Condition> getConditions() { return conditions; }
  public void setConditions(List<Condition> conditions) { this.conditions = conditions; }
  public String getEndpoint() { return endpoint; }
  public void setEndpoint(String endpoint) { this.endpoint = endpoint; }
  public String getActiveDirector() { return activeDirector; }
  public void setActiveDirector(String activeDirector) { this.activeDirector = activeDirector; }
  public Integer getReadyRealServers() { return readyRealServers; }
  public void setReadyRealServers(Integer readyRealServers) { this.readyRealServers = readyRealServers; }
  public Integer getTotalRealServers() { return totalRealServers; }
  public void setTotalRealServers(Integer totalRealServers) { this.totalRealServers = totalRealServers; }
  public String getRealServers() { return realServers; }
  public void setRealServers(String realServers) { this.realServers = realServers; }
  public List<RealServerState> getUnavailable() { return unavailable; }
  public void setUnavailable(List<RealServerState> unavailable) { this.unavailable = unavailable; }
}
