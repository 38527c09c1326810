package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!(has(self.netmask) && has(self.prefixLength))",
    message = "set persistence.netmask or persistence.prefixLength, not both")
public class Persistence {
  /** The 33 contiguous IPv4 masks: anything else is a typo the kernel would take silently. */
  static final String IPV4_MASK = "^(255\\.255\\.255\\.(255|254|252|248|240|224|192|128|0)"
      + "|255\\.255\\.(254|252|248|240|224|192|128|0)\\.0"
      + "|255\\.(254|252|248|240|224|192|128|0)\\.0\\.0"
      + "|(254|252|248|240|224|192|128|0)\\.0\\.0\\.0)$";

  @Default("300")
  @Min(1)
  @Max(2678400)
  @JsonPropertyDescription("Seconds a client keeps its real server after its last connection (ipvsadm -p). Default 300.")
  private Integer timeoutSeconds;

  @Pattern(IPV4_MASK)
  @JsonPropertyDescription("IPv4 mask grouping clients into one persistence entry (ipvsadm -M), e.g. 255.255.255.0. IPv4 vips only.")
  private String netmask;

  @Min(1)
  @Max(128)
  @JsonPropertyDescription("Prefix length grouping clients (1-32 for IPv4, 1-128 for IPv6); the IPv6 form of netmask.")
  private Integer prefixLength;

  @JsonPropertyDescription("Persistence engine (ipvsadm --pe): sip groups a client's datagrams by SIP Call-ID "
      + "instead of by address. UDP services (or firewall-mark ones) only: the kernel's sip engine drops every other "
      + "packet it is asked to schedule.")
  private PersistenceEngine engine;

  public Integer getTimeoutSeconds() { return timeoutSeconds; }
  public void setTimeoutSeconds(Integer timeoutSeconds) { this.timeoutSeconds = timeoutSeconds; }
  public String getNetmask() { return netmask; }
  public void setNetmask(String netmask) { this.netmask = netmask; }
  public Integer getPrefixLength() { return prefixLength; }
  public PersistenceEngine getEngine() { return engine; }
  public void setEngine(PersistenceEngine engine) { this.engine = engine; }
  public void setPrefixLength(Integer prefixLength) { this.prefixLength = prefixLength; }
}
