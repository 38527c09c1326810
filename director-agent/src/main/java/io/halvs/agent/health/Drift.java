package io.halvs.agent.health;

/**
 * How late checks start against their schedule: a histogram in 0.1 ms steps up to 10 s, plus the maximum.
 * Written by the checker thread only; the benchmark reads it through {@link HealthMonitor#timing()}.
 */
final class Drift {
  private static final int STEPS = 100_000;
  private final long[] counts = new long[STEPS + 1];
  private long total;
  private long maxNanos;
  long skipped;
  long overran;

  void record(long lateNanos) {
    long late = Math.max(0, lateNanos);
    counts[(int) Math.min(STEPS, late / 100_000)]++;
    total++;
    maxNanos = Math.max(maxNanos, late);
  }

  void reset() {
    java.util.Arrays.fill(counts, 0);
    total = 0;
    maxNanos = 0;
    skipped = 0;
    overran = 0;
  }

  HealthMonitor.Timing snapshot() {
    return new HealthMonitor.Timing(total, percentile(0.50), percentile(0.99), maxNanos / 1e6, skipped, overran);
  }

  private double percentile(double p) {
    if (total == 0) {
      return 0;
    }
    long rank = (long) Math.ceil(p * total);
    long seen = 0;
    for (int i = 0; i <= STEPS; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return (i + 1) / 10.0; // upper edge of the step, in ms
      }
    }
    return maxNanos / 1e6;
  }
}
