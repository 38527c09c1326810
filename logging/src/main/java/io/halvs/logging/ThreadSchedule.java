package io.halvs.logging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the calling thread has spent on a CPU and waiting in a run queue for one, from the kernel's
 * {@code /proc/thread-self/schedstat}: a slow step's log line says whether its time was its own work or a
 * machine short of CPU (a busy node, a CPU limit). Absent where the kernel keeps no such counters (not Linux,
 * no CONFIG_SCHED_INFO): {@link #now()} is then null and {@link #describe} says nothing.
 */
public record ThreadSchedule(long runNanos, long waitNanos) {
  private static final Path SCHEDSTAT = Path.of("/proc/thread-self/schedstat");

  /** The calling thread's counters now, or null when the kernel has none. */
  public static ThreadSchedule now() {
    try {
      return parse(new String(Files.readAllBytes(SCHEDSTAT), StandardCharsets.US_ASCII));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** {@code schedstat}'s first two fields: ns on a CPU, ns runnable in a run queue (the third, timeslices, unread). */
  static ThreadSchedule parse(String schedstat) {
    String[] fields = schedstat.trim().split(" ");
    if (fields.length < 2) {
      throw new IllegalArgumentException("schedstat without two fields: " + schedstat);
    }
    return new ThreadSchedule(Long.parseLong(fields[0]), Long.parseLong(fields[1]));
  }

  /** What a thread spent between two of its samples, or null when either is missing. */
  public static ThreadSchedule between(ThreadSchedule before, ThreadSchedule after) {
    return before == null || after == null ? null
        : new ThreadSchedule(after.runNanos - before.runNanos, after.waitNanos - before.waitNanos);
  }

  /** The calling thread's time since {@code before} (its own sample, or null) as {@link #describe} puts it. */
  public static String since(ThreadSchedule before) {
    return describe(between(before, now()));
  }

  /** {@code spent} as a log line's suffix, {@code "; on a CPU 12 ms, waiting for one 50 ms"}; empty for null. */
  public static String describe(ThreadSchedule spent) {
    return spent == null ? "" : "; on a CPU " + spent.runNanos / 1_000_000 + " ms, waiting for one "
        + spent.waitNanos / 1_000_000 + " ms";
  }
}
