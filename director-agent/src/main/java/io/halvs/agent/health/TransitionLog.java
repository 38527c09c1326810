package io.halvs.agent.health;

/**
 * How many real servers' health changes are logged one line each. A few changes are news and each gets its line
 * (as ldirectord's and keepalived's do); a flapping check behind thousands of targets is not, and one line per flip
 * filled 200 MB of log per agent per hour at full size. So: up to {@link #LINES} lines per window; the changes
 * past them are counted and said in one line when the window ends. The metrics (halvs_realserver_up) and the
 * VirtualService status still hold every target's state. Checker thread only; the clock is the caller's.
 */
final class TransitionLog {
  static final int LINES = 20;
  static final long WINDOW_NANOS = 10_000_000_000L;

  /** What a window left unlogged: said in one line. */
  record Unlogged(long down, long up, long windowNanos) {}

  private final int lines;
  private final long windowNanos;
  private boolean open;
  private long windowStart;
  private int logged;
  private long down;
  private long up;

  TransitionLog() {
    this(LINES, WINDOW_NANOS);
  }

  TransitionLog(int lines, long windowNanos) {
    if (lines < 0 || windowNanos <= 0) {
      throw new IllegalArgumentException("lines must be >= 0 and the window > 0");
    }
    this.lines = lines;
    this.windowNanos = windowNanos;
  }

  /** A change happened at now: true when it gets its own line, false when it is only counted. */
  boolean admit(boolean wentDown, long now) {
    if (!open || now - windowStart >= windowNanos) {
      // the caller flushes before admitting, so a window that ends here has nothing left unsaid
      open = true;
      windowStart = now;
      logged = 0;
      down = 0;
      up = 0;
    }
    if (logged < lines) {
      logged++;
      return true;
    }
    if (wentDown) {
      down++;
    } else {
      up++;
    }
    return false;
  }

  /** At now: what the window that ended left unlogged, once; null while it runs or when it left nothing. */
  Unlogged flush(long now) {
    return open && now - windowStart >= windowNanos ? close() : null;
  }

  /** What the running window has counted so far (null: nothing), for when the checks stop. */
  Unlogged drain() {
    return open ? close() : null;
  }

  private Unlogged close() {
    open = false;
    return down + up == 0 ? null : new Unlogged(down, up, windowNanos);
  }
}
