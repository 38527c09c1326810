package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class SorryServer {
  @Required
  @Size(min = 2, max = HalvsApi.MAX_IP_LENGTH)
  @ValidationRule(value = "isIP(self) && !ip(self).isUnspecified()",
      message = "sorryServer.address must be an IPv4 or IPv6 address")
  @JsonPropertyDescription("Address of the sorry server (ldirectord fallback=).")
  private String address;

  @Min(1)
  @Max(65535)
  @JsonPropertyDescription("Port of the sorry server; default: the virtual service's port.")
  private Integer port;

  @JsonPropertyDescription("Forwarding method to the sorry server; default: the virtual service's.")
  private ForwardingMethod forwardingMethod;

  @JsonPropertyDescription("Keep the sorry server in the IPVS table at weight 0 while a real server is healthy, "
      + "instead of removing it (keepalived sorry_server_inhibit): its connections drain rather than being cut "
      + "when the real servers come back. Default false.")
  private Boolean inhibit;

  public String getAddress() { return address; }
  public void setAddress(String address) { this.address = address; }
  public Integer getPort() { return port; }
  public void setPort(Integer port) { this.port = port; }
  public Boolean getInhibit() { return inhibit; }
  public void setInhibit(Boolean inhibit) { this.inhibit = inhibit; }
  public ForwardingMethod getForwardingMethod() { return forwardingMethod; }
  public void setForwardingMethod(ForwardingMethod forwardingMethod) { this.forwardingMethod = forwardingMethod; }
}
