package io.halvs.agent.health;

import io.halvs.plan.Destination;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.HealthCheckPlan;
import io.halvs.plan.IpvsService;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Prints what following a new plan costs the checker thread at the design size: 1,000 services x 100
 * destinations, every tenth service checked by tcp (10,000 targets), as e2e/bench/full-size.sh lays them out. A
 * plan with one weight changed, the other services the same objects (as the agent's decoder hands it on); the same
 * edit with every service object new (a plan decoded whole); and the report an agent writes after a pass. The
 * checks' warm-up is an hour, so no check runs and only the follow is timed. Asserts nothing. Run like
 * DirectorBenchmark: java -XX:TieredStopAtLevel=1 -cp director-agent/target/test-classes:director-agent/target/halvs-agent.jar
 * io.halvs.agent.health.FollowBenchmark
 */
public final class FollowBenchmark {
  public static void main(String[] args) {
    HealthCheckPlan tcp = new HealthCheckPlan(io.halvs.api.v1alpha1.HealthCheckType.TCP, 0, 1000, 1000, 1, 3,
        3_600_000, io.halvs.api.v1alpha1.FailureAction.QUIESCENT, null, null, null);
    List<IpvsService> services = new ArrayList<>();
    for (int s = 0; s < 1000; s++) {
      Destination[] ds = new Destination[100];
      for (int d = 0; d < 100; d++) {
        ds[d] = Plans.dest("172.16." + (s / 10) + "." + (s % 10 * 20 + d % 20 + 1), 8000 + d, "rs-" + s + "-" + d);
      }
      services.add(Plans.service("10.200." + (s / 250) + "." + (s % 250 + 1), 80, s % 10 == 0 ? tcp : null, null, ds));
    }
    DirectorPlan plan = Plans.plan(services);
    try (HealthMonitor monitor = new HealthMonitor()) {
      long first = time(() -> monitor.follow(Plans.plan(services)));
      int runs = 41;
      long[] edit = new long[runs];
      long[] whole = new long[runs];
      long[] report = new long[runs];
      for (int i = 0; i < runs; i++) {
        int edited = i * 10 % 1000; // a checked service: its targets take the new destination
        List<IpvsService> next = new ArrayList<>(plan.services());
        IpvsService s = next.get(edited);
        List<Destination> ds = new ArrayList<>(s.destinations());
        Destination d = ds.get(i % 100);
        ds.set(i % 100, new Destination(d.address(), d.port(), d.method(), 2 + i, 0, 0, null, 0, null, d.realServer()));
        next.set(edited, s.withDestinations(ds));
        DirectorPlan edited1 = plan.withServices(next);
        edit[i] = time(() -> monitor.follow(edited1));
        DirectorPlan copied = plan.withServices(next.stream().map(o -> o.withDestinations(o.destinations())).toList());
        whole[i] = time(() -> monitor.follow(copied));
        plan = copied;
        report[i] = time(monitor::report);
      }
      Arrays.sort(edit);
      Arrays.sort(whole);
      Arrays.sort(report);
      System.out.printf("health follow: first plan 1,000 x 100 (10,000 targets) %.0f ms%n", first / 1e6);
      System.out.printf("new plan, one weight changed, the other services' objects kept: median %.2f ms, p95 %.2f ms"
          + "%n", edit[runs / 2] / 1e6, edit[(int) (runs * 0.95)] / 1e6);
      System.out.printf("the same edit, every service object new: median %.2f ms, p95 %.2f ms (%.1fx)%n",
          whole[runs / 2] / 1e6, whole[(int) (runs * 0.95)] / 1e6, (double) whole[runs / 2] / edit[runs / 2]);
      System.out.printf("the report after a pass: median %.2f ms, p95 %.2f ms%n", report[runs / 2] / 1e6,
          report[(int) (runs * 0.95)] / 1e6);
    }
  }

  private static long time(Runnable r) {
    long t0 = System.nanoTime();
    r.run();
    return System.nanoTime() - t0;
  }
}
