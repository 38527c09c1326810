package io.halvs.plan.render;

import io.halvs.plan.DirectorPlan;
import io.halvs.plan.MarkRule;
import java.util.Locale;

/**
 * A pair's marking rules as an {@code nft -f} script, for directors outside Kubernetes: the table the agent owns
 * ({@code inet halvs}, chain {@code marking}: type filter, hook prerouting, priority mangle, so packets carry
 * their mark before IPVS looks it up in LOCAL_IN), one rule per {@link MarkRule} in plan order, written as
 * {@code nft list} prints them back (marks in decimal, as {@code ipvsadm -f} takes them):
 * <pre>
 * table inet halvs
 * delete table inet halvs
 * table inet halvs {
 *   chain marking {
 *     type filter hook prerouting priority mangle; policy accept;
 *     ip daddr 192.0.2.0/28 tcp dport 8000-8099 meta mark set 10
 *   }
 * }
 * </pre>
 * The first two lines make it a replacement: {@code nft -f} applies the file as one transaction, so the table is
 * created if missing, emptied and refilled atomically, and a second run gives the same table. Without rules the
 * script only deletes the table.
 */
public final class NftScript {
  public static final String TABLE = "inet halvs";
  public static final String CHAIN = "marking";

  private NftScript() {}

  /** One rule as nft writes it: {@code ip daddr 192.0.2.0/28 tcp dport 8000-8099 meta mark set 10}. */
  public static String rule(MarkRule r) {
    StringBuilder b = new StringBuilder();
    b.append(r.address().isV4() ? "ip daddr " : "ip6 daddr ").append(r.address());
    if (r.prefixLength() != r.address().maxPrefixLength()) {
      b.append('/').append(r.prefixLength());
    }
    if (r.protocol() != null) {
      String proto = r.protocol().toLowerCase(Locale.ROOT);
      if (r.anyPort()) {
        b.append(" meta l4proto ").append(proto);
      } else {
        b.append(' ').append(proto).append(" dport ").append(r.portFrom());
        if (r.portTo() != r.portFrom()) {
          b.append('-').append(r.portTo());
        }
      }
    }
    return b.append(" meta mark set ").append(r.mark()).toString();
  }

  /** The whole script for one pair (see the class comment). */
  public static String script(DirectorPlan plan) {
    StringBuilder b = new StringBuilder();
    b.append("# DirectorPair ").append(plan.pair()).append(": firewall marking (nft -f)\n");
    b.append("table ").append(TABLE).append('\n');
    b.append("delete table ").append(TABLE).append('\n');
    if (plan.markRules().isEmpty()) {
      return b.toString();
    }
    b.append("table ").append(TABLE).append(" {\n");
    b.append("\tchain ").append(CHAIN).append(" {\n");
    b.append("\t\ttype filter hook prerouting priority mangle; policy accept;\n");
    plan.markRules().forEach(r -> b.append("\t\t").append(rule(r)).append('\n'));
    b.append("\t}\n}\n");
    return b.toString();
  }
}
