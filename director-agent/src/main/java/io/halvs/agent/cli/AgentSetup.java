package io.halvs.agent.cli;

import io.halvs.agent.kernel.FakeIpvsKernel;
import io.halvs.agent.kernel.IpvsKernel;
import io.halvs.agent.netlink.NetlinkIpvsKernel;
import java.net.InetAddress;
import java.net.UnknownHostException;

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
