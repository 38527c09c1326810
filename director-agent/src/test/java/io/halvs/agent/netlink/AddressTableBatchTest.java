package io.halvs.agent.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.halvs.plan.IpAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Many addresses in few requests, against a scripted kernel (no root): a datagram of up to PER_DATAGRAM messages,
 * each answered on its own as the kernel answers them, and one refusal stops none of the others.
 */
class AddressTableBatchTest {
  final ScriptedKernel kernel = new ScriptedKernel();

  /** Answers every message of a datagram (one answer each, as the kernel sends them), refusing the addresses given. */
  ScriptedKernel answering(Map<String, Integer> refuse) {
    return kernel.answer((datagram, firstSeq) -> {
      List<Object> answers = new ArrayList<>();
      ByteBuffer b = ByteBuffer.wrap(datagram).order(ByteOrder.nativeOrder());
      for (int p = 0; p < datagram.length; ) {
        int len = b.getInt(p);
        int seq = b.getInt(p + 8);
        byte[] address = new byte[4];
        b.get(p + Message.HEADER + 8 + 4, address); // ifaddrmsg, then IFA_LOCAL's header, then its IPv4 value
        Integer errno = refuse.get(IpAddress.ofBytes(address).toString());
        answers.add(errno == null ? ScriptedKernel.ack(seq)
            : ScriptedKernel.error(seq, errno, java.util.Arrays.copyOfRange(datagram, p, p + len),
                errno == Errno.EINVAL ? "Invalid prefix" : null));
        p += (len + 3) & ~3;
      }
      return answers;
    });
  }

  static List<AddressTable.Change> vips(int n) {
    List<AddressTable.Change> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new AddressTable.Change(IpAddress.parse("10.100." + i / 250 + "." + (i % 250 + 1)), 32, "lo:hv"));
    }
    return out;
  }

  @Test
  void addressesGoAFullDatagramAtATimeAndARefusalStopsNoneOfTheOthers() {
    List<AddressTable.Change> changes = vips(130);
    try (AddressTable t = new AddressTable(new NetlinkSocket(answering(Map.of("10.100.0.5", Errno.EEXIST,
        "10.100.0.70", Errno.EINVAL)), LibC.NETLINK_ROUTE))) {
      List<AddressTable.Outcome> outcomes = t.addAll("lo", changes);

      assertThat(kernel.sent).as("130 adds: datagrams of 64, 64 and 2").hasSize(3);
      assertThat(kernel.sent).extracting(d -> d.length / 52).containsExactly(64, 64, 2); // 52 bytes a labelled add
      assertThat(outcomes).extracting(AddressTable.Outcome::change).containsExactlyElementsOf(changes);
      assertThat(outcomes.stream().filter(AddressTable.Outcome::done).count()).isEqualTo(128);
      AddressTable.Outcome present = outcomes.get(4);
      assertThat(present.done()).isFalse();
      assertThat(present.failure()).as("already there: nothing to do, not a failure").isNull();
      AddressTable.Outcome refused = outcomes.get(69);
      assertThat(refused.done()).isFalse();
      assertThat(refused.failure()).hasMessageContaining("10.100.0.70/32").hasMessageContaining("on lo")
          .hasMessageContaining("EINVAL").hasMessageContaining("Invalid prefix");
      assertThat(outcomes.get(70).done()).as("the one after the refusal, in the same datagram").isTrue();
    }
    assertThat(kernel.misuse).isEmpty();
  }

  @Test
  void removalsGoTheSameWayAndWhatIsGoneIsNothingToDo() {
    try (AddressTable t = new AddressTable(new NetlinkSocket(answering(Map.of("10.100.0.2",
        Errno.EADDRNOTAVAIL)), LibC.NETLINK_ROUTE))) {
      List<AddressTable.Outcome> outcomes = t.removeAll("lo", vips(3));
      assertThat(kernel.sent).hasSize(1);
      assertThat(outcomes).extracting(AddressTable.Outcome::done).containsExactly(true, false, true);
      assertThat(outcomes).extracting(AddressTable.Outcome::failure).containsOnlyNulls();
      assertThat(t.addAll("lo", List.of())).isEmpty();
      assertThat(kernel.sent).as("nothing to add: nothing sent").hasSize(1);
    }
  }

  @Test
  void answersMissingForARequestFailTheCallRatherThanHangIt() {
    // the kernel answers only the first message: the rest never come, and the receive times out (EAGAIN)
    kernel.answer((datagram, seq) -> List.of(ScriptedKernel.ack(seq)));
    try (AddressTable t = new AddressTable(new NetlinkSocket(kernel, LibC.NETLINK_ROUTE))) {
      assertThatThrownBy(() -> t.addAll("lo", vips(3))).isInstanceOf(NetlinkException.class)
          .hasMessageContaining("EAGAIN").hasMessageContaining("no answer from the kernel");
    }
  }
}
