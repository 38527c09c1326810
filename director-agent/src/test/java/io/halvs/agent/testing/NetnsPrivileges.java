package io.halvs.agent.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The network-namespace tests need the privileges themselves, not a user name: CAP_SYS_ADMIN to make namespaces
 * and CAP_NET_ADMIN to configure them. Without them a developer's run skips these tests; CI (CI=true) fails, so a
 * runner that lost its privileges cannot turn them into silent skips.
 */
public final class NetnsPrivileges {
  private static final int CAP_NET_ADMIN = 12;
  private static final int CAP_SYS_ADMIN = 21;

  private NetnsPrivileges() {}

  public static void require() {
    String missing = missing();
    if ("true".equals(System.getenv("CI"))) {
      assertTrue(missing == null, "CI runs the network-namespace tests: " + missing);
    } else {
      assumeTrue(missing == null, () -> "skipped: " + missing);
    }
  }

  /** null when both capabilities are effective, else what is missing. */
  static String missing() {
    BigInteger effective;
    try {
      effective = Files.readAllLines(Path.of("/proc/self/status")).stream()
          .filter(l -> l.startsWith("CapEff:")).findFirst()
          .map(l -> new BigInteger(l.substring("CapEff:".length()).trim(), 16)).orElse(BigInteger.ZERO);
    } catch (IOException | NumberFormatException e) {
      return "cannot read the effective capabilities (" + e.getMessage() + ")";
    }
    if (!effective.testBit(CAP_SYS_ADMIN) || !effective.testBit(CAP_NET_ADMIN)) {
      return "needs CAP_SYS_ADMIN and CAP_NET_ADMIN (root) for network namespaces";
    }
    return null;
  }
}
