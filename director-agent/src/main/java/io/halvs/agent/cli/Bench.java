package io.halvs.agent.cli;

import io.halvs.agent.kernel.DestinationHealth;
import io.halvs.agent.kernel.IpvsKernel;
import io.halvs.agent.kernel.KernelDestination;
import io.halvs.agent.kernel.KernelReconciler;
import io.halvs.agent.kernel.KernelService;
import io.halvs.agent.kernel.OwnershipJournal;
import io.halvs.agent.netlink.NetlinkIpvsKernel;
import io.halvs.api.v1alpha1.FailureAction;
import io.halvs.api.v1alpha1.ForwardingMethod;
import io.halvs.api.v1alpha1.HealthCheckType;
import io.halvs.api.v1alpha1.Protocol;
import io.halvs.plan.Destination;
import io.halvs.plan.HealthCheckPlan;
import io.halvs.plan.IpAddress;
import io.halvs.plan.IpvsService;
import io.halvs.plan.ObjectRef;
import io.halvs.plan.ServiceKey;
import io.halvs.plan.render.IpvsadmSave;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Programs a synthetic table of services x destinations from empty and prints the figures (time, operations,
 * RSS, and one weight change later: operations and diff time). Writes the same table as ipvsadm -R input so a
 * script can time ipvsadm on it in the same kernel. Asserts nothing about time.
 */
@Command(name = "bench", description = "Program a synthetic IPVS table and print timings (benchmark).",
    subcommands = {Bench.Soak.class, Bench.Metrics.class})
final class Bench implements Callable<Integer> {
  @Option(names = "--services", defaultValue = "1000")
  int services;

  @Option(names = "--destinations", defaultValue = "100", description = "Destinations per service.")
  int destinations;

  @Option(names = "--rules-out", description = "Write the table as ipvsadm -R input here, and exit.")
  Path rulesOut;

  static final HealthCheckPlan NONE = new HealthCheckPlan(HealthCheckType.NONE, 0, 1000, 1000, 1, 1, 0,
      FailureAction.QUIESCENT, null, null, null);

  List<IpvsService> plan() {
    List<IpvsService> plan = new ArrayList<>();
    for (int i = 0; i < services; i++) {
      // Addresses from bytes, not text: the synthetic plan should cost little next to what is measured.
      ServiceKey key = ServiceKey.of(Protocol.TCP, ipv4(10, 200, i / 250, i % 250 + 1), 80);
      List<Destination> ds = new ArrayList<>();
      for (int j = 0; j < destinations; j++) {
        int n = i * destinations + j;
        ds.add(new Destination(ipv4(172, 16 + n / 65536, n / 256 % 256, n % 256),
            80, ForwardingMethod.MASQ, 100, 0, 0, null, 0, null, new ObjectRef("RealServer", "bench", "rs-" + n)));
      }
      plan.add(new IpvsService(key, key.address(), "wlc", 0, 0, 0xffffffffL, ds, null, NONE,
          new ObjectRef("VirtualService", "bench", "vs-" + i)));
    }
    return plan;
  }

  static IpAddress ipv4(int a, int b, int c, int d) {
    return IpAddress.ofBytes(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
  }

  static long rssKiB() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }

