package io.halvs.agent.kernel;

import io.halvs.agent.Logs;
import io.halvs.agent.metrics.AgentMetrics;
import io.halvs.agent.metrics.AgentMetrics.NetlinkOp;
import io.halvs.api.v1alpha1.ForwardingMethod;
import io.halvs.api.v1alpha1.TunnelChecksum;
import io.halvs.plan.Destination;
import io.halvs.plan.IpvsService;
import io.halvs.plan.ServiceKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Level-triggered: dumps what the kernel holds, diffs it against the plan (with health applied) and issues the
 * smallest list of operations, in a safe order — a service before its destinations; within a service,
 * removals before additions. A changed scheduler, flag or timeout is one edit (never delete + add, which
 * would drop connections); one changed weight is one edit of one destination. A service that goes away is
 * one delete: the kernel unlinks its destinations in the same call.
 *
 * <p>Ownership: the agent acts only on services it owns — those in the current plan and those its
 * {@link OwnershipJournal} records. Every other service is foreign: reported, never edited or deleted. A plan
 * service already present but not journaled (made by hand, or by an agent that lost its journal) is adopted:
 * journaled, then edited to match. On restart nothing is flushed: a kernel that already matches costs zero
 * operations.
 *
 * <p>A failed operation is reported and the rest of the plan still applies; the next pass retries it.
 */
public final class KernelReconciler {
  private static final Logger LOG = LoggerFactory.getLogger(KernelReconciler.class);
  private static final AgentMetrics METRICS = AgentMetrics.get();

  private final IpvsKernel kernel;
  private final OwnershipJournal journal;

  public KernelReconciler(IpvsKernel kernel, OwnershipJournal journal) {
    this.kernel = kernel;
    this.journal = journal;
  }

  /** A destination's identity within its service, as the kernel keys it: address and port. */
  record DestKey(io.halvs.plan.IpAddress address, int port) {
    static DestKey of(KernelDestination d) {
      return new DestKey(d.address(), d.port());
    }

    @Override
    public String toString() {
      return address.withPort(port);
    }
  }

  /** What one pass did. */
  public record Result(List<String> applied, List<String> failures, List<ServiceKey> foreign,
      List<ServiceKey> adopted) {
    public boolean converged() {
      return failures.isEmpty();
    }
  }

  /** The kernel form of a plan service. */
  public static KernelService toKernel(IpvsService s) {
    return new KernelService(s.key(), s.scheduler(), s.flags(), s.timeoutSeconds(), s.netmask(), null,
        s.persistenceEngine());
  }

  public static KernelDestination toKernel(Destination d, int weight) {
    int method = switch (d.method()) {
      case MASQ -> KernelDestination.FWD_MASQ;
      case GATE -> KernelDestination.FWD_DROUTE;
      case IPIP -> KernelDestination.FWD_TUNNEL;
    };
    boolean tunnel = d.method() == ForwardingMethod.IPIP;
    return new KernelDestination(d.address(), d.port(), method, weight, d.upperThreshold(), d.lowerThreshold(),
        d.address().family(), tunnel && d.tunnelType() != null ? d.tunnelType().kernelValue() : 0,
        tunnel ? d.tunnelPort() : 0,
        tunnel && d.tunnelChecksum() != null ? d.tunnelChecksum().kernelFlag() : TunnelChecksum.NONE.kernelFlag(),
        0, 0, 0, null);
  }

  public Result reconcile(List<IpvsService> plan, DestinationHealth health) {
    List<String> applied = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    List<ServiceKey> foreign = new ArrayList<>();
    List<ServiceKey> adopted = new ArrayList<>();

    Map<ServiceKey, KernelService> observed = new TreeMap<>();
    for (KernelService s : kernel.services()) {
      observed.put(s.key(), s.withoutStats());
    }
    Map<ServiceKey, IpvsService> desired = new LinkedHashMap<>();
    for (IpvsService s : plan) {
      desired.put(s.key(), s);
    }

    // Services that go: ours and no longer planned. One delete each.
    for (ServiceKey key : observed.keySet()) {
      if (desired.containsKey(key)) {
        continue;
      }
      if (!journal.contains(key)) {
        foreign.add(key);
        continue;
      }
      if (attempt(failures, NetlinkOp.DEL_SERVICE, () -> kernel.deleteService(key))) {
        journal.remove(key);
        applied.add("delete service " + key);
      }
    }
    // Journal entries whose service is already gone from the kernel and the plan.
    for (ServiceKey key : journal.owned()) {
      if (!observed.containsKey(key) && !desired.containsKey(key)) {
        journal.remove(key);
      }
    }

    for (IpvsService s : desired.values()) {
      KernelService want = toKernel(s);
      KernelService have = observed.get(s.key());
      if (have == null) {
        journal.add(s.key()); // before the add: a crash right after must not leave an unowned service
        if (!attempt(failures, NetlinkOp.ADD_SERVICE, () -> kernel.addService(want))) {
          continue; // its destinations wait for the next pass
        }
        applied.add("add service " + s.key());
      } else {
        if (!journal.contains(s.key())) {
          journal.add(s.key());
          adopted.add(s.key());
          Logs.about(LOG.atInfo(), s.owner()).log("adopted IPVS service {} that was already in the kernel", s.key());
        }
        if (!have.equals(want)) {
          if (attempt(failures, NetlinkOp.EDIT_SERVICE, () -> kernel.updateService(want))) {
            applied.add("edit service " + s.key());
          }
        }
      }
      reconcileDestinations(s, have == null ? new HashMap<>() : current(s.key(), failures), health, applied,
          failures);
    }
    return new Result(applied, failures, foreign, adopted);
  }

