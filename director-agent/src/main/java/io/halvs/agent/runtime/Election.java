package io.halvs.agent.runtime;

import io.halvs.plan.DirectorPlan;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * Who of the pair is active. The election owns the VIPs and the NAT gateway address (added with gratuitous ARP
 * when this director becomes active, removed when it stands by): the IPVS table is programmed on both directors
 * all the time, so a takeover is only an address move and never waits for the director loop.
 */
public interface Election extends AutoCloseable {
  enum Role { ACTIVE, STANDBY, UNKNOWN }

  /** A role and why: for the agent's report, DirectorPair status and Events. */
  record State(Role role, Instant since, String reason, long transitions, String peer) {}

  /** New VIPs, timing or peer: applied without dropping a VIP this director rightly holds. */
  void follow(DirectorPlan plan);

  State state();

  void onChange(Consumer<State> listener);

  /** The peer's heartbeats arrive in time (false without a peer, e.g. standalone without an election). */
  default boolean peerAlive() {
    return false;
  }

  /** Liveness: null while the election's own threads make progress, else why not (one line). */
  default String stuck(long nowNanos) {
    return null;
  }

  /**
   * The agent is shutting down: hands the VIPs to a ready peer without a moment of two holders, or keeps them;
   * returns within bound, true when the peer confirmed it holds them. Without an election: nothing to do.
   */
  default boolean handOver(java.time.Duration bound) {
    return false;
  }

  /** Gives the VIPs up (the pair is deleted); close() alone leaves them where they are, as an agent restart must. */
  void releaseAll();

  /** The heartbeat keys changed: sign with key, accept it and alsoAccepted (elections without keys ignore it). */
  default void rekey(byte[] key, java.util.List<byte[]> alsoAccepted) {}

  @Override
  void close();
}
