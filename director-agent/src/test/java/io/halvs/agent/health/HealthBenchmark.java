package io.halvs.agent.health;

import static io.halvs.agent.health.Plans.dest;

import io.halvs.agent.kernel.DestinationHealth.Verdict;
import io.halvs.agent.netlink.NetNamespace;
import io.halvs.plan.Destination;
import io.halvs.plan.HealthCheckPlan;
import io.halvs.plan.IpvsService;
import io.halvs.plan.publish.AgentReport;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Prints what 10,000 health checks at 1 s cost: check-start lateness (p50/p99/max), the checker thread's CPU
 * and the process's (which includes the test servers), and how long a dead real server takes to leave
 * rotation. Real servers live in a network namespace behind a veth whose other end is in the monitor's namespace
 * (root; no address on the host): 10 addresses, each with a TCP port
 * and an HTTP port; 1,000 virtual services x 10 destinations, half checked by tcp connect, half by http GET
 * with a body check. Then how long {@code follow} of a plan with one service changed waits for the checker thread
 * (what a director pass waited before {@code followLater}). Also the checker thread's garbage per check and the
 * young collections meanwhile. Asserts nothing. Command in docs/HEALTH.md; args: [targets] [seconds]
 * [https|tcp|tcp-channels|mixed] [nice] (https: every target an https check, TLS verification off; tcp: every
 * target a tcp connect; tcp-channels: the same through JDK channels, as before TcpConnector; nice: the checker
 * thread reniced to it from outside, as a scheduling experiment).
 */
public final class HealthBenchmark {
  static final String NS = "halvs-hc-bench";
  /** The monitor's side: made on a thread in it, its loop thread and so every probe socket stay there. */
  static final String CLIENT = "halvs-hc-bench-dir";
  static final int ADDRESSES = 10;
  static final int INTERVAL = 1000;
  static final int TIMEOUT = 1000;
  static final int FALL = 3;

  static String address(int i) {
    return "10.250.78." + (2 + i);
  }

