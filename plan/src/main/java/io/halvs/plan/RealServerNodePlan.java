package io.halvs.plan;

import io.halvs.api.v1alpha1.ForwardingMethod;
import io.halvs.api.v1alpha1.TunnelType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What one Kubernetes node that is a DR (gate) or TUN (ipip) real server must hold so the directors' packets
 * reach it: the seed's manual steps, derived from the RealServers whose spec.nodeName names the node.
 *
 * <ul>
 *   <li>every VIP on loopback as /32 or /128 (label {@value #LOOPBACK_LABEL} for IPv4): the node accepts packets
 *       for the VIP but, with arp_ignore=1 on every interface, never answers ARP for it; only the director does;
 *   <li>arp_ignore=1 and arp_announce=2 on "all" (the kernel uses the larger of all and the interface's value,
 *       so "all" covers the egress interface too) when any IPv4 VIP is held; IPv6 needs none: Linux answers
 *       neighbour solicitations only for addresses on the receiving interface;
 *   <li>for a tunnel the kernel's fallback device up (tunl0, sit0, ip6tnl0, gre0, ip6gre0) so it decapsulates
 *       packets from any director, rp_filter=2 (loose) on it because the decapsulated packet arrives on the
 *       tunnel but its client is routed out of another interface (the kernel uses the larger of all and the
 *       device's value, so 2 on the device is enough whatever "all" says), and for gue a fou receive port.
 * </ul>
 *
 * @param node the Kubernetes node name
 * @param needs sorted, distinct
 * @param realServers the RealServers this comes from, sorted
 */
public record RealServerNodePlan(String node, List<Need> needs, List<ObjectRef> realServers) {

  public static final String LOOPBACK = "lo";
  public static final String LOOPBACK_LABEL = "lo:halvs";

  public RealServerNodePlan {
    needs = List.copyOf(needs);
    realServers = List.copyOf(realServers);
  }

  /**
   * One VIP served by one forwarding method on this node.
   *
   * @param tunnelType null for gate
   * @param tunnelPort the GUE receive port; 0 otherwise
   * @param tunnelDevice the kernel's fallback tunnel device that receives it; null for gate
   * @param pair the DirectorPair that sends it
   */
  public record Need(IpAddress vip, ForwardingMethod method, TunnelType tunnelType, int tunnelPort,
      String tunnelDevice, String pair) implements Comparable<Need> {

    private static final Comparator<Need> ORDER = Comparator.comparing(Need::vip)
        .thenComparing(Need::method)
        .thenComparing(Need::tunnelType, Comparator.nullsFirst(Comparator.naturalOrder()))
        .thenComparingInt(Need::tunnelPort)
        .thenComparing(Need::pair);

    @Override
    public int compareTo(Need o) {
      return ORDER.compare(this, o);
    }
  }

  /** The VIPs to hold on loopback, sorted, distinct. */
  public List<IpAddress> vips() {
    return new ArrayList<>(new TreeSet<>(needs.stream().map(Need::vip).toList()));
  }

  /** The tunnel devices to bring up, sorted. */
  public SortedSet<String> tunnelDevices() {
    SortedSet<String> out = new TreeSet<>();
    needs.stream().filter(n -> n.tunnelDevice() != null).forEach(n -> out.add(n.tunnelDevice()));
    return out;
  }

  /** The GUE receive ports (fou). */
  public SortedSet<Integer> guePorts() {
    SortedSet<Integer> out = new TreeSet<>();
    needs.stream().filter(n -> n.tunnelType() == TunnelType.GUE).forEach(n -> out.add(n.tunnelPort()));
    return out;
  }

  /** Dotted sysctl key -> value this node needs. */
  public SortedMap<String, String> sysctls() {
    SortedMap<String, String> out = new TreeMap<>();
    if (needs.stream().anyMatch(n -> n.vip().isV4())) {
      out.put("net.ipv4.conf.all.arp_ignore", "1");
      out.put("net.ipv4.conf.all.arp_announce", "2");
    }
    for (Need n : needs) {
      // rp_filter exists for IPv4 only; an IPv6 packet inside a tunnel is not reverse-path filtered.
      if (n.tunnelDevice() != null && n.vip().isV4()) {
        out.put("net.ipv4.conf." + n.tunnelDevice() + ".rp_filter", "2");
      }
    }
    return out;
  }

  /** The kernel module that provides a fallback tunnel device (what to modprobe when it is missing). */
  public static String module(String device) {
    return switch (device) {
      case "tunl0" -> "ipip";
      case "sit0" -> "sit";
      case "ip6tnl0" -> "ip6_tunnel";
      case "gre0" -> "ip_gre";
      case "ip6gre0" -> "ip6_gre";
      default -> device;
    };
  }

  /**
   * The fallback device the kernel decapsulates into: ipip and gue (which carries ipip) use tunl0 for IPv4 in
   * IPv4, sit0 for IPv6 in IPv4 and ip6tnl0 under an IPv6 outer header; gre uses gre0 or ip6gre0.
   */
  public static String tunnelDevice(TunnelType type, IpAddress vip, IpAddress realServer) {
    if (type == TunnelType.GRE) {
      return realServer.isV4() ? "gre0" : "ip6gre0";
    }
    if (!realServer.isV4()) {
      return "ip6tnl0";
    }
    return vip.isV4() ? "tunl0" : "sit0";
  }
}
