package io.halvs.agent.cli;

import io.halvs.agent.kernel.DestinationHealth;
import io.halvs.agent.kernel.FakeIpvsKernel;
import io.halvs.agent.kernel.KernelReconciler;
import io.halvs.agent.kernel.OwnershipJournal;
import io.halvs.plan.Destination;
import io.halvs.plan.IpvsService;
import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * What two parts of an in-cluster agent's heap retain at full size, each measured as the live heap after a full
 * collection with the part and without it (run with -XX:+UseSerialGC: System.gc() is then one compacting full
 * collection): the in-memory IPVS of --in-memory-host (the kernel's table, written as the reconciler writes it,
 * sharing the plan's addresses; a production agent has the real kernel instead, whose table is outside its heap),
 * and the reconciler's kept state after its first pass against that table. e2e/bench/agent-memory.sh subtracts
 * the first from the agent's live heap to give the figure of an agent against the real kernel. A benchmark tool,
 * not a test.
 *
 * <p>Usage: HeldSizes SERVICES DESTINATIONS_PER_SERVICE; prints "inMemoryIpvsKiB=N keptStateKiB=M".
 */
public final class HeldSizes {
  public static void main(String[] args) {
    if (args.length != 2) {
      System.err.println("usage: HeldSizes SERVICES DESTINATIONS_PER_SERVICE");
      System.exit(2);
    }
    Bench bench = new Bench();
    bench.services = Integer.parseInt(args[0]);
    bench.destinations = Integer.parseInt(args[1]);
    List<IpvsService> plan = bench.plan();
    long withPlan = liveBytes();
    FakeIpvsKernel table = new FakeIpvsKernel();
    for (IpvsService s : plan) {
      table.addService(KernelReconciler.toKernel(s));
      for (Destination d : s.destinations()) {
        table.addDestination(s.key(), KernelReconciler.toKernel(d, d.weight()));
      }
    }
    long withTable = liveBytes();
    OwnershipJournal journal = new OwnershipJournal(null);
    plan.forEach(s -> journal.add(s.key())); // owned, as the agent that wrote them left them: nothing to adopt
    KernelReconciler reconciler = new KernelReconciler(table, journal);
    KernelReconciler.Result r = reconciler.reconcile(plan, DestinationHealth.allUp());
    if (!r.applied().isEmpty() || !r.failures().isEmpty()) {
      throw new IllegalStateException("the table did not match the plan: " + r.applied().size() + " operations");
    }
    r = null;
    reconciler.forgetFound();
    long withKept = liveBytes();
    System.out.printf("inMemoryIpvsKiB=%d keptStateKiB=%d%n", (withTable - withPlan) >> 10,
        (withKept - withTable) >> 10);
    // keep all three alive up to the last measurement
    if (plan.size() + table.services().size() + (reconciler.keepsState() ? 1 : 0) < 0) {
      System.out.println();
    }
  }

  private static long liveBytes() {
    System.gc();
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
