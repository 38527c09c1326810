package io.halvs.agent.runtime;

import io.halvs.agent.Logs;
import io.halvs.agent.kernel.IpvsKernel;
import io.halvs.agent.kernel.KernelDestination;
import io.halvs.agent.kernel.KernelReconciler;
import io.halvs.agent.kernel.KernelService;
import io.halvs.agent.metrics.AgentMetrics;
import io.halvs.agent.metrics.AgentMetrics.NetlinkOp;
import io.halvs.agent.netlink.AddressTable;
import io.halvs.agent.netlink.NeighbourTable;
import io.halvs.agent.netlink.NeighbourTable.Neighbour;
import io.halvs.api.v1alpha1.ForwardingMethod;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpAddress;
import io.halvs.plan.IpvsService;
import io.halvs.plan.ServiceKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices, between full passes, IPVS services of the plan that someone else deleted or changed, and asks the
 * director for a full pass at once instead of at its next resync. The usual someone is kube-proxy: in IPVS mode it
 * deletes on every sync the virtual services it did not create unless {@code ipvs.excludeCIDRs} covers their
 * addresses (cleanLegacyService); in nftables mode it flushes the whole table when it starts.
 *
 * <p>One look is one IPVS_CMD_GET_SERVICE dump: services only, no destinations, so it costs in proportion to the
 * number of services in the kernel (halvs' and kube-proxy's), not to the number of real servers. It runs on its
 * own thread, never the director's or the election's; in-cluster it gets its own netlink socket, so it never
 * waits behind them either. A look that overlaps a director pass is discarded: the director itself is changing
 * the table then. Only services the last passes left exactly as planned are compared; foreign ones are not
 * looked at. Destinations deleted by hand are restored at the next resync (kube-proxy never touches the
 * destinations of services it does not own).
 *
 * <p>With a neighbour table it also looks, in the same turn, for the kernel sending DR packets on a route without a
 * next hop: IPVS caches one route per destination for all its connections, and when the first packet after an edit
 * (or a route change) belongs to a masq or ipip connection, the route it caches names no next hop; every gate
 * connection to that real server then asks ARP for the VIP itself and is lost, until the destination's cache is
 * emptied. The sign is a gate VIP this director holds in its neighbour table (a host never resolves its own
 * address); the cure, each gate destination of that VIP's services edited again as it stands (an edit empties the
 * cache) and the entry deleted (docs/RELIABILITY.md, "Changing a live destination's forwarding method").
 */
