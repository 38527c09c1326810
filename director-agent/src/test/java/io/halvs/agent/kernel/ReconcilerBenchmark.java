package io.halvs.agent.kernel;

import io.halvs.plan.Destination;
import io.halvs.plan.IpvsService;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Prints what finding one weight change among 100,000 destinations costs, and how many operations it takes: diffed
 * against the state the reconciler keeps (every change), and after forget() (dump of the fake kernel + diff: the
 * resync, and every change before the reconciler kept its state). Run with the command in director-agent/README.md.
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
    long[] resync = new long[21];
    for (int i = 0; i < diff.length; i++) {
      for (boolean dump : new boolean[] {false, true}) {
        int k = (2 * i + (dump ? 1 : 0)) * 37 % 1000;
        IpvsService s = plan.get(k);
        List<Destination> ds = new ArrayList<>(s.destinations());
        Destination d = ds.get(i % 100);
        ds.set(i % 100, new Destination(d.address(), d.port(), d.method(), d.weight() == 100 ? 5 : 100, 0, 0, null,
            0, null, d.realServer()));
        plan.set(k, KernelReconcilerTest.service(s.key(), "wlc", ds, null));
        kernel.resetCounts();
        if (dump) {
          reconciler.forget();
        }
        long t = System.nanoTime();
        reconciler.reconcile(plan, DestinationHealth.allUp());
        (dump ? resync : diff)[i] = System.nanoTime() - t;
        if (kernel.totalOperations() != 1) {
          throw new IllegalStateException("expected 1 operation, got " + kernel.totalOperations());
        }
      }
    }
    Arrays.sort(resync);
    Arrays.sort(diff);
    System.out.printf("reconciler (in-memory kernel): from empty 1,000 services x 100 destinations: %d operations "
        + "in %.0f ms%n", ops, fromEmpty / 1e6);
    System.out.printf("one weight change in 100,000 destinations: 1 operation; diff against the kept state median "
        + "%.1f ms, p95 %.1f ms, max %.1f ms (%d runs)%n", diff[diff.length / 2] / 1e6,
        diff[(int) (diff.length * 0.95)] / 1e6, diff[diff.length - 1] / 1e6, diff.length);
    System.out.printf("the same at a resync (dump + diff): median %.1f ms, p95 %.1f ms, max %.1f ms (%d runs)%n",
        resync[resync.length / 2] / 1e6, resync[(int) (resync.length * 0.95)] / 1e6, resync[resync.length - 1] / 1e6,
        resync.length);
  }
}
