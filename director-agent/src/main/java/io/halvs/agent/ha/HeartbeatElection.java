package io.halvs.agent.ha;

import io.halvs.agent.Logs;
import io.halvs.agent.ha.ElectionMachine.Config;
import io.halvs.agent.ha.ElectionMachine.Decision;
import io.halvs.agent.ha.ElectionMachine.PeerView;
import io.halvs.agent.ha.ElectionMachine.Request;
import io.halvs.agent.metrics.AgentMetrics;
import io.halvs.agent.netlink.AddressTable;
import io.halvs.agent.netlink.NeighbourAnnouncer;
import io.halvs.agent.runtime.Election;
import io.halvs.agent.vip.VipManager;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpAddress;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The director pair's election: HMAC-authenticated UDP heartbeats to the peer, an optional Quorum as tie-breaker,
 * the VIPs and gateway held through {@link VipManager} and announced with gratuitous ARP / NA. Decisions are
 * {@link ElectionMachine}'s; this class only carries them out. Threads: one receives heartbeats, one ticks
 * (every interval/4) and sends, and reads first what heartbeats the kernel holds for it (a receiver starved of CPU
 * must not make a live peer look silent), one makes Lease calls, so a slow API never delays a tick, one samples the
 * sync progress (kernel dumps: at 1,000 services a connection count is 1,000 destination dumps), so a slow or
 * busy kernel never delays one either: the tick reads only what the sampler last published, and one announces
 * ({@link VipAnnouncer}: a burst is a packet per VIP), which the tick only starts and stops.
 */
public final class HeartbeatElection implements Election {
  private static final Logger LOG = LoggerFactory.getLogger(HeartbeatElection.class);
  private static final AgentMetrics METRICS = AgentMetrics.get();
  static final int ANNOUNCE_REPEATS = 3;
  static final long ANNOUNCE_REFRESH_MILLIS = 10_000;
  static final long REASSERT_MILLIS = 1_000;
  static final long STUCK_AFTER_MILLIS = 5_000;
  /** The sync progress is sampled at most this often, and idles 9x as long as a sample took: at most 10% busy. */
  static final long SYNC_SAMPLE_MILLIS = 1_000;

  /**
   * Where the peer is and what the election uses besides the plan.
   *
   * @param connections connection entries in this director's table (may dump the kernel: called on the sampler
   *     thread only, and only while the plan has preemption on, the one decision that reads it)
   * @param backupDaemonRunning whether the backup sync daemon of the plan followed now runs (its sync daemon plan,
   *     null without one; may dump the kernel: the sampler thread only). Given the plan, not holding one: a plan
   *     captured at the start would be read after edits changed its daemon, and kept in memory with every
   *     service it had
   */
  public record Options(String node, InetSocketAddress peer, byte[] hmacKey, Quorum quorum,
      LongSupplier connections, Predicate<DirectorPlan.SyncDaemonPlan> backupDaemonRunning) {}

  private final Options options;
  private final AddressTable table;
  private final VipManager vips;
  private final VipAnnouncer announcements;
  /** Non-blocking: the receiver waits on its selector, and the tick reads what is queued without waiting. */
  private final DatagramChannel socket;
  private final Selector readable;
  /** drain()'s buffer (under this object's monitor). */
  private final ByteBuffer inbox = ByteBuffer.allocate(1024);
  /** Tests: the receiver thread reads nothing while set (a receiver starved of CPU); the tick still does. */
  private volatile boolean receiverHeld;
  private final HeartbeatCodec codec;
  private final long epoch = new SecureRandom().nextLong();
  private final ScheduledExecutorService ticker;
  private final ExecutorService quorumThread;
  /** A record read ahead of a takeover's ask older than this is not judged (its write would only fail). */
  static final long READ_AHEAD_MAX_AGE_NANOS = 1_000_000_000L;
  // the quorum thread's alone: the record read when the peer went silent, and when (System.nanoTime)
  private Quorum.Record readAhead;
  private long readAheadAt;
  /**
   * The quorum thread's alone: the record as this director's last write left it. A renewal writes on it without a
   * read (one request every renewal instead of two); if anyone wrote since, its compare-and-set fails and the call
   * reads afresh, as before.
   */
  private Quorum.Record held;
  private final java.util.concurrent.atomic.AtomicLong confirmsReadAhead = new java.util.concurrent.atomic
      .AtomicLong();
  private final Thread syncSampler;
  private final Thread receiver;
  private final List<Consumer<State>> listeners = new CopyOnWriteArrayList<>();
  private final long t0 = System.nanoTime();

