package io.halvs.agent.ha;

import java.util.concurrent.atomic.AtomicBoolean;

/** A Quorum in memory, shared by the directors of one test process; {@link #reachable} simulates an API outage. */
public final class MemoryQuorum implements Quorum {
  private Record record = new Record(null, 0, "0", 0, false);
  private long version;
  public final AtomicBoolean reachable = new AtomicBoolean(true);
  /** The term the election last told it, 0 before (a Lease records it; tests read it here). */
  public volatile long leaseTermMillis;

  @Override
  public void leaseTerm(long leaseMillis) {
    leaseTermMillis = leaseMillis;
  }

  @Override
  public synchronized Record read() throws Exception {
    check();
    return record;
  }

  @Override
  public synchronized Record write(Record expected, String holder, long renewWallMillis, boolean silent)
      throws Exception {
    check();
    if (!record.version().equals(expected.version())) {
      return null;
    }
    record = new Record(holder, renewWallMillis, String.valueOf(++version), expected.term() + 1,
        silent, leaseTermMillis);
    return record;
  }

  public synchronized Record current() {
    return record;
  }

  private void check() throws java.io.IOException {
    if (!reachable.get()) {
      throw new java.io.IOException("quorum store unreachable (simulated)");
    }
  }
}
