package io.halvs.agent.vip;

import io.halvs.agent.metrics.AgentMetrics;
import io.halvs.agent.metrics.AgentMetrics.NetlinkOp;
import io.halvs.agent.netlink.AddressTable;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;

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
   * later ones 0.2 ms; of 1,020 VIPs 460 ms, later ones 23 ms). Then the requests themselves, on a rehearsal table
   * (every request built and its answers read, an in-process stand-in answering for the kernel): holds until
   * about {@link #REHEARSED_REQUESTS} adds have run, and the removals of as many, so the code that builds and reads
   * them is compiled before a takeover needs it. Nothing reaches the kernel or the metrics.
   */
  public static void warmUp(DirectorPlan plan) {
    VipManager m = new VipManager(AddressTable.inMemory(), false);
    m.hold(plan);
    m.release(plan);
    int vips = plan.vipPlans().size();
    if (vips == 0) {
      return; // nothing a takeover would add
    }
    try (AddressTable rehearsal = AddressTable.rehearsal()) {
      VipManager r = new VipManager(rehearsal, false);
      for (int done = 0; done < REHEARSED_REQUESTS; done += vips) {
        r.hold(plan, added -> rehearsal.removeAll(added.get(0).interfaceName(), added.stream()
            .map(v -> new AddressTable.Change(v.address(), v.prefixLength(), null)).toList()));
      }
    }
  }

  /** Adds (and removals) a warm-up rehearses: enough for the JIT to compile each request's code. */
  static final int REHEARSED_REQUESTS = 2048;

  /**
   * Calls made to the address table (each a netlink request on a real one: a listing, or a datagram of up to
   * {@link AddressTable#PER_DATAGRAM} changes): what a reassert costs.
   */
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
    return hold(plan, vips -> {});
  }

  /**
   * As {@link #hold(DirectorPlan)}, calling {@code added} with the VIPs of each request right after the kernel added
   * them (a takeover's announcer).
   */
  public List<String> hold(DirectorPlan plan, Consumer<List<DirectorPlan.VipPlan>> added) {
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
    // Only what the listings do not show: the election reasserts every second, and an add per VIP under its
    // monitor was most of its tick. What is missing goes per interface, AddressTable.PER_DATAGRAM VIPs to a request
    // answered as a whole: a takeover's 1,000 adds were 1,000 round trips, each a wait for the kernel's answer
    // and a wake-up of the announcer, on a director whose CPUs may be busy.
    Map<String, List<DirectorPlan.VipPlan>> missing = new LinkedHashMap<>();
    for (DirectorPlan.VipPlan vip : want) {
      heldOn.add(vip.interfaceName());
      if (!present.contains(vip)) {
        missing.computeIfAbsent(vip.interfaceName(), k -> new ArrayList<>()).add(vip);
      }
      if (!vip.address().isV4()) {
        heldV6.add(vip.address());
      }
    }
    Refusals refusals = new Refusals("added");
    missing.forEach((ifname, vips) -> add(ifname, vips, changes, added, refusals));
    for (DirectorPlan.GatewayPlan g : plan.gateways()) {
      if (add(g.interfaceName(), g.address(), g.prefixLength(), label(g.interfaceName()))) {
        changes.add("added gateway " + g.address() + "/" + g.prefixLength() + " on " + g.interfaceName());
      }
    }
    refusals.throwIfAny(changes);
    return changes;
  }

  /** Adds VIPs of one interface a request at a time; each request's VIPs go to {@code added} as soon as it is done. */
  private void add(String ifname, List<DirectorPlan.VipPlan> vips, List<String> changes,
      Consumer<List<DirectorPlan.VipPlan>> added, Refusals refusals) {
    String label = label(ifname);
    perRequest(vips.stream().map(v -> new AddressTable.Change(v.address(), v.prefixLength(), label)).toList(),
        NetlinkOp.ADD_ADDR, part -> table.addAll(ifname, part), refusals, done -> {
          List<DirectorPlan.VipPlan> held = new ArrayList<>(done.size());
          for (AddressTable.Change c : done) {
            held.add(new DirectorPlan.VipPlan(c.address(), c.prefixLength(), ifname));
            changes.add("added vip " + c.address() + "/" + c.prefixLength() + " on " + ifname);
          }
          added.accept(held);
        });
  }

  /**
   * Sends the changes of one interface {@link AddressTable#PER_DATAGRAM} to a request, each counted in the netlink
   * metrics; a refused change, or a request that failed as a whole (the interface gone, the socket failed), is
   * counted and stops none of the others. {@code done} gets each request's changes the kernel made, when there are.
   */
  private void perRequest(List<AddressTable.Change> all, NetlinkOp op,
      Function<List<AddressTable.Change>, List<AddressTable.Outcome>> request, Refusals refusals,
      Consumer<List<AddressTable.Change>> done) {
    for (int from = 0; from < all.size(); from += AddressTable.PER_DATAGRAM) {
      List<AddressTable.Change> part = all.subList(from, Math.min(all.size(), from + AddressTable.PER_DATAGRAM));
      List<AddressTable.Outcome> outcomes;
      tableCalls++;
      try {
        outcomes = request.apply(part);
      } catch (RuntimeException e) {
        part.forEach(c -> count(op, true));
        refusals.add(e, part.size());
        continue; // the next request says so again, or gets through
      }
      List<AddressTable.Change> made = new ArrayList<>(part.size());
      for (AddressTable.Outcome o : outcomes) {
        if (o.done()) {
          count(op, false);
          made.add(o.change());
        } else if (o.failure() != null) {
          count(op, true);
          refusals.add(o.failure(), 1);
        }
      }
      if (!made.isEmpty()) {
        done.accept(made);
      }
    }
  }

  /** The addresses a hold or release could not change: the first one's reason and how many in all. */
  private static final class Refusals {
    private final String verb;
    private RuntimeException first;
    private int count;

    Refusals(String verb) {
      this.verb = verb;
    }

    void add(RuntimeException e, int addresses) {
      if (first == null) {
        first = e;
      }
      count += addresses;
    }

    /** Throws when any address was refused: the first one's reason, and the changes made beside the refusals. */
    void throwIfAny(List<String> changes) {
      if (first != null) {
        throw new Refused(count == 1 ? first.getMessage()
            : count + " addresses not " + verb + ", the first: " + first.getMessage(), first, changes);
      }
    }
  }

  /**
   * A hold or release that could not change some addresses (the first refusal is the cause; the message is its
   * own when it is the only one, else a count that names it) but changed others: {@link #changes} says which,
   * for the log line a complete one gets (a takeover with one refused VIP still added the other 999).
   */
  public static final class Refused extends IllegalStateException {
    private final transient List<String> changes;

    Refused(String message, RuntimeException first, List<String> changes) {
      super(message, first);
      this.changes = List.copyOf(changes);
    }

    /** What the hold or release changed, as it returns them when nothing is refused. */
    public List<String> changes() {
      return changes;
    }
  }

  /**
   * Changes for a log line: all of them when few, else the first few and a count. A takeover at 1,000 VIPs was one
   * line of 40 KB naming each.
   */
  public static String summary(List<String> changes) {
    if (changes.size() <= SUMMARY_NAMED + 2) {
      return String.join(", ", changes);
    }
    long added = changes.stream().filter(c -> c.startsWith("added ")).count();
    return String.join(", ", changes.subList(0, SUMMARY_NAMED)) + " and " + (changes.size() - SUMMARY_NAMED)
        + " more (" + changes.size() + " changes: " + added + " added, " + (changes.size() - added) + " removed)";
  }

  private static final int SUMMARY_NAMED = 5;

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
    Refusals refusals = new Refusals("removed");
    for (String ifname : interfaces) {
      tableCalls++;
      // the same match as a removal by address and prefix (the kernel's, with IFA_ADDRESS: both must agree)
      List<AddressTable.Change> drop = new ArrayList<>();
      for (AddressTable.Address a : table.list(ifname)) {
        DirectorPlan.VipPlan seen = new DirectorPlan.VipPlan(a.address(), a.prefixLength(), ifname);
        if (vipsToDrop.contains(seen) || gatewaysToDrop.contains(seen)) {
          drop.add(new AddressTable.Change(a.address(), a.prefixLength(), null));
        }
      }
      // a request per AddressTable.PER_DATAGRAM addresses, as a takeover adds them: a handover's release is what
      // the peer waits for
      perRequest(drop, NetlinkOp.DEL_ADDR, part -> table.removeAll(ifname, part), refusals, made -> {
        for (AddressTable.Change c : made) {
          boolean vip = vipsToDrop.contains(new DirectorPlan.VipPlan(c.address(), c.prefixLength(), ifname));
          changes.add(vip ? "removed vip " + c.address() + " from " + ifname : "removed gateway " + c.address());
        }
      });
    }
    vipsToDrop.forEach(v -> heldV6.remove(v.address()));
    refusals.throwIfAny(changes);
    return changes;
  }
}
