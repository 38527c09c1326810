package io.halvs.agent.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import io.halvs.plan.IpAddress;
import org.junit.jupiter.api.Test;

/** The in-memory table answers as rtnetlink does: add twice is "already there", remove of nothing is false. */
class AddressTableInMemoryTest {
  @Test
  void addsListsAndRemovesWithoutTouchingTheHost() {
    try (AddressTable t = AddressTable.inMemory()) {
      IpAddress vip = IpAddress.parse("192.0.2.110");
      assertThat(t.isInMemory()).isTrue();
      assertThat(t.add("eth0", vip, 32, "eth0:hv")).isTrue();
      assertThat(t.add("eth0", vip, 32, "eth0:hv")).isFalse();
      assertThat(t.add("eth1", IpAddress.parse("2001:db8::1"), 128, "eth1:hv")).isTrue();
      assertThat(t.list("eth0")).containsExactly(new AddressTable.Address("eth0", 0, vip, 32, "eth0:hv"));
      assertThat(t.list("eth1").get(0).label()).as("IPv6 has no labels").isNull();
      assertThat(t.list(null)).hasSize(2);
      assertThat(t.list("eth2")).isEmpty();
      assertThat(t.remove("eth0", vip, 24)).isFalse();
      assertThat(t.remove("eth0", vip, 32)).isTrue();
      assertThat(t.remove("eth0", vip, 32)).isFalse();
      assertThat(t.list("eth0")).isEmpty();
    }
  }
}
