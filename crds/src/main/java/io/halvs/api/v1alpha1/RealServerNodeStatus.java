package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** What the real-server agent holds on the node a RealServer names (spec.nodeName), as it last reported. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RealServerNodeStatus {
  @JsonPropertyDescription("The node (spec.nodeName).")
  private String name;

  @JsonPropertyDescription("Configured (the node holds what its real servers need), Failed (see message), Pending "
      + "(the agent has not applied the current plan yet) or NodeNotFound.")
  private String state;

  @JsonPropertyDescription("What the node holds for halvs, e.g. 'vip 192.0.2.10/32 on lo', "
      + "'sysctl net.ipv4.conf.all.arp_ignore=1', 'tunl0 up'.")
  private List<String> configured = new ArrayList<>();

  @JsonPropertyDescription("What failed, or what is awaited.")
  private String message;

  public String getName() { return name; }
  public void setName(String name) { this.name = name; }
  public String getState() { return state; }
  public void setState(String state) { this.state = state; }
  public List<String> getConfigured() { return configured; }
  public void setConfigured(List<String> configured) { this.configured = configured; }
  public String getMessage() { return message; }
  public void setMessage(String message) { this.message = message; }

  @Override
  public boolean equals(Object o) {
    return this == o || o instanceof RealServerNodeStatus s && Objects.equals(name, s.name)
        && Objects.equals(state, s.state) && Objects.equals(configured, s.configured)
        && Objects.equals(message, s.message);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, state, configured, message);
  }
}
