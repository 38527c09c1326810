package io.halvs.agent.ha;

import io.halvs.agent.runtime.Election.Role;
import io.halvs.plan.DirectorPlan;

/**
 * The election's decisions, pure: no sockets, no threads, times in milliseconds of an injected monotonic clock.
 * {@link HeartbeatElection} feeds it heartbeats, quorum answers and sync progress, calls {@link #tick} and carries
 * out the decision (VIPs, gratuitous ARP, Lease calls). The rules, and a table of the failures they answer, are in
 * docs/HA.md; in short:
 * <ul>
 *   <li>peer visible: roles follow the heartbeats alone, never the API (an API outage changes nothing);</li>
 *   <li>both active (heal, restart, preemption): the Lease holder keeps, else the preempting preferred director,
 *       else the one active longer, else the preferred one (plan node order) — both sides reach the same answer;</li>
 *   <li>peer silent for missesBeforeDead x interval: without quorum take over at once; with quorum only after
 *       the Lease confirms the peer is silent there too (a live but partitioned active leaves a "silent" write
 *       one interval before it would count its peer dead; the standby looks one interval after it counts the
 *       peer dead); an active that cannot renew keeps its VIPs only while its Lease term lasts, or, when the
 *       term ended while it still heard the peer (the API away), until the peer has been silent for the grace;
 *       a standby takes such a lapsed Lease only after the dead interval plus the grace.</li>
 * </ul>
 */
public final class ElectionMachine {
  /**
   * @param selfPreferred this director is the plan's first node: wins ties, and preempts when preempt is on
   * @param quorum false: no tie-breaker, a silent peer is taken for dead (keepalived's behaviour)
   * @param renewMillis how often the active renews the Lease while the peer is visible
   * @param retryMillis how often either side asks the Lease again while the peer is silent
   * @param leaseMillis the Lease term: a holder not renewed for this long is free
   */
  public record Config(String self, String peer, boolean selfPreferred, long intervalMillis, int missesBeforeDead,
      boolean preempt, long preemptDelayMillis, boolean quorum, long renewMillis, long retryMillis,
      long leaseMillis) {
    public long deadAfterMillis() {
      return intervalMillis * missesBeforeDead;
    }

    /**
     * How much longer than the dead interval a standby waits before it takes a lapsed Lease (free, its own, or
     * not renewed by its holder for nearly a term): an active cut off from the API drops its VIPs only after
     * this much silence, so that a late heartbeat does not make it drop them (docs/HA.md rule 4).
     */
    public long graceMillis() {
      return 3 * deadAfterMillis();
    }

    /**
     * The age (translated to this director's clock) after which a holder's record counts as lapsed: the holder
     * counts its term over after leaseMillis − 2 intervals; one more interval covers the clock offset's error.
     */
    public long lapsedAfterMillis() {
      return leaseMillis - 3 * intervalMillis;
    }

    public static Config of(String self, String peer, boolean selfPreferred, long interval, int misses,
        boolean preempt, long preemptDelay, boolean quorum) {
      return of(self, peer, selfPreferred, interval, misses, preempt, preemptDelay, quorum,
          ElectionMachine.leaseMillis(interval));
    }

    /** With the pair's Lease term ({@link #leaseMillis(DirectorPlan.HaPlan)}). */
    public static Config of(String self, String peer, boolean selfPreferred, long interval, int misses,
        boolean preempt, long preemptDelay, boolean quorum, long leaseMillis) {
      return new Config(self, peer, selfPreferred, interval, misses, preempt, preemptDelay, quorum, 2000, 1000,
          leaseMillis);
    }
  }

  /**
   * The Lease term: 4 s, or 4 intervals with slow heartbeats, so a granted Lease stays valid for at least two
   * intervals after the request (see {@link #answer}) whatever the interval.
   */
  public static long leaseMillis(long intervalMillis) {
    return Math.max(4000, 4 * intervalMillis);
  }