  /**
   * The fast path for health changes: reconciles the destinations of these services only, dumping nothing but
   * their destinations (no service dump, no journal work), so one changed verdict costs one dump and one
   * operation. A service missing from the kernel is a failure here; the caller's next full pass adds it.
   */
  public Result reconcileDestinations(java.util.Collection<IpvsService> services, DestinationHealth health) {
    List<String> applied = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    for (IpvsService s : services) {
      int before = failures.size();
      Map<DestKey, KernelDestination> have = current(s.key(), failures);
      if (failures.size() == before) {
        reconcileDestinations(s, have, health, applied, failures);
      }
    }
    return new Result(applied, failures, List.of(), List.of());
  }

  private Map<DestKey, KernelDestination> current(ServiceKey key, List<String> failures) {
    Map<DestKey, KernelDestination> out = new HashMap<>();
    try {
      for (KernelDestination d : kernel.destinations(key)) {
        out.put(DestKey.of(d), d);
      }
    } catch (IpvsException e) {
      failures.add(e.getMessage());
    }
    return out;
  }

  /**
   * Brings one service's destinations to the plan with health applied (the sorry server while none is up).
   * {@code have} is consumed: what is left in it after matching the plan is what goes. Nothing is allocated for
   * a destination that already matches, so finding one change among 100,000 costs one pass over both lists.
   */
  private void reconcileDestinations(IpvsService s, Map<DestKey, KernelDestination> have, DestinationHealth health,
      List<String> applied, List<String> failures) {
    ServiceKey key = s.key();
    List<KernelDestination> adds = new ArrayList<>();
    List<KernelDestination> edits = new ArrayList<>();
    boolean anyUp = false;
    for (Destination d : s.destinations()) {
      DestinationHealth.Verdict v = health.verdict(key, d);
      if (v == DestinationHealth.Verdict.REMOVE) {
        continue;
      }
      boolean up = v == DestinationHealth.Verdict.UP;
      anyUp |= up && d.weight() > 0;
      match(d, up ? d.weight() : 0, have, adds, edits);
    }
    Destination sorry = s.sorryServer();
    if (sorry != null && (!anyUp || s.sorryServerInhibit())
        && s.destinations().stream().noneMatch(d -> d.id().equals(sorry.id()))) {
      // Inhibit (keepalived sorry_server_inhibit): kept at weight 0 while a real server is up, so its
      // connections drain instead of being cut.
      match(sorry, anyUp ? 0 : Math.max(1, sorry.weight()), have, adds, edits);
    }
    // Within a service: removals first, so an address that moves ports never exists twice.
    for (Map.Entry<DestKey, KernelDestination> e : have.entrySet()) {
      KernelDestination d = e.getValue();
      if (attempt(failures, NetlinkOp.DEL_DEST, () -> kernel.deleteDestination(key, d.address(), d.port()))) {
        applied.add("delete destination " + e.getKey() + " of " + key);
      }
    }
    for (KernelDestination w : adds) {
      if (attempt(failures, NetlinkOp.ADD_DEST, () -> kernel.addDestination(key, w))) {
        applied.add("add destination " + DestKey.of(w) + " of " + key + " weight " + w.weight());
      }
    }
    for (KernelDestination w : edits) {
      if (attempt(failures, NetlinkOp.EDIT_DEST, () -> kernel.updateDestination(key, w))) {
        applied.add("edit destination " + DestKey.of(w) + " of " + key + " weight " + w.weight());
      }
    }
  }

  /** Takes the kernel's copy of d out of have; notes an add or an edit when the kernel's differs. */
  private static void match(Destination d, int weight, Map<DestKey, KernelDestination> have,
      List<KernelDestination> adds, List<KernelDestination> edits) {
    KernelDestination h = have.remove(new DestKey(d.address(), d.port()));
    KernelDestination w = toKernel(d, weight);
    if (h == null) {
      adds.add(w);
    } else if (!h.sameConfig(w)) {
      edits.add(w);
    }
  }

  private static boolean attempt(List<String> failures, NetlinkOp kind, Runnable op) {
    try {
      op.run();
      METRICS.netlink(kind, false);
      return true;
    } catch (IpvsException e) {
      METRICS.netlink(kind, true);
      failures.add(e.getMessage());
      return false;
    }
  }
}