  @Override
  public Integer call() throws IOException {
    long atCall = System.currentTimeMillis();
    long jvmStart = java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime();
    List<IpvsService> plan = plan();
    long planBuilt = System.currentTimeMillis();
    if (rulesOut != null) {
      List<String> lines = new ArrayList<>();
      for (IpvsService s : plan) {
        lines.add(IpvsadmSave.service(s));
        s.destinations().forEach(d -> lines.add(IpvsadmSave.destination(s, d)));
      }
      Files.write(rulesOut, lines);
      return 0;
    }
    long opening = System.currentTimeMillis();
    try (IpvsKernel kernel = new NetlinkIpvsKernel()) {
      System.out.printf("agent: netlink socket and IPVS family ready in %d ms%n", System.currentTimeMillis() - opening);
      KernelReconciler reconciler = new KernelReconciler(kernel, new OwnershipJournal(null));
      long t = System.nanoTime();
      KernelReconciler.Result r = reconciler.reconcile(plan, DestinationHealth.allUp());
      double programMs = (System.nanoTime() - t) / 1e6;
      // The end of programming as a wall-clock time, so a script can time exec-to-programmed (JVM start
      // included, this process's extra weight-change pass and GC excluded) against ipvsadm -R.
      System.out.printf("agent: programmed at epoch ms %d (JVM start to command %d ms, plan built in %d ms)%n",
          System.currentTimeMillis(), atCall - jvmStart, planBuilt - atCall);
      r.failures().stream().limit(3).forEach(f -> System.out.println("agent: failure: " + f));
      int applied = r.applied().size();
      int failed = r.failures().size();
      // RSS of the agent holding the plan and the kernel state, not of this pass's 101,000 report lines (the
      // agent prints and drops them too): let the GC have them before measuring.
      r = null;
      System.gc();
      java.lang.management.MemoryUsage heap = java.lang.management.ManagementFactory.getMemoryMXBean()
          .getHeapMemoryUsage();
      System.out.printf("agent: programmed %d services x %d destinations from empty: %d operations, %d failures, "
          + "%.0f ms; RSS %d MiB holding the plan (heap: %d MiB used after GC, %d MiB committed)%n", services,
          destinations, applied, failed, programMs, rssKiB() / 1024, heap.getUsed() >> 20,
          heap.getCommitted() >> 20);
      IpvsService s = plan.get(services / 2);
      List<Destination> ds = new ArrayList<>(s.destinations());
      Destination d = ds.get(0);
      ds.set(0, new Destination(d.address(), d.port(), d.method(), 7, 0, 0, null, 0, null, d.realServer()));
      plan.set(services / 2, new IpvsService(s.key(), s.vip(), s.scheduler(), s.flags(), s.timeoutSeconds(),
          s.netmask(), ds, null, s.healthCheck(), s.owner()));
      t = System.nanoTime();
      r = reconciler.reconcile(plan, DestinationHealth.allUp());
      System.out.printf("agent: one weight change: %d operation(s); diff against the kept state + apply %.0f ms%n",
          r.applied().size(), (System.nanoTime() - t) / 1e6);
      if (!r.converged()) {
        return 1;
      }
      // What every change cost before the agent kept its state, and what a resync costs now.
      reconciler.forget();
      t = System.nanoTime();
      r = reconciler.reconcile(plan, DestinationHealth.allUp());
      System.out.printf("agent: resync (dump of every service and destination + diff): %d operation(s); %.0f ms%n",
          r.applied().size(), (System.nanoTime() - t) / 1e6);
      return r.converged() ? 0 : 1;
    }
  }

  /**
   * Netlink soak: OPERATIONS add / edit / delete destination calls (and a destination dump every 1,000) against
   * the real kernel on one socket, RSS printed from /proc/self/status after a warm-up, in the middle and at the
   * end. Run with a fixed heap (-Xms = -Xmx) so that RSS growth means native memory or code, not heap sizing.
   * Exits 1 when RSS grew more than --max-growth-mib from the warm-up to the end, or an operation failed.
   */
  @Command(name = "soak", description = "Many add/edit/delete destination operations on one socket; prints RSS.")
  static final class Soak implements Callable<Integer> {
    @Option(names = "--operations", defaultValue = "100000")
    int operations;

    @Option(names = "--max-growth-mib", defaultValue = "16")
    long maxGrowthMiB;

    static final ServiceKey SERVICE = ServiceKey.of(Protocol.TCP, IpAddress.parse("10.201.0.1"), 80);

