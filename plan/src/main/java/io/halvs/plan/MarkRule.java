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

  @Override
  public int compareTo(MarkRule o) {
    return ORDER.compare(this, o);
  }
}
