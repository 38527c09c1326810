package io.halvs.agent.runtime;

import io.halvs.agent.Logs;
import io.halvs.agent.kernel.DestinationHealth;
import io.halvs.agent.kernel.IpvsException;
import io.halvs.agent.kernel.IpvsKernel;
import io.halvs.agent.kernel.IpvsTimeouts;
import io.halvs.agent.kernel.KernelReconciler;
import io.halvs.agent.kernel.KernelService;
import io.halvs.agent.kernel.OwnershipJournal;
import io.halvs.agent.kernel.SyncDaemon;
import io.halvs.agent.metrics.AgentMetrics;
import io.halvs.agent.metrics.AgentMetrics.NetlinkOp;
import io.halvs.agent.netfilter.MarkTable;
import io.halvs.agent.sysctl.Sysctls;
import io.halvs.logging.ThreadSchedule;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpvsService;
import io.halvs.plan.ServiceKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The director loop of one DirectorPair: the only code that changes this director's kernel state for the pair.
 *
 * <p>It holds the last good plan and runs level-triggered passes over it: a full pass when a new plan arrives,
 * every resync interval, and soon again after a pass that failed (backing off up to the resync interval). A full
 * pass applies sysctls, then the IPVS table, then the firewall-marking rules, then the sync daemons, then tells the
 * election (VIPs last: the table is ready before an address attracts traffic). Health changes take a fast path: only the changed services'
 * destinations are fixed, at once, without waiting for the next full pass.
 *
 * <p>The kernel is dumped only at the resync (every resync interval, even while plans keep arriving), at a retry
 * after a failure, and when KernelWatch saw the table changed behind the agent's back; in between the passes work
 * from the state the reconciler observed and wrote, so one changed weight costs one netlink operation.
 *
 * <p>One thread owns the kernel: {@link #start()} runs the loop on its own thread, or a caller drives
 * {@link #runPending()} itself (standalone). Plans and health changes arriving during a pass coalesce: the latest
 * plan wins, changed services accumulate.
 *
 * <p>A plan in state Deleting removes everything this agent owns for the pair — the services in its ownership
 * journal, the marking table, the VIPs (election.releaseAll()), the sync daemons of the pair's sync id — and then
 * reports cleaned.
 */
public final class Director implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Director.class);
  private static final Duration FIRST_RETRY = Duration.ofSeconds(1);

  /** What to program: a plan, its published hash, and whether the pair is being deleted. */
  public record Target(DirectorPlan plan, String planHash, boolean deleting) {}

  /**
   * What one pass did.
   *
   * @param full false for a health fast path
   * @param kernel the IPVS operations, failures and foreign services
   * @param changes sync daemon changes
   * @param failures every failure of the pass: IPVS, sysctls, daemons, election
   * @param spent the loop thread's time on a CPU and waiting for one during the pass; null where the kernel does
   *     not count it
   */
  public record Pass(boolean full, Target target, KernelReconciler.Result kernel, List<Sysctls.Change> sysctls,
      List<String> changes, List<String> failures, long nanos, ThreadSchedule spent) {
    Pass(boolean full, Target target, KernelReconciler.Result kernel, List<Sysctls.Change> sysctls,
        List<String> changes, List<String> failures, long nanos) {
      this(full, target, kernel, sysctls, changes, failures, nanos, null);
    }

    Pass spent(ThreadSchedule spent) {
      return new Pass(full, target, kernel, sysctls, changes, failures, nanos, spent);
    }

    public boolean converged() {
      return failures.isEmpty();
    }

    public int operations() {
      return kernel.applied().size();
    }
  }

  /**
   * For the agent's report.
   *
   * @param programmedPlanHash hash of the last plan a full pass applied without failure (null before)
   * @param programmed the kernel holds the current target exactly, as far as the last pass knows
   * @param failures of the last pass
   * @param cleaned a Deleting target was fully removed
   */
  public record Status(String targetHash, String programmedPlanHash, boolean programmed, List<String> failures,
      boolean cleaned, Instant lastPass) {}

  private final IpvsKernel kernel;
  private final KernelReconciler reconciler;
  private final HealthChecks health;
  private final Election election;
  private final Sysctls sysctls;
  private final Duration resync;
  private final List<Consumer<Pass>> listeners = new CopyOnWriteArrayList<>();
  private volatile String ignoredSysctls;
  private volatile MarkTable marking;

  private final Object lock = new Object();
  private Target pending; // guarded by lock
  private Set<ServiceKey> dirty = new HashSet<>(); // guarded by lock
  private boolean fullPassScheduled; // guarded by lock
  private long nextFullPassNanos; // guarded by lock
  private boolean closed; // guarded by lock
  private boolean repairAsked; // guarded by lock: fullPassNow(), the kernel changed behind this director's back

  // Owned by the loop thread; status is published for readers.
  private Target current;
  private Duration retry = FIRST_RETRY;
  private long lastResyncNanos = System.nanoTime(); // the first pass dumps anyway: nothing is kept yet
  private boolean resyncPutOff; // a new plan's pass went before the owed resync, which the next pass does
  private DirectorPlan.SyncDaemonPlan daemonsKept; // started as planned since the last resync (null: look again)
  private DirectorPlan.TimeoutsPlan timeoutsKept; // held as planned since the last resync (null: look again)
  private boolean healthFollows; // the checks have followed a plan since this director started
  private volatile Status status = new Status(null, null, false, List.of(), false, null);
  private volatile Thread thread;

  // For the health endpoints, read from another thread.
  private volatile Target latest; // the last target offered
  private volatile Target applied; // the target of the last converged full pass (not deleting)
  private volatile long passStartedNanos = -1; // -1: no pass running
  private volatile boolean closing;
  // For KernelWatch: odd while a pass runs; the services the passes so far left exactly as planned (null: none
  // known, e.g. after a failed pass, which the loop retries by itself). Written before the count turns even.
  private final AtomicLong passCount = new AtomicLong();
  // Its kernel form is made when KernelWatch asks, not on every pass (a map of every service: a sixth of a
  // one-weight pass at 1,000 services).
  private volatile DirectorPlan expected;
  private volatile Expected expectedServices;

  private record Expected(DirectorPlan plan, Map<ServiceKey, KernelService> services) {}

  /**
   * @param sysctls null: sysctls are left alone
   * @param resync how often a full pass re-checks the kernel against the plan
   */
  public Director(IpvsKernel kernel, OwnershipJournal journal, HealthChecks health, Election election,
      Sysctls sysctls, Duration resync) {
    this.kernel = kernel;
    this.reconciler = new KernelReconciler(kernel, journal);
    this.health = health;
    this.election = election;
    this.sysctls = sysctls;
    this.resync = resync;
    health.onChange(this::healthChanged);
  }

  /**
   * Sysctls under this prefix are not applied: with an in-memory IPVS table (--fake-ipvs) the kernel has no
   * net.ipv4.vs.* keys, and their absence must not keep the plan from being programmed.
   */
  public void ignoreSysctls(String prefix) {
    ignoredSysctls = prefix;
  }

  /**
   * Where the plan's firewall-marking rules go (both directors of a pair install them: a mark on the standby
   * changes nothing). Null (the default): this director installs none, and a plan with rules fails its passes.
   */
  public void marking(MarkTable table) {
    marking = table;
  }

  /** Called after every pass, on the loop thread; must return quickly. */
  public void onPass(Consumer<Pass> listener) {
    listeners.add(listener);
  }

  /** A new plan (or the same one again): the next pass is a full one. */
  public void offer(Target target) {
    latest = target;
    synchronized (lock) {
      pending = target;
      lock.notifyAll();
    }
  }

  public Status status() {
    return status;
  }

  public Election election() {
    return election;
  }

  public HealthChecks healthChecks() {
    return health;
  }

  /** The plan offered last (what the metrics label the kernel's objects with); null before the first. */
  public DirectorPlan plan() {
    Target t = latest;
    return t == null ? null : t.plan();
  }

  private void healthChanged(Set<ServiceKey> services) {
    synchronized (lock) {
      dirty.addAll(services);
      lock.notifyAll();
    }
  }

  /** Runs the loop on its own thread until {@link #close()}. */
  public synchronized void start(String name) {
    thread = new Thread(this::loop, name);
    thread.setDaemon(true);
    thread.start();
  }

  private void loop() {
    while (true) {
      try {
        if (!awaitWork()) {
          return;
        }
        runPending();
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        // A bug must not stop the loop that keeps the data plane right; the next pass tries again.
        LOG.error("director pass failed unexpectedly", e);
        synchronized (lock) {
          schedule(resync);
        }
      }
    }
  }

  private boolean awaitWork() throws InterruptedException {
    synchronized (lock) {
      while (!closed && pending == null && dirty.isEmpty()) {
        long wait = fullPassScheduled ? nextFullPassNanos - System.nanoTime() : 60_000_000_000L;
        if (wait <= 0) {
          break;
        }
        lock.wait(Math.max(1, Math.min(wait / 1_000_000, 60_000)));
      }
      return !closed;
    }
  }

  /**
   * Does what is due now: a full pass for a new plan, a due resync or retry; else the fast path for changed
   * health. Returns null when nothing was due. Call from one thread only (the loop's, when started).
   */
  public Pass runPending() {
    Target next;
    Set<ServiceKey> changed;
    boolean due;
    boolean repair;
    synchronized (lock) {
      repair = repairAsked;
      repairAsked = false;
      next = pending;
      pending = null;
      changed = dirty;
      dirty = new HashSet<>();
      due = fullPassScheduled && System.nanoTime() - nextFullPassNanos >= 0;
    }
    Pass pass;
    if (next == null && (current == null || !due && (changed.isEmpty() || current.deleting()))) {
      return null;
    }
    passStartedNanos = System.nanoTime();
    passCount.incrementAndGet();
    ThreadSchedule before = ThreadSchedule.now();
    boolean resyncNext = false;
    try {
      boolean resyncOwed = due || System.nanoTime() - lastResyncNanos >= resync.toNanos();
      if (next != null && resyncOwed && !repair && !resyncPutOff && reconciler.keepsState()) {
        // A new plan when the periodic resync is owed: the plan first, its operations alone from the state kept,
        // and the resync as the very next pass (put off once: plans streaming in do not put it off for ever). An
        // edit that came with the resync waited for a dump and a compare of every service: at 1,000 services about
        // one edit in nine, 43-71 ms on a CPU instead of 2. A repair, a retry (nothing kept) are not put off.
        resyncNext = true;
        resyncPutOff = true;
      } else if ((next != null || due) && resyncOwed) {
        resyncPutOff = false;
        // the resync (also a retry, and a repair KernelWatch asked for): dump the kernel, trust nothing kept
        reconciler.forget();
        MarkTable m = marking;
        if (m != null) {
          m.forget();
        }
        daemonsKept = null;
        timeoutsKept = null;
        lastResyncNanos = System.nanoTime();
      }
      if (next != null) {
        current = next;
        pass = fullPass(current, changed);
      } else if (due) {
        pass = fullPass(current, changed);
      } else {
        pass = fastPass(current, changed);
      }
      pass = pass.spent(ThreadSchedule.between(before, ThreadSchedule.now()));
      expected = !pass.converged() || current.deleting() ? null : pass.full() ? current.plan() : expected;
    } finally {
      passCount.incrementAndGet();
      passStartedNanos = -1;
    }
    if (pass.full() && pass.converged() && !pass.target().deleting()) {
      applied = pass.target();
    }
    boolean failed = !pass.converged();
    synchronized (lock) {
      if (pass.full()) {
        schedule(failed ? retry : resyncNext ? Duration.ZERO : resync);
      } else if (failed && (!fullPassScheduled || nextFullPassNanos - System.nanoTime() > retry.toNanos())) {
        schedule(retry);
      }
    }
    retry = failed ? min(retry.multipliedBy(2), resync) : FIRST_RETRY;
    publish(pass);
    return pass;
  }

  /**
   * Liveness: null while the loop thread (when started) is alive and no pass has been running for longer than
   * stuckAfter; else why not, in one line. A pass is the only place the loop can hang (a kernel or sysctl call
   * that never returns); waiting for work is not being stuck.
   */
  public String stuck(long nowNanos, Duration stuckAfter) {
    Thread t = thread;
    if (t != null && !t.isAlive() && !closing) {
      return "the director loop thread has died";
    }
    long started = passStartedNanos;
    if (started >= 0 && nowNanos - started > stuckAfter.toNanos()) {
      return "a director pass has been running for " + (nowNanos - started) / 1_000_000_000 + " s (limit "
          + stuckAfter.toSeconds() + " s): the loop is stuck";
    }
    return null;
  }

  /**
   * Readiness of the data plane: null once a full pass of the latest plan converged (at least once: a later
   * failing resync keeps it ready, it is retried), else why not, in one line.
   */
  public String notApplied() {
    Target want = latest;
    Target done = applied;
    if (want == null) {
      return "no plan yet";
    }
    if (want.deleting()) {
      return "the pair is being deleted";
    }
    if (done == null || !sameTarget(done, want)) {
      List<String> failures = status.failures();
      return "the current plan has not been applied yet"
          + (failures.isEmpty() ? "" : " (" + failures.size() + " failure(s), first: " + failures.get(0) + ")");
    }
    return null;
  }

  private static boolean sameTarget(Target a, Target b) {
    if (a == b) {
      return true;
    }
    if (a.planHash() != null || b.planHash() != null) {
      return java.util.Objects.equals(a.planHash(), b.planHash());
    }
    return a.plan().equals(b.plan()); // standalone: no hash, the same plan reloaded from the files
  }

  /** Counts pass starts and ends: odd while a pass runs. A reader that sees the same even value before and after
   * reading the kernel saw a table no pass of this director was changing. */
  public long passCount() {
    return passCount.get();
  }

  /**
   * The IPVS services, in kernel form, that the passes so far left exactly as the plan says; null when unknown
   * (no pass yet, the last one failed and is being retried, or the pair is being deleted).
   */
  public Map<ServiceKey, KernelService> expectedServices() {
    DirectorPlan plan = expected;
    if (plan == null) {
      return null;
    }
    Expected e = expectedServices;
    if (e == null || e.plan() != plan) {
      e = new Expected(plan, services(plan));
      expectedServices = e;
    }
    return e.services();
  }

  /** A full pass at once (the kernel was changed behind the director's back), not at the next resync. */
  public void fullPassNow() {
    synchronized (lock) {
      repairAsked = true;
      schedule(Duration.ZERO);
      lock.notifyAll();
    }
  }

  private static Map<ServiceKey, KernelService> services(DirectorPlan plan) {
    Map<ServiceKey, KernelService> m = new LinkedHashMap<>();
    plan.services().forEach(s -> m.put(s.key(), KernelReconciler.toKernel(s)));
    return Map.copyOf(m);
  }

  private void schedule(Duration after) {
    fullPassScheduled = true;
    nextFullPassNanos = System.nanoTime() + after.toNanos();
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private void publish(Pass pass) {
    Target t = pass.target();
    Status before = status;
    boolean ok = pass.converged();
    String programmedHash = pass.full() && ok ? t.planHash() : before.programmedPlanHash();
    boolean programmed = ok && t.planHash() != null && t.planHash().equals(programmedHash);
    Instant now = Instant.now();
    status = new Status(t.planHash(), programmedHash, programmed, pass.failures(),
        t.deleting() && pass.full() && ok, now);
    AgentMetrics.get().pass(pass.nanos(), ok, pass.full() && !t.deleting(), t.planHash(), now.toEpochMilli());
    if (!ok) {
      pass.failures().forEach(f -> Logs.pair(LOG.atWarn(), t.plan().pair()).log(f));
    }
    for (Consumer<Pass> l : listeners) {
      try {
        l.accept(pass);
      } catch (RuntimeException e) {
        LOG.warn("pass listener failed: {}", e.toString());
      }
    }
  }

  /** @param healthChanged services whose verdicts changed since the last pass: compared whatever else holds */
  private Pass fullPass(Target t, Set<ServiceKey> healthChanged) {
    long start = System.nanoTime();
    DirectorPlan plan = t.plan();
    List<String> failures = new ArrayList<>();
    List<String> changes = new ArrayList<>();
    if (t.deleting()) {
      guard(failures, "health checks", () -> health.follow(withoutServices(plan)));
      KernelReconciler.Result r = reconcile(failures, () -> reconciler.reconcile(List.of(), DestinationHealth.allUp()));
      MarkTable m = marking;
      if (m != null) {
        guard(failures, "firewall-marking rules", () -> changes.addAll(m.apply(List.of())));
      }
      guard(failures, "sync daemons", () -> stopDaemons(plan, changes));
      guard(failures, "VIPs", election::releaseAll);
      return new Pass(true, t, r, List.of(), changes, failures, System.nanoTime() - start);
    }
    // The checks learn the plan on their own thread, not waited for (HealthChecks.followLater): new targets are up
    // until their first result either way, and a verdict the plan changes comes back through the fast path. Not on
    // the first pass: the checks start after the kernel was read, adopting the destinations it holds in rotation
    // (HealthChecks.follow(plan, inRotation)).
    boolean adopting = !healthFollows;
    if (!adopting) {
      guard(failures, "health checks", () -> health.followLater(plan));
    }
    List<Sysctls.Change> sys = new ArrayList<>();
    if (sysctls != null) {
      String ignored = ignoredSysctls;
      java.util.Map<String, String> wanted = new java.util.TreeMap<>(plan.sysctls());
      if (ignored != null) {
        wanted.keySet().removeIf(k -> k.startsWith(ignored));
      }
      guard(failures, "sysctls", () -> sys.addAll(sysctls.apply(wanted)));
      sys.stream().filter(c -> c.error() != null).forEach(c -> failures.add("sysctl " + c));
    }
    guard(failures, "IPVS timeouts", () -> applyTimeouts(plan, changes));
    KernelReconciler.Result r = reconcile(failures,
        () -> reconciler.reconcile(plan.services(), health.view(), healthChanged));
    guard(failures, "firewall-marking rules", () -> applyMarking(plan, changes));
    if (adopting) {
      guard(failures, "health checks", () -> health.follow(plan, reconciler::foundInRotation));
      reconciler.forgetFound();
      healthFollows = true;
    }
    guard(failures, "sync daemons", () -> startDaemons(plan, changes));
    guard(failures, "election", () -> election.follow(plan));
    return new Pass(true, t, r, sys, changes, failures, System.nanoTime() - start);
  }

  private Pass fastPass(Target t, Set<ServiceKey> changed) {
    long start = System.nanoTime();
    List<IpvsService> services = t.plan().services().stream().filter(s -> changed.contains(s.key())).toList();
    List<String> failures = new ArrayList<>();
    KernelReconciler.Result r = reconcile(failures, () -> reconciler.reconcileDestinations(services, health.view()));
    return new Pass(false, t, r, List.of(), List.of(), failures, System.nanoTime() - start);
  }

  /**
   * A dump the kernel refused (IpvsException: EPERM, ENOBUFS, a timeout) fails the pass like any refused
   * operation, so it is retried with the backoff; only a bug takes the loop's unexpected path.
   */
  private static KernelReconciler.Result reconcile(List<String> failures, Supplier<KernelReconciler.Result> step) {
    KernelReconciler.Result r;
    try {
      r = step.get();
    } catch (IpvsException e) {
      r = new KernelReconciler.Result(List.of(), List.of(e.getMessage()), List.of(), List.of());
    }
    failures.addAll(r.failures());
    return r;
  }

  private static void guard(List<String> failures, String what, Runnable step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      failures.add(what + ": " + e.getMessage());
    }
  }

  static DirectorPlan withoutServices(DirectorPlan p) {
    return p.withServices(List.of());
  }

  /**
   * Sets the planned IPVS connection timeouts when the kernel's differ, then reads them back: a kernel that
   * answers the set without holding the values (or refuses it) fails the pass, so the report and the Programmed
   * condition say so. Timeouts are global to the network namespace; the ones the plan leaves at 0 are not
   * touched, and deleting the pair leaves them as they are (the kernel has no "unset": restoring its defaults
   * would undo what someone else set).
   */
  private void applyTimeouts(DirectorPlan plan, List<String> changes) {
    DirectorPlan.TimeoutsPlan want = plan.connectionTimeouts();
    if (want == null || want.equals(timeoutsKept)) {
      return; // read back as planned since the last resync: the resync looks again
    }
    if (holds(kernel.timeouts(), want)) {
      timeoutsKept = want;
      return;
    }
    IpvsTimeouts set = new IpvsTimeouts(want.tcp(), want.tcpFin(), want.udp());
    daemonCall(NetlinkOp.SET_TIMEOUTS, () -> kernel.setTimeouts(set));
    changes.add("set IPVS timeouts (ipvsadm " + want.ipvsadm() + ")");
    IpvsTimeouts now = kernel.timeouts();
    if (!holds(now, want)) {
      throw new IllegalStateException("the kernel holds tcp " + now.tcp() + " tcpfin " + now.tcpFin() + " udp "
          + now.udp() + " s after ipvsadm " + want.ipvsadm());
    }
    timeoutsKept = want;
  }

  /** 0 in the plan: whatever the kernel has. */
  static boolean holds(IpvsTimeouts have, DirectorPlan.TimeoutsPlan want) {
    return (want.tcp() == 0 || want.tcp() == have.tcp()) && (want.tcpFin() == 0 || want.tcpFin() == have.tcpFin())
        && (want.udp() == 0 || want.udp() == have.udp());
  }

  /** After the IPVS table: a marked packet finds its firewall-mark service ready. */
  private void applyMarking(DirectorPlan plan, List<String> changes) {
    MarkTable m = marking;
    if (m == null) {
      if (!plan.markRules().isEmpty()) {
        throw new IllegalStateException("the plan has " + plan.markRules().size() + " rule(s) but this agent "
            + "installs none (no marking table configured)");
      }
      return;
    }
    changes.addAll(m.apply(plan.markRules()));
  }

  /** Master and backup on both directors, so connection state survives a takeover in either direction. */
  private void startDaemons(DirectorPlan plan, List<String> changes) {
    DirectorPlan.SyncDaemonPlan sd = plan.syncDaemon();
    if (sd == null) {
      return; // daemons are global to the kernel: without a plan for them they are not ours to stop
    }
    if (sd.equals(daemonsKept)) {
      return; // started as planned since the last resync: the resync looks again
    }
    List<SyncDaemon> running = kernel.daemons();
    for (int state : new int[] {SyncDaemon.MASTER, SyncDaemon.BACKUP}) {
      SyncDaemon want = new SyncDaemon(state, sd.interfaceName(), sd.syncId(), sd.maxLen(), sd.multicastGroup(),
          sd.port(), sd.ttl());
      SyncDaemon have = running.stream().filter(d -> d.state() == state).findFirst().orElse(null);
      if (have != null && matches(have, want)) {
        continue;
      }
      if (have != null) {
        daemonCall(NetlinkOp.SYNC_STOP, () -> kernel.stopDaemon(state));
        changes.add("stop sync daemon " + name(state) + " (settings changed)");
      }
      daemonCall(NetlinkOp.SYNC_START, () -> kernel.startDaemon(want));
      changes.add("start sync daemon " + name(state) + " on " + sd.interfaceName() + " sync id " + sd.syncId());
    }
    daemonsKept = sd; // (a failed call threw before this)
  }

  private void stopDaemons(DirectorPlan plan, List<String> changes) {
    DirectorPlan.SyncDaemonPlan sd = plan.syncDaemon();
    daemonsKept = null;
    if (sd == null) {
      return;
    }
    for (SyncDaemon d : kernel.daemons()) {
      if (d.syncId() == sd.syncId()) {
        daemonCall(NetlinkOp.SYNC_STOP, () -> kernel.stopDaemon(d.state()));
        changes.add("stop sync daemon " + name(d.state()));
      }
    }
  }

  private static void daemonCall(NetlinkOp kind, Runnable call) {
    try {
      call.run();
      AgentMetrics.get().netlink(kind, false);
    } catch (RuntimeException e) {
      AgentMetrics.get().netlink(kind, true);
      throw e;
    }
  }

  /** The kernel reports its defaults for settings the plan leaves at 0/null: those match anything. */
  static boolean matches(SyncDaemon have, SyncDaemon want) {
    return have.syncId() == want.syncId() && have.interfaceName().equals(want.interfaceName())
        && (want.maxLen() == 0 || want.maxLen() == have.maxLen())
        && (want.multicastGroup() == null || want.multicastGroup().equals(have.multicastGroup()))
        && (want.port() == 0 || want.port() == have.port()) && (want.ttl() == 0 || want.ttl() == have.ttl());
  }

  private static String name(int state) {
    return state == SyncDaemon.MASTER ? "master" : "backup";
  }

  @Override
  public void close() {
    Thread t;
    synchronized (this) {
      t = thread;
    }
    closing = true;
    synchronized (lock) {
      closed = true;
      lock.notifyAll();
    }
    if (t != null && t != Thread.currentThread()) {
      try {
        t.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
