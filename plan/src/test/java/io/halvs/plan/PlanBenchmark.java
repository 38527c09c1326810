package io.halvs.plan;

import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.VirtualService;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Prints how long the plan for 1,000 VirtualServices x 100 RealServers (100,000 destinations) takes to build.
 * Run: ./mvnw -q -pl crds,plan test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 *      -Dmdep.includeScope=test &&
 *      java -cp plan/target/classes:plan/target/test-classes:$(cat plan/target/cp.txt) io.halvs.plan.PlanBenchmark
 */
public final class PlanBenchmark {
  public static void main(String[] args) {
    int services = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int perService = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    PlanInput input = input(services, perService);
    long[] times = new long[9];
    DirectorPlan plan = null;
    for (int i = 0; i < times.length; i++) {
      long t = System.nanoTime();
      plan = PlanBuilder.build(input).plans().get("lvs");
      times[i] = System.nanoTime() - t;
    }
    Arrays.sort(times);
    System.out.printf("plan build: %d virtual services x %d real servers = %d destinations: median %.1f ms, "
            + "min %.1f ms, max %.1f ms (%d runs, first includes JIT warm-up)%n", services, perService,
        plan.destinationCount(), times[times.length / 2] / 1e6, times[0] / 1e6, times[times.length - 1] / 1e6,
        times.length);
  }

  /** One pair; service i selects app=app-i, which 100 RealServers carry. */
  public static PlanInput input(int services, int perService) {
    List<DirectorPair> pairs = List.of(Fixtures.pair("lvs", "lvs-01", "lvs-02"));
    List<VirtualService> vss = new ArrayList<>();
    List<RealServer> rss = new ArrayList<>();
    for (int i = 0; i < services; i++) {
      vss.add(Fixtures.service("default", "vs-" + i, "lvs", "10." + (100 + i / 250) + "." + (i % 250) + ".1",
          80, "app-" + i));
      for (int j = 0; j < perService; j++) {
        int n = i * perService + j;
        rss.add(Fixtures.real("default", "rs-" + n, "172." + (16 + n / 65536) + "." + (n / 256 % 256) + "."
            + (n % 256), 100, "app-" + i));
      }
    }
    return new PlanInput(pairs, vss, rss);
  }
}
