package io.halvs.agent.kernel;

import io.halvs.plan.Destination;
import io.halvs.plan.IpvsService;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Prints what finding one weight change among 100,000 destinations costs (dump of the fake kernel + diff), and
 * how many operations it takes. Run with the command in director-agent/README.md.
 */
public final class ReconcilerBenchmark {
  public static void main(String[] args) {
    FakeIpvsKernel kernel = new FakeIpvsKernel();
    KernelReconciler reconciler = new KernelReconciler(kernel, new OwnershipJournal(null));
    List<IpvsService> plan = KernelReconcilerTest.plan(1000, 100);
    long t0 = System.nanoTime();
    reconciler.reconcile(plan, DestinationHealth.allUp());
    long fromEmpty = System.nanoTime() - t0;
    int ops = kernel.totalOperations();
    long[] diff = new long[21];
    for (int i = 0; i < diff.length; i++) {
      IpvsService s = plan.get(i * 37 % 1000);
      List<Destination> ds = new ArrayList<>(s.destinations());
      Destination d = ds.get(i % 100);
      ds.set(i % 100, new Destination(d.address(), d.port(), d.method(), d.weight() == 100 ? 5 : 100, 0, 0, null, 0,
          null, d.realServer()));
      plan.set(i * 37 % 1000, KernelReconcilerTest.service(s.key(), "wlc", ds, null));
      kernel.resetCounts();
      long t = System.nanoTime();
      reconciler.reconcile(plan, DestinationHealth.allUp());
      diff[i] = System.nanoTime() - t;
      if (kernel.totalOperations() != 1) {
        throw new IllegalStateException("expected 1 operation, got " + kernel.totalOperations());
      }
    }
    Arrays.sort(diff);
    System.out.printf("reconciler (in-memory kernel): from empty 1,000 services x 100 destinations: %d operations "
        + "in %.0f ms%n", ops, fromEmpty / 1e6);
    System.out.printf("one weight change in 100,000 destinations: 1 operation; dump + diff median %.1f ms, "
        + "p95 %.1f ms, max %.1f ms (%d runs)%n", diff[diff.length / 2] / 1e6, diff[(int) (diff.length * 0.95)] / 1e6,
        diff[diff.length - 1] / 1e6, diff.length);
  }
}
