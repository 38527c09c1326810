package io.halvs.plan;

import io.halvs.api.v1alpha1.Protocol;
import java.util.Comparator;

/**
 * What identifies an IPVS virtual service in the kernel: family + protocol + address + port, or family +
 * firewall mark (then protocol and address are null and port is 0).
 */
public record ServiceKey(int family, Protocol protocol, IpAddress address, int port, long firewallMark)
    implements Comparable<ServiceKey> {

  private static final Comparator<ServiceKey> ORDER = Comparator.comparingInt(ServiceKey::family)
      .thenComparingLong(ServiceKey::firewallMark)
      .thenComparing(ServiceKey::address, Comparator.nullsFirst(Comparator.naturalOrder()))
      .thenComparing(ServiceKey::protocol, Comparator.nullsFirst(Comparator.naturalOrder()))
      .thenComparingInt(ServiceKey::port);

  public static ServiceKey of(Protocol protocol, IpAddress address, int port) {
    return new ServiceKey(address.family(), protocol, address, port, 0);
  }

  public static ServiceKey ofFirewallMark(int family, long firewallMark) {
    return new ServiceKey(family, null, null, 0, firewallMark);
  }

  @com.fasterxml.jackson.annotation.JsonIgnore // not a property: derived from firewallMark
  public boolean isFirewallMark() {
    return firewallMark != 0;
  }

  /** The service part of an ipvsadm line: "-t 192.0.2.1:80", "-u [2001:db8::1]:53", "--sctp-service ...", "-f 1". */
  public String ipvsadm() {
    if (isFirewallMark()) {
      return "-f " + firewallMark;
    }
    String flag = switch (protocol) {
      case TCP -> "-t";
      case UDP -> "-u";
      case SCTP -> "--sctp-service";
    };
    return flag + " " + address.withPort(port);
  }

  /** For people: "192.0.2.1:80/TCP" or "fwmark 1 (IPv4)". */
  @Override
  public String toString() {
    return isFirewallMark() ? "fwmark " + firewallMark + " (IPv" + (family == IpAddress.AF_INET ? 4 : 6) + ")"
        : address.withPort(port) + "/" + protocol;
  }

  @Override
  public int compareTo(ServiceKey o) {
    return ORDER.compare(this, o);
  }
}
