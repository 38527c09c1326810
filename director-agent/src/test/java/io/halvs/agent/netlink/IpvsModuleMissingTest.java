package io.halvs.agent.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.halvs.agent.kernel.KernelModuleMissing;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A kernel without the ip_vs module answers the family lookup with ENOENT: the agent says what to do. */
class IpvsModuleMissingTest {
  @Test
  void theMissingFamilyIsReportedAsTheMissingModuleWithTheRemedy() {
    // Kernels with IPVS (loaded, or loadable on lookup since 5.16) answer; this test needs one without.
    assumeFalse(Files.exists(Path.of("/proc/net/ip_vs")) || Files.exists(Path.of("/proc/modules")),
        "this kernel has IPVS or can load it");
    assertThatThrownBy(NetlinkIpvsKernel::new).isInstanceOfSatisfying(KernelModuleMissing.class, e -> {
      assertThat(e.module()).isEqualTo("ip_vs");
      assertThat(e.problem()).isEqualTo("kernel module ip_vs not loaded; load it at boot (/etc/modules-load.d) or "
          + "enable the load-modules init container");
      assertThat(e.getMessage()).isEqualTo("generic netlink family IPVS not found: " + e.problem());
    });
  }
}