    @Override
    public Integer call() throws IOException {
      try (IpvsKernel kernel = new NetlinkIpvsKernel()) {
        kernel.addService(new KernelService(SERVICE, "wlc", 0, 0, 0xffffffffL, null));
        try {
          int warmUp = Math.min(10_000, operations / 10);
          long startKiB = 0;
          long t = System.nanoTime();
          for (int op = 0, cycle = 0; op < operations; cycle++) {
            // 64 destinations in rotation: the service never grows, every cycle is add, edit, delete.
            IpAddress a = IpAddress.parse("172.31.0." + (cycle % 64 + 1));
            kernel.addDestination(SERVICE, destination(a, 100));
            kernel.updateDestination(SERVICE, destination(a, 1 + cycle % 200));
            if (cycle % 333 == 0) {
              kernel.destinations(SERVICE);
              op++;
            }
            kernel.deleteDestination(SERVICE, a, 80);
            int before = op;
            op += 3;
            if (before < warmUp && op >= warmUp) {
              startKiB = rssKiB();
              System.out.printf("soak: after %d operations (warm-up): RSS %d KiB%n", op, startKiB);
            } else if (before < operations / 2 && op >= operations / 2) {
              System.out.printf("soak: after %d operations (middle): RSS %d KiB%n", op, rssKiB());
            }
          }
          double s = (System.nanoTime() - t) / 1e9;
          long endKiB = rssKiB();
          long growth = endKiB - startKiB;
          System.out.printf("soak: after %d operations (end): RSS %d KiB; growth since warm-up %d KiB; "
              + "%.0f operations/s%n", operations, endKiB, growth, operations / s);
          if (growth > maxGrowthMiB * 1024) {
            System.out.printf("soak: RSS grew more than %d MiB%n", maxGrowthMiB);
            return 1;
          }
          return 0;
        } finally {
          kernel.deleteService(SERVICE);
        }
      }
    }

    static KernelDestination destination(IpAddress a, int weight) {
      return new KernelDestination(a, 80, KernelDestination.FWD_MASQ, weight, 0, 0, a.family(), 0, 0, 0, 0, 0, 0,
          null);
    }
  }

  /**
   * The cost of one /metrics scrape at full size: the plan of the parent command (--services x --destinations)
   * programmed into the in-memory table (or with --netlink the kernel's, which it removes after), every
   * destination with counters of realistic width, then scrapes written to a byte counter: time (kernel read
   * included), bytes plain and gzipped as the HTTP server sends them, and the heap allocated per scrape.
   */
  @Command(name = "metrics", description = "Time /metrics at full size and print its size (benchmark).")
  static final class Metrics implements Callable<Integer> {
    @picocli.CommandLine.ParentCommand
    Bench bench;

    @Option(names = "--scrapes", defaultValue = "10", description = "Measured scrapes (after 3 to warm up).")
    int scrapes;

    @Option(names = "--netlink", description = "Program and read the kernel's IPVS table (root, ip_vs), not the "
        + "in-memory one.")
    boolean netlink;

