package io.halvs.agent.metrics;

import io.halvs.agent.kernel.FakeIpvsKernel;
import io.halvs.agent.kernel.IpvsStats;
import io.halvs.agent.kernel.KernelService;
import io.halvs.agent.kernel.OwnershipJournal;
import io.halvs.agent.runtime.Director;
import io.halvs.agent.runtime.TestDoubles;
import io.halvs.plan.Destination;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpvsService;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Prints what one /metrics scrape costs at 1,000 services x 100 destinations against the in-memory IPVS: bytes
 * allocated by the scraping thread and wall time per scrape, the kernel read (IpvsSnapshot.read, of which the
 * fake kernel's dump is most) apart from the whole, the heap still held after the scrapes, and a SHA-256 of the
 * IPVS samples' text (the exposition must stay byte for byte the same across changes). Not a test. Run:
 *   ./mvnw -B -q -o -pl director-agent -am test-compile dependency:build-classpath
 *       -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 *   java -XX:TieredStopAtLevel=1 -XX:MaxGCPauseMillis=50 -Xmx512m \
 *       -cp director-agent/target/classes:director-agent/target/test-classes:$(cat director-agent/target/cp.txt) \
 *       io.halvs.agent.metrics.ScrapeBenchmark 20
 * (-XX:TieredStopAtLevel=1 as the agent's image runs: C1 only, which keeps short-lived objects on the heap.)
 */
public final class ScrapeBenchmark {
  public static void main(String[] args) throws IOException, Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    FakeIpvsKernel kernel = new FakeIpvsKernel();
    Director director = new Director(kernel, new OwnershipJournal(null), new TestDoubles.SteeredHealth(),
        new TestDoubles.RecordingElection(), null, Duration.ofHours(1));
    DirectorPlan plan = TestDoubles.plan(1000, 100, null);
    director.offer(new Director.Target(plan, "h1", false));
    director.runPending();
    // counters on one destination in 7, so the numbers written are not all zeros
    int n = 0;
    for (IpvsService s : plan.services()) {
      for (Destination d : s.destinations()) {
        if (n++ % 7 == 0) {
          kernel.stats(s.key(), d.address(), d.port(), new IpvsStats(n, 2L * n, 3L * n, 1000L * n, 5000L * n, 0, 0,
              0, 0, 0), n % 13, n % 5);
        }
      }
    }
    AtomicLong clock = new AtomicLong();
    MetricsExporter exporter = new MetricsExporter("edge", "lvs-01", () -> director, AgentMetrics.get(),
        clock::get).kernel(() -> kernel);
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    OutputStream discard = OutputStream.nullOutputStream();
    long[] total = new long[runs];
    long[] nanos = new long[runs];
    long[] read = new long[runs];
    long[] readNanos = new long[runs];
    for (int warm = 0; warm < 5; warm++) {
      clock.incrementAndGet(); // each scrape reads the kernel afresh, as Prometheus' every 15 s would
      exporter.write(discard);
    }
    long[] dump = new long[runs];
    for (int i = 0; i < runs; i++) {
      long a = threads.getCurrentThreadAllocatedBytes();
      for (KernelService ks : kernel.services()) {
        kernel.destinations(ks.key());
      }
      dump[i] = threads.getCurrentThreadAllocatedBytes() - a;
      a = threads.getCurrentThreadAllocatedBytes();
      long t = System.nanoTime();
      IpvsSnapshot.read(kernel, plan);
      readNanos[i] = System.nanoTime() - t;
      read[i] = threads.getCurrentThreadAllocatedBytes() - a;
      clock.incrementAndGet();
      a = threads.getCurrentThreadAllocatedBytes();
      t = System.nanoTime();
      exporter.write(discard);
      nanos[i] = System.nanoTime() - t;
      total[i] = threads.getCurrentThreadAllocatedBytes() - a;
    }
    clock.incrementAndGet();
    IpvsDigest text = new IpvsDigest();
    exporter.write(text);
    System.gc();
    Runtime rt = Runtime.getRuntime();
    long held = rt.totalMemory() - rt.freeMemory();
    Arrays.sort(total);
    Arrays.sort(nanos);
    Arrays.sort(read);
    Arrays.sort(readNanos);
    Arrays.sort(dump);
    System.out.printf("/metrics at 1,000 services x 100 destinations (in-memory IPVS), %d scrapes of %,d bytes:%n",
        runs, text.size);
    System.out.printf("  whole scrape: median %,d bytes allocated (min %,d, max %,d), median %.1f ms (p90 %.1f)%n",
        total[runs / 2], total[0], total[runs - 1], nanos[runs / 2] / 1e6, nanos[(int) (runs * 0.9)] / 1e6);
    System.out.printf("  of which the kernel read (IpvsSnapshot.read, fake dump included): median %,d bytes, %.1f ms%n",
        read[runs / 2], readNanos[runs / 2] / 1e6);
    System.out.printf("  of which the fake kernel's dump alone: median %,d bytes%n", dump[runs / 2]);
    System.out.printf("  heap used after a full GC, exporter and plan alive: %,d bytes%n", held);
    System.out.printf("  IPVS samples: %,d lines, sha256 %s%n", text.lines,
        HexFormat.of().formatHex(text.sha.digest()));
    director.close();
  }

  /** SHA-256 of the halvs_ipvs_ sample lines but the read's duration (the rest holds times, CPU, memory). */
  static final class IpvsDigest extends OutputStream {
    final MessageDigest sha;
    final byte[] line = new byte[4096];
    int n;
    long size;
    long lines;

    IpvsDigest() throws Exception {
      sha = MessageDigest.getInstance("SHA-256");
    }

    @Override
    public void write(int b) {
      size++;
      line[n++] = (byte) b;
      if (b == '\n') {
        String start = new String(line, 0, Math.min(n, 40), StandardCharsets.US_ASCII);
        if (start.startsWith("halvs_ipvs_") && !start.startsWith("halvs_ipvs_read_duration")) {
          sha.update(line, 0, n);
          lines++;
        }
        n = 0;
      }
    }

    @Override
    public void write(byte[] b, int off, int len) {
      for (int i = 0; i < len; i++) {
        write(b[off + i]);
      }
    }
  }
}
