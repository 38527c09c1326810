package io.halvs.agent.health;

import io.halvs.plan.Destination;
import io.halvs.plan.IpvsService;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What the metrics read of one checked real server: written by the checker thread after each attempt (volatile
 * writes, nothing allocated but the failure counts at the first failure), read by a scrape from any thread.
 */
public final class TargetMetrics {
  private volatile IpvsService service;
  private volatile Destination destination;
  private volatile boolean up = true;
  private volatile long lastCheckNanos = -1;
  private volatile long sinceMillis;
  private volatile AtomicLongArray failures;

  TargetMetrics(long sinceMillis) {
    this.sinceMillis = sinceMillis;
  }

  void planned(IpvsService service, Destination destination) {
    this.service = service;
    this.destination = destination;
  }

  void checked(long nanos, boolean ok, FailureReason reason, boolean up, long sinceMillis) {
    lastCheckNanos = nanos;
    if (!ok) {
      AtomicLongArray f = failures;
      if (f == null) {
        f = new AtomicLongArray(FailureReason.values().length);
        failures = f;
      }
      f.incrementAndGet(reason.ordinal());
    }
    this.up = up;
    this.sinceMillis = sinceMillis;
  }

  public IpvsService service() {
    return service;
  }

  public Destination destination() {
    return destination;
  }

  /** False while the check holds it quiescent or removed. */
  public boolean up() {
    return up;
  }

  /** The last attempt's duration, -1 before the first. */
  public long lastCheckNanos() {
    return lastCheckNanos;
  }

  /** When it last went up or down (or was first planned), unix millis. */
  public long sinceMillis() {
    return sinceMillis;
  }

  public long failures(FailureReason reason) {
    AtomicLongArray f = failures;
    return f == null ? 0 : f.get(reason.ordinal());
  }
}
