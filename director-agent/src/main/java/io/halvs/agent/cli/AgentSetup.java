package io.halvs.agent.cli;

import io.halvs.agent.http.Health;
import io.halvs.agent.kernel.FakeIpvsKernel;
import io.halvs.agent.kernel.IpvsKernel;
import io.halvs.agent.metrics.MetricsExporter;
import io.halvs.agent.netlink.AddressTable;
import io.halvs.agent.netlink.NeighbourTable;
import io.halvs.agent.netlink.NetlinkIpvsKernel;
import io.halvs.agent.runtime.Director;
import io.halvs.agent.runtime.Election;
import io.halvs.agent.runtime.KernelWatch;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the standalone and in-cluster commands set up alike. */
final class AgentSetup {
  /** The sysctls of the IPVS module: absent when the table is the in-memory one. */
  static final String IPVS_SYSCTLS = "net.ipv4.vs.";

  /**
   * The SIGTERM handover's bound: with CLOSE_WAIT and the hook's last second well inside the pod's
   * terminationGracePeriodSeconds (10); most of it only for a live peer that is not ready yet.
   */
  static final Duration HANDOVER = Duration.ofSeconds(3);

  /** After the handover, how long the hook lets the command close its resources before the JVM halts. */
  static final Duration CLOSE_WAIT = Duration.ofSeconds(3);

  private static final Logger LOG = LoggerFactory.getLogger(AgentSetup.class);

  private AgentSetup() {}

  static IpvsKernel kernel(boolean fake) {
    if (fake) {
      LOG.warn("--fake-ipvs: programming an in-memory IPVS table, not the kernel's");
      return new FakeIpvsKernel();
    }
    return new NetlinkIpvsKernel();
  }

  /**
   * On SIGTERM: not ready any more, the election hands over (bounded), then the rest closes. kill -9 and crashes
   * skip this, and close() alone gives nothing up: the restarted agent adopts what it finds.
   */
  static Thread shutdownHook(Health health, Supplier<Election> election, Runnable then) {
    return new Thread(() -> {
      health.stopping("shutting down: handing the VIPs over if this director holds them");
      // on a thread of its own: a wedged election (the liveness probe's reason to restart us) must not hold
      // the JVM past the bound, the kubelet would SIGKILL it anyway
      Thread work = new Thread(() -> {
        Election e = election.get();
        if (e != null) {
          e.handOver(HANDOVER);
        }
        then.run();
      }, "halvs-handover");
      work.setDaemon(true);
      work.start();
      try {
        work.join(HANDOVER.plus(CLOSE_WAIT).plusSeconds(1).toMillis());
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
      }
    }, "halvs-shutdown");
  }

  /**
   * The connection a director's kernel watch dumps over: null when the watch is off (interval 0); the in-memory
   * table itself; else a socket of its own, so a look never waits for a pass's (or the election's) netlink calls,
   * nor they for it.
   */
  static IpvsKernel watchKernel(boolean fake, IpvsKernel kernel, long intervalMillis) {
    return intervalMillis <= 0 ? null : fake ? kernel : new NetlinkIpvsKernel();
  }

  /**
   * The connection a scrape reads IPVS counters over: the in-memory table itself, else a socket of its own, like
   * the watch's, so a scrape of a large table and a pass never wait for each other.
   */
  static IpvsKernel metricsKernel(boolean fake, IpvsKernel kernel) {
    return fake ? kernel : new NetlinkIpvsKernel();
  }

  /** The exporter's view of the VIPs the kernel holds: addresses listed over its own rtnetlink socket. */
  static MetricsExporter.Addresses addresses(AddressTable table) {
    return ifname -> table.list(ifname).stream().map(AddressTable.Address::address).toList();
  }

  /**
   * The watch, not started; null when watchKernel is. Over the real kernel it also watches the gate routes, in the
   * neighbour table (KernelWatch); the in-memory table sends no packets.
   */
  static KernelWatch watch(IpvsKernel watchKernel, boolean fake, Director director, String pair, long intervalMillis,
      Runnable repair) {
    return watchKernel == null ? null : new KernelWatch(watchKernel, fake ? null : new NeighbourTable(),
        fake ? null : new AddressTable(), director, pair, repair, Duration.ofMillis(intervalMillis));
  }

  static String hostName() {
    String env = System.getenv("NODE_NAME");
    if (env != null && !env.isBlank()) {
      return env;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }
}
