package io.halvs.agent.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.halvs.agent.sysctl.Sysctls;
import io.halvs.agent.testing.NetnsPrivileges;
import io.halvs.plan.IpAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * rtnetlink and sysctls against this machine's real kernel, in network namespaces the test makes (root only;
 * skipped otherwise). Everything it creates is deleted in @AfterAll, failed or not.
 */
public class AddressTableNetnsTest {
  static final String A = "halvs-test-a";
  static final String B = "halvs-test-b";

  /** Runs a command, returns its output; throws with the output when it fails (shared by the netns tests). */
  public static String sh(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + ": " + out);
    }
    return out.trim();
  }

  @BeforeAll
  static void namespaces() throws Exception {
    NetnsPrivileges.require();
    cleanup();
    sh("ip", "netns", "add", A);
    sh("ip", "netns", "add", B);
    sh("ip", "link", "add", "hvt0", "netns", A, "type", "veth", "peer", "name", "hvt1", "netns", B);
    sh("ip", "-n", A, "link", "set", "hvt0", "up");
    sh("ip", "-n", B, "link", "set", "hvt1", "up");
  }

  @AfterAll
  static void cleanup() {
    for (String ns : List.of(A, B)) {
      try {
        sh("ip", "netns", "del", ns);
      } catch (Exception ignored) {
        // not there
      }
    }
  }

  @Test
  void vipsAreAddedListedAndRemovedWithTheirLabel() throws Exception {
    IpAddress vip = IpAddress.parse("198.51.100.10");
    IpAddress vip6 = IpAddress.parse("2001:db8::10");
    NetNamespace.run(A, () -> {
      try (AddressTable t = new AddressTable()) {
        assertThat(t.add("hvt0", vip, 32, "hvt0:hv")).isTrue();
        assertThat(t.add("hvt0", vip, 32, "hvt0:hv")).as("already there: EEXIST, not an error").isFalse();
        assertThat(t.add("hvt0", vip6, 128, null)).isTrue();
        assertThat(t.list("hvt0")).extracting(a -> a.address() + "/" + a.prefixLength() + " " + a.label())
            .contains("198.51.100.10/32 hvt0:hv", "2001:db8::10/128 null");
        return null;
      }
    });
    assertThat(sh("ip", "-n", A, "-4", "addr", "show", "dev", "hvt0", "label", "hvt0:hv")).contains("198.51.100.10/32");
    assertThat(sh("ip", "-n", A, "-6", "addr", "show", "dev", "hvt0")).contains("2001:db8::10/128");
    NetNamespace.run(A, () -> {
      try (AddressTable t = new AddressTable()) {
        assertThat(t.remove("hvt0", vip, 32)).isTrue();
        assertThat(t.remove("hvt0", vip, 32)).as("already gone: EADDRNOTAVAIL, not an error").isFalse();
        assertThat(t.remove("hvt0", vip6, 128)).isTrue();
        assertThat(t.list("hvt0")).extracting(AddressTable.Address::address).doesNotContain(vip, vip6);
        return null;
      }
    });
  }

  /**
   * A takeover's adds, many to a datagram, against the real kernel: every address answered on its own, one already
   * there (nothing to do), one the kernel refuses (an IPv4 prefix of 33) without stopping the rest; then removed
   * the same way.
   */
  @Test
  void manyAddressesAreAddedAndRemovedAFewRequestsAtATime() throws Exception {
    List<AddressTable.Change> changes = new java.util.ArrayList<>();
    for (int i = 0; i < 150; i++) {
      changes.add(new AddressTable.Change(IpAddress.parse("203.0.113." + (i + 1)), i == 99 ? 33 : 32, "hvt0:hv"));
    }
    List<AddressTable.Outcome> added = NetNamespace.run(A, () -> {
      try (AddressTable t = new AddressTable()) {
        t.add("hvt0", IpAddress.parse("203.0.113.10"), 32, "hvt0:hv");
        return t.addAll("hvt0", changes);
      }
    });
    assertThat(added).extracting(AddressTable.Outcome::change).containsExactlyElementsOf(changes);
    assertThat(added.stream().filter(AddressTable.Outcome::done).count()).isEqualTo(148);
    assertThat(added.get(9).done()).as("203.0.113.10 was there already").isFalse();
    assertThat(added.get(9).failure()).isNull();
    assertThat(added.get(99).failure()).as("prefix 33 refused").hasMessageContaining("203.0.113.100/33")
        .hasMessageContaining("EINVAL");
    String listed = sh("ip", "-n", A, "-4", "-o", "addr", "show", "dev", "hvt0", "label", "hvt0:hv");
    assertThat(listed.lines().count()).isEqualTo(149);
    assertThat(listed).contains(" 203.0.113.150/32 ").doesNotContain(" 203.0.113.100/");

    List<AddressTable.Outcome> removed = NetNamespace.run(A, () -> {
      try (AddressTable t = new AddressTable()) {
        return t.removeAll("hvt0", changes);
      }
    });
    assertThat(removed.stream().filter(AddressTable.Outcome::done).count()).isEqualTo(149);
    assertThat(removed.get(99).done()).as("never added").isFalse();
    assertThat(sh("ip", "-n", A, "-4", "-o", "addr", "show", "dev", "hvt0", "label", "hvt0:hv")).isEmpty();
  }

  @Test
  void aMissingInterfaceIsAClearError() {
    assertThatThrownBy(() -> NetNamespace.run(A, () -> {
      try (AddressTable t = new AddressTable()) {
        return t.add("nope0", IpAddress.parse("198.51.100.11"), 32, null);
      }
    })).isInstanceOf(NetlinkException.class).hasMessageContaining("interface nope0").hasMessageContaining("ENODEV");
  }

  @Test
  void sysctlsApplyInTheNamespaceAndRememberThePreviousValue() throws Exception {
    List<Sysctls.Change> changes = NetNamespace.run(A, () -> new Sysctls(Path.of("/proc/sys")).apply(Map.of(
        "net.ipv4.conf.hvt0.arp_ignore", "1", "net.ipv4.conf.hvt0.arp_announce", "2",
        "net.ipv4.vs.expire_nodest_conn", "1")));
    assertThat(changes).extracting(Sysctls.Change::toString).contains("net.ipv4.conf.hvt0.arp_ignore 0 -> 1",
        "net.ipv4.conf.hvt0.arp_announce 0 -> 2");
    // This machine's kernel has no IPVS: the vs.* key fails clearly, the others still applied.
    assertThat(changes).filteredOn(c -> c.key().startsWith("net.ipv4.vs")).singleElement()
        .extracting(Sysctls.Change::error).asString().contains("is the ip_vs module loaded?");
    assertThat(sh("ip", "netns", "exec", A, "sysctl", "-n", "net.ipv4.conf.hvt0.arp_ignore")).isEqualTo("1");
    assertThat(sh("sysctl", "-n", "net.ipv4.conf.all.arp_ignore")).as("the host's own setting untouched").isEqualTo("0");
  }
}
