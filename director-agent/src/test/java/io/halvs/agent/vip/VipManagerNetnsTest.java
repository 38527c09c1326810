package io.halvs.agent.vip;

import static io.halvs.agent.netlink.AddressTableNetnsTest.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.halvs.agent.netlink.AddressTable;
import io.halvs.agent.netlink.NetNamespace;
import io.halvs.agent.netlink.NetlinkException;
import io.halvs.agent.testing.NetnsPrivileges;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A takeover's hold against the real kernel (root only; skipped otherwise): the VIPs go a request of many at a
 * time, each request's VIPs reach the announcer as soon as they are added, and one VIP the kernel refuses keeps
 * none of the others off the interface; the hold then fails with that VIP's reason.
 */
class VipManagerNetnsTest {
  static final String NS = "halvs-test-vip";

  @BeforeAll
  static void namespace() throws Exception {
    NetnsPrivileges.require();
    cleanup();
    sh("ip", "netns", "add", NS);
    sh("ip", "-n", NS, "link", "add", "hvv0", "type", "veth", "peer", "name", "hvv1");
    sh("ip", "-n", NS, "link", "set", "hvv0", "up");
  }

  @AfterAll
  static void cleanup() {
    try {
      sh("ip", "netns", "del", NS);
    } catch (Exception ignored) {
      // not there
    }
  }

  @Test
  void aRefusedVipKeepsNoneOfTheOthersOffAndEachRequestIsAnnouncedAsItIsDone() throws Exception {
    List<DirectorPlan.VipPlan> settings = new ArrayList<>();
    List<IpAddress> addresses = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      IpAddress a = IpAddress.parse("10.100." + i / 250 + "." + (i % 250 + 1));
      addresses.add(a);
      if (i == 130) {
        settings.add(new DirectorPlan.VipPlan(a, 33, "hvv0")); // well formed here, refused by the kernel
      }
    }
    DirectorPlan withSettings = new DirectorPlan("lvs", List.of("lvs-01", "lvs-02"), "hvv0", addresses, null,
        new TreeMap<>(), null, null, List.of(), null, settings, List.of());
    List<List<DirectorPlan.VipPlan>> streamed = new ArrayList<>();
    assertThatThrownBy(() -> NetNamespace.run(NS, () -> {
      try (AddressTable t = new AddressTable()) {
        return new VipManager(t).hold(withSettings, streamed::add);
      }
    })).isInstanceOf(VipManager.Refused.class).hasCauseInstanceOf(NetlinkException.class)
        .hasMessageContaining("10.100.0.131/33").hasMessageContaining("EINVAL")
        // what it did add, for the election's log line as a complete hold's
        .satisfies(e -> assertThat(((VipManager.Refused) e).changes()).hasSize(199)
            .allMatch(c -> c.startsWith("added vip ")).contains("added vip 10.100.0.200/32 on hvv0"));
    assertThat(streamed).as("four requests of 64, 64, 64 and 8, each announced").hasSize(4);
    assertThat(streamed.stream().mapToInt(List::size).sum()).isEqualTo(199);
    String listed = sh("ip", "-n", NS, "-4", "-o", "addr", "show", "dev", "hvv0", "label", "hvv0:hv");
    assertThat(listed.lines().count()).isEqualTo(199);
    assertThat(listed).contains(" 10.100.0.200/32 ").doesNotContain(" 10.100.0.131/");

    List<String> released = NetNamespace.run(NS, () -> {
      try (AddressTable t = new AddressTable()) {
        return new VipManager(t).release(withSettings);
      }
    });
    assertThat(released).hasSize(199);
    assertThat(sh("ip", "-n", NS, "-4", "-o", "addr", "show", "dev", "hvv0")).isEmpty();
  }
}