  /**
   * The pair's Lease term: its highAvailability.leaseDurationSeconds when set (admission keeps it at 4 intervals or
   * more), else the default above. A longer term rides out slower renewals (docs/HA.md rule 4).
   */
  public static long leaseMillis(DirectorPlan.HaPlan ha) {
    long dflt = leaseMillis(ha.advertIntervalMillis());
    return ha.leaseDurationSeconds() == null ? dflt
        : Math.max(4L * ha.advertIntervalMillis(), ha.leaseDurationSeconds() * 1000L);
  }

  /** The term in whole seconds, as a Lease's spec.leaseDurationSeconds records it. */
  public static int leaseSeconds(DirectorPlan.HaPlan ha) {
    return (int) ((leaseMillis(ha) + 999) / 1000);
  }

  /**
   * What the peer's last heartbeat said.
   *
   * @param released the peer gave its VIPs up for this director to take at once (a handover)
   * @param leaving the peer's agent is shutting down: hand nothing over to it
   */
  public record PeerView(Role role, long activeForMillis, boolean eligible, long leaseTerm, long connections,
      boolean released, boolean leaving) {
    public PeerView(Role role, long activeForMillis, boolean eligible, long leaseTerm, long connections) {
      this(role, activeForMillis, eligible, leaseTerm, connections, false, false);
    }
  }

  /**
   * Where a shutting-down agent's handover stands ({@link #stop}). NONE: not stopping. WAITING: the peer is
   * visible but still starting, or the VIPs are released and the peer has not yet confirmed it holds them (and,
   * with a quorum, the Lease). HANDED_OVER: it has. KEPT: no peer ready to take them (silent, or leaving too):
   * this director keeps its VIPs and its restart adopts them. NOT_ACTIVE: nothing to hand over.
   */
  public enum Handover { NONE, WAITING, HANDED_OVER, KEPT, NOT_ACTIVE }

  /**
   * The outcome of a Lease call. LAPSED: the standby could take the Lease because it is free, its own or its
   * holder's renewals lapsed, but the peer has not been silent for the grace yet (docs/HA.md rule 4).
   */
  public enum Answer { HELD, HELD_BY_PEER, UNREACHABLE, LAPSED }

  /** CLAIM: take or renew the Lease whoever holds it (peer visible). CONFIRM: only if the holder is silent too. */
  public enum Request { NONE, CLAIM, CONFIRM }

  /**
   * @param announce send gratuitous ARP/NA now: just became active, or the peer reappeared (a partition healed)
   * @param request a Lease call to start (asynchronously); answer with {@link #answer}
   */
  public record Decision(Role role, String reason, boolean changed, boolean announce, Request request) {}

  static final double CAUGHT_UP = 0.9;
  static final long STARTUP_GRACE_MILLIS = 5_000;
  static final int STARTUP_DEAD_FACTOR = 4;

  private final Config cfg;
  private final long startedAt;
  private Role role;
  private long since;
  private String reason;
  private long transitions;

  private long lastHeartbeatAt = -1;
  private PeerView peer;
  private long peerVisibleSince = -1;
  private long peerSilentSince = -1;
  /** Set when a standby with a quorum counts the peer dead: read the record ahead of its ask (takeReadAhead). */
  private boolean readAhead;
  private boolean healed;

  private boolean pending;
  private Request pendingKind = Request.NONE;
  private long lastRequestAt = -1;
  private Answer answer;
  private long answerRequestedAt = -1;
  private long leaseValidUntil = -1;
  private long lastTermEnd;
  private long leaseTerm;
  private long suspectedAt = -1;

  private boolean backupRunning = true;
  private long localConnections;

  private boolean stopping;
  private long stoppedAt;
  private long stopBoundMillis;
  private boolean released;
  private Handover handover = Handover.NONE;

  /** @param adopted VIPs of the plan were found on the interface at start (the previous agent held them) */
  public ElectionMachine(Config cfg, long now, boolean adopted) {
    this.cfg = cfg;
    this.startedAt = now;
    this.since = now;
    this.role = adopted ? Role.ACTIVE : Role.UNKNOWN;
    this.reason = adopted ? "adopted the VIPs a previous agent left on the interface" : "starting: listening for the peer";
    // a previous agent on this node may have renewed the Lease just before this one started
    this.lastTermEnd = now + cfg.leaseMillis() - 2 * cfg.intervalMillis();
  }

