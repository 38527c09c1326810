package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/**
 * What a firewall-mark service marks: packets to these destinations, of this protocol, to these ports. The
 * directors install the rules themselves (nftables table {@code inet halvs}), so no netfilter rules of your own
 * are needed. Each destination x each port range becomes one rule.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.ports) || size(self.ports) == 0 || has(self.protocol)",
    message = "marking: ports need a protocol (TCP, UDP or SCTP); without one a rule marks every protocol, all ports",
    fieldPath = ".ports")
public class MarkingRule {
  /** A port or a range: 80, 8000-8099. Bounds (1-65535, from <= to) are checked by a rule on the list. */
  public static final String PORT = "^[0-9]{1,5}(-[0-9]{1,5})?$";
  /** An address or a prefix, as written: 192.0.2.10, 192.0.2.0/28, 2001:db8::/64. */
  public static final int MAX_DESTINATION_LENGTH = HalvsApi.MAX_IP_LENGTH + 4;
  /** Rules one service may flatten to: the directors match every packet against each in turn. */
  public static final int MAX_RULES_PER_SERVICE = 1024;

  @JsonPropertyDescription("TCP, UDP or SCTP; unset: any protocol (and then no ports).")
  private Protocol protocol;

  @Size(max = 32)
  @ValidationRule(value = "self.all(d, isIP(d) || isCIDR(d))",
      message = "marking.destinations: each entry is an IP address (192.0.2.10) or a prefix (192.0.2.0/28)")
  @ValidationRule(value = "self.all(d, d.contains(':') == self[0].contains(':'))",
      message = "marking.destinations: all of one family (IPv4 or IPv6), the service's")
  @ValidationRule(value = "self.all(d, !isCIDR(d) || cidr(d) == cidr(d).masked())",
      message = "marking.destinations: a prefix has no host bits set (write 192.0.2.0/28, not 192.0.2.10/28)")
  @JsonPropertyDescription("Addresses or prefixes the marked packets are sent to (at most 32), all of the service's "
      + "family; unset or empty: the service's vip or vips.")
  private List<@Size(min = 2, max = MAX_DESTINATION_LENGTH) String> destinations;

  @Size(max = 16)
  @ValidationRule(value = "self.all(p, p.matches('" + PORT + "') && p.split('-').all(n, int(n) >= 1 && "
      + "int(n) <= 65535))",
      message = "marking.ports: each entry is a port (80) or a range (8000-8099) of ports 1-65535, quoted")
  @ValidationRule(value = "self.all(p, !p.matches('" + PORT + "') || !p.contains('-') || "
      + "int(p.split('-')[0]) <= int(p.split('-')[1]))",
      message = "marking.ports: a range goes from the lower port to the higher (8000-8099)")
  @JsonPropertyDescription("Destination ports (at most 16), each a port (\"80\") or a range (\"8000-8099\"), as "
      + "strings; needs a protocol. Unset or empty: every port.")
  private List<@Size(min = 1, max = 11) String> ports;

  public Protocol getProtocol() { return protocol; }
  public void setProtocol(Protocol protocol) { this.protocol = protocol; }
  public List<String> getDestinations() { return destinations; }
  public void setDestinations(List<String> destinations) { this.destinations = destinations; }
  public List<String> getPorts() { return ports; }
  public void setPorts(List<String> ports) { this.ports = ports; }
}
