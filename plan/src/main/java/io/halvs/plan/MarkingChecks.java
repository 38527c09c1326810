package io.halvs.plan;

import io.halvs.api.v1alpha1.MarkingRule;
import io.halvs.api.v1alpha1.VirtualServiceSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A firewall-mark VirtualService's {@code marking}, checked as admission checks it (for objects that never saw an
 * API server) and flattened into {@link MarkRule}s: one per destination and port range, sorted, duplicates gone.
 * A prefix with host bits set (192.0.2.10/28) is refused, not masked: the writer may have meant the address or
 * the block, and guessing either marks the wrong traffic.
 */
final class MarkingChecks {
  private static final Pattern PORT = Pattern.compile(MarkingRule.PORT);
  private static final int MAX_RULES = 16;
  private static final int MAX_DESTINATIONS = 32;
  private static final int MAX_PORTS = 16;

  private MarkingChecks() {}

  /**
   * @param family the service's family as an address of it (its first vip, or :: / 0.0.0.0), null when unknown
   * @param addresses the addresses the service holds: what a rule without destinations marks
   * @return the flattened rules (sorted, distinct); empty without marking or on an error (then in c)
   */
  static List<MarkRule> check(VirtualServiceSpec s, IpAddress family, List<IpAddress> addresses, Checks c) {
    List<MarkingRule> marking = s.getMarking();
    if (marking == null || marking.isEmpty()) {
      return List.of();
    }
    if (s.getFirewallMark() == null) {
      c.error("spec.marking", "Invalid", "spec.marking is for firewall-mark services: it says what gets the "
          + "firewallMark");
      return List.of();
    }
    if (marking.size() > MAX_RULES) {
      c.error("spec.marking", "TooMany", "spec.marking has " + marking.size() + " rules, at most " + MAX_RULES);
      return List.of();
    }
    long mark = s.getFirewallMark();
    boolean ok = true;
    TreeSet<MarkRule> out = new TreeSet<>();
    int flattened = 0;
    for (int i = 0; i < marking.size(); i++) {
      String field = "spec.marking[" + i + "]";
      MarkingRule m = marking.get(i);
      if (m == null) {
        c.error(field, "Invalid", field + " is empty");
        ok = false;
        continue;
      }
      String protocol = m.getProtocol() == null ? null : m.getProtocol().name();
      List<int[]> ranges = ports(m.getPorts(), protocol, field, c);
      List<IpAddress> prefixes = new ArrayList<>();
      List<Integer> lengths = new ArrayList<>();
      if (!destinations(m.getDestinations(), family, field, prefixes, lengths, c)) {
        ok = false;
        continue;
      }
      if (ranges == null) {
        ok = false;
        continue;
      }
      if (prefixes.isEmpty()) {
        if (addresses.isEmpty()) {
          c.error(field + ".destinations", "NothingToMark", field + " has no destinations, so it marks traffic to "
              + "the service's vip or vips, and this service has none: name its destinations");
          ok = false;
          continue;
        }
        for (IpAddress a : addresses) {
          prefixes.add(a);
          lengths.add(a.maxPrefixLength());
        }
      }
      for (int d = 0; d < prefixes.size(); d++) {
        for (int[] r : ranges) {
          out.add(new MarkRule(mark, protocol, prefixes.get(d), lengths.get(d), r[0], r[1]));
          flattened++;
        }
      }
    }
    if (flattened > MarkingRule.MAX_RULES_PER_SERVICE) {
      c.error("spec.marking", "TooManyMarkRules", "spec.marking flattens to " + flattened + " rules (each destination "
          + "times each port range), at most " + MarkingRule.MAX_RULES_PER_SERVICE + ": use prefixes and port ranges");
      return List.of();
    }
    return ok ? List.copyOf(out) : List.of();
  }