  public Config config() {
    return cfg;
  }

  public Role role() {
    return role;
  }

  public long since() {
    return since;
  }

  public String reason() {
    return reason;
  }

  public long transitions() {
    return transitions;
  }

  public boolean peerVisible(long now) {
    return lastHeartbeatAt >= 0 && now - lastHeartbeatAt < deadAfter(now);
  }

  /**
   * The dead interval, longer for a director that is not active during its first seconds: a freshly started
   * JVM (class loading, JIT compilation, a CPU limit's throttling) stalls its own threads for longer than 150 ms,
   * and a restarted agent that misses its active peer's heartbeats while the peer hears it would take the VIPs
   * from a live active (the peer sees no silence, so it leaves no proof of life in the Lease). The cost: a peer
   * that really dies in those seconds is taken over STARTUP_DEAD_FACTOR times later.
   */
  long deadAfter(long now) {
    boolean starting = role != Role.ACTIVE && now - startedAt < STARTUP_GRACE_MILLIS;
    return cfg.deadAfterMillis() * (starting ? STARTUP_DEAD_FACTOR : 1);
  }

  /** An authenticated, fresh heartbeat from the peer. */
  public void heartbeat(long now, PeerView view) {
    if (!peerVisible(now)) {
      peerVisibleSince = now;
      healed = lastHeartbeatAt >= 0; // seen before, then lost: a partition healed or the peer came back
    }
    lastHeartbeatAt = now;
    peer = view;
  }

  /** How far this director's backup sync daemon has come (see docs/HA.md "caught up"). */
  public void syncProgress(boolean backupDaemonRunning, long connections) {
    this.backupRunning = backupDaemonRunning;
    this.localConnections = connections;
  }

  /** The outcome of the Lease call started at requestedAt. */
  public void answer(long requestedAt, Quorum.Outcome outcome) {
    Answer a = outcome.answer();
    pending = false;
    answer = a;
    answerRequestedAt = requestedAt;
    if (a == Answer.HELD) {
      // the write happened after the request: counting the term from the request is conservative
      leaseValidUntil = requestedAt + cfg.leaseMillis() - 2 * cfg.intervalMillis();
      lastTermEnd = Math.max(lastTermEnd, leaseValidUntil);
      leaseTerm = outcome.term();
    } else if (a == Answer.HELD_BY_PEER) {
      leaseValidUntil = -1;
    }
  }

  /** How long the peer has been silent: since its last heartbeat, or since the start if it was never heard. */
  long silentFor(long now) {
    return now - (lastHeartbeatAt >= 0 ? lastHeartbeatAt : startedAt);
  }

  /**
   * A Lease call started now may take a lapsed Lease (see {@link Answer#LAPSED}): always for the active (it
   * renews its own), for any other role only once the peer has been silent for the dead interval plus the grace,
   * one dead interval longer than an active cut off from the API waits before it drops its VIPs.
   */
  public boolean mayTakeLapsed(long now) {
    return role == Role.ACTIVE || silentFor(now) >= cfg.deadAfterMillis() + cfg.graceMillis();
  }

  /** This director believes it holds the Lease (told to the peer for conflicts). */
  public boolean leaseHolder(long now) {
    return cfg.quorum() && now < leaseValidUntil;
  }

  /** The term of the Lease write this director holds by, 0 when it holds none. */
  public long leaseTerm(long now) {
    return leaseHolder(now) ? leaseTerm : 0;
  }

  public long activeFor(long now) {
    return role == Role.ACTIVE ? now - since : 0;
  }

  boolean caughtUp() {
    long peerConnections = peer == null ? 0 : peer.connections();
    return backupRunning && localConnections >= (long) Math.ceil(CAUGHT_UP * peerConnections);
  }

