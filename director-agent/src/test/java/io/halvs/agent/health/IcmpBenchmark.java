package io.halvs.agent.health;

import io.halvs.agent.netlink.NetNamespace;
import io.halvs.api.v1alpha1.FailureAction;
import io.halvs.api.v1alpha1.HealthCheckType;
import io.halvs.plan.Destination;
import io.halvs.plan.HealthCheckPlan;
import io.halvs.plan.IpvsService;
import io.halvs.plan.publish.AgentReport;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * icmp checks at scale, all inside a network namespace of its own (root): the monitor is made there and pings
 * addresses of that namespace's loopback, so the kernel answers at once and the figures are the agent's own cost.
 * Prints check starts, start lateness, CPU of the checker thread and of the pinger's reader threads. Asserts
 * nothing. Args: [targets] [seconds]. Command in docs/HEALTH.md.
 */
public final class IcmpBenchmark {
  static final int ADDRESSES = 10;

  private IcmpBenchmark() {}

  public static void main(String[] args) throws Exception {
    int targets = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    String ns = "halvs-ck-bench" + ProcessHandle.current().pid();
    HealthMonitorNetnsTest.sh("ip", "netns", "add", ns);
    try {
      HealthMonitorNetnsTest.sh("ip", "-n", ns, "link", "set", "lo", "up");
      for (int i = 1; i <= ADDRESSES; i++) {
        HealthMonitorNetnsTest.sh("ip", "-n", ns, "addr", "add", "10.251.2." + i + "/32", "dev", "lo");
      }
      HealthMonitor monitor = NetNamespace.run(ns, HealthMonitor::new);
      try {
        HealthCheckPlan icmp = new HealthCheckPlan(HealthCheckType.ICMP, 0, 1000, 1000, 2, 3, 0,
            FailureAction.QUIESCENT, null, null, null);
        List<IpvsService> services = new ArrayList<>();
        for (int s = 0; s < targets / ADDRESSES; s++) {
          Destination[] ds = new Destination[ADDRESSES];
          for (int i = 0; i < ADDRESSES; i++) {
            ds[i] = Plans.dest("10.251.2." + (i + 1), 80, "rs-" + s + "-" + i);
          }
          services.add(Plans.service("198.18." + (s / 250) + "." + (s % 250 + 1), 80, icmp, null, ds));
        }
        monitor.follow(Plans.plan(services));
        Thread.sleep(5000);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        monitor.resetTiming();
        long cpu0 = threads.getThreadCpuTime(monitor.threadId());
        long readers0 = readersCpu(threads);
        long wall0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        HealthMonitor.Timing timing = monitor.timing();
        long wall = System.nanoTime() - wall0;
        double cpu = (threads.getThreadCpuTime(monitor.threadId()) - cpu0) / (double) wall;
        double readers = (readersCpu(threads) - readers0) / (double) wall;
        Map<String, AgentReport.ServiceHealth> report = monitor.report();
        int ready = report.values().stream().mapToInt(AgentReport.ServiceHealth::ready).sum();
        System.out.printf("icmp benchmark: %d targets at 1000 ms, %s socket; over %.1f s: %d check starts (%.0f/s), "
            + "skipped %d, after overrun %d; start lateness p50 %.1f ms, p99 %.1f ms, max %.1f ms; CPU: checker thread %.2f cores, "
            + "pinger reader %.2f cores; %d of %d up; load average %s%n", targets, monitor.pingerKind(false),
            wall / 1e9, timing.starts(), timing.starts() / (wall / 1e9), timing.skippedStarts(), timing.startsAfterOverrun(), timing.p50Millis(),
            timing.p99Millis(), timing.maxMillis(), cpu, readers, ready, targets,
            java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim());
      } finally {
        monitor.close();
      }
    } finally {
      HealthMonitorNetnsTest.sh("ip", "netns", "del", ns);
    }
  }

  static long readersCpu(ThreadMXBean threads) {
    long sum = 0;
    for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null && info.getThreadName().startsWith("halvs-health-icmp")) {
        sum += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
      }
    }
    return sum;
  }
}