  private volatile DirectorPlan plan;
  private ElectionMachine machine;
  private String peerName;
  private long seq;
  private long lastSentAt = Long.MIN_VALUE;
  private long lastHeartbeatWall = Long.MIN_VALUE;
  private long peerOffsetMillis;
  private long announcesLeft;
  private long nextAnnounceAt = Long.MAX_VALUE;
  private long lastReassertAt;
  private long transitionsBefore;
  private volatile State state;
  private volatile boolean closed;
  private volatile boolean vipsWarmedUp;
  private volatile boolean peerAlive;
  private long lastHeardAt = -1; // now() of the last authenticated heartbeat, -1: none yet
  private long missedCounted; // intervals since then already counted as missed
  private volatile long lastTickNanos = System.nanoTime();
  // Published by the sync sampler, read by the tick: what preemption's "caught up" compares.
  private volatile boolean sampledBackupRunning; // not caught up before the first sample
  private volatile long sampledConnections;

  public HeartbeatElection(DirectorPlan plan, Options options, AddressTable table) throws IOException {
    this(plan, options, table, null);
  }

  /** @param bind the local address heartbeats are received on and sent from; null: every address. */
  public HeartbeatElection(DirectorPlan plan, Options options, AddressTable table, java.net.InetAddress bind)
      throws IOException {
    this(plan, options, table, bind, senderFor(table));
  }

