package io.halvs.plan;

import io.halvs.api.v1alpha1.Protocol;
import java.util.Objects;

/**
 * What identifies an IPVS virtual service in the kernel: family + protocol + address + port, or family +
 * firewall mark (then protocol and address are null and port is 0).
 */
public record ServiceKey(int family, Protocol protocol, IpAddress address, int port, long firewallMark)
    implements Comparable<ServiceKey> {

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
        : (address == null ? "(no address):" + port : address.withPort(port)) + "/" + protocol;
  }

  // equals, hashCode and compareTo written out: every pass looks up each of a pair's services in maps keyed by
  // this, and a record's generated methods (and a chain of Comparator lambdas) run through method handles, which
  // the agent's C1-only JIT does not inline: two thirds of a one-weight pass at 1,000 services went there.

  /** By family, firewall mark, address (none first), protocol (none first), port. */
  @Override
  public int compareTo(ServiceKey o) {
    int c = Integer.compare(family, o.family);
    if (c == 0) {
      c = Long.compare(firewallMark, o.firewallMark);
    }
    if (c == 0 && address != o.address) {
      c = address == null ? -1 : o.address == null ? 1 : address.compareTo(o.address);
    }
    if (c == 0 && protocol != o.protocol) {
      c = protocol == null ? -1 : o.protocol == null ? 1 : protocol.compareTo(o.protocol);
    }
    return c != 0 ? c : Integer.compare(port, o.port);
  }

  @Override
  public boolean equals(Object o) {
    return o == this || o instanceof ServiceKey k && port == k.port && family == k.family
        && firewallMark == k.firewallMark && protocol == k.protocol && Objects.equals(address, k.address);
  }

  @Override
  public int hashCode() {
    int h = Objects.hashCode(address);
    h = 31 * h + port;
    h = 31 * h + (protocol == null ? 0 : protocol.ordinal() + 1);
    h = 31 * h + Long.hashCode(firewallMark);
    return 31 * h + family;
  }
}
