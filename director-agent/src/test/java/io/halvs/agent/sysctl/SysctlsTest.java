package io.halvs.agent.sysctl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SysctlsTest {
  @Test
  void dottedNamesKeepInterfaceNamesWhole(@TempDir Path root) {
    Sysctls s = new Sysctls(root);
    assertThat(s.path("net.ipv4.conf.eth0.100.arp_ignore")).isEqualTo(root.resolve("net/ipv4/conf/eth0.100/arp_ignore"));
    assertThat(s.path("net.ipv4.vs.expire_nodest_conn")).isEqualTo(root.resolve("net/ipv4/vs/expire_nodest_conn"));
    assertThat(s.path("net.ipv6.conf.all.forwarding")).isEqualTo(root.resolve("net/ipv6/conf/all/forwarding"));
  }

  @Test
  void writesOnlyWhatDiffersAndRemembersTheOldValue(@TempDir Path root) throws Exception {
    Path f = root.resolve("net/ipv4/ip_forward");
    Files.createDirectories(f.getParent());
    Files.writeString(f, "0\n");
    Sysctls s = new Sysctls(root);
    assertThat(s.apply(Map.of("net.ipv4.ip_forward", "1"))).extracting(Sysctls.Change::toString)
        .containsExactly("net.ipv4.ip_forward 0 -> 1");
    assertThat(s.apply(Map.of("net.ipv4.ip_forward", "1"))).isEmpty();
    assertThat(s.previous()).containsEntry("net.ipv4.ip_forward", "0");
    assertThat(Files.readString(f)).isEqualTo("1");
  }

  @Test
  void aPairValueThatReadsBackTabSeparatedIsNotRewritten(@TempDir Path root) throws Exception {
    Path f = root.resolve("net/ipv4/vs/sync_threshold");
    Files.createDirectories(f.getParent());
    Files.writeString(f, "3\t50\n");
    Sysctls s = new Sysctls(root);
    assertThat(s.apply(Map.of("net.ipv4.vs.sync_threshold", "3 0"))).hasSize(1);
    Files.writeString(f, "3\t0\n"); // as the kernel prints it
    assertThat(s.apply(Map.of("net.ipv4.vs.sync_threshold", "3 0"))).isEmpty();
  }
}