  /** Preferred, preemption on, the peer visible for preemptDelay and the sync backup caught up. */
  public boolean eligible(long now) {
    return cfg.preempt() && cfg.selfPreferred() && peerVisibleSince >= 0
        && now - peerVisibleSince >= cfg.preemptDelayMillis() && caughtUp();
  }

  /** Both active: true when this director keeps the VIPs. Evaluated the same way on both sides. */
  boolean winsConflict(long now) {
    long mine0 = leaseTerm(now);
    if (mine0 != peer.leaseTerm()) {
      return mine0 > peer.leaseTerm(); // the later write is the holder: the other one was cut off
    }
    if (cfg.preempt()) {
      if (cfg.selfPreferred() && eligible(now)) {
        return true;
      }
      if (!cfg.selfPreferred() && peer.eligible()) {
        return false;
      }
    }
    long mine = now - since;
    long theirs = peer.activeForMillis() + (now - lastHeartbeatAt);
    if (Math.abs(mine - theirs) > 2 * cfg.intervalMillis()) {
      return mine > theirs;
    }
    return cfg.selfPreferred();
  }

  /**
   * This agent is shutting down (SIGTERM): from the next tick it hands its VIPs to a ready peer (visible, not
   * starting, not leaving) or keeps them, and never becomes active again. See {@link Handover}.
   *
   * @param boundMillis how long the caller waits for the handover: a peer that is alive but not ready is waited
   *     for during {@link #handoverPatience} of it, the rest leaves time for the released heartbeats and the
   *     peer's confirmation
   */
  public void stop(long now, long boundMillis) {
    if (!stopping) {
      stopping = true;
      stoppedAt = now;
      stopBoundMillis = boundMillis;
    }
  }

  /** How long of the handover's bound a stopping active waits for a live peer to be ready. */
  static long handoverPatience(long boundMillis) {
    return boundMillis * 3 / 4;
  }

  public Handover handover() {
    return handover;
  }

  /**
   * The handover's time is up: a director that never released keeps its VIPs (KEPT); one that released stays
   * WAITING (its VIPs are off, the peer takes over by its released flag or by silence).
   */
  public Handover giveUpHandover() {
    if (stopping && handover == Handover.WAITING && !released) {
      handover = Handover.KEPT;
      reason = "shutting down: no handover within the bound: keeping the VIPs (the restarted agent adopts them)";
    } else if (stopping && handover == Handover.NONE) {
      handover = role == Role.ACTIVE ? Handover.KEPT : Handover.NOT_ACTIVE;
    }
    return handover;
  }

  /** This director gave its VIPs up for the peer to take at once: said in every heartbeat until it has. */
  public boolean released() {
    return released;
  }

  /** This agent is shutting down: said in its heartbeats so the peer hands nothing over to it. */
  public boolean leaving() {
    return stopping;
  }

  /** The peer is visible, settled and staying: a handover to it cannot leave the VIPs unheld. */
  private boolean peerReady(long now) {
    return peerVisible(now) && peer.role() != Role.UNKNOWN && !peer.leaving();
  }

