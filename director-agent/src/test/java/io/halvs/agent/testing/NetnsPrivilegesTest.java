package io.halvs.agent.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** The capability itself decides, not the user name; CI turns a missing privilege into a failure, not a skip. */
class NetnsPrivilegesTest {
  // root in a container with the default capabilities (no CAP_SYS_ADMIN): uid 0, yet no namespaces
  static final String ROOT_WITHOUT_SYS_ADMIN = "Name:\tjava\nUid:\t0\t0\t0\t0\nCapEff:\t00000000a80425fb\n";
  static final String ROOT = "Name:\tjava\nUid:\t0\t0\t0\t0\nCapEff:\t000001ffffffffff\n";
  static final String NET_ADMIN_ONLY = "Uid:\t1000\t1000\t1000\t1000\nCapEff:\t0000000000001000\n";

  @Test
  void theEffectiveCapabilitiesDecide() {
    assertThat(NetnsPrivileges.missing(ROOT, true)).isNull();
    assertThat(NetnsPrivileges.missing(ROOT_WITHOUT_SYS_ADMIN, true)).contains("CAP_SYS_ADMIN");
    assertThat(NetnsPrivileges.missing(NET_ADMIN_ONLY, true)).contains("CAP_SYS_ADMIN");
    assertThat(NetnsPrivileges.missing("Name:\tjava\n", true)).contains("CAP_SYS_ADMIN");
    assertThat(NetnsPrivileges.missing(ROOT, false)).isEqualTo("needs iproute2 (ip)");
    assertThat(NetnsPrivileges.missing(null, true)).contains("cannot read");
  }

  @Test
  void ciFailsWhereADevelopersRunSkips() {
    String missing = NetnsPrivileges.missing(ROOT_WITHOUT_SYS_ADMIN, true);
    assertThatThrownBy(() -> NetnsPrivileges.require(missing, true)).isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("CI runs the network-namespace tests: needs CAP_SYS_ADMIN");
    assertThatThrownBy(() -> NetnsPrivileges.require(missing, false)).isInstanceOf(TestAbortedException.class);
    NetnsPrivileges.require(null, true); // nothing missing: runs, in CI or not
  }
}
