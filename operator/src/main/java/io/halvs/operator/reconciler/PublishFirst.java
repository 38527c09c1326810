package io.halvs.operator.reconciler;

import java.time.Duration;

/**
 * Lets a plan's ConfigMap writes go before the status writes that wait: while a plan is being published, the
 * status writers start no new write (the ones in flight finish). An edit's plan reaches the directors through
 * those writes, and the statuses can follow: at full size each selector edit makes about 200 RealServer status
 * writes, still running when the next edit's plan was written, and the API server (on the same cores) took up to
 * 1.1 s for that plan's 2 ConfigMaps instead of about 100 ms. A status write waits at most {@link #MAX_WAIT}: a
 * publish stuck on an unreachable API server must not hold every status behind it. Thread-safe.
 */
public final class PublishFirst {
  static final Duration MAX_WAIT = Duration.ofSeconds(2);
  private int publishing;

  /** Runs the publish with status writes held; returns what it returns (the ConfigMaps written). */
  public int publishing(java.util.function.IntSupplier publish) {
    synchronized (this) {
      publishing++;
    }
    try {
      return publish.getAsInt();
    } finally {
      synchronized (this) {
        publishing--;
        notifyAll();
      }
    }
  }

  /** Waits while a plan is being published, at most {@code max}; returns how long it waited (ns). */
  synchronized long awaitNoPublish(Duration max) throws InterruptedException {
    if (publishing == 0) {
      return 0;
    }
    long start = System.nanoTime();
    long deadline = start + max.toNanos();
    for (long left = max.toNanos(); publishing > 0 && left > 0; left = deadline - System.nanoTime()) {
      wait(Math.max(1, left / 1_000_000));
    }
    return System.nanoTime() - start;
  }
}
