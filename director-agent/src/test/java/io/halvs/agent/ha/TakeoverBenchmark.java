package io.halvs.agent.ha;

import io.halvs.agent.netlink.AddressTable;
import io.halvs.agent.vip.VipManager;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Benchmark (e2e/bench/takeover.sh runs it in a network namespace; prints figures, asserts nothing): the part of a
 * takeover that grows with the VIPs. The election's hold of N VIPs on an interface with the announcer streaming
 * a gratuitous ARP for each as it is added, as HeartbeatElection does when it becomes active, timed from the hold's
 * start to its return and to the last announcement sent; then the VIPs are released for the next round. The
 * first quarter of the rounds warms the code up and is not counted.
 *
 * The first round is also printed on its own: a standby's first takeover runs after the election's warm-up
 * ({@link VipManager#warmUp}, as HeartbeatElection calls it at its start) and nothing else of the hold's code, which
 * is what a director that never took over has; WARM_UP false leaves the warm-up out.
 *
 * <p>Usage: TakeoverBenchmark INTERFACE VIPS ROUNDS [WARM_UP]
 */
public final class TakeoverBenchmark {
  private TakeoverBenchmark() {}

  public static void main(String[] args) throws Exception {
    String ifname = args[0];
    int n = Integer.parseInt(args[1]);
    int rounds = Integer.parseInt(args[2]);
    boolean warmUp = args.length < 4 || Boolean.parseBoolean(args[3]);
    List<IpAddress> vips = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      vips.add(IpAddress.parse("10." + (100 + i / 62500) + "." + (i / 250 % 250) + "." + (i % 250 + 1)));
    }
    DirectorPlan plan = new DirectorPlan("bench", List.of("lvs-01", "lvs-02"), ifname, vips, null, new TreeMap<>(),
        null, null, List.of(), null, List.of(), List.of());
    List<Double> holds = new ArrayList<>();
    List<Double> announced = new ArrayList<>();
    double firstHold = 0;
    double firstAnnounced = 0;
    try (AddressTable table = new AddressTable();
        VipAnnouncer announcer = new VipAnnouncer(HeartbeatElection.senderFor(table), "announce")) {
      VipManager manager = new VipManager(table);
      if (warmUp) {
        VipManager.warmUp(plan);
      }
      manager.release(plan);
      announcer.prepare(plan); // as a standby does before its first takeover
      while (announcer.prepared() == 0) {
        Thread.sleep(1);
      }
      for (int r = 0; r < rounds; r++) {
        long sentBefore = announcer.sent();
        long start = System.nanoTime();
        announcer.stream(plan.pair());
        try {
          manager.hold(plan, announcer::streamed);
        } finally {
          announcer.endStream(plan);
        }
        long held = System.nanoTime();
        while (announcer.sent() - sentBefore < n) {
          Thread.onSpinWait();
        }
        long end = System.nanoTime();
        if (r == 0) {
          firstHold = (held - start) / 1e6;
          firstAnnounced = (end - start) / 1e6;
        }
        if (r >= rounds / 4) {
          holds.add((held - start) / 1e6);
          announced.add((end - start) / 1e6);
        }
        announcer.stop();
        manager.release(plan);
        Thread.sleep(50);
      }
      if (announcer.failed() > 0) {
        throw new IllegalStateException(announcer.failed() + " announcements failed");
      }
    }
    System.out.printf("first takeover (%s): hold %.1f ms; the last gratuitous ARP sent %.1f ms%n",
        warmUp ? "after the election's warm-up" : "no warm-up", firstHold, firstAnnounced);
    System.out.printf("takeover of %d VIPs, %d rounds (after %d not counted): hold p50 %.1f p90 %.1f max %.1f ms;"
        + " the last gratuitous ARP sent p50 %.1f p90 %.1f max %.1f ms%n", n, holds.size(), rounds / 4,
        pct(holds, 50), pct(holds, 90), pct(holds, 100), pct(announced, 50), pct(announced, 90), pct(announced, 100));
  }

  private static double pct(List<Double> values, int p) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
  }
}
