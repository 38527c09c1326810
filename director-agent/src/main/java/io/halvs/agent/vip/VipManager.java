package io.halvs.agent.vip;

import io.halvs.agent.metrics.AgentMetrics;
import io.halvs.agent.metrics.AgentMetrics.NetlinkOp;
import io.halvs.agent.netlink.AddressTable;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Keeps the VIPs (and the NAT gateway address) of a plan on the director's interfaces. IPv4 addresses halvs
 * adds carry the label "<ifname>:hv" so a restarted agent recognises them; it removes only labelled IPv4
 * addresses and the IPv6 VIPs its previous plan held, never an address someone else configured.
 */
public final class VipManager {
  private final AddressTable table;
  /** Whether its address changes count in the agent's netlink metrics (not a warm-up's). */
  private final boolean counted;
  private final Set<IpAddress> heldV6 = new TreeSet<>();
  /** Interfaces the last hold put VIPs on. */
  private final Set<String> heldOn = new TreeSet<>();
  private long tableCalls;

  public VipManager(AddressTable table) {
    this(table, true);
  }

  private VipManager(AddressTable table, boolean counted) {
    this.table = table;
    this.counted = counted;
  }

  /**
   * Holds and releases the plan's VIPs once on an in-memory table of its own: a standby's first hold is its
   * takeover's, and would load and link its code then (measured on a loaded node: the first hold of one VIP 80 ms,
   * later ones 0.2 ms; of 1,020 VIPs 460 ms, later ones 23 ms). Nothing reaches the kernel or the metrics.
   */
  public static void warmUp(DirectorPlan plan) {
    VipManager m = new VipManager(AddressTable.inMemory(), false);
    m.hold(plan);
    m.release(plan);
  }

  /** Calls made to the address table (each a netlink request on a real one): what a reassert costs. */
  public long tableCalls() {
    return tableCalls;
  }

  public static String label(String ifname) {
    String l = ifname + ":hv";
    return l.length() <= 15 ? l : null; // IFNAMSIZ: a label that does not fit is left off
  }

  /**
   * Adds what is missing, removes what halvs held and the plan no longer has. Returns the changes. Each VIP goes
   * to its own interface with its own prefix (the pair's vipInterface and /32, /128 unless the VirtualService
   * says otherwise); the interfaces looked at are the plan's and those this manager held VIPs on before, so a
   * VIP that moves to another interface leaves the old one.
   */
  public List<String> hold(DirectorPlan plan) {
    return hold(plan, v -> {});
  }

