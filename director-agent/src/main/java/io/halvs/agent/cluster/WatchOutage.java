package io.halvs.agent.cluster;

/**
 * Decides when a plan watch that is down is an outage worth a line: after {@link #OUTAGE_MILLIS} once the watch
 * has run, and only after {@link #STARTUP_MILLIS} while it never has. A starting agent on a busy node (a JVM
 * start, a first list of every shard) routinely takes more than 3 s to open its first watch; that is not an
 * outage, and a warning then would be noise that operators learn to ignore.
 */
final class WatchOutage {
  /** A watch that is down for longer than this is an outage worth a line, not a routine reconnect. */
  static final long OUTAGE_MILLIS = 3000;
  /** A first watch not open after this long is an API server this agent cannot reach. */
  static final long STARTUP_MILLIS = 30_000;

  enum Event { NONE, UNREACHABLE, UNREACHABLE_SINCE_START, REACHABLE_AGAIN }

  private final long startedAt;
  private boolean everWatched;
  private long notWatchingSince;
  private boolean unreachable;

  WatchOutage(long startedAt) {
    this.startedAt = startedAt;
  }

  /** One look at the watch, at {@code now} (milliseconds); at most one event per outage and one per return. */
  Event observe(boolean watching, long now) {
    if (watching) {
      everWatched = true;
      notWatchingSince = 0;
      if (unreachable) {
        unreachable = false;
        return Event.REACHABLE_AGAIN;
      }
      return Event.NONE;
    }
    if (unreachable) {
      return Event.NONE;
    }
    if (!everWatched) {
      if (now - startedAt > STARTUP_MILLIS) {
        unreachable = true;
        return Event.UNREACHABLE_SINCE_START;
      }
      return Event.NONE;
    }
    if (notWatchingSince == 0) {
      notWatchingSince = now;
    } else if (now - notWatchingSince > OUTAGE_MILLIS) {
      unreachable = true;
      return Event.UNREACHABLE;
    }
    return Event.NONE;
  }
}