  public Decision tick(long now) {
    if (stopping) {
      return stoppingTick(now);
    }
    Role want = role;
    String why = reason;
    Request request = Request.NONE;
    boolean announce = false;
    if (peerVisible(now)) {
      peerSilentSince = -1;
      readAhead = false;
      if (released && peer.role() == Role.ACTIVE) {
        released = false; // the peer took them: an ordinary standby from here
      }
      if (role != Role.ACTIVE && peer.released() && peer.role() != Role.ACTIVE) {
        // the peer removed its VIPs before it said so: taking them now cannot make two holders, and waiting
        // for the dead interval would leave none
        want = Role.ACTIVE;
        why = "the peer handed the VIPs over" + (peer.leaving() ? " (its agent is shutting down)" : "");
      } else if (role == Role.ACTIVE && cfg.preempt() && !cfg.selfPreferred() && peer.role() == Role.STANDBY
          && peer.eligible() && peerReady(now)) {
        // preemption as a handover: the VIPs leave here first, the preferred director takes them on the
        // released heartbeat, so a failback never has two holders
        want = Role.STANDBY;
        why = "handing the VIPs over to the preferred director (preemption)";
        release();
      } else if (role == Role.ACTIVE) {
        announce = healed;
        if (peer.role() == Role.ACTIVE && !winsConflict(now)) {
          want = Role.STANDBY;
          why = "both active: the peer keeps the VIPs";
          announce = false;
        } else if (peer.role() == Role.ACTIVE && !reason.startsWith("preempting")) {
          why = "both active: this director keeps the VIPs";
        }
      } else if (peer.role() == Role.ACTIVE) {
        if (eligible(now)) {
          want = Role.STANDBY; // the eligible flag in the heartbeats asks the peer to hand over
          why = "preempting: preferred director, preempt delay passed, sync backup caught up; waiting for the "
              + "peer to hand the VIPs over";
        } else {
          want = Role.STANDBY;
          why = "peer is active";
        }
      } else if (cfg.selfPreferred() && role == Role.UNKNOWN && now - startedAt < deadAfter(now)) {
        // Starting: the peer may not have heard this director yet and may be taking the VIPs as a silent peer's
        // (its Lease answer in flight); its ACTIVE heartbeat arrives within this window, then the row above holds.
        why = "starting: listening for the peer";
      } else if (cfg.selfPreferred()) {
        want = Role.ACTIVE;
        why = "peer is not active and this director is preferred";
      } else {
        want = Role.STANDBY;
        why = "waiting for the preferred peer to become active";
      }
      healed = false;
      boolean suspect = now - lastHeartbeatAt >= cfg.deadAfterMillis() - cfg.intervalMillis();
      if (cfg.quorum() && role == Role.ACTIVE && suspect && suspectedAt != lastHeartbeatAt && !pending) {
        // one interval before the peer counts as dead: leave the proof of life a partitioned standby looks for
        suspectedAt = lastHeartbeatAt;
        request = Request.CONFIRM;
      } else if (cfg.quorum() && want == Role.ACTIVE && !pending
          && (!leaseHolder(now) && (lastRequestAt < since || now - lastRequestAt >= cfg.retryMillis())
              || now - lastRequestAt >= cfg.renewMillis())) {
        request = Request.CLAIM; // in the background: the peer agrees, the API only records it
      }
    } else {
      if (peerSilentSince < 0) {
        peerSilentSince = lastHeartbeatAt >= 0 ? lastHeartbeatAt + deadAfter(now) : startedAt;
        readAhead = cfg.quorum() && role != Role.ACTIVE;
      }
      boolean listening = lastHeartbeatAt < 0 && now - startedAt < cfg.deadAfterMillis();
      if (listening) {
        why = role == Role.ACTIVE ? reason : "starting: listening for the peer";
      } else if (!cfg.quorum()) {
        want = Role.ACTIVE;
        why = role == Role.ACTIVE && reason.startsWith("peer silent") ? reason
            : "peer silent for " + cfg.deadAfterMillis() + " ms (no quorum configured)";
      } else {
        // the active asks at once (it already left its proof of life one interval ago, see above); the standby
        // after one more interval, by which time that write has landed
        long askFrom = peerSilentSince + (role == Role.ACTIVE ? 0 : cfg.intervalMillis());
        boolean fresh = answer != null && answerRequestedAt >= peerSilentSince;
        // a lapsed Lease is asked for again as soon as the grace has passed
        boolean graceOver = fresh && answer == Answer.LAPSED && mayTakeLapsed(now);
        if (!pending && now >= askFrom && (!fresh || now - lastRequestAt >= cfg.retryMillis() || graceOver)) {
          request = Request.CONFIRM;
        }
        if (fresh && answer == Answer.HELD) {
          want = Role.ACTIVE;
          why = "peer silent; this director holds the Lease";
        } else if (fresh && answer == Answer.HELD_BY_PEER) {
          want = Role.STANDBY;
          why = "peer silent here but renewing the Lease: partitioned from it";
        } else if (role == Role.ACTIVE) {
          // Term over (the API is away for this director). If it ended while the peer was still heard, the
          // standby finds the Lease lapsed and waits the grace before it takes it: ride out a late heartbeat and
          // drop only after a silence one dead interval shorter than the standby's wait. If it ended after the
          // last heartbeat, the standby may find it unexpired without a silent write and take it at once.
          boolean endedWhileHeard = lastHeartbeatAt >= 0 && lastTermEnd <= lastHeartbeatAt;
          if (now >= leaseValidUntil && endedWhileHeard) {
            if (silentFor(now) >= cfg.graceMillis()) {
              want = Role.STANDBY;
              why = "peer silent (" + silentFor(now) + " ms) and the Lease could not be renewed within its term: "
                  + "quorum lost";
            }
          } else if (now >= leaseValidUntil && (fresh || leaseValidUntil >= 0)) {
            want = Role.STANDBY;
            why = "peer silent and the Lease could not be renewed within its term: quorum lost";
          }
        } else if (fresh && answer == Answer.LAPSED) {
          // no role change (a starting director stays starting): the next call after the grace decides
          why = role == Role.UNKNOWN ? reason : "peer silent and its Lease lapsed: waiting out the grace for a "
              + "peer cut off from the API to drop its VIPs";
        } else if (fresh) {
          want = Role.STANDBY;
          why = "peer silent but the API is unreachable: cannot take over safely";
        }
      }
    }
    return decide(now, want, why, announce, request);
  }