  /** As {@link #hold(DirectorPlan)}, calling {@code added} right after each VIP it added (a takeover's announcer). */
  public List<String> hold(DirectorPlan plan, Consumer<DirectorPlan.VipPlan> added) {
    List<String> changes = new ArrayList<>();
    List<DirectorPlan.VipPlan> want = plan.vipPlans();
    Set<DirectorPlan.VipPlan> wanted = new HashSet<>(want);
    Set<IpAddress> wantedAddresses = new HashSet<>();
    want.forEach(v -> wantedAddresses.add(v.address()));
    Set<String> interfaces = new TreeSet<>(heldOn);
    interfaces.add(plan.vipInterface());
    want.forEach(v -> interfaces.add(v.interfaceName()));
    Set<IpAddress> gateways = new TreeSet<>();
    plan.gateways().forEach(g -> gateways.add(g.address()));
    // What the listings show, as VIP settings: each interface is listed once per hold.
    Set<DirectorPlan.VipPlan> present = new HashSet<>();
    for (String ifname : interfaces) {
      String label = label(ifname);
      List<AddressTable.Address> listed;
      tableCalls++;
      try {
        listed = table.list(ifname);
      } catch (RuntimeException e) {
        if (want.stream().anyMatch(v -> v.interfaceName().equals(ifname))) {
          throw e;
        }
        continue; // an interface halvs held VIPs on is gone: nothing of ours is left there
      }
      for (AddressTable.Address a : listed) {
        DirectorPlan.VipPlan seen = new DirectorPlan.VipPlan(a.address(), a.prefixLength(), ifname);
        boolean ours = a.address().isV4() ? label != null && label.equals(a.label()) : heldV6.contains(a.address());
        if (ours && !wanted.contains(seen) && !gateways.contains(a.address())) {
          remove(ifname, a.address(), a.prefixLength());
          if (!wantedAddresses.contains(a.address())) {
            heldV6.remove(a.address());
          }
          changes.add("removed vip " + a.address() + "/" + a.prefixLength() + " from " + ifname);
        } else {
          present.add(seen);
        }
      }
    }
    heldOn.clear();
    // Only what the listings do not show: the election reasserts every second, and an add per VIP (a netlink
    // round trip each, 1,000 at full size) under its monitor was most of its tick.
    for (DirectorPlan.VipPlan vip : want) {
      heldOn.add(vip.interfaceName());
      if (!present.contains(vip)
          && add(vip.interfaceName(), vip.address(), vip.prefixLength(), label(vip.interfaceName()))) {
        added.accept(vip);
        changes.add("added vip " + vip.address() + "/" + vip.prefixLength() + " on " + vip.interfaceName());
      }
      if (!vip.address().isV4()) {
        heldV6.add(vip.address());
      }
    }
    for (DirectorPlan.GatewayPlan g : plan.gateways()) {
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
        count(NetlinkOp.ADD_ADDR, false);
      }
      return added;
    } catch (RuntimeException e) {
      count(NetlinkOp.ADD_ADDR, true);
      throw e;
    }
  }

  private boolean remove(String ifname, IpAddress a, int prefix) {
    tableCalls++;
    try {
      boolean removed = table.remove(ifname, a, prefix);
      if (removed) {
        count(NetlinkOp.DEL_ADDR, false);
      }
      return removed;
    } catch (RuntimeException e) {
      count(NetlinkOp.DEL_ADDR, true);
      throw e;
    }
  }

  /** An address change in the agent's netlink metrics, unless this manager is a warm-up's. */
  private void count(NetlinkOp op, boolean failed) {
    if (counted) {
      AgentMetrics.get().netlink(op, failed);
    }
  }

  /**
   * Drops every VIP and gateway of the plan (standby, or the pair is being deleted): one listing of each of their
   * interfaces, and a removal only for what it shows. A standby reasserts this every second on the election's tick:
   * a request per VIP (1,000 at full size, each answered "not there") took 14 ms of the tick, up to 100.
   */
  public List<String> release(DirectorPlan plan) {
    List<String> changes = new ArrayList<>();
    Set<DirectorPlan.VipPlan> vipsToDrop = new HashSet<>(plan.vipPlans());
    Set<DirectorPlan.VipPlan> gatewaysToDrop = new HashSet<>();
    plan.gateways().forEach(g -> gatewaysToDrop.add(new DirectorPlan.VipPlan(g.address(), g.prefixLength(),
        g.interfaceName())));
    Set<String> interfaces = new TreeSet<>();
    vipsToDrop.forEach(v -> interfaces.add(v.interfaceName()));
    gatewaysToDrop.forEach(g -> interfaces.add(g.interfaceName()));
    for (String ifname : interfaces) {
      tableCalls++;
      // the same match as a removal by address and prefix (the kernel's, with IFA_ADDRESS: both must agree)
      for (AddressTable.Address a : table.list(ifname)) {
        DirectorPlan.VipPlan seen = new DirectorPlan.VipPlan(a.address(), a.prefixLength(), ifname);
        if (vipsToDrop.contains(seen)) {
          if (remove(ifname, a.address(), a.prefixLength())) {
            changes.add("removed vip " + a.address() + " from " + ifname);
          }
        } else if (gatewaysToDrop.contains(seen) && remove(ifname, a.address(), a.prefixLength())) {
          changes.add("removed gateway " + a.address());
        }
      }
    }
    vipsToDrop.forEach(v -> heldV6.remove(v.address()));
    return changes;
  }
}
