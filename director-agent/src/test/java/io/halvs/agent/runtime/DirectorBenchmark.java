package io.halvs.agent.runtime;

import io.halvs.agent.kernel.DestinationHealth;
import io.halvs.agent.kernel.FakeIpvsKernel;
import io.halvs.agent.kernel.KernelReconcilerTest;
import io.halvs.agent.kernel.OwnershipJournal;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpvsService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;

/**
 * Prints what the director loop's passes cost at 1,000 services x 100 destinations: the health fast path (one
 * verdict change: one operation); a new plan with one weight changed, as the agent's decoder hands it on (the
 * services of unchanged shards the same objects), which compares that service's destinations only; and the same
 * edit in a plan whose every service object is new (as a plan decoded whole: every destination compared, as every
 * pass did before); a service of 100 destinations added and deleted beside the 1,000; an edit when the periodic
 * resync is owed, and the resync after it. In-memory kernel: this
 * measures the agent's own work, not netlink. Run like
 * ReconcilerBenchmark; -XX:TieredStopAtLevel=1 as the agent's image runs it.
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
    long[] edit = new long[runs];
    long[] whole = new long[runs];
    for (int i = 0; i < runs; i++) {
      // Down on even runs, back up on odd ones: every change is a real one.
      IpvsService s = plan.services().get(i / 2 * 37 % 1000);
      health.set(s.key(), s.destinations().get(i / 2 % 100),
          i % 2 == 0 ? DestinationHealth.Verdict.QUIESCE : DestinationHealth.Verdict.UP);
      fast[i] = pass(director, kernel, false).nanos();
      // a weight (of a destination no health change touched), changed and then back: one operation each
      int edited = (i * 17 + 500) % 1000;
      plan = plan.withServices(KernelReconcilerTest.withWeight(plan.services(), edited, i % 100, 1 + i));
      director.offer(new Director.Target(plan, "e" + i, false));
      edit[i] = pass(director, kernel, true).nanos();
      plan = plan.withServices(KernelReconcilerTest.withWeight(plan.services(), edited, i % 100, 100).stream()
          .map(o -> o.withDestinations(o.destinations())).toList());
      director.offer(new Director.Target(plan, "w" + i, false));
      whole[i] = pass(director, kernel, true).nanos();
    }
    Arrays.sort(fast);
    Arrays.sort(edit);
    Arrays.sort(whole);
    System.out.printf("director: first full pass 1,000 x 100: %d operations in %.0f ms%n", first.operations(),
        first.nanos() / 1e6);
    System.out.printf("health change, fast path: 1 operation, median %.3f ms, p95 %.3f ms (%d runs)%n",
        fast[runs / 2] / 1e6, fast[(int) (runs * 0.95)] / 1e6, runs);
    System.out.printf("new plan, one weight changed, the other services' objects kept: 1 operation, median %.1f ms, "
        + "p95 %.1f ms%n", edit[runs / 2] / 1e6, edit[(int) (runs * 0.95)] / 1e6);
    System.out.printf("the same edit, every service object new (all compared): 1 operation, median %.1f ms, "
        + "p95 %.1f ms (%.1fx)%n", whole[runs / 2] / 1e6, whole[(int) (runs * 0.95)] / 1e6,
        (double) whole[runs / 2] / edit[runs / 2]);
    director.close();
    addedAndDeleted(runs);
    resyncOwed(runs);
  }

  /**
   * A weight edit arriving when the periodic resync is owed (a resync interval of 1 ns: every edit owes it): the
   * edit's own pass, then the resync that follows it as the next pass (every service's destinations dumped and
   * compared).
   */
  private static void resyncOwed(int runs) {
    FakeIpvsKernel kernel = new FakeIpvsKernel();
    Director director = new Director(kernel, new OwnershipJournal(null), new TestDoubles.SteeredHealth(),
        new TestDoubles.RecordingElection(), null, Duration.ofNanos(1));
    DirectorPlan plan = TestDoubles.plan(1000, 100, null);
    director.offer(new Director.Target(plan, "first", false));
    director.runPending();
    director.runPending();
    long[] edit = new long[runs];
    long[] resync = new long[runs];
    for (int i = 0; i < runs; i++) {
      plan = plan.withServices(KernelReconcilerTest.withWeight(plan.services(), (i * 17 + 500) % 1000, i % 100, 1 + i));
      director.offer(new Director.Target(plan, "e" + i, false));
      edit[i] = pass(director, kernel, true).nanos();
      resync[i] = director.runPending().nanos();
    }
    director.close();
    Arrays.sort(edit);
    Arrays.sort(resync);
    System.out.printf("an edit when the resync is owed: its pass 1 operation, median %.1f ms, p95 %.1f ms; the resync "
        + "after it, median %.1f ms, p95 %.1f ms%n", edit[runs / 2] / 1e6, edit[(int) (runs * 0.95)] / 1e6,
        resync[runs / 2] / 1e6, resync[(int) (runs * 0.95)] / 1e6);
  }

  /**
   * A VirtualService of 100 destinations added, then deleted, beside 1,000 others, with the ownership journal in a
   * file as the agent keeps it (each add and delete rewrites it): 101 operations, then one.
   */
  private static void addedAndDeleted(int runs) {
    Path dir;
    try {
      dir = Files.createTempDirectory("halvs-director-benchmark");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    FakeIpvsKernel kernel = new FakeIpvsKernel();
    Director director = new Director(kernel, new OwnershipJournal(dir.resolve("owned-services")),
        new TestDoubles.SteeredHealth(), new TestDoubles.RecordingElection(), null, Duration.ofHours(1));
    DirectorPlan with = TestDoubles.plan(1001, 100, null);
    DirectorPlan without = with.withServices(new ArrayList<>(with.services().subList(0, 1000)));
    director.offer(new Director.Target(without, "first", false));
    director.runPending();
    long[] added = new long[runs];
    long[] deleted = new long[runs];
    for (int i = 0; i < runs; i++) {
      director.offer(new Director.Target(with, "with" + i, false));
      added[i] = director.runPending().nanos();
      director.offer(new Director.Target(without, "without" + i, false));
      deleted[i] = director.runPending().nanos();
    }
    director.close();
    Arrays.sort(added);
    Arrays.sort(deleted);
    System.out.printf("a service of 100 destinations added, the journal in a file: 101 operations, median %.1f ms, "
        + "p95 %.1f ms; deleted: 1 operation, median %.1f ms, p95 %.1f ms%n", added[runs / 2] / 1e6,
        added[(int) (runs * 0.95)] / 1e6, deleted[runs / 2] / 1e6, deleted[(int) (runs * 0.95)] / 1e6);
  }

  private static Director.Pass pass(Director director, FakeIpvsKernel kernel, boolean full) {
    kernel.resetCounts();
    Director.Pass p = director.runPending();
    if (p.full() != full || kernel.totalOperations() != 1) {
      throw new IllegalStateException("expected a " + (full ? "full" : "fast") + " pass with 1 operation, got "
          + kernel.totalOperations());
    }
    return p;
  }
}