  /** @param sender sends each announcement, on the announcer's thread */
  HeartbeatElection(DirectorPlan plan, Options options, AddressTable table, java.net.InetAddress bind,
      VipAnnouncer.Sender sender) throws IOException {
    this.options = options;
    this.table = table;
    this.vips = new VipManager(table);
    this.plan = plan;
    this.peerName = peerOf(plan, options.node());
    this.codec = new HeartbeatCodec(options.hmacKey(), plan.pair(), peerName);
    this.socket = DatagramChannel.open();
    socket.bind(new InetSocketAddress(bind, plan.highAvailability().heartbeatPort()));
    socket.configureBlocking(false);
    this.readable = Selector.open();
    socket.register(readable, SelectionKey.OP_READ);
    this.machine = new ElectionMachine(config(plan), now(), adopted(plan));
    this.state = new State(machine.role(), Instant.now(), machine.reason(), 0, peerName);
    announcements = new VipAnnouncer(sender, "halvs-election-announce"); // in this thread's network namespace
    announcements.prepare(plan);
    if (machine.role() == Role.ACTIVE) {
      startAnnouncing(now()); // the adopted VIPs: tell the segment again, the peer may have announced meanwhile
    }
    ticker = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "halvs-election"));
    quorumThread = Executors.newSingleThreadExecutor(r -> daemon(r, "halvs-election-quorum"));
    receiver = daemon(this::receive, "halvs-heartbeat-receiver");
    receiver.start();
    syncSampler = daemon(this::sampleSyncProgress, "halvs-election-sync");
    syncSampler.setPriority(Thread.MIN_PRIORITY);
    syncSampler.start();
    if (options.quorum() != null) {
      quorumThread.execute(this::warmUpQuorum); // before the first call: a takeover's write must not be the first
    }
    // on a thread of its own: its first run is as slow as a takeover's hold would be, and a call must not wait
    daemon(this::warmUpVips, "halvs-election-warm-up").start();
    long period = Math.max(5, plan.highAvailability().advertIntervalMillis() / 4);
    ticker.scheduleAtFixedRate(this::tickSafely, 0, period, TimeUnit.MILLISECONDS);
  }

  /** {@link VipManager#warmUp}, once. */
  private void warmUpVips() {
    try {
      VipManager.warmUp(plan);
      vipsWarmedUp = true;
    } catch (RuntimeException e) {
      Logs.pair(LOG.atDebug(), plan.pair()).log("VIP path not warmed up: {}", e.toString());
    }
  }

  /** Whether the VIPs' hold has run once off the real table (tests). */
  boolean vipsWarmedUp() {
    return vipsWarmedUp;
  }

  /** On the quorum thread: {@link Quorum#warmUp}, once; a store that cannot be reached now is not retried. */
  private void warmUpQuorum() {
    long started = System.nanoTime();
    try {
      options.quorum().warmUp();
      Logs.pair(LOG.atDebug(), plan.pair()).log("quorum's write path warmed up (nothing written) in {} ms",
          (System.nanoTime() - started) / 1_000_000);
    } catch (Exception e) {
      Logs.pair(LOG.atInfo(), plan.pair()).log("quorum's write path not warmed up ({}): a takeover's first write "
          + "may take longer", e.toString());
    }
  }

  /** Gratuitous ARP / NA on the plan's interfaces; nothing for an in-memory table (there is no segment). */
  static VipAnnouncer.Sender senderFor(AddressTable table) {
    if (table.isInMemory()) {
      return (ifname, address) -> {};
    }
    NeighbourAnnouncer announcer = new NeighbourAnnouncer();
    return new VipAnnouncer.Sender() {
      @Override
      public void announce(String ifname, IpAddress address) {
        announcer.announce(ifname, address);
      }

      @Override
      public void prepare(String ifname, IpAddress address) {
        announcer.prepare(ifname, address);
      }

      @Override
      public void close() {
        announcer.close();
      }
    };
  }

  static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  static String peerOf(DirectorPlan plan, String node) {
    if (!plan.nodes().contains(node) || plan.nodes().size() != 2) {
      throw new IllegalArgumentException("node " + node + " is not one of the pair's two nodes " + plan.nodes());
    }
    return plan.nodes().get(0).equals(node) ? plan.nodes().get(1) : plan.nodes().get(0);
  }

  /** The machine's settings from the plan; the Lease store learns the term it records from them too. */
  private Config config(DirectorPlan p) {
    var ha = p.highAvailability();
    if (options.quorum() != null) {
      options.quorum().leaseTerm(ElectionMachine.leaseMillis(ha));
    }
    return Config.of(options.node(), peerOf(p, options.node()), p.nodes().get(0).equals(options.node()),
        ha.advertIntervalMillis(), ha.missesBeforeDead(), ha.preempt(), ha.preemptDelaySeconds() * 1000L,
        options.quorum() != null, ElectionMachine.leaseMillis(ha));
  }

  /** Any of the plan's VIPs already on the interface: a previous agent held them. */
  private boolean adopted(DirectorPlan p) {
    try {
      for (DirectorPlan.VipPlan v : p.vipPlans()) {
        if (table.list(v.interfaceName()).stream().map(AddressTable.Address::address).anyMatch(v.address()::equals)) {
          return true;
        }
      }
      return false;
    } catch (RuntimeException e) {
      Logs.pair(LOG.atWarn(), p.pair()).log("cannot list addresses of {}: {}", p.vipInterface(), e.getMessage());
      return false;
    }
  }

  long now() {
    return (System.nanoTime() - t0) / 1_000_000;
  }

  private void receive() {
    while (!closed) {
      try {
        readable.select(1000);
        readable.selectedKeys().clear();
      } catch (IOException | ClosedSelectorException e) {
        if (!closed) {
          LOG.warn("heartbeat receive: {}", e.toString());
        }
        continue;
      }
      if (receiverHeld) {
        try {
          Thread.sleep(10); // the socket stays readable: not a busy loop
        } catch (InterruptedException e) {
          return;
        }
        continue;
      }
      if (!drain()) {
        continue;
      }
      // a handover: act on it now rather than at the next tick (up to interval/4 later)
      try {
        ticker.execute(this::tickSafely);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // closed meanwhile
      }
    }
  }

  /**
   * Reads every heartbeat the kernel holds for this director, without waiting; the receiver calls it when the
   * socket turns readable and the tick before it decides. A JVM short of CPU (a garbage collector's cycles, a
   * start's work) may run the tick before the receiver: the peer's heartbeats queued meanwhile still count, where
   * the receiver's lag alone made a live active look silent (and, hearing this director, it leaves no proof of life
   * in the Lease). Returns whether one asks for an immediate tick (a handover).
   */
  private synchronized boolean drain() {
    boolean tickNow = false;
    while (!closed) {
      inbox.clear();
      try {
        if (socket.receive(inbox) == null) {
          break;
        }
      } catch (IOException e) {
        if (!closed) {
          LOG.warn("heartbeat receive: {}", e.toString());
        }
        break;
      }
      long wall = System.currentTimeMillis();
      HeartbeatCodec.Message m = codec.decode(inbox.array(), inbox.position(), wall);
      if (m == null) {
        continue; // counted by the codec
      }
      METRICS.heartbeatReceived();
      lastHeardAt = now();
      missedCounted = 0;
      lastHeartbeatWall = wall;
      peerOffsetMillis = wall - m.sentWallMillis();
      machine.heartbeat(now(), new PeerView(m.role(), m.activeForMillis(), m.eligible(), m.leaseTerm(),
          m.connections(), m.released(), m.leaving()));
      tickNow |= m.released() || m.leaving() || machine.leaving();
    }
    return tickNow;
  }

  /** Tests: hold the receiver thread (true) as a CPU-starved one would be, or let it go on. */
  void holdReceiver(boolean held) {
    receiverHeld = held;
  }

  /**
   * The sync progress, away from the tick. Only preemption reads it (both directors share the plan, so both
   * sample or neither does); without preemption the kernel is not dumped at all.
   */
  private void sampleSyncProgress() {
    while (!closed) {
      long started = System.nanoTime();
      try {
        if (plan.highAvailability().preempt()) {
          sampledBackupRunning = options.backupDaemonRunning().test(plan.syncDaemon());
          sampledConnections = options.connections().getAsLong();
        }
      } catch (RuntimeException e) {
        LOG.debug("sync progress: {}", e.toString());
      }
      long took = (System.nanoTime() - started) / 1_000_000;
      try {
        Thread.sleep(Math.max(SYNC_SAMPLE_MILLIS, 9 * took));
      } catch (InterruptedException e) {
        return; // closed
      }
    }
  }

  private void tickSafely() {
    try {
      tick();
    } catch (RuntimeException e) {
      Logs.pair(LOG.atError(), plan.pair()).log("election tick failed (will retry): {}", e.toString());
    }
    lastTickNanos = System.nanoTime();
  }

  /** A tick that never returns (an address or ARP call hanging, a deadlock) stops heartbeats and VIP upkeep. */
  @Override
  public String stuck(long nowNanos) {
    long limit = Math.max(STUCK_AFTER_MILLIS, 20 * plan.highAvailability().advertIntervalMillis());
    long age = (nowNanos - lastTickNanos) / 1_000_000;
    return closed || age <= limit ? null
        : "the election has not ticked for " + age + " ms (limit " + limit + " ms): heartbeats have stopped";
  }

  private synchronized void tick() {
    if (closed) {
      return;
    }
    drain();
    long now = now();
    machine.syncProgress(sampledBackupRunning, sampledConnections); // never the kernel itself: see the sampler
    Decision d = machine.tick(now);
    if (machine.takeReadAhead()) {
      startReadAhead();
    }
    peerAlive = machine.peerVisible(now);
    countMissed(now);
    if (d.role() != Role.ACTIVE) {
      // before any VIP goes: once stop() returns nothing more is announced (it waits for the one send in flight)
      announcements.stop();
    }
    boolean streamed = false;
    if (d.changed()) {
      Logs.pair(LOG.atInfo(), plan.pair()).log("role {} ({})", d.role(), d.reason());
      METRICS.transition(ElectionMachine.cause(d.reason()), d.role() == Role.ACTIVE, System.currentTimeMillis());
      // a takeover: each VIP announced as soon as it is added, the burst's first round
      streamed = d.role() == Role.ACTIVE && d.announce();
      apply(d.role(), now, streamed);
    } else if (now - lastReassertAt >= REASSERT_MILLIS) {
      apply(d.role(), now, false); // level-triggered: put back what someone removed
    }
    if (d.announce()) {
      startAnnouncing(now);
      if (streamed) {
        announcesLeft--;
        nextAnnounceAt = now + plan.highAvailability().advertIntervalMillis();
      }
    }
    if (d.role() == Role.ACTIVE && now >= nextAnnounceAt) {
      // decided on this tick, after the VIPs were added; the packets go out on the announcer's thread
      announcements.round(plan);
      announcesLeft--;
      nextAnnounceAt = now + (announcesLeft > 0 ? plan.highAvailability().advertIntervalMillis()
          : ANNOUNCE_REFRESH_MILLIS);
    }
    if (d.request() != Request.NONE) {
      startQuorumCall(d.request(), now);
    }
    long interval = plan.highAvailability().advertIntervalMillis();
    // during a handover every tick: the released flag is what the peer takes over on
    if (d.changed() || now - lastSentAt >= interval || machine.released() || machine.leaving()) {
      send(now);
    }
    if (machine.leaving()) {
      notifyAll(); // handOver() waits for the outcome
    }
    State s = new State(d.role(), d.changed() ? Instant.now() : state.since(), d.reason(),
        transitionsBefore + machine.transitions(), peerName);
    boolean notify = d.changed() || !s.reason().equals(state.reason());
    state = s;
    if (notify) {
      listeners.forEach(l -> l.accept(s));
    }
  }

  private void startAnnouncing(long now) {
    announcesLeft = ANNOUNCE_REPEATS;
    nextAnnounceAt = now;
  }

  /** Heartbeats that should have arrived since the last one, one per interval beyond the first. */
  private void countMissed(long now) {
    if (lastHeardAt < 0) {
      return; // no peer heard yet: nothing it sent can have been missed
    }
    long due = (now - lastHeardAt) / plan.highAvailability().advertIntervalMillis() - 1;
    if (due > missedCounted) {
      METRICS.heartbeatsMissed(due - missedCounted);
      missedCounted = due;
    }
  }

  /** @param stream announce each VIP as it is added, as one round with the plan's other addresses at its end */
  private void apply(Role role, long now, boolean stream) {
    lastReassertAt = now;
    try {
      if (role == Role.ACTIVE) {
        List<String> changes;
        if (stream) {
          announcements.stream(plan.pair());
          try {
            changes = vips.hold(plan, announcements::streamed);
          } finally {
            announcements.endStream(plan);
          }
        } else {
          changes = vips.hold(plan);
        }
        if (!changes.isEmpty()) {
          Logs.pair(LOG.atInfo(), plan.pair()).log("{}", VipManager.summary(changes));
        }
      } else if (role == Role.STANDBY) {
        List<String> changes = vips.release(plan);
        if (!changes.isEmpty()) {
          Logs.pair(LOG.atInfo(), plan.pair()).log("{}", VipManager.summary(changes));
        }
      }
    } catch (RuntimeException e) {
      if (e instanceof VipManager.Refused r && !r.changes().isEmpty()) {
        Logs.pair(LOG.atInfo(), plan.pair()).log("{}", VipManager.summary(r.changes()));
      }
      Logs.pair(LOG.atError(), plan.pair()).log("VIPs for role {}: {}", role, e.getMessage());
    }
  }

  /** Takeover asks given a record read ahead (tests: the read-ahead reaches the ask). */
  long confirmsReadAhead() {
    return confirmsReadAhead.get();
  }

  /** Reads the quorum's record on the quorum thread, for the takeover's ask one interval later to write on. */
  private void startReadAhead() {
    Quorum q = options.quorum();
    if (q == null) {
      return;
    }
    quorumThread.execute(() -> {
      try {
        readAhead = q.read();
        readAheadAt = System.nanoTime();
      } catch (Exception e) {
        readAhead = null; // the ask reads it again
      }
    });
  }

  private void startQuorumCall(Request kind, long requestedAt) {
    long threshold = lastHeartbeatWall == Long.MIN_VALUE ? Long.MIN_VALUE
        : lastHeartbeatWall + machine.proofAfterLastHeartbeatMillis();
    long offset = peerOffsetMillis;
    Quorum q = options.quorum();
    String self = options.node();
    long lease = machine.config().leaseMillis();
    long lapsedAfter = machine.config().lapsedAfterMillis();
    boolean mayTakeLapsed = machine.mayTakeLapsed(requestedAt);
    boolean takeover = kind == Request.CONFIRM && machine.role() != Role.ACTIVE;
    boolean renewal = machine.role() == Role.ACTIVE;
    ElectionMachine m = machine;
    quorumThread.execute(() -> {
      long started = System.nanoTime();
      Quorum.Record readFirst = kind == Request.CONFIRM && readAhead != null
          && started - readAheadAt < READ_AHEAD_MAX_AGE_NANOS ? readAhead : null;
      readAhead = null;
      if (readFirst != null) {
        confirmsReadAhead.incrementAndGet();
      }
      // an active renews on its own last write; anyone else's is likely stale (the peer wrote when it took over)
      Quorum.Record ahead = readFirst != null ? readFirst : renewal ? held : null;
      Quorum.Outcome a = Quorum.call(q, kind, self, System.currentTimeMillis(), threshold, offset, lease,
          lapsedAfter, mayTakeLapsed, ahead);
      held = a.written(); // any other answer: the next call reads first (the peer wrote, or the store is away)
      long took = System.nanoTime() - started;
      if (q != null) {
        METRICS.leaseRenewal(a.answer() != ElectionMachine.Answer.UNREACHABLE, took);
      }
      if (takeover) { // the peer is silent: the Lease call's share of a failover (retries, say while the API is
        // away, only at debug: one a second for as long as that lasts)
        Logs.pair(a.answer() == ElectionMachine.Answer.HELD ? LOG.atInfo() : LOG.atDebug(), plan.pair())
            .log("takeover's Lease call: {} in {} ms{}", a.answer(), took / 1_000_000,
                readFirst != null ? " (on the record read ahead)" : "");
      }
      synchronized (this) {
        if (m == machine) {
          m.answer(requestedAt, a);
        }
      }
      if (a.answer() == ElectionMachine.Answer.UNREACHABLE) {
        LOG.debug("quorum unreachable");
      }
    });
  }

  private void send(long now) {
    lastSentAt = now;
    var m = new HeartbeatCodec.Message(plan.pair(), options.node(), epoch, ++seq, System.currentTimeMillis(),
        machine.role(), machine.activeFor(now), machine.eligible(now), machine.leaseTerm(now),
        sampledConnections, machine.released(), machine.leaving());
    byte[] data = codec.encode(m);
    try {
      if (socket.send(ByteBuffer.wrap(data), options.peer()) == 0) {
        return; // no room in the socket's send buffer: as a lost heartbeat
      }
      METRICS.heartbeatSent();
    } catch (IOException e) {
      LOG.debug("heartbeat to {}: {}", options.peer(), e.getMessage()); // link down: the peer will notice
    }
  }

  /** The parts of a plan the election acts on: the director loop calls follow() every pass with the same plan. */
  static boolean sameForElection(DirectorPlan a, DirectorPlan b) {
    return a.nodes().equals(b.nodes()) && a.vipInterface().equals(b.vipInterface()) && a.vips().equals(b.vips())
        && a.vipSettings().equals(b.vipSettings()) && a.gateways().equals(b.gateways())
        && Objects.equals(a.highAvailability(), b.highAvailability());
  }

  @Override
  public synchronized void follow(DirectorPlan next) {
    DirectorPlan prev = plan;
    if (closed || machine.leaving() || sameForElection(prev, next)) {
      // (shutting down: the handover finishes with the machine it started with)
      plan = next;
      return;
    }
    if (!Objects.equals(prev.highAvailability(), next.highAvailability()) || !prev.nodes().equals(next.nodes())) {
      // new timing or peer: a new machine that starts from what this director holds now
      transitionsBefore += machine.transitions();
      peerName = peerOf(next, options.node());
      machine = new ElectionMachine(config(next), now(), machine.role() == Role.ACTIVE);
    }
    plan = next;
    announcements.prepare(next);
    // the announcer stops before hold() removes the VIPs the new plan dropped: none of them is announced after
    announcements.stop();
    if (machine.role() == Role.ACTIVE) {
      apply(Role.ACTIVE, now(), false);
      startAnnouncing(now());
    } else if (machine.role() == Role.STANDBY) {
      vips.release(prev);
    }
  }

  @Override
  public State state() {
    return state;
  }

  @Override
  public boolean peerAlive() {
    return peerAlive;
  }

  /** The pair's heartbeat keys changed (a rotation): sign with key, accept it and alsoAccepted. */
  @Override
  public void rekey(byte[] key, List<byte[]> alsoAccepted) {
    codec.rekey(key, alsoAccepted);
  }

  /** Announcements sent and failed since the start (each one address on one interface). */
  long announcementsSent() {
    return announcements.sent();
  }

  /** Announcement rounds a role loss (or a plan change) ended before they were done. */
  long announcementsCancelled() {
    return announcements.cancelled();
  }

  /** Announcement rounds streamed as a takeover's hold added the VIPs (tests). */
  long announcementsStreamed() {
    return announcements.streamedRounds();
  }

  public String heartbeatCounters() {
    return codec.counters();
  }

  @Override
  public void onChange(Consumer<State> listener) {
    listeners.add(listener);
  }

  /**
   * The agent is shutting down (SIGTERM). An active director whose peer is ready (visible, settled, not leaving)
   * removes its VIPs, then says so in its heartbeats (the released flag, every tick), and waits until the peer
   * reports it holds them and, with a quorum, the Lease, which the peer claims while this director is still
   * visible; the peer takes over on the first released heartbeat it authenticates, so there is never a second
   * holder and the gap is one datagram and one address change. Without a ready peer the VIPs stay (the restart
   * adopts them). A standby gives nothing up; its heartbeats say it is leaving, so an active being stopped at
   * the same time keeps its VIPs instead of handing them to it. Heartbeats go on until {@link #close()}.
   *
   * @return true when the peer confirmed it holds the VIPs
   */
  @Override
  public boolean handOver(java.time.Duration bound) {
    long deadline = System.nanoTime() + bound.toNanos();
    synchronized (this) {
      if (closed) {
        return false;
      }
      machine.stop(now(), bound.toMillis());
    }
    try {
      ticker.execute(this::tickSafely);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      return false;
    }
    ElectionMachine.Handover h;
    boolean released;
    synchronized (this) {
      long left;
      while (((h = machine.handover()) == ElectionMachine.Handover.NONE || h == ElectionMachine.Handover.WAITING)
          && (left = deadline - System.nanoTime()) > 0) {
        try {
          wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      h = machine.giveUpHandover();
      released = machine.released();
    }
    switch (h) {
      case HANDED_OVER -> Logs.pair(LOG.atInfo(), plan.pair()).log("shutdown: handed the VIPs over to {} ({})",
          peerName, machine.reason());
      case KEPT -> Logs.pair(LOG.atInfo(), plan.pair()).log("shutdown: kept the VIPs ({})", machine.reason());
      case NOT_ACTIVE -> Logs.pair(LOG.atInfo(), plan.pair()).log("shutdown: {}, nothing to hand over",
          machine.role());
      default -> Logs.pair(LOG.atWarn(), plan.pair()).log("shutdown: {} did not confirm within {} ms; {}", peerName,
          bound.toMillis(), released
          ? "the VIPs are off here, it takes over by silence at the latest" : "kept the VIPs");
    }
    return h == ElectionMachine.Handover.HANDED_OVER;
  }

  /**
   * Runs on the election's own thread, which lives in the network namespace the election was built in, so the
   * caller's thread does not matter; waits for it, then stops.
   */
  @Override
  public void releaseAll() {
    try {
      ticker.submit(() -> {
        synchronized (this) {
          closed = true; // no tick re-adds them afterwards
          announcements.stop();
          vips.release(plan);
        }
      }).get(5, TimeUnit.SECONDS);
    } catch (java.util.concurrent.RejectedExecutionException | java.util.concurrent.ExecutionException
        | java.util.concurrent.TimeoutException e) {
      synchronized (this) {
        announcements.stop();
        vips.release(plan); // the ticker is gone (closed before): from this thread
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    stop();
  }

  private synchronized void stop() {
    closed = true;
    ticker.shutdownNow();
    quorumThread.shutdownNow();
    syncSampler.interrupt();
    try {
      socket.close();
      readable.close();
    } catch (IOException e) {
      LOG.debug("heartbeat socket close: {}", e.toString());
    }
    announcements.close();
  }

  @Override
  public void close() {
    stop();
  }
}