    @Override
    public Integer call() throws IOException {
      List<IpvsService> plan = bench.plan();
      io.halvs.plan.DirectorPlan dp = new io.halvs.plan.DirectorPlan("bench", List.of("a", "b"), "eth0",
          List.of(), null, new java.util.TreeMap<>(), null, null, plan);
      IpvsKernel kernel = netlink ? new NetlinkIpvsKernel() : new io.halvs.agent.kernel.FakeIpvsKernel();
      try (kernel;
          io.halvs.agent.runtime.Director director = new io.halvs.agent.runtime.Director(kernel,
              new OwnershipJournal(null), new io.halvs.agent.runtime.AllUpHealthChecks(),
              io.halvs.agent.runtime.StaticElection.alwaysActive(null, x -> { }), null,
              java.time.Duration.ofHours(1))) {
        director.offer(new io.halvs.agent.runtime.Director.Target(dp, "bench", false));
        if (!director.runPending().converged()) {
          System.out.println("metrics bench: programming the table failed");
          return 1;
        }
        try {
          if (kernel instanceof io.halvs.agent.kernel.FakeIpvsKernel fake) {
            java.util.Random random = new java.util.Random(1);
            for (IpvsService s : plan) {
              for (Destination d : s.destinations()) {
                long conns = random.nextInt(1_000_000);
                fake.stats(s.key(), d.address(), d.port(), new io.halvs.agent.kernel.IpvsStats(conns, conns * 40,
                    conns * 30, conns * 40 * 700, conns * 30 * 1400, 0, 0, 0, 0, 0), random.nextInt(500),
                    random.nextInt(5000));
              }
            }
          }
          io.halvs.agent.metrics.MetricsExporter exporter = new io.halvs.agent.metrics.MetricsExporter("bench",
              "a", () -> director).kernel(() -> kernel);
          java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
          com.sun.management.ThreadMXBean alloc = (com.sun.management.ThreadMXBean) threads;
          long[] nanos = new long[scrapes];
          long[] cpu = new long[scrapes];
          long plain = 0;
          long gzipped = 0;
          long allocated = 0;
          for (int i = -3; i < scrapes; i++) {
            Counter zipCount = new Counter();
            Counter plainCount = new Counter();
            long a0 = alloc.getCurrentThreadAllocatedBytes();
            long c0 = threads.getCurrentThreadCpuTime();
            long t = System.nanoTime();
            try (java.util.zip.GZIPOutputStream zip = new java.util.zip.GZIPOutputStream(zipCount, 64 * 1024) {
              {
                def.setLevel(java.util.zip.Deflater.BEST_SPEED);
              }
            }) {
              exporter.write(new Tee(plainCount, zip));
            }
            long took = System.nanoTime() - t;
            long cpuTook = threads.getCurrentThreadCpuTime() - c0;
            long a = alloc.getCurrentThreadAllocatedBytes() - a0;
            Thread.sleep(1100); // past the exporter's reuse window: every scrape reads the kernel again
            if (i >= 0) {
              nanos[i] = took;
              cpu[i] = cpuTook;
              plain = plainCount.n;
              gzipped = zipCount.n;
              allocated = Math.max(allocated, a);
            }
          }
          // the kernel read alone, the exporter's own figure, and the samples: one more scrape, read as it streams
          Lines lines = new Lines();
          exporter.write(lines);
          String read = lines.readDuration == null ? "? NaN" : lines.readDuration;
          long samples = lines.samples;
          java.util.Arrays.sort(nanos);
          java.util.Arrays.sort(cpu);
          System.out.printf("metrics (%s kernel): %d services x %d destinations: %d samples, %.1f MB plain, "
              + "%.1f MB gzip; scrape (kernel read + gzip level 1) median %.0f ms, max %.0f ms over %d (CPU of the "
              + "scraping thread median %.0f ms); kernel read %.0f ms; heap allocated per scrape %.0f MB%n",
              netlink ? "netlink" : "in-memory", bench.services, bench.destinations, samples, plain / 1e6,
              gzipped / 1e6, nanos[scrapes / 2] / 1e6, nanos[scrapes - 1] / 1e6, scrapes, cpu[scrapes / 2] / 1e6, Double.parseDouble(read.substring(read.lastIndexOf(' ') + 1)) * 1e3,
              allocated / 1e6);
          return 0;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return 1;
        } finally {
          if (netlink) {
            director.offer(new io.halvs.agent.runtime.Director.Target(dp, "bench", true)); // removes what it added
            director.runPending();
          }
        }
      }
    }

    /** Counts bytes, keeps none. */
    static final class Counter extends java.io.OutputStream {
      long n;

      @Override
      public void write(int b) {
        n++;
      }

      @Override
      public void write(byte[] b, int off, int len) {
        n += len;
      }
    }

    /** Counts bytes and sample lines, keeps the line of halvs_ipvs_read_duration_seconds (a scrape is 200 MB). */
    static final class Lines extends java.io.OutputStream {
      static final String READ = "halvs_ipvs_read_duration_seconds{";
      long n;
      long samples;
      String readDuration;
      private final StringBuilder line = new StringBuilder();
      private boolean start = true;
      private boolean comment;
      private boolean keep;

      @Override
      public void write(int b) {
        n++;
        if (start) {
          start = false;
          comment = b == '#';
          keep = b == 'h';
          line.setLength(0);
        }
        if (b == '\n') {
          if (!comment) {
            samples++;
          }
          if (keep) {
            readDuration = line.toString();
          }
          start = true;
          return;
        }
        if (keep) {
          line.append((char) b);
          int i = line.length() - 1;
          keep = i >= READ.length() || READ.charAt(i) == b;
        }
      }

      @Override
      public void write(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
          write(b[i]);
        }
      }
    }

    /** Writes to both. */
    static final class Tee extends java.io.OutputStream {
      final java.io.OutputStream a;
      final java.io.OutputStream b;

      Tee(java.io.OutputStream a, java.io.OutputStream b) {
        this.a = a;
        this.b = b;
      }

      @Override
      public void write(int x) throws IOException {
        a.write(x);
        b.write(x);
      }

      @Override
      public void write(byte[] x, int off, int len) throws IOException {
        a.write(x, off, len);
        b.write(x, off, len);
      }
    }
  }
}
