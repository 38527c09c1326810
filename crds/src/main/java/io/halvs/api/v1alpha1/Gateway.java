package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!isIP(self.address) || ip(self.address).family() == 6 || self.prefixLength <= 32",
    message = "gateway.prefixLength must be at most 32 for an IPv4 address", fieldPath = ".prefixLength")
public class Gateway {
  @Required
  @Size(min = 2, max = HalvsApi.MAX_IP_LENGTH)
  @ValidationRule(value = "isIP(self) && !ip(self).isUnspecified()", message = "gateway.address must be an IP address")
  @JsonPropertyDescription("Address the real servers use as their default gateway (DIP).")
  private String address;

  @Required
  @Min(1)
  @Max(128)
  @JsonPropertyDescription("Prefix length of the real servers' network, e.g. 24 (IPaddr2 cidr_netmask=).")
  private Integer prefixLength;

  @Required
  @Pattern(DirectorPairSpec.INTERFACE_NAME)
  @JsonPropertyDescription("Interface facing the real servers, e.g. eth1 (IPaddr2 nic=).")
  private String interfaceName;

  public String getAddress() { return address; }
  public void setAddress(String address) { this.address = address; }
  public Integer getPrefixLength() { return prefixLength; }
  public void setPrefixLength(Integer prefixLength) { this.prefixLength = prefixLength; }
  public String getInterfaceName() { return interfaceName; }
  public void setInterfaceName(String interfaceName) { this.interfaceName = interfaceName; }
}
