package io.halvs.agent.vip;

import io.halvs.agent.metrics.AgentMetrics;
import io.halvs.agent.metrics.AgentMetrics.NetlinkOp;
import io.halvs.agent.netlink.AddressTable;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Keeps the VIPs (and the NAT gateway address) of a plan on the director's interfaces. IPv4 addresses halvs
 * adds carry the label "<ifname>:hv" so a restarted agent recognises them; it removes only labelled IPv4
 * addresses and the IPv6 VIPs its previous plan held, never an address someone else configured.
 */
public final class VipManager {
  private final AddressTable table;
  private final Set<IpAddress> heldV6 = new TreeSet<>();
  private long tableCalls;

  public VipManager(AddressTable table) {
    this.table = table;
  }

  /** Calls made to the address table (each a netlink request on a real one): what a reassert costs. */
  public long tableCalls() {
    return tableCalls;
  }

  public static String label(String ifname) {
    String l = ifname + ":hv";
    return l.length() <= 15 ? l : null; // IFNAMSIZ: a label that does not fit is left off
  }

  /** Adds what is missing, removes what halvs held and the plan no longer has. Returns the changes. */
  public List<String> hold(DirectorPlan plan) {
    List<String> changes = new ArrayList<>();
    String ifname = plan.vipInterface();
    String label = label(ifname);
    Set<IpAddress> want = new TreeSet<>(plan.vips());
    Set<IpAddress> present = new java.util.HashSet<>();
    tableCalls++;
    for (AddressTable.Address a : table.list(ifname)) {
      if (a.prefixLength() == a.address().maxPrefixLength()) {
        present.add(a.address());
      }
      boolean ours = a.address().isV4() ? label != null && label.equals(a.label()) : heldV6.contains(a.address());
      if (ours && !want.contains(a.address()) && a.prefixLength() == a.address().maxPrefixLength()) {
        remove(ifname, a.address(), a.prefixLength());
        heldV6.remove(a.address());
        changes.add("removed vip " + a.address() + " from " + ifname);
      }
    }
    // Only what the listing does not show: the election reasserts every second, and an add per VIP (a netlink
    // round trip each, 1,000 at full size) under its monitor was most of its tick.
    for (IpAddress vip : want) {
      if (!present.contains(vip) && add(ifname, vip, vip.maxPrefixLength(), label)) {
        changes.add("added vip " + vip + "/" + vip.maxPrefixLength() + " on " + ifname);
      }
      if (!vip.isV4()) {
        heldV6.add(vip);
      }
    }
    if (plan.gateway() != null) {
      var g = plan.gateway();
      if (add(g.interfaceName(), g.address(), g.prefixLength(), label(g.interfaceName()))) {
        changes.add("added gateway " + g.address() + "/" + g.prefixLength() + " on " + g.interfaceName());
      }
    }
    return changes;
  }

  /** An address added (true) or already there; counted as a netlink operation only when it was added. */
  private boolean add(String ifname, IpAddress a, int prefix, String label) {
    tableCalls++;
    try {
      boolean added = table.add(ifname, a, prefix, label);
      if (added) {
        AgentMetrics.get().netlink(NetlinkOp.ADD_ADDR, false);
      }
      return added;
    } catch (RuntimeException e) {
      AgentMetrics.get().netlink(NetlinkOp.ADD_ADDR, true);
      throw e;
    }
  }

  private boolean remove(String ifname, IpAddress a, int prefix) {
    tableCalls++;
    try {
      boolean removed = table.remove(ifname, a, prefix);
      if (removed) {
        AgentMetrics.get().netlink(NetlinkOp.DEL_ADDR, false);
      }
      return removed;
    } catch (RuntimeException e) {
      AgentMetrics.get().netlink(NetlinkOp.DEL_ADDR, true);
      throw e;
    }
  }

  /** Drops every VIP and the gateway of the plan (standby, or the pair is being deleted). */
  public List<String> release(DirectorPlan plan) {
    List<String> changes = new ArrayList<>();
    for (IpAddress vip : plan.vips()) {
      if (remove(plan.vipInterface(), vip, vip.maxPrefixLength())) {
        changes.add("removed vip " + vip + " from " + plan.vipInterface());
      }
      heldV6.remove(vip);
    }
    if (plan.gateway() != null && remove(plan.gateway().interfaceName(), plan.gateway().address(),
        plan.gateway().prefixLength())) {
      changes.add("removed gateway " + plan.gateway().address());
    }
    return changes;
  }
}