  public static void main(String[] args) throws Exception {
    int targets = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    String mode = args.length > 2 ? args[2] : "mixed"; // https or tcp: every target so; else half tcp, half http
    boolean https = mode.equals("https");
    boolean channels = mode.equals("tcp-channels");
    boolean tcpOnly = mode.equals("tcp") || channels;
    int nice = args.length > 3 ? Integer.parseInt(args[3]) : 0;
    cleanup();
    HealthMonitorNetnsTest.sh("ip", "netns", "add", NS);
    HealthMonitorNetnsTest.sh("ip", "netns", "add", CLIENT);
    HealthMonitorNetnsTest.sh("ip", "link", "add", "hvhb0", "netns", CLIENT, "type", "veth", "peer", "name", "hvhb1",
        "netns", NS);
    HealthMonitorNetnsTest.sh("ip", "-n", CLIENT, "addr", "add", "10.250.78.1/24", "dev", "hvhb0");
    HealthMonitorNetnsTest.sh("ip", "-n", CLIENT, "link", "set", "hvhb0", "up");
    List<Servers.Server> servers = new ArrayList<>();
    List<Process> opensslServers = new ArrayList<>();
    java.nio.file.Path[] pem = https ? selfSignedPem() : null;
    try (HealthMonitor monitor = NetNamespace.run(CLIENT, HealthMonitor::new)) {
      HealthMonitorNetnsTest.sh("ip", "-n", NS, "link", "set", "hvhb1", "up");
      if (channels) {
        monitor.connectThroughChannels();
      }
      Servers.Opener inNs = new Servers.Opener() {
        @Override
        public <T> T open(Callable<T> c) throws Exception {
          return NetNamespace.run(NS, c);
        }
      };
      for (int i = 0; i < ADDRESSES; i++) {
        HealthMonitorNetnsTest.sh("ip", "-n", NS, "addr", "add", address(i) + "/24", "dev", "hvhb1");
        servers.add(new Servers.Tcp(inNs, new InetSocketAddress(address(i), 9000)).start());
        if (https) {
          // openssl s_server (native TLS) in the namespace: Java TLS servers on 2 cores cannot answer 10,000
          // handshakes a second, and the figures are about the checker, not the test servers.
          opensslServers.add(new ProcessBuilder("ip", "netns", "exec", NS, "openssl", "s_server", "-accept",
              address(i) + ":8080", "-cert", pem[0].toString(), "-key", pem[1].toString(), "-www", "-quiet")
              .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        } else {
          servers.add(new Servers.Http(inNs, new InetSocketAddress(address(i), 8080), null).start());
        }
      }

      HealthCheckPlan tcp = Plans.tcp(INTERVAL, TIMEOUT, 2, FALL);
      HealthCheckPlan http = Plans.http(INTERVAL, TIMEOUT, 2, FALL, Plans.get("/health", "ok"));
      if (https) { // s_server -www answers GET / with "HTTP/1.0 200 ok" and a status page
        http = Plans.with(Plans.http(INTERVAL, TIMEOUT, 2, FALL, Plans.get("/", "Ciphers")),
            io.halvs.api.v1alpha1.HealthCheckType.HTTPS);
      }
      List<IpvsService> services = new ArrayList<>();
      for (int s = 0; s < targets / ADDRESSES; s++) {
        boolean isHttp = https || !tcpOnly && s % 2 == 1;
        Destination[] ds = new Destination[ADDRESSES];
        for (int i = 0; i < ADDRESSES; i++) {
          ds[i] = dest(address(i), isHttp ? 8080 : 9000, "rs-" + i);
        }
        services.add(Plans.service("198.18." + (s / 250) + "." + (s % 250 + 1), 80, isHttp ? http : tcp, null, ds));
      }
      Map<IpvsService, Long> deadSeen = new ConcurrentHashMap<>();
      long[] deadAt = {Long.MAX_VALUE};
      int dead = ADDRESSES - 1;
      monitor.onChange(changed -> {
        long now = System.nanoTime();
        for (IpvsService s : services) {
          if (changed.contains(s.key()) && now > deadAt[0]
              && monitor.view().verdict(s.key(), s.destinations().get(dead)) != Verdict.UP) {
            deadSeen.putIfAbsent(s, now - deadAt[0]);
          }
        }
      });
      long t = System.nanoTime();
      monitor.follow(Plans.plan(services));
      System.out.printf("health benchmark: %d targets (%d services x %d), %d ms interval, %s; follow() "
          + "took %.0f ms%n", targets, services.size(), ADDRESSES, INTERVAL, https ? "https" : channels
          ? "tcp through JDK channels" : tcpOnly ? "tcp" : "tcp + http", (System.nanoTime() - t) / 1e6);
      if (nice != 0) {
        renice("halvs-health", nice);
      }
      Thread.sleep(5000); // every target started, JIT warm

      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      monitor.resetTiming();
      var allocations = (com.sun.management.ThreadMXBean) threads;
      long bytes0 = allocations.getThreadAllocatedBytes(monitor.threadId());
      long gcs0 = youngCollections();
      long cpu0 = threads.getThreadCpuTime(monitor.threadId());
      long tls0 = tlsWorkersCpu(threads);
      long proc0 = os.getProcessCpuTime();
      long wall0 = System.nanoTime();
      Thread.sleep(seconds * 1000L);
      HealthMonitor.Timing timing = monitor.timing();
      long wall = System.nanoTime() - wall0;
      double cpu = (threads.getThreadCpuTime(monitor.threadId()) - cpu0) / (double) wall;
      double proc = (os.getProcessCpuTime() - proc0) / (double) wall;
      double tlsCpu = (tlsWorkersCpu(threads) - tls0) / (double) wall;
      long bytes = allocations.getThreadAllocatedBytes(monitor.threadId()) - bytes0;
      long gcs = youngCollections() - gcs0;
      Map<String, AgentReport.ServiceHealth> report = monitor.report();
      int ready = report.values().stream().mapToInt(AgentReport.ServiceHealth::ready).sum();
      int total = report.values().stream().mapToInt(AgentReport.ServiceHealth::total).sum();
      System.out.printf("over %.1f s: %d check starts (%.0f/s), skipped %d, after overrun %d; start lateness p50 %.1f ms, "
          + "p99 %.1f ms, max %.1f ms%n", wall / 1e9, timing.starts(), timing.starts() / (wall / 1e9),
          timing.skippedStarts(), timing.startsAfterOverrun(), timing.p50Millis(), timing.p99Millis(), timing.maxMillis());
      if (https) {
        System.out.printf("CPU: TLS handshake workers %.2f cores (%.2f ms per check)%n", tlsCpu,
            tlsCpu * wall / 1e6 / Math.max(1, timing.starts() + timing.startsAfterOverrun()));
      }
      System.out.printf("CPU: checker thread %.2f cores; whole process (incl. %d test server threads) %.2f "
          + "cores; %d of %d destinations up; machine: %d cores, load average %s%n", cpu, servers.size(), proc,
          ready, total, Runtime.getRuntime().availableProcessors(),
          java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim());
      long checks = Math.max(1, timing.starts() + timing.startsAfterOverrun());
      System.out.printf("garbage: the checker thread allocated %.1f MB/s, %.0f bytes per check; %d young "
          + "collections or Shenandoah cycles (the whole process, test servers included)%n", bytes / (wall / 1e9) / 1e6,
          bytes / (double) checks, gcs);

      // How long a waited-for follow takes, one service changed: what each director pass waited until it handed
      // the plan over with followLater (the first pass's adopting follow still waits).
      long[] follows = new long[60];
      for (int e = 0; e < follows.length; e++) {
        int s = e * 37 % services.size();
        IpvsService old = services.get(s);
        List<Destination> ds = new ArrayList<>(old.destinations());
        Destination d = ds.get(0);
        ds.set(0, new Destination(d.address(), d.port(), d.method(), 2 + e % 5, 0, 0, null, 0, null, d.realServer()));
        services.set(s, old.withDestinations(ds));
        io.halvs.plan.DirectorPlan changed = Plans.plan(new ArrayList<>(services));
        long f = System.nanoTime();
        monitor.follow(changed);
        follows[e] = System.nanoTime() - f;
        Thread.sleep(200);
      }
      java.util.Arrays.sort(follows);
      System.out.printf("follow of a plan with one service changed, 60 times 200 ms apart: p50 %.1f ms, p90 %.1f ms, "
          + "max %.1f ms (the checker thread at nice %d); load average %s%n", follows[30] / 1e6, follows[54] / 1e6,
          follows[59] / 1e6, nice, java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim());

      // A real server dies silently (its address goes: no RST, no ICMP): how long until it is out everywhere?
      deadAt[0] = System.nanoTime();
      HealthMonitorNetnsTest.sh("ip", "-n", NS, "addr", "del", address(dead) + "/24", "dev", "hvhb1");
      long bound = (long) INTERVAL * FALL + TIMEOUT;
      long until = System.nanoTime() + 4 * bound * 1_000_000L;
      while (deadSeen.size() < services.size() && System.nanoTime() < until) {
        Thread.sleep(50);
      }
      long[] times = deadSeen.values().stream().mapToLong(Long::longValue).sorted().toArray();
      if (times.length == 0) {
        System.out.println("dead server: never seen down");
      } else {
        System.out.printf("dead server %s (%d targets): out of rotation after p50 %.0f ms, max %.0f ms "
            + "(bound interval x fall + timeout = %d ms, target +100 ms); %d of %d seen%n", address(dead),
            services.size(), times[times.length / 2] / 1e6, times[times.length - 1] / 1e6, bound, times.length,
            services.size());
      }
      System.out.println("messages: " + monitor.report().values().stream().flatMap(h -> h.unavailable().stream())
          .map(AgentReport.Unavailable::message).distinct().limit(5).toList());
    } finally {
      for (Servers.Server s : servers) {
        s.close();
      }
      for (Process p : opensslServers) {
        p.destroy();
        p.waitFor();
      }
      cleanup();
    }
  }

  /** Renices this process's threads of that name (Linux keeps a nice value per thread) with renice(1). */
  static void renice(String threadName, int nice) throws Exception {
    try (var tasks = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/task"))) {
      for (java.nio.file.Path task : tasks.toList()) {
        if (java.nio.file.Files.readString(task.resolve("comm")).strip().equals(threadName)) {
          HealthMonitorNetnsTest.sh("renice", "-n", Integer.toString(nice), "-p", task.getFileName().toString());
        }
      }
    }
  }

  /** A P-256 key and self-signed certificate for openssl s_server: {cert, key}. */
  static java.nio.file.Path[] selfSignedPem() throws Exception {
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("halvs-hc-bench");
    java.nio.file.Path cert = dir.resolve("cert.pem");
    java.nio.file.Path key = dir.resolve("key.pem");
    HealthMonitorNetnsTest.sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=rs.example");
    cert.toFile().deleteOnExit();
    key.toFile().deleteOnExit();
    dir.toFile().deleteOnExit();
    return new java.nio.file.Path[] {cert, key};
  }

  /** Young collections so far (G1's "G1 Young Generation", serial's "Copy"), or Shenandoah's cycles. */
  static long youngCollections() {
    return ManagementFactory.getGarbageCollectorMXBeans().stream()
        .filter(b -> b.getName().contains("Young") || b.getName().equals("Copy")
            || b.getName().equals("Shenandoah Cycles"))
        .mapToLong(java.lang.management.GarbageCollectorMXBean::getCollectionCount).sum();
  }

  /** CPU time (ns) of the monitor's TLS worker threads, dead ones not counted. */
  static long tlsWorkersCpu(ThreadMXBean threads) {
    long sum = 0;
    for (var info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null && info.getThreadName().equals("halvs-health-tls")) {
        sum += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
      }
    }
    return sum;
  }

  static void cleanup() {
    for (String ns : new String[] {NS, CLIENT}) {
      try {
        HealthMonitorNetnsTest.sh("ip", "netns", "del", ns); // takes the veth pair with it
      } catch (Exception ignored) {
        // not there
      }
    }
  }
}
