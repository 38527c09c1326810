package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.upperThreshold) || !has(self.lowerThreshold) || self.upperThreshold == 0 "
    + "|| self.lowerThreshold <= self.upperThreshold",
    message = "lowerThreshold must not exceed upperThreshold", fieldPath = ".lowerThreshold")
public class RealServerSpec {
  @Required
  @Size(min = 2, max = HalvsApi.MAX_IP_LENGTH)
  @ValidationRule(value = "isIP(self) && !ip(self).isUnspecified()",
      message = "address must be an IPv4 or IPv6 address (not 0.0.0.0 or ::)")
  @JsonPropertyDescription("IPv4 or IPv6 address of the real server (RIP).")
  private String address;

  @Min(1)
  @Max(65535)
  @JsonPropertyDescription("Port on the real server; default: the virtual service's port (masq may map ports, gate and ipip cannot).")
  private Integer port;

  @Default("1")
  @Min(0)
  @Max(65535)
  @JsonPropertyDescription("IPVS weight 0-65535 (ipvsadm -w). 0 is quiescent: no new connections, established ones live on. Default 1.")
  private Integer weight;

  @JsonPropertyDescription("Overrides the virtual service's forwarding method for this real server: masq, gate or ipip.")
  private ForwardingMethod forwardingMethod;

  @Min(0)
  @Max(4294967295L)
  @JsonPropertyDescription("Connection count above which no new connections are sent (ipvsadm -x); 0 = no limit.")
  private Long upperThreshold;

  @Min(0)
  @Max(4294967295L)
  @JsonPropertyDescription("Connection count below which a real server over its upperThreshold takes new ones again (ipvsadm -y).")
  private Long lowerThreshold;

  @Default("false")
  @JsonPropertyDescription("Drain: weight 0 whatever weight says, so established connections finish and no new ones arrive.")
  private Boolean drain;

  @Size(max = 253)
  @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
  @JsonPropertyDescription("Kubernetes node that is this real server, if any; halvs then configures it as a gate/ipip real server.")
  private String nodeName;

  @JsonPropertyDescription("This real server's own health check, laid over the virtual service's: fields set here "
      + "replace the service's, a type block (http, udp, dns, tcp, smtp) replaces the service's block whole. "
      + "Applies in every virtual service that selects this real server.")
  private HealthCheckOverride healthCheck;

  public String getAddress() { return address; }
  public void setAddress(String address) { this.address = address; }
  public Integer getPort() { return port; }
  public void setPort(Integer port) { this.port = port; }
  public Integer getWeight() { return weight; }
  public void setWeight(Integer weight) { this.weight = weight; }
  public ForwardingMethod getForwardingMethod() { return forwardingMethod; }
  public void setForwardingMethod(ForwardingMethod forwardingMethod) { this.forwardingMethod = forwardingMethod; }
  public Long getUpperThreshold() { return upperThreshold; }
  public void setUpperThreshold(Long upperThreshold) { this.upperThreshold = upperThreshold; }
  public Long getLowerThreshold() { return lowerThreshold; }
  public void setLowerThreshold(Long lowerThreshold) { this.lowerThreshold = lowerThreshold; }
  public Boolean getDrain() { return drain; }
  public void setDrain(Boolean drain) { this.drain = drain; }
  public String getNodeName() { return nodeName; }
  public HealthCheckOverride getHealthCheck() { return healthCheck; }
  public void setHealthCheck(HealthCheckOverride healthCheck) { this.healthCheck = healthCheck; }
  public void setNodeName(String nodeName) { this.nodeName = nodeName; }
}
