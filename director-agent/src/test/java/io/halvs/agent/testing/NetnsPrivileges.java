package io.halvs.agent.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The network-namespace tests need the privileges themselves, not a user name: CAP_SYS_ADMIN to make namespaces
 * and CAP_NET_ADMIN to configure them, and iproute2's ip. Without them a developer's run skips these tests; CI
 * (CI=true) fails, so a runner that lost its privileges or its tools cannot turn them into silent skips.
 */
public final class NetnsPrivileges {
  private static final int CAP_NET_ADMIN = 12;
  private static final int CAP_SYS_ADMIN = 21;

  private NetnsPrivileges() {}

  public static void require() {
    String status;
    try {
      status = Files.readString(Path.of("/proc/self/status"));
    } catch (IOException e) {
      status = null;
    }
    boolean ip = Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip"));
    require(missing(status, ip), "true".equals(System.getenv("CI")));
  }

  /** Skips (a developer's run) or fails (CI) when something is missing. */
  static void require(String missing, boolean ci) {
    if (ci) {
      assertTrue(missing == null, () -> "CI runs the network-namespace tests: " + missing);
    } else {
      assumeTrue(missing == null, () -> "skipped: " + missing);
    }
  }

  /** null when both capabilities are effective and ip is there, else what is missing. */
  static String missing(String procSelfStatus, boolean ip) {
    if (procSelfStatus == null) {
      return "cannot read the effective capabilities (/proc/self/status)";
    }
    BigInteger effective;
    try {
      effective = procSelfStatus.lines().filter(l -> l.startsWith("CapEff:")).findFirst()
          .map(l -> new BigInteger(l.substring("CapEff:".length()).trim(), 16)).orElse(BigInteger.ZERO);
    } catch (NumberFormatException e) {
      return "cannot read the effective capabilities (" + e.getMessage() + ")";
    }
    if (!effective.testBit(CAP_SYS_ADMIN) || !effective.testBit(CAP_NET_ADMIN)) {
      return "needs CAP_SYS_ADMIN and CAP_NET_ADMIN (root) for network namespaces";
    }
    return ip ? null : "needs iproute2 (ip)";
  }
}
