package io.halvs.agent.health;

import java.util.ArrayDeque;

/**
 * Up or down for one target, from its check results: pure (no clock, no I/O; the caller passes the time), so
 * it is tested with made-up times. Confined to the checker thread.
 *
 * <p>A target starts up but unconfirmed, as keepalived's do: a restarted agent or a plan change must not
 * drain real servers that serve. Until its first result it counts as up; that first result decides alone
 * (a failure takes it down at once — nothing ever showed it alive), unless the target was {@link #adopt()
 * adopted}: found in rotation by a restarted agent. After that, {@code fall} consecutive
 * failures take it down and {@code rise} consecutive successes bring it back. A target that changed state
 * {@value #FLAP_CHANGES} times within {@value #FLAP_INTERVALS} intervals is reported as flapping; rise and fall
 * already damp it, so that is a note in the message, not another rule.
 */
public final class TargetState {
  static final int FLAP_CHANGES = 4;
  static final int FLAP_INTERVALS = 20;

  private int rise;
  private int fall;
  private boolean up = true;
  private boolean confirmed;
  private int successes;
  private int failures;
  private long sinceMillis;
  private String lastFailure;
  /** When it went up or down lately; made at the first change: most of 10,000 targets never change. */
  private ArrayDeque<Long> changes;

  public TargetState(int rise, int fall, long nowMillis) {
    thresholds(rise, fall);
    this.sinceMillis = nowMillis;
  }

  /** New rise/fall from a plan change; the state and the counts so far stay. */
  public void thresholds(int rise, int fall) {
    this.rise = Math.max(1, rise);
    this.fall = Math.max(1, fall);
  }

  /** Records one check result; true when up/down changed. */
  public boolean record(boolean ok, String message, long nowMillis) {
    if (ok) {
      failures = 0;
      successes++;
      if (!confirmed) {
        confirmed = true;
        return false;
      }
      if (!up && successes >= rise) {
        return change(true, nowMillis);
      }
      return false;
    }
    successes = 0;
    failures++;
    lastFailure = message;
    if (up && (!confirmed || failures >= fall)) {
      confirmed = true;
      return change(false, nowMillis);
    }
    confirmed = true;
    return false;
  }

  private boolean change(boolean nowUp, long nowMillis) {
    up = nowUp;
    sinceMillis = nowMillis;
    if (changes == null) {
      changes = new ArrayDeque<>(FLAP_CHANGES * 2);
    }
    changes.addLast(nowMillis);
    return true;
  }

  /**
   * The kernel held this target in rotation when the agent started (a previous agent's verdict): confirmed up,
   * so its first failure counts as one of {@code fall}, as it would have for the agent that was restarted.
   * Ignored once a result came in.
   */
  public void adopt() {
    if (up && successes == 0 && failures == 0) {
      confirmed = true;
    }
  }

  public boolean up() {
    return up;
  }

  public boolean confirmed() {
    return confirmed;
  }

  /** When the target last went up or down (or was first seen). */
  public long sinceMillis() {
    return sinceMillis;
  }

  /** For people: why it is down, how far it is back up, whether it flaps; null while up and quiet. */
  public String message(int intervalMillis, long nowMillis) {
    if (up && failures == 0 && (changes == null || changes.size() < FLAP_CHANGES)) {
      return null; // up and quiet: asked of every target for every report, so nothing is built for it
    }
    StringBuilder sb = new StringBuilder();
    if (!up) {
      sb.append(lastFailure);
      if (successes > 0) {
        sb.append(" (recovering: ").append(successes).append(" of ").append(rise).append(" checks passed)");
      }
    } else if (failures > 0) {
      sb.append(lastFailure).append(" (").append(failures).append(" of ").append(fall).append(" failures)");
    }
    int flaps = flaps(intervalMillis, nowMillis);
    if (flaps >= FLAP_CHANGES) {
      sb.append(sb.length() > 0 ? "; " : "").append("flapping: ").append(flaps).append(" state changes in ")
          .append((long) intervalMillis * FLAP_INTERVALS / 1000).append(" s");
    }
    return sb.length() == 0 ? null : sb.toString();
  }

  /** State changes within the flapping window before now. */
  public int flaps(int intervalMillis, long nowMillis) {
    if (changes == null) {
      return 0;
    }
    long from = nowMillis - (long) intervalMillis * FLAP_INTERVALS;
    while (!changes.isEmpty() && changes.peekFirst() < from) {
      changes.removeFirst();
    }
    return changes.size();
  }
}
