package io.halvs.agent.health;

import io.halvs.agent.Logs;
import io.halvs.agent.kernel.DestinationHealth;
import io.halvs.agent.kernel.DestinationHealth.Verdict;
import io.halvs.agent.runtime.HealthChecks;
import io.halvs.api.v1alpha1.FailureAction;
import io.halvs.api.v1alpha1.HealthCheckType;
import io.halvs.plan.Destination;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.HealthCheckPlan;
import io.halvs.plan.IpAddress;
import io.halvs.plan.IpvsService;
import io.halvs.plan.ServiceKey;
import io.halvs.plan.publish.AgentReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The director's health checks (ldirectord/keepalived parity): tcp connect or send/expect, http/https request
 * and answer, udp send/expect, dns query, icmp echo, smtp, none; per destination, its own check or its service's.
 * One thread does everything — a selector for the sockets of running checks and a heap of the targets by their
 * next start or deadline ({@link DueQueue}) — so thousands of targets cost no thread each and no check blocks
 * another. Each target's start phase within its interval is spread by a hash of its identity, so 10,000
 * checks at 1 s do not fire together; starts keep a fixed rate (a late start does not shift the next ones).
 *
 * <p>Verdicts are published as an immutable map of the destinations that are not up, so {@link #view()} is a
 * volatile read. Listeners hear about changed services from the checker thread as soon as a verdict flips.
 */
public final class HealthMonitor implements HealthChecks {
  private static final Logger LOG = LoggerFactory.getLogger(HealthMonitor.class);
  private static final long CALL_TIMEOUT_SECONDS = 30;
  /** Checks started before the sockets are read again (a due batch of thousands would leave answers unread). */
  private static final int START_BATCH = 256;

  /** Check-start lateness since the last reset: the benchmark's figures. */
  public record Timing(long starts, double p50Millis, double p99Millis, double maxMillis, long skippedStarts,
      long startsAfterOverrun) {}

  private record DestRef(ServiceKey service, IpAddress address, int port) {}

  private final LongSupplier wallMillis;
  private final Selector selector;
  private final Thread thread;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final CopyOnWriteArrayList<Consumer<Set<ServiceKey>>> listeners = new CopyOnWriteArrayList<>();
  private volatile Map<DestRef, Verdict> verdicts = Map.of();
  private volatile List<TargetMetrics> metrics = List.of();
  private volatile boolean running = true;
  private ExecutorService workers; // TLS handshake math, started with the first https check
  private Pinger pinger; // ICMP sockets, opened with the first icmp check
  private TcpConnector connector; // tcp connect checks' sockets, opened with the first one
  private boolean connectorRefused; // libc's epoll could not be had: tcp checks use JDK channels
  private final Consumer<Probe> settled = this::settle;

  // Checker thread only:
  private final DueQueue queue = new DueQueue();
  private final Map<Target.Key, Target> targets = new HashMap<>();
  /** The service objects last followed, and each one's targets (none: not in the map). */
  private Map<ServiceKey, IpvsService> followed = Map.of();
  private final Map<ServiceKey, List<Target>> byService = new HashMap<>();
  /** The last report's services with every destination up, by key. */
  private Map<ServiceKey, AllUp> allUp = Map.of();
  private final Set<ServiceKey> changed = new HashSet<>();
  private final Drift drift = new Drift();
  private TransitionLog transitions = new TransitionLog();
  /** When the sockets were last read (System.nanoTime): a deadline before it was judged on what they said. */
  private long lastRead;
  private List<IpvsService> services = List.of();
  private final Set<ServiceKey> warnedNoPort = new HashSet<>();

  public HealthMonitor() {
    this(System::currentTimeMillis);
  }

  /** wallMillis: the clock for "since" (the schedule itself runs on System.nanoTime()). */
  public HealthMonitor(LongSupplier wallMillis) {
    this.wallMillis = wallMillis;
    try {
      this.selector = Selector.open();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open a selector for health checks", e);
    }
    thread = new Thread(this::loop, "halvs-health");
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public void follow(DirectorPlan plan) {
    follow(plan, (s, d) -> false);
  }

  @Override
  public void follow(DirectorPlan plan, BiPredicate<ServiceKey, Destination> inRotation) {
    List<IpvsService> planned = plan == null ? List.of() : plan.services();
    call(() -> {
      apply(planned, inRotation);
      return null;
    });
  }

  @Override
  public void followLater(DirectorPlan plan) {
    List<IpvsService> planned = plan == null ? List.of() : plan.services();
    if (Thread.currentThread() == thread) {
      apply(planned, (s, d) -> false);
      return;
    }
    post(() -> { // closed: nothing left to check
      try {
        apply(planned, (s, d) -> false);
      } catch (RuntimeException e) {
        LOG.error("health checks: could not follow the plan; the previous targets keep being checked", e);
      }
    });
  }

  /** Queues a task for the checker thread; false when the checks are closed. */
  private boolean post(Runnable task) {
    if (!running) {
      return false;
    }
    tasks.add(task);
    selector.wakeup();
    return true;
  }

  @Override
  public DestinationHealth view() {
    Map<DestRef, Verdict> v = verdicts; // one consistent picture for a whole reconcile pass
    return (service, d) -> v.getOrDefault(new DestRef(service, d.address(), d.port()), Verdict.UP);
  }

  @Override
  public Map<String, AgentReport.ServiceHealth> report() {
    return call(this::buildReport);
  }

  @Override
  public void onChange(Consumer<Set<ServiceKey>> listener) {
    listeners.add(listener);
  }

  /** Every checked real server of the plan, for a scrape: safe to read from any thread. */
  public List<TargetMetrics> metrics() {
    return metrics;
  }

  /** Check-start lateness since the last {@link #resetTiming()}. */
  public Timing timing() {
    return call(drift::snapshot);
  }

  public void resetTiming() {
    call(() -> {
      drift.reset();
      return null;
    });
  }

  /** The checker thread, for measuring its CPU time. */
  public long threadId() {
    return thread.getId();
  }

  @Override
  public void close() {
    if (!running) {
      return;
    }
    running = false;
    selector.wakeup();
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- checker thread ----

  private void loop() {
    try {
      while (running) {
        try {
          step();
        } catch (RuntimeException | IOException e) {
          LOG.error("health checks: unexpected error, continuing", e); // one bad check must not stop the rest
        }
      }
    } finally {
      logUnlogged(transitions.drain());
      for (Target t : targets.values()) {
        if (t.probe != null) {
          t.probe.abort("stopped");
        }
      }
      if (workers != null) {
        workers.shutdownNow();
      }
      if (pinger != null) {
        pinger.close();
      }
      if (connector != null) {
        connector.close();
      }
      try {
        selector.close();
      } catch (IOException ignored) {
        // going away
      }
    }
  }

  private void step() throws IOException {
    Target head = queue.peek();
    long wait = head == null ? -1 : head.dueAt - System.nanoTime();
    if (!tasks.isEmpty() || (head != null && wait <= 0)) {
      selector.selectNow();
    } else if (head == null) {
      selector.select();
    } else {
      selector.select(Math.max(1, (wait + 999_999) / 1_000_000));
    }
    lastRead = System.nanoTime();
    advanceReady();
    if (connector != null && connector.pending()) {
      connector.harvest(settled);
    }
    Runnable task;
    while ((task = tasks.poll()) != null) {
      task.run();
    }
    long now = System.nanoTime();
    int started = 0;
    while ((head = queue.peek()) != null && head.dueAt - now <= 0 && started < START_BATCH) {
      Target t = queue.poll();
      int generation = t.generation;
      if (t.probe != null && lastRead - t.dueAt < 0) {
        // A deadline that passed since the sockets were last read: read them first. A checker late for its own
        // deadlines (short of CPU, paused by the collector) must not fail a server whose answer is waiting.
        lastRead = System.nanoTime();
        selector.selectNow();
        advanceReady();
        if (connector != null) {
          connector.harvest(settled);
        }
        if (generation != t.generation) {
          continue; // it answered: completed and scheduled anew
        }
      }
      if (t.probe != null) {
        Probe p = t.probe;
        p.timedOut = true;
        p.abort(p.timeoutMessage());
        complete(t, p);
      } else {
        start(t, System.nanoTime()); // its own start time: its deadline counts from its connect, not the batch's
        started++;
      }
    }
    fire();
    logUnlogged(transitions.flush(System.nanoTime()));
  }

  /** Advances every probe whose socket the last select found ready. */
  private void advanceReady() {
    Iterator<SelectionKey> it = selector.selectedKeys().iterator();
    while (it.hasNext()) {
      SelectionKey k = it.next();
      it.remove();
      Probe p = (Probe) k.attachment();
      if (p.finished() || p.owner.probe != p) {
        continue;
      }
      advance(p, () -> {
        if (k.isValid()) {
          p.ready(k);
        }
      });
    }
  }

  private static void logUnlogged(TransitionLog.Unlogged u) {
    if (u != null) {
      LOG.atInfo().addKeyValue("down", u.down()).addKeyValue("up", u.up()).log("{} more real-server health changes "
          + "in {} s, not logged one by one ({} down, {} up); halvs_realserver_up and the VirtualServices' status "
          + "hold each one's state", u.down() + u.up(), u.windowNanos() / 1e9, u.down(), u.up());
    }
  }

  /** Test seam: the checker thread busy for this long, as a checker short of CPU is; returns at once. */
  void stall(Duration busy) {
    tasks.add(() -> {
      try {
        Thread.sleep(busy.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    selector.wakeup();
  }

  /** Test seam: a smaller budget or window for the lines of health changes. */
  void transitions(TransitionLog log) {
    call(() -> {
      transitions = log;
      return null;
    });
  }

  private void start(Target t, long now) {
    if (t.overran) {
      t.overran = false; // late because its previous attempt ran long, not because the scheduler was
      drift.overran++;
    } else {
      drift.record(now - t.nextStart);
    }
    Probe p = t.newProbe();
    p.owner = t;
    p.loop = this;
    p.startedNanos = now;
    t.probe = p;
    try {
      p.start(selector);
    } catch (IOException e) {
      p.fail(Probe.describe(e));
    } catch (RuntimeException e) {
      p.fail("check failed: " + e);
    }
    if (p.finished()) {
      complete(t, p);
    } else {
      schedule(t, now + t.check.timeoutMillis() * 1_000_000L);
    }
  }

  /** Runs work on a worker thread, then resumes the probe on the checker thread (unless it ended meanwhile). */
  void offload(Probe p, Probe.Work work) {
    if (workers == null) {
      int n = Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
      workers = Executors.newFixedThreadPool(n, r -> {
        Thread w = new Thread(r, "halvs-health-tls");
        w.setDaemon(true);
        return w;
      });
    }
    workers.execute(() -> {
      IOException error = null;
      try {
        work.run();
      } catch (IOException e) {
        error = e;
      } catch (RuntimeException e) {
        error = new IOException("check failed: " + e, e);
      }
      IOException thrown = error;
      tasks.add(() -> resume(p, thrown));
      selector.wakeup();
    });
  }

  /** The ICMP sockets, opened on first use (on the checker thread, so in its network namespace). */
  Pinger pinger() {
    if (pinger == null) {
      pinger = new Pinger();
    }
    return pinger;
  }

  /** The tcp connect checks' sockets, opened on first use (on the checker thread); null: use JDK channels. */
  TcpConnector connector() {
    if (connector == null && !connectorRefused) {
      try {
        connector = new TcpConnector(selector::wakeup);
      } catch (RuntimeException | LinkageError e) {
        connectorRefused = true;
        LOG.warn("tcp checks connect through the JDK's channels (more garbage per check): libc's epoll: {}",
            e.toString());
      }
    }
    return connector;
  }

  /** Test and benchmark seam: tcp connect checks through JDK channels, as before TcpConnector. */
  void connectThroughChannels() {
    call(() -> {
      connectorRefused = true;
      return null;
    });
  }

  /** The tcp connects running through the connector now (0 before the first): for tests. */
  int tcpConnectsRunning() {
    return call(() -> connector == null ? 0 : connector.running());
  }

  /** A tcp connect the connector saw end: the check is over. */
  private void settle(Probe p) {
    if (p.finished() && p.owner.probe == p) {
      complete(p.owner, p);
    }
  }

  /** Which ICMP socket a family got (null before its first icmp check): for tests. */
  Pinger.Kind pingerKind(boolean ipv6) {
    return call(() -> pinger == null ? null : pinger.kind(ipv6));
  }

  /** From another thread: runs step on the checker thread, unless the probe ended meanwhile. */
  void deliver(Probe p, Probe.Work step) {
    tasks.add(() -> {
      if (!p.finished() && p.owner.probe == p) {
        advance(p, step);
      }
    });
    selector.wakeup();
  }

  private void resume(Probe p, IOException error) {
    if (p.finished() || p.owner.probe != p) {
      return; // timed out or dropped meanwhile
    }
    advance(p, () -> p.offloaded(error));
  }

  /** One step of a live probe on the checker thread: a failure ends the check with its message. */
  private void advance(Probe p, Probe.Work step) {
    try {
      step.run();
    } catch (IOException e) {
      p.fail(Probe.describe(e));
    } catch (RuntimeException e) {
      p.fail("check failed: " + e);
    }
    if (p.finished()) {
      complete(p.owner, p);
    }
  }

  private void complete(Target t, Probe p) {
    t.probe = null;
    if (!p.finished()) {
      p.abort("aborted");
    }
    boolean wasUp = t.state.up();
    boolean changedState = t.state.record(p.ok(), p.message(), wallMillis.getAsLong());
    t.metrics.checked(System.nanoTime() - p.startedNanos, p.ok(),
        p.ok() ? null : p.timedOut ? FailureReason.TIMEOUT : FailureReason.of(p.message()), t.state.up(),
        t.state.sinceMillis());
    if (changedState) {
      changed.add(t.key.service());
      long now = System.nanoTime();
      logUnlogged(transitions.flush(now));
      if (!transitions.admit(wasUp, now)) {
        // counted: said in one line when the window ends
      } else if (wasUp) {
        Logs.about(LOG.atInfo(), t.service.owner(), t.destination.realServer()).log("real server {} down ({}): {}",
            t.key, t.check.onFailure() == FailureAction.REMOVE ? "removed" : "quiescent", p.message());
      } else {
        Logs.about(LOG.atInfo(), t.service.owner(), t.destination.realServer()).log("real server {} up again", t.key);
      }
    }
    // Fixed rate: the next slot after this attempt's. An attempt that outlasted its interval (timeout >= interval,
    // a silent server) is followed at once, in the latest slot that passed: a dead server's failures then come
    // every interval, and it is out within interval x fall + timeout; older passed slots are skipped.
    long interval = t.intervalNanos();
    long next = t.nextStart + interval;
    long now = System.nanoTime();
    if (next - now < 0) {
      long missed = (now - next) / interval;
      drift.skipped += missed;
      next += missed * interval;
      t.overran = true;
    }
    t.nextStart = next;
    schedule(t, next);
  }

  private void schedule(Target t, long at) {
    if (!t.gone) {
      t.generation++;
      queue.schedule(t, at);
    }
  }

  private void fire() {
    if (changed.isEmpty()) {
      return;
    }
    publish();
    Set<ServiceKey> keys = Set.copyOf(changed);
    changed.clear();
    for (Consumer<Set<ServiceKey>> l : listeners) {
      try {
        l.accept(keys);
      } catch (RuntimeException e) {
        LOG.warn("health change listener failed", e);
      }
    }
  }

  private void publish() {
    Map<DestRef, Verdict> v = new HashMap<>();
    for (Target t : targets.values()) {
      if (!t.state.up()) {
        v.put(new DestRef(t.key.service(), t.key.address(), t.key.port()),
            t.check.onFailure() == FailureAction.REMOVE ? Verdict.REMOVE : Verdict.QUIESCE);
      }
    }
    verdicts = Map.copyOf(v);
  }

  /** The target key of a checked destination, or null: no check (none, or nothing to check). */
  private Target.Key keyOf(IpvsService s, Destination d) {
    HealthCheckPlan c = s.healthCheckOf(d);
    if (c == null || c.type() == HealthCheckType.NONE) {
      return null;
    }
    if (c.type() == HealthCheckType.ICMP) {
      return new Target.Key(s.key(), d.address(), d.port(), 0); // a host answers pings, no port involved
    }
    int port = c.port() != 0 ? c.port() : d.port();
    if (port == 0) {
      if (warnedNoPort.add(s.key())) {
        Logs.about(LOG.atWarn(), s.owner()).log("service {}: destinations have no port (firewall mark); set "
            + "healthCheck.port to check them — they stay up unchecked", s.key());
      }
      return null;
    }
    return new Target.Key(s.key(), d.address(), d.port(), port);
  }

  /**
   * Follows a plan service by service: a service whose object is the one followed last time (the agent's decoder
   * keeps the objects of unchanged shards) keeps its targets as they are, untouched; only new, changed and gone
   * services are walked. At 1,000 x 100 a walk of every destination took 20 ms of this thread per edit.
   */
  private void apply(List<IpvsService> planned, BiPredicate<ServiceKey, Destination> inRotation) {
    long now = System.nanoTime();
    long wall = wallMillis.getAsLong();
    Map<ServiceKey, IpvsService> next = new HashMap<>(planned.size() * 2);
    boolean targetsChanged = false; // a target started or stopped: the metrics and verdicts are built anew
    for (IpvsService s : planned) {
      if (next.putIfAbsent(s.key(), s) != null || followed.get(s.key()) == s) {
        continue; // a repeated key keeps the first (the plan's validation allows none); the same object: as it was
      }
      targetsChanged |= followService(s, inRotation, now, wall);
    }
    for (Map.Entry<ServiceKey, IpvsService> e : followed.entrySet()) {
      if (!next.containsKey(e.getKey())) {
        targetsChanged |= drop(byService.remove(e.getKey()), Set.of());
      }
    }
    followed = next;
    services = planned;
    if (targetsChanged) {
      metrics = targets.values().stream().map(t -> t.metrics).toList();
      publish();
    }
    fire();
  }

  /** Starts, retimes and stops the checks of one new or changed service; true when one started or stopped. */
  private boolean followService(IpvsService s, BiPredicate<ServiceKey, Destination> inRotation, long now, long wall) {
    Map<Target.Key, Target> kept = new LinkedHashMap<>();
    boolean started = false;
    for (Destination d : s.destinations()) {
      Target.Key key = keyOf(s, d);
      if (key == null || kept.containsKey(key)) {
        continue;
      }
      HealthCheckPlan c = s.healthCheckOf(d);
      Target t = targets.get(key); // the key holds the service: a target of this service's last object
      if (t == null) {
        t = new Target(key, wall, c);
        t.update(s, d, c);
        if (inRotation.test(s.key(), d)) {
          t.state.adopt();
        }
        // First check after the warm-up, at this target's phase within the interval.
        t.nextStart = now + c.warmupMillis() * 1_000_000L + phase(key, t.intervalNanos());
        schedule(t, t.nextStart);
        targets.put(key, t);
        started = true;
      } else {
        FailureAction before = t.check.onFailure();
        if (t.update(s, d, c) && t.probe == null) {
          t.nextStart = now + phase(key, t.intervalNanos());
          schedule(t, t.nextStart);
        }
        if (!t.state.up() && before != c.onFailure()) {
          changed.add(key.service());
        }
      }
      kept.put(key, t);
    }
    boolean stopped = drop(byService.remove(s.key()), kept.keySet());
    if (!kept.isEmpty()) {
      byService.put(s.key(), List.copyOf(kept.values()));
    }
    return started || stopped;
  }

  /** Stops the checks of these targets but those kept; true when one stopped. */
  private boolean drop(List<Target> before, Set<Target.Key> kept) {
    if (before == null) {
      return false;
    }
    boolean stopped = false;
    for (Target gone : before) {
      if (kept.contains(gone.key)) {
        continue;
      }
      gone.gone = true;
      queue.remove(gone);
      if (gone.probe != null) {
        gone.probe.abort("no longer planned");
        gone.probe = null;
      }
      if (!gone.state.up()) {
        changed.add(gone.key.service());
      }
      targets.remove(gone.key);
      stopped = true;
    }
    return stopped;
  }

  /** Where in its interval a target's checks start: spread evenly by a hash, stable across restarts. */
  static long phase(Object key, long intervalNanos) {
    long h = key.hashCode() * 0x9E3779B97F4A7C15L;
    h ^= h >>> 29;
    return Math.floorMod(h, intervalNanos);
  }

  private Map<String, AgentReport.ServiceHealth> buildReport() {
    long now = wallMillis.getAsLong();
    Map<String, List<IpvsService>> byOwner = new TreeMap<>();
    for (IpvsService s : services) {
      byOwner.computeIfAbsent(s.owner() != null ? s.owner().key() : s.key().toString(), k -> new ArrayList<>()).add(s);
    }
    Map<DestRef, Verdict> v = verdicts;
    Set<ServiceKey> withVerdicts = new HashSet<>();
    v.keySet().forEach(r -> withVerdicts.add(r.service()));
    Map<ServiceKey, AllUp> summaries = new HashMap<>();
    Map<String, AgentReport.ServiceHealth> out = new TreeMap<>();
    for (Map.Entry<String, List<IpvsService>> e : byOwner.entrySet()) {
      int ready = 0;
      int total = 0;
      List<AgentReport.Unavailable> unavailable = new ArrayList<>();
      for (IpvsService s : e.getValue()) {
        if (!withVerdicts.contains(s.key())) {
          // Every destination up: what the report says depends on the service object alone.
          AllUp a = allUp.get(s.key());
          if (a == null || a.service != s) {
            a = AllUp.of(s);
          }
          summaries.put(s.key(), a);
          ready += a.ready;
          total += s.destinations().size();
          unavailable.addAll(a.draining);
          continue;
        }
        for (Destination d : s.destinations()) {
          total++;
          Verdict verdict = v.getOrDefault(new DestRef(s.key(), d.address(), d.port()), Verdict.UP);
          Target t = null;
          Target.Key key = keyOf(s, d);
          if (key != null) {
            t = targets.get(key);
          }
          if (verdict == Verdict.UP && d.weight() > 0) {
            ready++;
          } else if (verdict == Verdict.UP) {
            unavailable.add(AllUp.draining(d));
          } else if (t != null) {
            unavailable.add(new AgentReport.Unavailable(nameOf(d), d.id(), "Unhealthy",
                Instant.ofEpochMilli(t.state.sinceMillis()).truncatedTo(ChronoUnit.MILLIS).toString(),
                t.state.message(t.check.intervalMillis(), now)));
          }
        }
      }
      out.put(e.getKey(), new AgentReport.ServiceHealth(ready, total, unavailable));
    }
    allUp = summaries; // only the services of this report: a gone service's summary goes with it
    return out;
  }

  private static String nameOf(Destination d) {
    return d.realServer() != null ? d.realServer().name() : null;
  }

  /** What the report says of a service with every destination up, kept while its object stays the same. */
  private record AllUp(IpvsService service, int ready, List<AgentReport.Unavailable> draining) {
    static AllUp of(IpvsService s) {
      int ready = 0;
      List<AgentReport.Unavailable> draining = new ArrayList<>();
      for (Destination d : s.destinations()) {
        if (d.weight() > 0) {
          ready++;
        } else {
          draining.add(draining(d));
        }
      }
      return new AllUp(s, ready, List.copyOf(draining));
    }

    static AgentReport.Unavailable draining(Destination d) {
      return new AgentReport.Unavailable(nameOf(d), d.id(), "Draining", null, "weight 0 in the plan");
    }
  }

  /** Runs on the checker thread and waits; runs inline when already there (e.g. from a listener). */
  private <T> T call(java.util.concurrent.Callable<T> body) {
    try {
      if (Thread.currentThread() == thread) {
        return body.call();
      }
      CompletableFuture<T> f = new CompletableFuture<>();
      boolean posted = post(() -> {
        try {
          f.complete(body.call());
        } catch (Exception | Error e) {
          f.completeExceptionally(e);
        }
      });
      if (!posted) {
        throw new IllegalStateException("health checks are closed");
      }
      return f.get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("health checker thread did not answer in " + CALL_TIMEOUT_SECONDS + " s", e);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
