package io.halvs.plan.render;

import io.halvs.plan.IpAddress;
import io.halvs.plan.ObjectRef;
import io.halvs.plan.RealServerNodePlan;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@code halvs render --real-servers}: per gate/ipip real server outside Kubernetes, the shell commands that give
 * it what the halvs real-server agent gives a node with spec.nodeName, in the agent's order (ARP sysctls before
 * the VIPs go on loopback, so the host never answers ARP for a VIP):
 * <pre>
 * # real server 10.0.1.11 (RealServer default/web-1): gate 192.0.2.110 (DirectorPair lvs)
 * sysctl -w net.ipv4.conf.all.arp_announce=2
 * sysctl -w net.ipv4.conf.all.arp_ignore=1
 * ip addr add 192.0.2.110/32 dev lo label lo:halvs
 * </pre>
 * Not persistent across reboots: put the lines where the host keeps its network setup.
 */
public final class RealServerRecipe {
  private RealServerRecipe() {}


  public static void append(StringBuilder b, Map<IpAddress, RealServerNodePlan> byAddress) {
    boolean first = true;
    for (RealServerNodePlan p : byAddress.values()) {
      if (!first) {
        b.append('\n');
      }
      first = false;
      lines(p).forEach(l -> b.append(l).append('\n'));
    }
  }

  /** The recipe of one real server: a comment line, then one command per line. */
  public static List<String> lines(RealServerNodePlan p) {
    List<String> out = new java.util.ArrayList<>();
    StringBuilder head = new StringBuilder("# real server ").append(p.node());
    if (!p.realServers().isEmpty()) {
      head.append(" (").append(String.join(", ", p.realServers().stream().map(ObjectRef::toString).toList()))
          .append(')');
    } else {
      head.append(" (sorry server)");
    }
    head.append(':');
    for (RealServerNodePlan.Need n : p.needs()) {
      head.append(' ').append(n.method().wireName());
      if (n.tunnelType() != null && n.tunnelType() != io.halvs.api.v1alpha1.TunnelType.IPIP) {
        head.append('/').append(n.tunnelType().wireName());
      }
      head.append(' ').append(n.vip()).append(" (DirectorPair ").append(n.pair()).append(')');
      if (n != p.needs().get(p.needs().size() - 1)) {
        head.append(',');
      }
    }
    out.add(head.toString());
    TreeSet<String> modules = new TreeSet<>();
    p.tunnelDevices().forEach(d -> modules.add(RealServerNodePlan.module(d)));
    if (!p.guePorts().isEmpty()) {
      modules.add("fou");
    }
    modules.forEach(m -> out.add("modprobe " + m));
    p.tunnelDevices().forEach(d -> out.add("ip link set " + d + " up"));
    p.sysctls().forEach((k, v) -> out.add("sysctl -w " + k + "=" + v));
    p.guePorts().forEach(port -> out.add("ip fou add port " + port + " gue"));
    for (IpAddress vip : p.vips()) {
      out.add(vip.isV4() ? "ip addr add " + vip + "/32 dev lo label " + RealServerNodePlan.LOOPBACK_LABEL
          : "ip -6 addr add " + vip + "/128 dev lo nodad");
    }
    return out;
  }
}
