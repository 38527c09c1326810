package io.halvs.operator;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives the heap back once the operator goes quiet after a burst (a cold start's status writes, a run of edits, the
 * plan audit's full build): one full collection when no collection ran for {@link #QUIET} and the heap committed
 * has grown by at least {@link #MIN_GROWTH_BYTES} since the last compaction. G1 shrinks the heap only at a full
 * collection (its concurrent cycle keeps what the old regions span, half-empty ones included), and its periodic
 * collection, tried before, ran every 30 s of quiet whether or not there was anything to give back (a 0.35-0.8 s
 * pause each at full size) and came 30-60 s after the last activity. Here it comes once per burst, about 10 s after
 * it. The Deployment's MaxHeapFreeRatio says how far the collection shrinks the heap. Only the operator's process
 * runs it ({@code halvs run}): never a JVM that embeds the operator.
 */
public final class HeapCompaction implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HeapCompaction.class);
  /** No collection for this long: the burst is over. */
  static final Duration QUIET = Duration.ofSeconds(10);
  /**
   * Less growth than this since the last compaction is not worth a full collection's pause. 32 MiB let a burst's
   * tail (status writes going on after a lull that compacted) leave the operator 19 MiB over at rest (fsAR).
   */
  static final long MIN_GROWTH_BYTES = 16L << 20;
  /** At most one compaction per this long, however the heap moves. */
  static final Duration MIN_INTERVAL = Duration.ofMinutes(1);
  static final Duration CHECK_EVERY = Duration.ofSeconds(2);

  /** The decision, pure: times in milliseconds of a monotonic clock, sizes in bytes. Not thread-safe. */
  static final class Decider {
    private final long quietMillis;
    private final long minGrowth;
    private final long minIntervalMillis;
    private long collections = -1;
    private long lastCollectionSeenAt;
    private long baseline;
    private long lastCompactionAt = Long.MIN_VALUE / 2;

    Decider(long quietMillis, long minGrowth, long minIntervalMillis, long committedAtStart) {
      this.quietMillis = quietMillis;
      this.minGrowth = minGrowth;
      this.minIntervalMillis = minIntervalMillis;
      this.baseline = committedAtStart;
    }

    /** Whether to compact now, given the collections counted so far and the heap committed. */
    boolean due(long now, long collectionCount, long committed) {
      if (collectionCount != collections) {
        collections = collectionCount;
        lastCollectionSeenAt = now;
        return false;
      }
      return now - lastCollectionSeenAt >= quietMillis && committed - baseline >= minGrowth
          && now - lastCompactionAt >= minIntervalMillis;
    }

    /** A compaction ran (or was asked for): what it left is the new baseline; its own collection is not activity. */
    void compacted(long now, long collectionCount, long committedAfter) {
      collections = collectionCount;
      lastCollectionSeenAt = now;
      lastCompactionAt = now;
      baseline = committedAfter;
    }
  }

  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "halvs-heap-compaction");
    t.setDaemon(true);
    return t;
  });
  private final Decider decider;
  private final long t0 = System.nanoTime();

  private HeapCompaction(Decider decider) {
    this.decider = decider;
  }

  /** Checks every {@link #CHECK_EVERY} from now on, with the thresholds above. */
  public static HeapCompaction start() {
    return start(QUIET, MIN_GROWTH_BYTES, MIN_INTERVAL, CHECK_EVERY);
  }

  static HeapCompaction start(Duration quiet, long minGrowth, Duration minInterval, Duration every) {
    HeapCompaction c = new HeapCompaction(new Decider(quiet.toMillis(), minGrowth, minInterval.toMillis(),
        committed()));
    c.timer.scheduleWithFixedDelay(c::check, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    return c;
  }

  private void check() {
    try {
      long now = (System.nanoTime() - t0) / 1_000_000;
      long before = committed();
      if (!decider.due(now, collections(), before)) {
        return;
      }
      long started = System.nanoTime();
      System.gc(); // a full, compacting collection under G1 (ExplicitGCInvokesConcurrent is off by default)
      long took = (System.nanoTime() - started) / 1_000_000;
      long after = committed();
      decider.compacted((System.nanoTime() - t0) / 1_000_000, collections(), after);
      LOG.info("heap compacted after {} s without a collection: {} -> {} MiB committed ({} ms)",
          decider.quietMillis / 1000, before >> 20, after >> 20, took);
    } catch (RuntimeException e) {
      LOG.warn("heap compaction: {}", e.toString());
    }
  }

  static long committed() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted();
  }

  /** Pauses of every collector so far: G1's young, mixed and full ones (JDK 17 counts no concurrent cycle). */
  static long collections() {
    long n = 0;
    List<GarbageCollectorMXBean> beans = ManagementFactory.getGarbageCollectorMXBeans();
    for (GarbageCollectorMXBean b : beans) {
      n += Math.max(0, b.getCollectionCount());
    }
    return n;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
