package io.halvs.plan;

import java.util.Comparator;

/**
 * One firewall-marking rule both directors install in the table halvs owns (nftables {@code inet halvs}, hook
 * prerouting): a packet to {@code address/prefixLength}, of {@code protocol} (TCP, UDP, SCTP; null: any) and,
 * with a protocol, to a destination port in {@code portFrom..portTo} (0..0: any port), gets {@code mark}, which
 * a firewall-mark IPVS service then schedules. The plan holds them flattened (one address x one port range),
 * sorted, so equal intent gives equal rules.
 */
public record MarkRule(long mark, String protocol, IpAddress address, int prefixLength, int portFrom, int portTo)
    implements Comparable<MarkRule> {

  private static final Comparator<MarkRule> ORDER = Comparator.comparingLong(MarkRule::mark)
      .thenComparing(MarkRule::address)
      .thenComparingInt(MarkRule::prefixLength)
      .thenComparing(r -> r.protocol() == null ? "" : r.protocol())
      .thenComparingInt(MarkRule::portFrom)
      .thenComparingInt(MarkRule::portTo);

  /** True when the rule matches any port (no protocol, or a protocol with 0..0). */
  public boolean anyPort() {
    return portFrom == 0 && portTo == 0;
  }

  /** True when the rule matches packets to {@code a} (same family, inside the prefix). */
  public boolean contains(IpAddress a) {
    return address.samePrefix(a, prefixLength);
  }

  /** True when the rule matches packets of this protocol to this port (null protocol: any). */
  public boolean matches(String proto, int port) {
    return (protocol == null || proto == null || protocol.equals(proto))
        && (protocol == null || anyPort() || (port >= portFrom && port <= portTo));
  }

  /**
   * True when some packet matches both rules: same family, one prefix inside the other, protocols alike (or one
   * any), port ranges that meet (or one any).
   */
  public boolean overlaps(MarkRule o) {
    if (!address.samePrefix(o.address, Math.min(prefixLength, o.prefixLength))) {
      return false;
    }
    if (protocol == null || o.protocol == null) {
      return true;
    }
    return protocol.equals(o.protocol) && (anyPort() || o.anyPort() || (portFrom <= o.portTo && o.portFrom <= portTo));
  }

  /** For people: "192.0.2.0/28 TCP 8000-8099", "192.0.2.10 any protocol", "192.0.2.10 UDP any port". */
  public String describe() {
    String where = address + (prefixLength == address.maxPrefixLength() ? "" : "/" + prefixLength);
    if (protocol == null) {
      return where + " any protocol";
    }
    return where + " " + protocol + " " + (anyPort() ? "any port"
        : portFrom == portTo ? Integer.toString(portFrom) : portFrom + "-" + portTo);
  }

  @Override
  public int compareTo(MarkRule o) {
    return ORDER.compare(this, o);
  }
}