  /** Port ranges as {from, to}; {0, 0} alone for any port. Null on an error. */
  private static List<int[]> ports(List<String> ports, String protocol, String field, Checks c) {
    if (ports == null || ports.isEmpty()) {
      return List.of(new int[] {0, 0});
    }
    if (protocol == null) {
      c.error(field + ".ports", "PortsNeedProtocol", field + ".ports need a protocol (TCP, UDP or SCTP); without one "
          + "a rule marks every protocol, all ports");
      return null;
    }
    if (ports.size() > MAX_PORTS) {
      c.error(field + ".ports", "TooMany", field + ".ports has " + ports.size() + " entries, at most " + MAX_PORTS);
      return null;
    }
    List<int[]> out = new ArrayList<>();
    for (int j = 0; j < ports.size(); j++) {
      String p = ports.get(j);
      Matcher mt = p == null ? null : PORT.matcher(p);
      if (mt == null || !mt.matches()) {
        c.error(field + ".ports[" + j + "]", "InvalidPort", field + ".ports[" + j + "] '" + p + "' is not a port "
            + "(80) or a range (8000-8099)");
        return null;
      }
      int dash = p.indexOf('-');
      int from = Integer.parseInt(dash < 0 ? p : p.substring(0, dash));
      int to = dash < 0 ? from : Integer.parseInt(p.substring(dash + 1));
      if (from < 1 || to > 65535 || from > to) {
        c.error(field + ".ports[" + j + "]", "InvalidPort", field + ".ports[" + j + "] '" + p + "' must be ports "
            + "1-65535, a range from the lower to the higher");
        return null;
      }
      out.add(new int[] {from, to});
    }
    return out;
  }

  /** Parses the destinations into prefixes and lengths; false on an error. */
  private static boolean destinations(List<String> destinations, IpAddress family, String field,
      List<IpAddress> prefixes, List<Integer> lengths, Checks c) {
    if (destinations == null) {
      return true;
    }
    if (destinations.size() > MAX_DESTINATIONS) {
      c.error(field + ".destinations", "TooMany", field + ".destinations has " + destinations.size()
          + " entries, at most " + MAX_DESTINATIONS);
      return false;
    }
    for (int j = 0; j < destinations.size(); j++) {
      String f = field + ".destinations[" + j + "]";
      String text = destinations.get(j);
      int slash = text == null ? -1 : text.indexOf('/');
      IpAddress a = text == null ? null : IpAddress.tryParse(slash < 0 ? text : text.substring(0, slash)).orElse(null);
      int length = a == null ? -1 : slash < 0 ? a.maxPrefixLength() : prefixLength(text.substring(slash + 1), a);
      if (a == null || length < 0) {
        c.error(f, "InvalidDestination", f + " '" + text + "' is not an IP address (192.0.2.10) or a prefix "
            + "(192.0.2.0/28)");
        return false;
      }
      if (slash < 0 && a.isUnspecified()) {
        c.error(f, "InvalidDestination", f + " '" + text + "' is the unspecified address (for every address "
            + "write " + text + "/0)");
        return false;
      }
      if (!masked(a, length)) {
        c.error(f, "HostBitsSet", f + " '" + text + "' has host bits set: write the prefix's first address ("
            + mask(a, length) + "/" + length + "), or the address alone");
        return false;
      }
      if (family != null && a.isV4() != family.isV4()) {
        c.error(f, "AddressFamilyMismatch", f + " '" + text + "' is IPv" + a.version() + " but the service is IPv"
            + family.version() + " (its vip or vips, else ipFamily): make one VirtualService per family");
        return false;
      }
      if (length == 0) {
        c.warning(f, "MarksEveryAddress", f + " '" + text + "' marks packets to every address the directors "
            + "receive, their own too: IPVS then schedules what it matches of the directors' own traffic (SSH, "
            + "kubelet, heartbeats) to the real servers");
      }
      int at = prefixes.indexOf(a);
      if (at < 0 || lengths.get(at) != length) {
        prefixes.add(a);
        lengths.add(length);
      }
    }
    return true;
  }

  private static int prefixLength(String text, IpAddress a) {
    if (!text.matches("[0-9]{1,3}")) {
      return -1;
    }
    int n = Integer.parseInt(text);
    return n > a.maxPrefixLength() ? -1 : n;
  }

  private static boolean masked(IpAddress a, int length) {
    return mask(a, length).equals(a);
  }

  /** The address with its host bits cleared. */
  static IpAddress mask(IpAddress a, int length) {
    byte[] b = a.bytes();
    for (int i = 0; i < b.length * 8; i++) {
      if (i >= length) {
        b[i / 8] &= (byte) ~(0x80 >>> (i % 8));
      }
    }
    return IpAddress.ofBytes(b);
  }
}
