package io.halvs.agent.netlink;

import static io.halvs.agent.netlink.NetlinkIpvsKernel.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.halvs.agent.kernel.IpvsException;
import io.halvs.agent.kernel.IpvsInfo;
import io.halvs.agent.kernel.IpvsTimeouts;
import io.halvs.agent.kernel.KernelDestination;
import io.halvs.agent.kernel.KernelModuleMissing;
import io.halvs.agent.kernel.KernelService;
import io.halvs.agent.kernel.SyncDaemon;
import io.halvs.plan.IpAddress;
import io.halvs.plan.ServiceKey;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * How replies are read: multipart dumps spread over datagrams and ended by NLMSG_DONE, NLMSG_ERROR with the
 * kernel's extended ACK, late replies to an earlier request, unknown, truncated and short attributes, and
 * malformed messages — each ending in a result or an IpvsException, never another exception. Replies are hand
 * built (raw bytes where the point is the layout) and served by a scripted kernel: no root.
 */
class IpvsReplyParsingTest {
  static final ServiceKey WEB = IpvsRequestBytesTest.WEB;
  final ScriptedKernel kernel = new ScriptedKernel();

  @BeforeAll
  static void littleEndian() {
    assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "raw replies here are little-endian");
  }

  /** One dumped service as the kernel sends it: IPVS_CMD_NEW_SERVICE with the nested service and its stats. */
  static byte[] service(int seq, String address, int port, String scheduler) {
    Message m = ScriptedKernel.ipvs(CMD_NEW_SERVICE, true).begin(ATTR_SERVICE).u16(SVC_AF, IpAddress.AF_INET)
        .u16(SVC_PROTOCOL, IPPROTO_TCP).bytes(SVC_ADDR, inetAddr(IpAddress.parse(address))).be16(SVC_PORT, port)
        .string(SVC_SCHED_NAME, scheduler).bytes(SVC_FLAGS, flags(F_HASHED | 0x1, 0xffffffff)).u32(SVC_TIMEOUT, 300)
        .be32(SVC_NETMASK, 0xffffffffL).begin(SVC_STATS64).u64(1, 11).u64(2, 22).u64(3, 33).u64(4, 44).u64(5, 55)
        .end().end();
    return m.toBytes(seq);
  }

  @Test
  void familyResolutionReadsTheIdFromTheControllersReply() {
    kernel.answer((r, seq) -> List.of(ScriptedKernel.datagram(ScriptedKernel.familyReply(seq, 0x1c),
        ScriptedKernel.ack(seq))));
    try (NetlinkIpvsKernel k = new NetlinkIpvsKernel(new NetlinkSocket(kernel, LibC.NETLINK_GENERIC))) {
      kernel.answer((r, seq) -> List.of(ScriptedKernel.ack(seq)));
      k.flush();
      assertThat(ByteBuffer.wrap(kernel.sent.get(1)).order(ByteOrder.nativeOrder()).getShort(4)).isEqualTo((short) 0x1c);
    }
  }

  @Test
  void anUnknownFamilyIsAMissingModule() {
    kernel.answer((r, seq) -> List.of(ScriptedKernel.error(seq, Errno.ENOENT, r, null)));
    assertThatThrownBy(() -> new NetlinkIpvsKernel(new NetlinkSocket(kernel, LibC.NETLINK_GENERIC)))
        .isInstanceOf(KernelModuleMissing.class).hasMessageContaining("ip_vs");
    assertThat(kernel.closeCalls).as("the socket is closed on failure").isEqualTo(1);
  }

  @Test
  void aMultipartDumpSpansDatagramsUntilNlmsgDone() {
    kernel.answer((r, seq) -> List.of(
        ScriptedKernel.datagram(service(seq, "10.0.0.1", 80, "rr"), service(seq, "10.0.0.2", 443, "wlc")),
        ScriptedKernel.datagram(service(seq, "10.0.0.3", 53, "sh"), ScriptedKernel.done(seq))));
    try (NetlinkIpvsKernel k = kernel.ipvs()) {
      List<KernelService> s = k.services();
      assertThat(s).extracting(x -> x.key().toString()).containsExactly("10.0.0.1:80/TCP", "10.0.0.2:443/TCP",
          "10.0.0.3:53/TCP");
      KernelService first = s.get(0);
      assertThat(first.scheduler()).isEqualTo("rr");
      assertThat(first.flags()).as("IP_VS_SVC_F_HASHED is the kernel's, not ours").isEqualTo(0x1);
      assertThat(first.timeoutSeconds()).isEqualTo(300);
      assertThat(first.netmask()).isEqualTo(0xffffffffL);
      assertThat(first.stats().connections()).isEqualTo(11);
      assertThat(first.stats().outBytes()).isEqualTo(55);
    }
  }

  @Test
  void lateRepliesToAnEarlierRequestAreSkipped() {
    kernel.answer((r, seq) -> List.of(ScriptedKernel.datagram(service(seq - 1, "10.9.9.9", 1, "rr"),
        ScriptedKernel.done(seq - 1), service(seq, "10.0.0.1", 80, "rr"), ScriptedKernel.done(seq))));
    try (NetlinkIpvsKernel k = kernel.ipvs()) {
      assertThat(k.services()).extracting(x -> x.key().toString()).containsExactly("10.0.0.1:80/TCP");
    }
  }

  @Test
  void anErrorWithExtendedAckCarriesTheKernelsText() {
    kernel.answer((r, seq) -> List.of(ScriptedKernel.error(seq, Errno.EEXIST, r, "Service already exists")));
    try (NetlinkIpvsKernel k = kernel.ipvs()) {
      assertThatThrownBy(() -> k.addService(new KernelService(WEB, "rr", 0, 0, 0xffffffffL, null)))
          .isInstanceOfSatisfying(IpvsException.class, e -> {
            assertThat(e.errno()).isEqualTo(Errno.EEXIST);
            assertThat(e.operation()).isEqualTo("add service");
            assertThat(e.object()).isEqualTo("10.0.0.1:80/TCP");
          }).hasMessageContaining("EEXIST").hasMessageContaining("Service already exists");
    }
  }

  @Test
  void anUncappedErrorEchoesTheWholeRequestBeforeTheAttributes() {
    // NLMSG_ERROR without NLM_F_CAPPED: error, the full request (padded), then NLMSGERR_ATTR_MSG.
    kernel.answer((r, seq) -> {
      int echoed = (r.length + 3) & ~3;
      byte[] msg = "bad weight\0".getBytes(java.nio.charset.StandardCharsets.UTF_8);
      int attr = (4 + msg.length + 3) & ~3;
      ByteBuffer b = ByteBuffer.allocate(16 + 4 + echoed + attr).order(ByteOrder.nativeOrder());
      b.putInt(b.capacity()).putShort((short) Message.NLMSG_ERROR).putShort((short) 0x200).putInt(seq).putInt(0)
          .putInt(-Errno.EINVAL).put(r).position(20 + echoed);
      b.putShort((short) (4 + msg.length)).putShort((short) 1).put(msg);
      return List.of(b.array());
    });
    try (NetlinkIpvsKernel k = kernel.ipvs()) {
      assertThatThrownBy(() -> k.addDestination(WEB, IpvsRequestBytesTest.BACKEND))
          .isInstanceOf(IpvsException.class).hasMessageContaining("EINVAL").hasMessageContaining("bad weight");
    }
  }

  @Test
  void anErrorWithoutExtendedAckStillNamesTheErrno() {
    kernel.answer((r, seq) -> List.of(ScriptedKernel.error(seq, Errno.ESRCH, r, null)));
    try (NetlinkIpvsKernel k = kernel.ipvs()) {
      assertThatThrownBy(() -> k.deleteService(WEB)).isInstanceOf(IpvsException.class)
          .hasMessage("delete service 10.0.0.1:80/TCP: ESRCH: no such service (errno 3)");
    }
  }

  @Test
  void unknownAttributesAreSkipped() {
    kernel.answer((r, seq) -> List.of(ScriptedKernel.datagram(ScriptedKernel.ipvs(CMD_NEW_SERVICE, true)
        .u32(63, 1).bytes(0x3ffe, new byte[5]) // unknown top-level attributes, one beyond the index
        .begin(ATTR_SERVICE).u16(SVC_AF, IpAddress.AF_INET).u32(40, 7).u16(SVC_PROTOCOL, IPPROTO_UDP)
        .bytes(SVC_ADDR, inetAddr(IpAddress.parse("10.0.0.9"))).be16(SVC_PORT, 53).string(SVC_SCHED_NAME, "rr")
        .bytes(1000, new byte[3]).end().toBytes(seq), ScriptedKernel.done(seq))));
    try (NetlinkIpvsKernel k = kernel.ipvs()) {
      assertThat(k.services()).extracting(x -> x.key().toString()).containsExactly("10.0.0.9:53/UDP");
    }
  }

  @Test
  void anAttributeRunningPastItsNestIsTruncatedThere() {
    // The nest says 40 bytes; its last attribute claims 24 of which only 8 are inside: parsing stops before it.
    kernel.answer((r, seq) -> List.of(ScriptedKernel.datagram(raw(seq, """
        28 00 01 80
          06 00 01 00 02 00 00 00
          06 00 02 00 06 00 00 00
          14 00 03 00 0a 00 00 01 00 00 00 00 00 00 00 00 00 00 00 00
          18 00 06 00 72 72 00 00
        """), ScriptedKernel.done(seq))));
    try (NetlinkIpvsKernel k = kernel.ipvs()) {
      List<KernelService> s = k.services();
      assertThat(s).singleElement().satisfies(x -> {
        assertThat(x.key().toString()).isEqualTo("10.0.0.1:0/TCP");
        assertThat(x.scheduler()).isNull();
      });
    }
  }

  @Test
  void aValueShorterThanItsTypeIsAnErrorNotAReadPastIt() {
    kernel.answer((r, seq) -> List.of(ScriptedKernel.datagram(raw(seq, """
        14 00 01 80
          06 00 01 00 02 00 00 00
          06 00 05 00 07 00 00 00     # IPVS_SVC_ATTR_FWMARK with 2 bytes where a u32 belongs
        """), ScriptedKernel.done(seq))));
    try (NetlinkIpvsKernel k = kernel.ipvs()) {
      assertThatThrownBy(k::services).isInstanceOf(IpvsException.class)
          .hasMessageContaining("list IPVS services").hasMessageContaining("attribute 5 has 2 bytes, expected 4");
    }
  }

  @Test
  void aServiceWithoutAddressOrKnownProtocolIsRefused() {
    kernel.answer((r, seq) -> List.of(ScriptedKernel.datagram(ScriptedKernel.ipvs(CMD_NEW_SERVICE, true)
        .begin(ATTR_SERVICE).u16(SVC_AF, IpAddress.AF_INET).u16(SVC_PROTOCOL, 99).be16(SVC_PORT, 1).end()
        .toBytes(seq), ScriptedKernel.done(seq))));
    try (NetlinkIpvsKernel k = kernel.ipvs()) {
      assertThatThrownBy(k::services).isInstanceOf(IpvsException.class).hasMessageContaining("EINVAL");
    }
  }

  @Test
  void aMessageLongerThanItsDatagramIsTruncated() {
    kernel.answer((r, seq) -> {
      byte[] s = service(seq, "10.0.0.1", 80, "rr");
      return List.of(java.util.Arrays.copyOf(s, s.length - 8));
    });
    try (NetlinkIpvsKernel k = kernel.ipvs()) {
      assertThatThrownBy(k::services).isInstanceOf(IpvsException.class).hasMessageContaining("truncated");
    }
  }

  @Test
  void aLengthNearTwoToTheThirtyFirstDoesNotWrapPastTheBoundsCheck() {
    // p + len overflowed to a negative number and passed "p + len > n": the parser then walked off the buffer.
    ByteBuffer b = ByteBuffer.allocate(48).order(ByteOrder.nativeOrder());
    b.putInt(0, 16).putShort(4, (short) 1).putInt(8, 5); // a NLMSG_NOOP at offset 0
    b.putInt(16, 0x7ffffff8).putShort(20, (short) 0x24).putInt(24, 5);
    List<Object> out = new ArrayList<>();
    assertThatThrownBy(() -> NetlinkSocket.parse("list", b, 5, r -> r, out)).isInstanceOf(NetlinkException.class)
        .hasMessageContaining("truncated netlink message (length 2147483640 at offset 16 of 48)");
  }

  @Test
  void anErrorMessageTooShortForItsCodeIsTruncated() {
    kernel.answer((r, seq) -> List.of(raw16(seq, Message.NLMSG_ERROR, 18)));
    try (NetlinkIpvsKernel k = kernel.ipvs()) {
      assertThatThrownBy(k::flush).isInstanceOf(IpvsException.class).hasMessageContaining("truncated NLMSG_ERROR");
    }
  }

  @Test
  void anExtendedAckWithABogusEchoedLengthIsIgnored() {
    kernel.answer((r, seq) -> {
      byte[] e = ScriptedKernel.error(seq, Errno.EINVAL, r, "text");
      ByteBuffer b = ByteBuffer.wrap(e).order(ByteOrder.nativeOrder());
      b.putShort(6, (short) 0x200); // not capped: the echoed length decides where attributes start
      b.putInt(20, 0x80000000); // and it is negative
      return List.of(e);
    });
    try (NetlinkIpvsKernel k = kernel.ipvs()) {
      assertThatThrownBy(k::flush).isInstanceOf(IpvsException.class).hasMessage(
          "flush all services: EINVAL: invalid argument (errno 22)");
    }
  }

  @Test
  void anOverrunIsReportedAsLostMessages() {
    kernel.answer((r, seq) -> List.of(raw16(seq, NetlinkSocket.NLMSG_OVERRUN, 16)));
    try (NetlinkIpvsKernel k = kernel.ipvs()) {
      assertThatThrownBy(k::daemons).isInstanceOf(IpvsException.class).hasMessageContaining("ENOBUFS");
    }
  }

  @Test
  void aKernelThatNeverAnswersTimesOutAsAnIpvsException() {
    kernel.answer((r, seq) -> List.of());
    try (NetlinkIpvsKernel k = kernel.ipvs()) {
      assertThatThrownBy(k::services).isInstanceOf(IpvsException.class)
          .hasMessageContaining("no answer from the kernel in 10 s");
    }
  }

  @Test
  void everyDumpAndGetFailsWithinTheContract() {
    // NetlinkException used to escape services(), daemons(), info() and timeouts().
    kernel.answer((r, seq) -> List.of(-Errno.ENOBUFS));
    try (NetlinkIpvsKernel k = kernel.ipvs()) {
      for (Runnable call : List.<Runnable>of(k::services, () -> k.destinations(WEB), k::daemons, k::info,
          k::timeouts)) {
        assertThatThrownBy(call::run).isInstanceOf(IpvsException.class).hasMessageContaining("ENOBUFS");
      }
    }
  }

  @Test
  void destinationsWithCountersAndStats() {
    kernel.answer((r, seq) -> List.of(ScriptedKernel.datagram(ScriptedKernel.ipvs(CMD_NEW_DEST, true)
        .begin(ATTR_DEST).bytes(DEST_ADDR, inetAddr(IpAddress.parse("10.1.0.5"))).be16(DEST_PORT, 8080)
        .u32(DEST_FWD_METHOD, KernelDestination.FWD_DROUTE).u32(DEST_WEIGHT, 100).u32(DEST_U_THRESH, 0)
        .u32(DEST_L_THRESH, 0).u32(DEST_ACTIVE_CONNS, 3).u32(DEST_INACT_CONNS, 4).u32(DEST_PERSIST_CONNS, 5)
        .u16(DEST_ADDR_FAMILY, IpAddress.AF_INET).begin(DEST_STATS).u32(1, 9).u64(4, 1L << 40).end().end()
        .toBytes(seq), ScriptedKernel.done(seq))));
    try (NetlinkIpvsKernel k = kernel.ipvs()) {
      KernelDestination d = k.destinations(WEB).get(0);
      assertThat(d.address().withPort(d.port())).isEqualTo("10.1.0.5:8080");
      assertThat(d.forwardMethod()).isEqualTo(KernelDestination.FWD_DROUTE);
      assertThat(d.weight()).isEqualTo(100);
      assertThat(List.of(d.activeConnections(), d.inactiveConnections(), d.persistentConnections()))
          .containsExactly(3L, 4L, 5L);
      assertThat(d.stats().connections()).as("32-bit stats").isEqualTo(9);
      assertThat(d.stats().inBytes()).as("bytes are 64-bit even there").isEqualTo(1L << 40);
    }
  }

  /**
   * A dump's parse allocates per destination what the destination is, not per attribute type: each destination
   * is three attribute sets (the message's, the destination's, its stats'), which were two arrays of 64 types
   * each and a buffer view apiece: 2,235 bytes per destination here, 224 MB for a dump of 100,000 (each resync,
   * each scrape of /metrics); 747 now. Counts the bytes the dumping thread allocates for 2,000 destinations as a
   * 6.1 kernel sends them (32- and 64-bit stats), the datagrams built beforehand.
   */
  @Test
  void aDestinationDumpAllocatesLittlePerDestination() {
    int n = 2000;
    List<byte[]> datagrams = new ArrayList<>();
    List<byte[]> batch = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      batch.add(ScriptedKernel.ipvs(CMD_NEW_DEST, true).begin(ATTR_DEST)
          .bytes(DEST_ADDR, inetAddr(IpAddress.parse("10.1." + (i >> 8) + "." + (i & 255)))).be16(DEST_PORT, 8080)
          .u32(DEST_FWD_METHOD, KernelDestination.FWD_MASQ).u32(DEST_WEIGHT, 100).u32(DEST_U_THRESH, 0)
          .u32(DEST_L_THRESH, 0).u32(DEST_ACTIVE_CONNS, 3).u32(DEST_INACT_CONNS, 4).u32(DEST_PERSIST_CONNS, 5)
          .u16(DEST_ADDR_FAMILY, IpAddress.AF_INET)
          .begin(DEST_STATS).u32(1, 9).u32(2, 8).u32(3, 7).u64(4, 6).u64(5, 5).u32(6, 4).u32(7, 3).u32(8, 2).u32(9, 1)
          .u64(10, 0).u64(11, 0).end()
          .begin(DEST_STATS64).u64(1, 9).u64(2, 8).u64(3, 7).u64(4, 6).u64(5, 5).u64(6, 4).u64(7, 3).u64(8, 2)
          .u64(9, 1).u64(10, 0).u64(11, 0).end().end().toBytes(0));
      if (batch.size() == 40 || i == n - 1) {
        datagrams.add(ScriptedKernel.datagram(batch.toArray(new byte[0][])));
        batch.clear();
      }
    }
    kernel.answer((r, seq) -> {
      List<Object> out = new ArrayList<>();
      for (byte[] d : datagrams) { // the request's sequence number written into each message, in place
        ByteBuffer b = ByteBuffer.wrap(d).order(ByteOrder.nativeOrder());
        for (int p = 0; p + 16 <= d.length; p += (b.getInt(p) + 3) & ~3) {
          b.putInt(p + 8, seq);
        }
        out.add(d);
      }
      out.add(ScriptedKernel.done(seq));
      return out;
    });
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    try (NetlinkIpvsKernel k = kernel.ipvs()) {
      long perDestination = Long.MAX_VALUE;
      for (int round = 0; round < 5; round++) { // the least of five: the first ones load classes
        long before = mx.getCurrentThreadAllocatedBytes();
        assertThat(k.destinations(WEB)).hasSize(n);
        perDestination = Math.min(perDestination, (mx.getCurrentThreadAllocatedBytes() - before) / n);
      }
      System.out.printf("a dump of %d destinations: %d bytes allocated per destination%n", n, perDestination);
      assertThat(perDestination).as("bytes allocated per destination").isLessThan(1000);
    }
  }

  @Test
  void daemonsInfoAndTimeouts() {
    kernel.answer((r, seq) -> switch (r[16]) {
      case CMD_GET_DAEMON -> List.of(ScriptedKernel.datagram(ScriptedKernel.ipvs(CMD_NEW_DAEMON, true)
          .begin(ATTR_DAEMON).u32(DAEMON_STATE, SyncDaemon.MASTER).string(DAEMON_MCAST_IFN, "eth1")
          .u32(DAEMON_SYNC_ID, 7).u16(DAEMON_SYNC_MAXLEN, 1472).bytes(DAEMON_MCAST_GROUP, new byte[] {(byte) 239, 0,
              0, 81}).u16(DAEMON_MCAST_PORT, 8848).u8(DAEMON_MCAST_TTL, 1).end().toBytes(seq),
          ScriptedKernel.done(seq)));
      case CMD_GET_INFO -> List.of(ScriptedKernel.ipvs(CMD_GET_INFO, false).u32(INFO_VERSION, 0x010203)
          .u32(INFO_CONN_TAB_SIZE, 4096).toBytes(seq), ScriptedKernel.ack(seq));
      default -> List.of(ScriptedKernel.datagram(ScriptedKernel.ipvs(CMD_GET_CONFIG, false)
          .u32(ATTR_TIMEOUT_TCP, 900).u32(ATTR_TIMEOUT_TCP_FIN, 120).u32(ATTR_TIMEOUT_UDP, 300).toBytes(seq),
          ScriptedKernel.ack(seq)));
    });
    try (NetlinkIpvsKernel k = kernel.ipvs()) {
      assertThat(k.daemons()).containsExactly(
          new SyncDaemon(SyncDaemon.MASTER, "eth1", 7, 1472, IpAddress.parse("239.0.0.81"), 8848, 1));
      assertThat(k.info()).isEqualTo(new IpvsInfo(0x010203, 4096));
      assertThat(k.timeouts()).isEqualTo(new IpvsTimeouts(900, 120, 300));
    }
  }

  @Test
  void aDaemonGroupOfTheWrongSizeIsRefused() {
    kernel.answer((r, seq) -> List.of(ScriptedKernel.datagram(ScriptedKernel.ipvs(CMD_NEW_DAEMON, true)
        .begin(ATTR_DAEMON).u32(DAEMON_STATE, 1).string(DAEMON_MCAST_IFN, "eth1")
        .bytes(DAEMON_MCAST_GROUP6, new byte[5]).end().toBytes(seq), ScriptedKernel.done(seq))));
    try (NetlinkIpvsKernel k = kernel.ipvs()) {
      assertThatThrownBy(k::daemons).isInstanceOf(IpvsException.class)
          .hasMessageContaining("multicast group of 5 bytes");
    }
  }

  @Test
  void anInterfaceAddressOfTheWrongSizeIsRefused() {
    // Found by NetlinkFuzzTest: an 8-byte IFA_LOCAL reached IpAddress.ofBytes and threw IllegalArgumentException.
    kernel.answer((r, seq) -> List.of(ScriptedKernel.datagram(new Message(AddressTable.RTM_NEWADDR, Message.F_MULTI)
        .raw(new byte[] {2, 32, 0, 0, 1, 0, 0, 0}).bytes(AddressTable.IFA_LOCAL, new byte[8]).toBytes(seq),
        ScriptedKernel.done(seq))));
    try (AddressTable t = new AddressTable(new NetlinkSocket(kernel, LibC.NETLINK_ROUTE))) {
      assertThatThrownBy(() -> t.list(null)).isInstanceOf(NetlinkException.class)
          .hasMessageContaining("address of 8 bytes in family 2");
    }
  }

  /** An IPVS_CMD_NEW_SERVICE dump part (F_MULTI) whose attributes are the given hex. */
  static byte[] raw(int seq, String attributesHex) {
    byte[] attrs = ScriptedKernel.hex(attributesHex);
    ByteBuffer b = ByteBuffer.allocate(20 + attrs.length).order(ByteOrder.nativeOrder());
    b.putInt(b.capacity()).putShort((short) ScriptedKernel.IPVS_FAMILY).putShort(Message.F_MULTI).putInt(seq)
        .putInt(0).put((byte) CMD_NEW_SERVICE).put((byte) 1).putShort((short) 0).put(attrs);
    return b.array();
  }

  /** A bare header of the given type and declared length, in a datagram of at least 16 bytes. */
  static byte[] raw16(int seq, int type, int length) {
    ByteBuffer b = ByteBuffer.allocate(Math.max(16, length)).order(ByteOrder.nativeOrder());
    b.putInt(length).putShort((short) type).putShort((short) 0).putInt(seq).putInt(0);
    return b.array();
  }
}
