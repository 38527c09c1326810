package io.halvs.agent.cli;

import io.halvs.agent.kernel.FakeIpvsKernel;
import io.halvs.agent.kernel.IpvsKernel;
import io.halvs.agent.netlink.NetlinkIpvsKernel;
import io.halvs.agent.runtime.Director;
import io.halvs.agent.runtime.KernelWatch;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;

/** What the standalone and in-cluster commands set up alike. */
final class AgentSetup {
  /** The sysctls of the IPVS module: absent when the table is the in-memory one. */
  static final String IPVS_SYSCTLS = "net.ipv4.vs.";

  private AgentSetup() {}

  static IpvsKernel kernel(boolean fake) {
    if (fake) {
      System.err.println("halvs-agent: --fake-ipvs: programming an in-memory IPVS table, not the kernel's");
      return new FakeIpvsKernel();
    }
    return new NetlinkIpvsKernel();
  }

  /**
   * The connection a director's kernel watch dumps over: null when the watch is off (interval 0); the in-memory
   * table itself; else a socket of its own, so a look never waits for a pass's (or the election's) netlink calls,
   * nor they for it.
   */
  static IpvsKernel watchKernel(boolean fake, IpvsKernel kernel, long intervalMillis) {
    return intervalMillis <= 0 ? null : fake ? kernel : new NetlinkIpvsKernel();
  }

  /** The watch, not started; null when watchKernel is. */
  static KernelWatch watch(IpvsKernel watchKernel, Director director, String pair, long intervalMillis,
      Runnable repair) {
    return watchKernel == null ? null
        : new KernelWatch(watchKernel, director, pair, repair, Duration.ofMillis(intervalMillis));
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