  private Decision decide(long now, Role want, String why, boolean announce, Request request) {
    if (request != Request.NONE) {
      pending = true;
      pendingKind = request;
      lastRequestAt = now;
    }
    boolean changed = want != role;
    if (changed) {
      announce = want == Role.ACTIVE;
      if (want == Role.ACTIVE) {
        released = false;
      }
      role = want;
      since = now;
      transitions++;
    }
    reason = why;
    return new Decision(role, reason, changed, announce, request);
  }

  /**
   * The reason of a role change in one snake_case word, for halvs_director_transitions_total{reason}: read from
   * the reasons {@link #tick} gives, so a new reason there needs a line here (ElectionMachineTest covers each).
   */
  public static String cause(String reason) {
    if (reason.startsWith("the peer handed the VIPs over")) {
      return "handover";
    }
    if (reason.startsWith("shutting down") || reason.startsWith("shut down")) {
      return "shutdown";
    }
    if (reason.startsWith("peer silent for") || reason.startsWith("peer silent; this director holds the Lease")) {
      return "peer_silent";
    }
    if (reason.startsWith("peer silent here but renewing the Lease")) {
      return "partitioned";
    }
    if (reason.endsWith("quorum lost")) {
      return "quorum_lost";
    }
    if (reason.startsWith("peer silent but the API is unreachable")) {
      return "quorum_unreachable";
    }
    if (reason.startsWith("both active")) {
      return "conflict";
    }
    if (reason.startsWith("handing the VIPs over to the preferred director")) {
      return "preempted";
    }
    if (reason.startsWith("preempting") || reason.equals("peer is active")) {
      return "peer_active";
    }
    if (reason.startsWith("peer is not active and this director is preferred")) {
      return "preferred";
    }
    if (reason.startsWith("waiting for the preferred peer")) {
      return "peer_preferred";
    }
    return "other";
  }

  /** Gives the VIPs (by the caller, on this decision) and the Lease term up; the heartbeats say released. */
  private void release() {
    released = true;
    leaseValidUntil = -1;
  }

