package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.type != 'gue' || has(self.port)",
    message = "a gue tunnel needs port (the real servers' GUE receive port)", fieldPath = ".port")
@ValidationRule(value = "!has(self.port) || self.type == 'gue'",
    message = "tunnel.port is only for type gue", fieldPath = ".port")
@ValidationRule(value = "!has(self.checksum) || self.checksum == 'none' || self.type != 'ipip'",
    message = "tunnel.checksum applies to gue and gre tunnels only", fieldPath = ".checksum")
@ValidationRule(value = "!has(self.checksum) || self.checksum != 'remcsum' || !has(self.type) || self.type != 'gre'",
    message = "tunnel.checksum remcsum is for gue tunnels only (ipvsadm refuses it with gre, whose kernel encapsulation has no remote checksum)",
    fieldPath = ".checksum")
public class Tunnel {
  @Default(Defaults.TUNNEL_TYPE)
  @JsonPropertyDescription("Encapsulation: ipip (default), gue or gre.")
  private TunnelType type;

  @Min(1)
  @Max(65535)
  @JsonPropertyDescription("UDP port of the GUE tunnel; required with type gue.")
  private Integer port;

  @JsonPropertyDescription("Tunnel checksum: none (default), csum (gue, gre) or remcsum (gue only); ipvsadm "
      + "--tun-nocsum, --tun-csum, --tun-remcsum.")
  private TunnelChecksum checksum;

  public TunnelType getType() { return type; }
  public void setType(TunnelType type) { this.type = type; }
  public Integer getPort() { return port; }
  public void setPort(Integer port) { this.port = port; }
  public TunnelChecksum getChecksum() { return checksum; }
  public void setChecksum(TunnelChecksum checksum) { this.checksum = checksum; }
}
