package io.halvs.agent.runtime;

import io.halvs.agent.kernel.DestinationHealth;
import io.halvs.agent.kernel.FakeIpvsKernel;
import io.halvs.agent.kernel.OwnershipJournal;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpvsService;
import java.time.Duration;
import java.util.Arrays;

/**
 * Prints what the director loop's health fast path costs at 1,000 services x 100 destinations (one verdict
 * change: one service's destinations dumped, one operation) against a full level-triggered pass over the same
 * table. In-memory kernel: this measures the agent's own work, not netlink. Run like ReconcilerBenchmark.
 */
public final class DirectorBenchmark {
  public static void main(String[] args) {
    FakeIpvsKernel kernel = new FakeIpvsKernel();
    TestDoubles.SteeredHealth health = new TestDoubles.SteeredHealth();
    Director director = new Director(kernel, new OwnershipJournal(null), health, new TestDoubles.RecordingElection(),
        null, Duration.ofHours(1));
    DirectorPlan plan = TestDoubles.plan(1000, 100, null);
    director.offer(new Director.Target(plan, "h1", false));
    Director.Pass first = director.runPending();
    int runs = 41;
    long[] fast = new long[runs];
    long[] full = new long[runs];
    for (int i = 0; i < runs; i++) {
      // Down on even runs, back up on odd ones: every change is a real one.
      IpvsService s = plan.services().get(i / 2 * 37 % 1000);
      health.set(s.key(), s.destinations().get(i / 2 % 100),
          i % 2 == 0 ? DestinationHealth.Verdict.QUIESCE : DestinationHealth.Verdict.UP);
      kernel.resetCounts();
      Director.Pass p = director.runPending();
      if (p.full() || kernel.totalOperations() != 1) {
        throw new IllegalStateException("expected a fast pass with 1 operation, got " + kernel.totalOperations());
      }
      fast[i] = p.nanos();
      director.offer(new Director.Target(plan, "h1", false));
      full[i] = director.runPending().nanos();
    }
    Arrays.sort(fast);
    Arrays.sort(full);
    System.out.printf("director: first full pass 1,000 x 100: %d operations in %.0f ms%n", first.operations(),
        first.nanos() / 1e6);
    System.out.printf("health change, fast path: 1 operation, median %.3f ms, p95 %.3f ms (%d runs)%n",
        fast[runs / 2] / 1e6, fast[(int) (runs * 0.95)] / 1e6, runs);
    System.out.printf("full pass (resync) over the same table: 0 operations, median %.1f ms, p95 %.1f ms%n",
        full[runs / 2] / 1e6, full[(int) (runs * 0.95)] / 1e6);
    director.close();
  }
}