public final class KernelWatch implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KernelWatch.class);
  private static final int MAX_NAMED = 10;

  /** What one look found: planned services missing from the kernel, and ones whose settings differ. */
  public record Drift(List<ServiceKey> vanished, List<ServiceKey> altered, int servicesInKernel, long dumpNanos) {
    public boolean found() {
      return !vanished.isEmpty() || !altered.isEmpty();
    }
  }

  /** What one look at the neighbour table found: own VIPs resolved as neighbours, gate destinations edited again. */
  public record GateRoutes(List<Neighbour> found, int edited, List<String> failures) {}

  private final IpvsKernel kernel;
  private final NeighbourTable neighbours; // null: not looked at (the in-memory IPVS table)
  private final AddressTable addresses; // this host's: a VIP counts only where it is held
  private DirectorPlan gatePlan; // worker thread only: the plan gateVips was computed from
  private Set<IpAddress> gateVips = Set.of(); // worker thread only
  private final Director director;
  private final String pair;
  private final Runnable repair;
  private final Duration interval;
  private ScheduledExecutorService worker;
  private long repairAsked = -2; // the pass count when this watch last asked for a repair
  private boolean firstLook = true; // worker thread only
  private String lastFailure; // worker thread only
  private String lastNeighbourFailure; // worker thread only

  /**
   * @param kernel the table to look at (in-cluster: a second connection, so looks never queue behind passes)
   * @param repair asks for a full pass now: {@link Director#fullPassNow()}, plus a wake-up where the caller drives
   *     the director itself
   */
  public KernelWatch(IpvsKernel kernel, Director director, String pair, Runnable repair, Duration interval) {
    this(kernel, null, null, director, pair, repair, interval);
  }

  /**
   * @param neighbours where to look for own VIPs resolved as neighbours; null: no such look
   * @param addresses where to read which of them this director holds (a standby may resolve the active's VIP)
   */
  public KernelWatch(IpvsKernel kernel, NeighbourTable neighbours, AddressTable addresses, Director director,
      String pair, Runnable repair, Duration interval) {
    this.kernel = kernel;
    this.neighbours = neighbours;
    this.addresses = addresses;
    this.director = director;
    this.pair = pair;
    this.repair = repair;
    this.interval = interval;
  }

  /**
   * One look. Null when there was nothing to compare or the look overlapped a pass; otherwise what it found,
   * and when it found something, the full pass has been asked for and the finding logged (one line).
   */
  public synchronized Drift check() {
    long before = director.passCount();
    Map<ServiceKey, KernelService> expected = director.expectedServices();
    if ((before & 1) != 0 || expected == null || expected.isEmpty() || before < repairAsked + 2) {
      return null; // mid-pass, nothing to compare with, or the repair asked for has not run yet
    }
    long start = System.nanoTime();
    List<KernelService> dumped = kernel.services();
    long nanos = System.nanoTime() - start;
    if (director.passCount() != before) {
      return null; // a pass ran meanwhile: what the dump shows may be the director's own work in progress
    }
    Map<ServiceKey, KernelService> have = new HashMap<>(dumped.size() * 2);
    for (KernelService s : dumped) {
      have.put(s.key(), s);
    }
    List<ServiceKey> vanished = new ArrayList<>();
    List<ServiceKey> altered = new ArrayList<>();
    for (Map.Entry<ServiceKey, KernelService> e : expected.entrySet()) {
      KernelService h = have.get(e.getKey());
      if (h == null) {
        vanished.add(e.getKey());
      } else if (!h.withoutStats().equals(e.getValue())) {
        altered.add(e.getKey());
      }
    }
    vanished.sort(null);
    altered.sort(null);
    Drift drift = new Drift(vanished, altered, dumped.size(), nanos);
    if (drift.found()) {
      Logs.pair(LOG.atWarn(), pair).log(describe(pair, drift));
      repairAsked = before;
      repair.run();
    }
    return drift;
  }

  /**
   * One look at the neighbour table (null: none, or no gate service planned). When own gate VIPs show there, each
   * gate destination of their services is edited again as the kernel holds it, the entries are deleted, and the
   * finding is logged; when a pass ran meanwhile (it may have edited the same destinations) a full pass is asked for.
   */
  public synchronized GateRoutes refreshGateRoutes() {
    DirectorPlan plan = director.plan();
    if (neighbours == null || plan == null) {
      return null;
    }
    if (plan != gatePlan) {
      gatePlan = plan;
      gateVips = gateVips(plan);
    }
    if (gateVips.isEmpty()) {
      return null;
    }
    List<Neighbour> found = neighbours.find(gateVips);
    if (!found.isEmpty()) {
      Set<IpAddress> held = new HashSet<>();
      addresses.list(null).forEach(a -> held.add(a.address()));
      found = found.stream().filter(n -> held.contains(n.address())).toList();
    }
    if (found.isEmpty()) {
      return new GateRoutes(found, 0, List.of());
    }
    long before = director.passCount();
    Set<IpAddress> at = new HashSet<>();
    found.forEach(n -> at.add(n.address()));
    int edited = 0;
    List<String> failures = new ArrayList<>();
    for (IpvsService s : plan.services()) {
      if (!hasGate(s) || s.addresses().stream().noneMatch(at::contains)) {
        continue;
      }
      try {
        for (KernelDestination d : kernel.destinations(s.key())) {
          if (d.forwardMethod() == KernelDestination.FWD_DROUTE) {
            if (!KernelReconciler.attempt(failures, NetlinkOp.EDIT_DEST, () -> kernel.updateDestination(s.key(), d))) {
              break;
            }
            edited++;
          }
        }
      } catch (RuntimeException e) {
        failures.add(s.key() + ": " + e.getMessage());
      }
    }
    for (Neighbour n : found) {
      try {
        neighbours.remove(n);
      } catch (RuntimeException e) {
        failures.add("neighbour " + n.address() + ": " + e.getMessage());
      }
    }
    if ((before & 1) != 0 || director.passCount() != before) {
      repair.run(); // a pass ran meanwhile: an edit written from this look's dump may have undone one of its own
    }
    AgentMetrics.get().gateRouteCured();
    GateRoutes g = new GateRoutes(found, edited, failures);
    Logs.pair(LOG.atWarn(), pair).log(describe(pair, g));
    return g;
  }

  /** The VIPs of the plan's services that have a gate destination (the sorry server's included). */
  static Set<IpAddress> gateVips(DirectorPlan plan) {
    Set<IpAddress> out = new HashSet<>();
    for (IpvsService s : plan.services()) {
      if (hasGate(s)) {
        out.addAll(s.addresses());
      }
    }
    return Set.copyOf(out);
  }

  private static boolean hasGate(IpvsService s) {
    return s.destinations().stream().anyMatch(d -> d.method() == ForwardingMethod.GATE)
        || s.sorryServer() != null && s.sorryServer().method() == ForwardingMethod.GATE;
  }

  /** The one log line for a gate-route finding (ASCII only). */
  static String describe(String pair, GateRoutes g) {
    StringBuilder b = new StringBuilder("pair ").append(pair).append(": VIP(s) ");
    b.append(String.join(", ", g.found().stream().map(n -> n.address() + " (" + n.stateName() + ")").distinct()
        .limit(MAX_NAMED).toList()));
    b.append(" in this director's neighbour table: the kernel sent DR packets on a route without a next hop (its "
        + "per-destination route cache, filled by a masq or ipip connection after the destination was edited or a "
        + "route changed); edited ").append(g.edited()).append(" gate destination(s) again to empty their caches");
    if (!g.failures().isEmpty()) {
      b.append("; failed: ").append(String.join("; ", g.failures().stream().limit(MAX_NAMED).toList()));
    }
    return b.toString();
  }

  /** The one log line for a finding (ASCII only: a container's stdout is often not UTF-8). */
  static String describe(String pair, Drift d) {
    StringBuilder b = new StringBuilder("pair ").append(pair).append(": ");
    if (!d.vanished().isEmpty()) {
      b.append(d.vanished().size()).append(" IPVS service(s) deleted outside halvs - kube-proxy without "
          + "ipvs.excludeCIDRs? ").append(names(d.vanished()));
    }
    if (!d.altered().isEmpty()) {
      b.append(d.vanished().isEmpty() ? "" : "; ").append(d.altered().size())
          .append(" IPVS service(s) changed outside halvs: ").append(names(d.altered()));
    }
    return b.append("; restoring them now with a full pass").toString();
  }

  private static String names(List<ServiceKey> keys) {
    List<String> shown = keys.stream().limit(MAX_NAMED).map(ServiceKey::toString).toList();
    return String.join(", ", shown) + (keys.size() > MAX_NAMED ? " and " + (keys.size() - MAX_NAMED) + " more" : "");
  }

  /** Looks every interval on its own thread until {@link #close()}. */
  public synchronized void start() {
    worker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "halvs-kernel-watch-" + pair);
      t.setDaemon(true);
      return t;
    });
    worker.scheduleWithFixedDelay(this::look, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void look() {
    lookAtGateRoutes();
    try {
      Drift d = check();
      if (d != null && firstLook) {
        firstLook = false;
        Logs.pair(LOG.atInfo(), pair).log("watching the kernel's IPVS services every {} ms; one look: {} services "
            + "dumped in {} ms", interval.toMillis(), d.servicesInKernel(), String.format("%.1f", d.dumpNanos() / 1e6));
      }
      if (lastFailure != null) {
        Logs.pair(LOG.atInfo(), pair).log("IPVS services readable again");
        lastFailure = null;
      }
    } catch (RuntimeException e) {
      // The director's passes hit the same kernel and report it; say it here once per outage only.
      if (lastFailure == null) {
        Logs.pair(LOG.atWarn(), pair).log("cannot dump IPVS services to watch them: {}", e.toString());
      }
      lastFailure = e.toString();
    }
  }

  private void lookAtGateRoutes() {
    try {
      refreshGateRoutes();
      if (lastNeighbourFailure != null) {
        Logs.pair(LOG.atInfo(), pair).log("neighbour table readable again");
        lastNeighbourFailure = null;
      }
    } catch (RuntimeException e) {
      if (lastNeighbourFailure == null) {
        Logs.pair(LOG.atWarn(), pair).log("cannot read the neighbour table to watch the gate routes: {}",
            e.toString());
      }
      lastNeighbourFailure = e.toString();
    }
  }

  @Override
  public synchronized void close() {
    if (worker != null) {
      worker.shutdownNow();
    }
    if (neighbours != null) {
      neighbours.close();
    }
    if (addresses != null) {
      addresses.close();
    }
  }
}
