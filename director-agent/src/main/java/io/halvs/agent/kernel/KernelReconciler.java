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
 * Level-triggered: diffs what the kernel holds against the plan (with health applied) and issues the
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
 * <p>What the kernel holds is dumped once and then kept: every operation that succeeds is written into the kept
 * state, so a pass after a plan change costs its operations and no dump (one changed weight: one netlink
 * message, against 1,000 service and destination dumps at 1,000 services). The kernel is dumped again, and the
 * kept state replaced, after {@link #forget()} (the caller's periodic resync, and when the kernel was changed
 * behind the agent's back) and after any failed operation or dump: level-triggered still, at the resync.
 *
 * <p>A failed operation is reported and the rest of the plan still applies; the next pass retries it.
 *
 * <p>Not thread-safe: one caller (the director loop).
 */
public final class KernelReconciler {
  private static final Logger LOG = LoggerFactory.getLogger(KernelReconciler.class);
  private static final AgentMetrics METRICS = AgentMetrics.get();

  private final IpvsKernel kernel;
  private final OwnershipJournal journal;
  // What the kernel holds as far as this reconciler knows: the last dump, plus every operation since that
  // succeeded. Null: unknown, the next pass dumps (first pass, resync, after any error). Services: all of them,
  // foreign ones included; destinations: of the planned services, each dumped once when first needed.
  private Map<ServiceKey, KernelService> known;
  private final Map<ServiceKey, KeptDestinations> knownDestinations = new HashMap<>();
  // The tables forget() set aside: a service's next dump is merged into its old table, whose entries (long-lived,
  // holding the plan's addresses) stay as they are where the kernel still matches them: a resync of 100,000
  // destinations leaves no new long-lived objects behind, only the dump's young garbage.
  private final Map<ServiceKey, KeptDestinations> forgotten = new HashMap<>();
  // The destinations as this reconciler's first dumps found them, before any operation of its own: what a
  // restarted agent adopts. Null once handed over (forgetFound).
  private Map<ServiceKey, KeptDestinations> found = new HashMap<>();
  // The services whose destinations a pass left matching the plan: the plan's service object then and its kept
  // table's version. The plan's decoder keeps the service objects of the shards that did not change, so a later
  // pass skips a service whose object is the same and whose table has not changed since (unless the caller says
  // its health changed): an edit at 100,000 destinations compares one shard's services, not every destination.
  private final Map<ServiceKey, Matched> matched = new HashMap<>();

  private record Matched(IpvsService service, KeptDestinations table, long version) {
    boolean still(IpvsService s, KeptDestinations dests) {
      return service == s && table == dests && version == dests.version();
    }
  }

  public KernelReconciler(IpvsKernel kernel, OwnershipJournal journal) {
    this.kernel = kernel;
    this.journal = journal;
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
    return new KernelDestination(d.address(), d.port(), forwardMethod(d), weight, d.upperThreshold(),
        d.lowerThreshold(), d.address().family(), tunnelType(d), tunnelPort(d), tunnelFlags(d), 0, 0, 0, null);
  }

  private static int forwardMethod(Destination d) {
    return switch (d.method()) {
      case MASQ -> KernelDestination.FWD_MASQ;
      case GATE -> KernelDestination.FWD_DROUTE;
      case IPIP -> KernelDestination.FWD_TUNNEL;
    };
  }

  private static int tunnelType(Destination d) {
    return d.method() == ForwardingMethod.IPIP && d.tunnelType() != null ? d.tunnelType().kernelValue() : 0;
  }

  private static int tunnelPort(Destination d) {
    return d.method() == ForwardingMethod.IPIP ? d.tunnelPort() : 0;
  }

  private static int tunnelFlags(Destination d) {
    return d.method() == ForwardingMethod.IPIP && d.tunnelChecksum() != null ? d.tunnelChecksum().kernelFlag()
        : TunnelChecksum.NONE.kernelFlag();
  }

  /**
   * The next pass dumps the kernel again instead of trusting what this reconciler observed and wrote since the
   * last dump: the periodic resync, and a kernel changed behind the agent's back.
   */
  public void forget() {
    known = null;
    matched.clear();
    forgotten.putAll(knownDestinations);
    knownDestinations.clear();
  }

  /** Whether the next pass works from the kept state (false: it dumps). */
  public boolean keepsState() {
    return known != null;
  }

  /** A pass over the whole plan, every service's destinations compared (the health may have changed anywhere). */
  public Result reconcile(List<IpvsService> plan, DestinationHealth health) {
    return reconcile(plan, health, null);
  }

  /**
   * A pass over the whole plan. The destinations of a service are compared only when they may differ: its plan
   * object is not the one a pass matched last, its kept table changed since, or it is in {@code healthChanged}
   * (its verdicts changed since the last pass over it: the caller's pending fast-path services; null: any may
   * have). What the kernel holds is dumped and everything compared after {@link #forget()}.
   */
  public Result reconcile(List<IpvsService> plan, DestinationHealth health, java.util.Set<ServiceKey> healthChanged) {
    Applied applied = new Applied();
    List<String> failures = new ArrayList<>();
    List<ServiceKey> foreign = new ArrayList<>();
    List<ServiceKey> adopted = new ArrayList<>();

    if (known == null) {
      Map<ServiceKey, KernelService> dumped = new TreeMap<>();
      for (KernelService s : kernel.services()) {
        dumped.put(s.key(), s.withoutStats());
      }
      forget();
      forgotten.keySet().retainAll(dumped.keySet());
      known = dumped;
    }
    Map<ServiceKey, KernelService> observed = known;
    Map<ServiceKey, IpvsService> desired = new LinkedHashMap<>();
    for (IpvsService s : plan) {
      desired.put(s.key(), s);
    }

    // Services that go: ours and no longer planned. One delete each.
    for (ServiceKey key : new ArrayList<>(observed.keySet())) {
      if (desired.containsKey(key)) {
        continue;
      }
      if (!journal.contains(key)) {
        foreign.add(key);
        continue;
      }
      if (attempt(failures, NetlinkOp.DEL_SERVICE, () -> kernel.deleteService(key))) {
        journal.remove(key);
        observed.remove(key);
        matched.remove(key);
        knownDestinations.remove(key);
        forgotten.remove(key);
        applied.add("delete service " + key);
      }
    }
    // Journal entries whose service is already gone from the kernel and the plan.
    journal.retainOnly(key -> desired.containsKey(key) || observed.containsKey(key)); // the hash map first

    for (IpvsService s : desired.values()) {
      Matched kept = matched.get(s.key());
      if (kept != null && healthChanged != null && !healthChanged.contains(s.key())
          && kept.still(s, knownDestinations.get(s.key()))) {
        // the same plan object a pass left matching, its table untouched since: its settings are what the
        // kernel holds and it is journaled (a failure or forget() clears every match), so nothing to compare.
        // The only such check: a match is made with its table kept, so a table still to be dumped has none.
        continue;
      }
      KernelService want = toKernel(s);
      KernelService have = observed.get(s.key());
      KeptDestinations dests;
      if (have == null) {
        journal.add(s.key()); // before the add: a crash right after must not leave an unowned service
        if (!attempt(failures, NetlinkOp.ADD_SERVICE, () -> kernel.addService(want))) {
          continue; // its destinations wait for the next pass
        }
        observed.put(s.key(), want);
        dests = new KeptDestinations();
        knownDestinations.put(s.key(), dests);
        forgotten.remove(s.key());
        applied.add("add service " + s.key());
      } else {
        if (!journal.contains(s.key())) {
          journal.add(s.key());
          adopted.add(s.key());
          Logs.about(LOG.atInfo(), s.owner()).log("adopted IPVS service {} that was already in the kernel", s.key());
        }
        if (!have.equals(want)) {
          if (attempt(failures, NetlinkOp.EDIT_SERVICE, () -> kernel.updateService(want))) {
            observed.put(s.key(), want);
            applied.add("edit service " + s.key());
          }
        }
        dests = knownDestinations(s.key(), failures);
      }
      reconcileDestinations(s, dests, health, applied, failures);
    }
    if (!failures.isEmpty()) {
      forget(); // an error: what the kernel holds is not what this pass assumed; the retry dumps
    }
    return new Result(applied, failures, foreign, adopted);
  }

  /**
   * The fast path for health changes: reconciles the destinations of these services only, from the kept state
   * (no dump at all: one changed verdict is one operation) or, when none is kept, dumping nothing but their
   * destinations. A service missing from the kernel is a failure here; the caller's next full pass adds it.
   */
  public Result reconcileDestinations(java.util.Collection<IpvsService> services, DestinationHealth health) {
    Applied applied = new Applied();
    List<String> failures = new ArrayList<>();
    for (IpvsService s : services) {
      int before = failures.size();
      KeptDestinations have = known != null && known.containsKey(s.key())
          ? knownDestinations(s.key(), failures) : current(s.key(), null, failures);
      if (failures.size() == before) {
        reconcileDestinations(s, have, health, applied, failures);
      }
    }
    if (!failures.isEmpty()) {
      forget();
    }
    return new Result(applied, failures, List.of(), List.of());
  }

  /** The kept destinations of a known service; dumped once when not kept yet (adopted, or after a resync). */
  private KeptDestinations knownDestinations(ServiceKey key, List<String> failures) {
    KeptDestinations dests = knownDestinations.get(key);
    if (dests == null) {
      int before = failures.size();
      dests = current(key, forgotten.remove(key), failures);
      if (failures.size() == before) {
        knownDestinations.put(key, dests);
        if (found != null) {
          found.putIfAbsent(key, dests.copy());
        }
      }
    }
    return dests;
  }

  /**
   * Whether the kernel held d in rotation at its planned weight when this reconciler first dumped its service,
   * before any operation of its own: a previous agent had it up (until {@link #forgetFound()}).
   */
  public boolean foundInRotation(ServiceKey key, Destination d) {
    KeptDestinations dests = found == null ? null : found.get(key);
    KeptDestinations.Entry k = dests == null ? null : dests.get(d.address(), d.port());
    return k != null && d.weight() > 0 && k.weight() == d.weight();
  }

  /** What the first dumps found is no longer needed (the agent's first pass is over). */
  public void forgetFound() {
    found = null;
  }

  /** The service's destinations as the kernel holds them, merged into its last table when there is one. */
  private KeptDestinations current(ServiceKey key, KeptDestinations last, List<String> failures) {
    try {
      List<KernelDestination> dumped = kernel.destinations(key);
      if (last == null) {
        return KeptDestinations.of(dumped);
      }
      last.merge(dumped);
      return last;
    } catch (IpvsException e) {
      failures.add(e.getMessage());
      return new KeptDestinations();
    }
  }

  /**
   * Brings one service's destinations to the plan with health applied (the sorry server while none is up).
   * {@code have} is the service's destinations as last observed or written; every operation that succeeds is
   * written back into it. Finding one change among 100,000 costs one pass over both lists and no kernel call.
   */
  private void reconcileDestinations(IpvsService s, KeptDestinations have, DestinationHealth health,
      Applied applied, List<String> failures) {
    int failed = failures.size();
    compareDestinations(s, have, health, applied, failures);
    if (failures.size() == failed) {
      matched.put(s.key(), new Matched(s, have, have.version()));
    } else {
      matched.remove(s.key());
    }
  }

  private void compareDestinations(IpvsService s, KeptDestinations have, DestinationHealth health,
      Applied applied, List<String> failures) {
    ServiceKey key = s.key();
    List<KernelDestination> adds = new ArrayList<>();
    List<KernelDestination> edits = new ArrayList<>();
    int wanted = have.stamp(); // marks the kept entries the plan still wants
    boolean anyUp = false;
    for (Destination d : s.destinations()) {
      DestinationHealth.Verdict v = health.verdict(key, d);
      if (v == DestinationHealth.Verdict.REMOVE) {
        continue;
      }
      boolean up = v == DestinationHealth.Verdict.UP;
      anyUp |= up && d.weight() > 0;
      match(d, up ? d.weight() : 0, have, wanted, adds, edits);
    }
    Destination sorry = s.sorryServer();
    if (sorry != null && (!anyUp || s.sorryServerInhibit())
        && s.destinations().stream().noneMatch(d -> d.id().equals(sorry.id()))) {
      // Inhibit (keepalived sorry_server_inhibit): kept at weight 0 while a real server is up, so its
      // connections drain instead of being cut.
      match(sorry, anyUp ? 0 : Math.max(1, sorry.weight()), have, wanted, adds, edits);
    }
    // Within a service: removals first, so an address that moves ports never exists twice.
    for (KeptDestinations.Entry d : have.unmarked(wanted)) {
      if (attempt(failures, NetlinkOp.DEL_DEST, () -> kernel.deleteDestination(key, d.address(), d.port()))) {
        have.remove(d.address(), d.port());
        applied.add(new DestinationOp("delete", key, d.address(), d.port(), -1));
      }
    }
    for (KernelDestination w : adds) {
      if (attempt(failures, NetlinkOp.ADD_DEST, () -> kernel.addDestination(key, w))) {
        have.put(w);
        applied.add(new DestinationOp("add", key, w.address(), w.port(), w.weight()));
      }
    }
    for (KernelDestination w : edits) {
      if (attempt(failures, NetlinkOp.EDIT_DEST, () -> kernel.updateDestination(key, w))) {
        have.put(w);
        applied.add(new DestinationOp("edit", key, w.address(), w.port(), w.weight()));
      }
    }
  }

  /** Notes an add or an edit when the kernel's copy of d is missing or differs. */
  private static void match(Destination d, int weight, KeptDestinations have, int wanted,
      List<KernelDestination> adds, List<KernelDestination> edits) {
    KeptDestinations.Entry h = have.get(d.address(), d.port());
    if (h == null) {
      adds.add(toKernel(d, weight));
      return;
    }
    KeptDestinations.mark(h, wanted);
    h.share(d.address());
    // compared field by field: a pass over 100,000 unchanged destinations allocates nothing for them
    if (!h.sameConfig(forwardMethod(d), weight, d.upperThreshold(), d.lowerThreshold(), d.address().family(),
        tunnelType(d), tunnelPort(d), tunnelFlags(d))) {
      edits.add(toKernel(d, weight));
    }
  }

  /** One destination operation that succeeded; its line is made when read. */
  private record DestinationOp(String verb, ServiceKey service, io.halvs.plan.IpAddress address, int port,
      int weight) {
    @Override
    public String toString() {
      return verb + " destination " + address.withPort(port) + " of " + service
          + (weight < 0 ? "" : " weight " + weight);
    }
  }

  /**
   * The operations of a pass, one line each, made when read: a first pass at 100,000 destinations held 100,000
   * lines (about 10 MiB) until it ended, each read only by whoever prints them; a small record each instead.
   */
  private static final class Applied extends java.util.AbstractList<String> {
    private final List<Object> ops = new ArrayList<>();

    @Override
    public boolean add(String line) {
      return ops.add(line);
    }

    boolean add(DestinationOp op) {
      return ops.add(op);
    }

    @Override
    public String get(int index) {
      return ops.get(index).toString();
    }

    @Override
    public int size() {
      return ops.size();
    }
  }

  /** Runs one netlink change, counted in the metrics; a refusal is added to failures and answers false. */
  public static boolean attempt(List<String> failures, NetlinkOp kind, Runnable op) {
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