  /**
   * While the agent shuts down: an active with a ready peer releases (the caller removes the VIPs, then the
   * heartbeats say released) and waits for the peer to hold them; without a live peer (silent, or leaving too)
   * it keeps them. A live peer that is not ready (still starting, or missed a few heartbeats on a starved node)
   * is waited for, and released to at the end of the patience all the same: once this agent is gone that peer
   * takes the VIPs by silence, and VIPs kept here would make two holders until the restarted agent drops them.
   * Never becomes active again, except to take back VIPs it released when the peer turns out to be leaving too
   * and has not taken them (a leaving peer says so only after its own election stopped, so it never will).
   */
  private Decision stoppingTick(long now) {
    Role want = role;
    String why = reason;
    boolean visible = peerVisible(now);
    if (handover == Handover.HANDED_OVER || handover == Handover.KEPT || handover == Handover.NOT_ACTIVE) {
      return decide(now, want, why, false, Request.NONE);
    }
    if (role == Role.ACTIVE) {
      long patience = handoverPatience(stopBoundMillis);
      boolean waited = now - stoppedAt >= patience;
      // heard within the patience: alive, only its heartbeats late (a node short of CPU), and heard again soon
      boolean heardLately = lastHeartbeatAt >= 0 && now - lastHeartbeatAt < patience;
      if (visible && peer.leaving()) {
        handover = Handover.KEPT;
        why = "shutting down with the peer leaving too: keeping the VIPs (the restarted agent adopts them)";
      } else if (!visible && (!heardLately || waited)) {
        handover = Handover.KEPT;
        why = "shutting down with the peer not visible" + (lastHeartbeatAt < 0 ? ""
            : " (silent for " + (now - lastHeartbeatAt) + " ms)")
            + ": keeping the VIPs (the restarted agent adopts them)";
      } else if (!visible) {
        handover = Handover.WAITING;
        // one text while it lasts: a reason that changes on every tick would notify the listeners on every tick
        why = "shutting down: the peer's heartbeats stopped arriving; waiting to hear it again before handing over";
      } else if (peer.role() == Role.UNKNOWN && !waited) {
        handover = Handover.WAITING;
        why = "shutting down: waiting for the starting peer to settle before handing over";
      } else {
        handover = Handover.WAITING;
        want = Role.STANDBY;
        why = peer.role() == Role.UNKNOWN
            ? "shutting down: " + cfg.peer() + " did not settle within " + patience + " ms; released the VIPs to it "
                + "all the same (it takes them by the released flag or by silence: kept here they would make two "
                + "holders)"
            : "shutting down: released the VIPs for " + cfg.peer() + " to take";
        release();
      }
    } else if (released) {
      if (visible && peer.role() == Role.ACTIVE && (!cfg.quorum() || peer.leaseTerm() > 0)) {
        handover = Handover.HANDED_OVER;
        why = "shut down: " + cfg.peer() + " holds the VIPs" + (cfg.quorum() ? " and the Lease" : "");
      } else if (visible && peer.leaving() && peer.role() != Role.ACTIVE) {
        handover = Handover.KEPT;
        released = false;
        want = Role.ACTIVE;
        why = "shutting down with the peer leaving too: took the released VIPs back (the restarted agent adopts "
            + "them)";
      } else {
        handover = Handover.WAITING;
      }
    } else {
      handover = Handover.NOT_ACTIVE;
    }
    return decide(now, want, why, false, Request.NONE);
  }

  /**
   * How long after the last heartbeat from the peer a silent write by the peer still proves it alive: the peer
   * writes one interval before it would count this director dead, i.e. at least (misses − 2) intervals after
   * this director last heard it; half an interval less allows for the measured clock offset's error.
   */
  public long proofAfterLastHeartbeatMillis() {
    return (cfg.missesBeforeDead() - 2) * cfg.intervalMillis() - cfg.intervalMillis() / 2;
  }

  /**
   * Whether to read the quorum's record now, once per silence of the peer, for a standby with a quorum: it asks one
   * interval later (rule 4, docs/HA.md), and {@link Quorum#call} may then write on the record read now instead of
   * reading it first. The write is a compare-and-set on that record, so a proof of life the peer wrote in
   * between fails it and is read: what the takeover judges is still the record as it is when it writes. Saves
   * one round trip to the API server in a takeover.
   */
  public boolean takeReadAhead() {
    boolean take = readAhead;
    readAhead = false;
    return take;
  }

  /** The kind of the Lease call in flight, NONE when none is. */
  public Request pending() {
    return pending ? pendingKind : Request.NONE;
  }
}
