package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One real server of a virtual service as the directors see it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RealServerState {
  @JsonPropertyDescription("RealServer object name.")
  private String name;
  @JsonPropertyDescription("address:port of the destination.")
  private String destination;
  @JsonPropertyDescription("Healthy, Unhealthy, Draining or Quiescent.")
  private String state;
  @JsonPropertyDescription("Since when (RFC 3339).")
  private String since;
  @JsonPropertyDescription("Last check result, e.g. 'HTTP 503' or 'connect timeout 1000ms'.")
  private String message;

  public String getName() { return name; }
  public void setName(String name) { this.name = name; }
  public String getDestination() { return destination; }
  public void setDestination(String destination) { this.destination = destination; }
  public String getState() { return state; }
  public void setState(String state) { this.state = state; }
  public String getSince() { return since; }
  public void setSince(String since) { this.since = since; }
  public String getMessage() { return message; }
  public void setMessage(String message) { this.message = message; }
}
