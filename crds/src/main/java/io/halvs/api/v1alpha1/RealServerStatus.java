package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class RealServerStatus {
  @JsonPropertyDescription("metadata.generation this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription("Ready (selected by at least one virtual service and accepted), Degraded (a conflict), "
      + "NodeConfigured (with spec.nodeName and a gate or ipip method: the node holds what a DR/TUN real server needs; "
      + "reason NodeNotFound when no such Node exists).")
  private List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("Number of VirtualServices that select this real server.")
  private Integer virtualServices;

  @JsonPropertyDescription("With spec.nodeName and a gate or ipip method: what the real-server agent holds on that node.")
  private RealServerNodeStatus node;

  public RealServerNodeStatus getNode() { return node; }
  public void setNode(RealServerNodeStatus node) { this.node = node; }
  public Long getObservedGeneration() { return observedGeneration; }
  public void setObservedGeneration(Long observedGeneration) { this.observedGeneration = observedGeneration; }
  public List<Condition> getConditions() { return conditions; }
  public void setConditions(List<Condition> conditions) { this.conditions = conditions; }
  public Integer getVirtualServices() { return virtualServices; }
  public void setVirtualServices(Integer virtualServices) { this.virtualServices = virtualServices; }

  // Value equality: the operator keeps one instance of equal statuses in its cache (most RealServers have the same)
  @Override
  public boolean equals(Object o) {
    return this == o || o instanceof RealServerStatus s && Objects.equals(observedGeneration, s.observedGeneration)
        && Objects.equals(conditions, s.conditions) && Objects.equals(virtualServices, s.virtualServices)
        && Objects.equals(node, s.node);
  }

  @Override
  public int hashCode() {
    return Objects.hash(observedGeneration, conditions, virtualServices, node);
  }
}
