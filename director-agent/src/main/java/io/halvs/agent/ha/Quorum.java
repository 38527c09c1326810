package io.halvs.agent.ha;

/**
 * The pair's tie-breaker record: who may hold the VIPs while the directors cannot see each other. A Kubernetes
 * Lease in production ({@link LeaseQuorum}), a file or memory in tests and standalone runs. Implementations are
 * plain compare-and-set storage; the rules for taking and keeping it are {@link #call}'s.
 */
public interface Quorum extends AutoCloseable {
  /**
   * @param holder null or empty: free
   * @param renewWallMillis the holder's wall clock at its last renewal
   * @param version opaque; a write succeeds only against the current version
   * @param term how many writes the record has seen: every write stores the term it read plus one, so of two
   *     directors that both believe they hold it (one was cut off), the higher term is the real holder
   * @param silent written by a director that had stopped hearing its peer: the proof of life a partitioned
   *     active leaves for the standby (a periodic renewal with the peer in view is not one)
   * @param termMillis the Lease term its writer counted by (0: not recorded)
   */
  record Record(String holder, long renewWallMillis, String version, long term, boolean silent, long termMillis) {
    public Record(String holder, long renewWallMillis, String version, long term, boolean silent) {
      this(holder, renewWallMillis, version, term, silent, 0);
    }
  }

  /** The longest term a record's writer may claim (the API's bound on leaseDurationSeconds): garbage stays bounded. */
  long MAX_TERM_MILLIS = 600_000;

  /**
   * A call's answer and, when HELD, the record as this director's write left it (the next renewal writes on that one
   * without reading first).
   */
  record Outcome(ElectionMachine.Answer answer, Record written) {
    /** An answer without a write of this director's. */
    public Outcome(ElectionMachine.Answer answer) {
      this(answer, null);
    }

    /** The term this director wrote, 0 when it wrote nothing. */
    public long term() {
      return written == null ? 0 : written.term();
    }
  }

  /** The current record; throws when the store cannot be reached. */
  Record read() throws Exception;

  /**
   * Compare-and-set, storing term expected.term() + 1. Returns the record as written (its new version), or null when
   * the record moved on since it was read.
   */
  Record write(Record expected, String holder, long renewWallMillis, boolean silent) throws Exception;

  /** The pair's Lease term now (it follows the plan), for a store that records it with each write. */
  default void leaseTerm(long leaseMillis) {}

  /**
   * Runs the write path once without changing the record, for a store whose first write costs more than the
   * others. A standby writes only when it takes over, so without this its first write would pay that cost inside
   * a takeover. Throws when the store cannot be reached; the election ignores that (the takeover pays then).
   */
  default void warmUp() throws Exception {}

  @Override
  default void close() {}

  /**
   * One Lease call as the election asks it. CLAIM takes or renews whoever holds it (the peer is visible and agrees).
   * CONFIRM (asked while the peer is silent, and written as a silent record) takes or renews only if this
   * director holds it, it is free or expired, or its holder left no silent write since {@code silentSinceWall}:
   * a partitioned but live active writes one as soon as it misses the standby's heartbeats, so such a write after
   * that moment proves it alive. Never throws: an unreachable store is an answer.
   *
   * @param peerOffsetMillis this director's wall clock minus the peer's, measured from heartbeats
   */
  static Outcome call(Quorum q, ElectionMachine.Request kind, String self, long nowWall,
      long silentSinceWall, long peerOffsetMillis, long leaseMillis) {
    return call(q, kind, self, nowWall, silentSinceWall, peerOffsetMillis, leaseMillis, leaseMillis, true);
  }

  /**
   * As above, with the grace for a lapsed Lease (docs/HA.md rule 4): a CONFIRM that would take the record
   * because it is free, this director's own, or older than {@code lapsedAfterMillis} (its holder may already
   * count its term over, the API being away for it) answers LAPSED without writing unless {@code mayTakeLapsed}:
   * an active cut off from the API drops its VIPs only after a longer silence, so the standby waits longer too.
   * Taking because the holder left no silent write (the proof of life) needs no grace.
   */
  static Outcome call(Quorum q, ElectionMachine.Request kind, String self, long nowWall,
      long silentSinceWall, long peerOffsetMillis, long leaseMillis, long lapsedAfterMillis,
      boolean mayTakeLapsed) {
    return call(q, kind, self, nowWall, silentSinceWall, peerOffsetMillis, leaseMillis, lapsedAfterMillis,
        mayTakeLapsed, null);
  }

  /**
   * As above, judging first {@code ahead}, when not null: the record as read earlier ({@link
   * ElectionMachine#takeReadAhead}), or as this director's last write left it (a renewal: one write, no read). Only
   * a write on it counts (a compare-and-set, so it succeeds only if the record is still that one, and then judging
   * it equals judging a fresh read). Any other answer from it, or a failed write, reads the record afresh as
   * without it.
   */
  static Outcome call(Quorum q, ElectionMachine.Request kind, String self, long nowWall,
      long silentSinceWall, long peerOffsetMillis, long leaseMillis, long lapsedAfterMillis,
      boolean mayTakeLapsed, Record ahead) {
    try {
      if (ahead != null) {
        Outcome o = judge(q, ahead, kind, self, nowWall, silentSinceWall, peerOffsetMillis, leaseMillis,
            lapsedAfterMillis, mayTakeLapsed);
        if (o != null && o.answer() == ElectionMachine.Answer.HELD) {
          return o;
        }
      }
      for (int attempt = 0; attempt < 2; attempt++) {
        Outcome o = judge(q, q.read(), kind, self, nowWall, silentSinceWall, peerOffsetMillis, leaseMillis,
            lapsedAfterMillis, mayTakeLapsed);
        if (o != null) {
          return o;
        }
      }
      return new Outcome(ElectionMachine.Answer.HELD_BY_PEER);
    } catch (Exception e) {
      return new Outcome(ElectionMachine.Answer.UNREACHABLE);
    }
  }

  /** The answer on record r, writing when the rules allow; null when the write failed (someone wrote first). */
  private static Outcome judge(Quorum q, Record r, ElectionMachine.Request kind, String self, long nowWall,
      long silentSinceWall, long peerOffsetMillis, long leaseMillis, long lapsedAfterMillis, boolean mayTakeLapsed)
      throws Exception {
    boolean mine = self.equals(r.holder());
    boolean free = r.holder() == null || r.holder().isEmpty();
    long renewed = r.renewWallMillis() + (mine ? 0 : peerOffsetMillis);
    // A holder that counted by a longer term than this director's plan says (a changed term reaches the two
    // agents at different moments) keeps the VIPs that much longer when cut off: its term counts here too.
    long longer = mine ? 0 : Math.max(0, Math.min(r.termMillis(), MAX_TERM_MILLIS) - leaseMillis);
    boolean expired = nowWall - renewed > leaseMillis + longer;
    boolean provedAlive = r.silent() && renewed >= silentSinceWall;
    boolean confirm = kind == ElectionMachine.Request.CONFIRM;
    boolean lapsed = mine || free || nowWall - renewed > lapsedAfterMillis + longer;
    if (confirm && (mine || free || expired || !provedAlive) && lapsed && !mayTakeLapsed) {
      return new Outcome(ElectionMachine.Answer.LAPSED);
    }
    if (!confirm || mine || free || expired || !provedAlive) {
      Record written = q.write(r, self, nowWall, confirm);
      if (written != null) {
        return new Outcome(ElectionMachine.Answer.HELD, written);
      }
      return null; // someone wrote in between: judge the new record
    }
    return new Outcome(ElectionMachine.Answer.HELD_BY_PEER);
  }
}
