package io.halvs.agent.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import io.halvs.plan.IpAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The warm-up's table: each request built and its answers read as against the kernel, every change acknowledged
 * by the in-process stand-in (none would be if it answered a datagram's first message only: the socket would wait
 * for the rest and time out), nothing listed, no interface looked up. No root: nothing reaches the kernel.
 */
class RehearsalTest {
  @Test
  void everyChangeOfEveryDatagramIsAcknowledgedAndNothingIsListed() {
    List<AddressTable.Change> changes = AddressTableBatchTest.vips(130);
    try (AddressTable t = AddressTable.rehearsal()) {
      assertThat(t.list("no-such-interface0")).isEmpty();
      assertThat(t.addAll("no-such-interface0", changes)).hasSize(130).allMatch(AddressTable.Outcome::done);
      assertThat(t.removeAll("no-such-interface0", changes)).hasSize(130).allMatch(AddressTable.Outcome::done);
      assertThat(t.add("no-such-interface0", IpAddress.parse("2001:db8::1"), 128, null)).isTrue();
      assertThat(t.remove("no-such-interface0", IpAddress.parse("2001:db8::1"), 128)).isTrue();
    }
  }
}
