package io.halvs.agent.netlink;

import static io.halvs.agent.netlink.NetlinkIpvsKernel.*;

import io.halvs.agent.kernel.IpvsException;
import io.halvs.agent.kernel.KernelService;
import io.halvs.agent.testing.Fuzz;
import io.halvs.plan.IpAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The netlink reply parser on any bytes: random datagrams, and valid replies (service, destination and daemon
 * dumps, info, timeouts, family, address, ACK, errors with extended ACK, NLMSG_DONE) mutated — bit flips,
 * extreme lengths, cut short, grown. Property: a result or NetlinkException (IpvsException through the
 * IpvsKernel), never another exception, no hang, memory bounded by the input. See {@link Fuzz} for running it
 * longer.
 */
class NetlinkFuzzTest {
  /** Replies are generated for this sequence number; the scripted kernel swaps in the real one. */
  static final int SEQ = 0x13572468;
  static final long BOUND = 4L << 20;

  static byte[] service(Random r) {
    Message m = ScriptedKernel.ipvs(CMD_NEW_SERVICE, true).begin(ATTR_SERVICE);
    boolean v6 = r.nextBoolean();
    m.u16(SVC_AF, v6 ? IpAddress.AF_INET6 : IpAddress.AF_INET);
    if (r.nextInt(4) == 0) {
      m.u32(SVC_FWMARK, 1 + r.nextInt(1000));
    } else {
      m.u16(SVC_PROTOCOL, IPPROTO_TCP).bytes(SVC_ADDR, new byte[16]).be16(SVC_PORT, r.nextInt(65536));
    }
    m.string(SVC_SCHED_NAME, "wlc").bytes(SVC_FLAGS, flags(r.nextInt(), -1)).u32(SVC_TIMEOUT, r.nextInt(1000));
    if (v6) {
      m.u32(SVC_NETMASK, 128);
    } else {
      m.be32(SVC_NETMASK, 0xffffffffL);
    }
    m.begin(r.nextBoolean() ? SVC_STATS64 : SVC_STATS);
    for (int t = 1; t <= 10; t++) {
      m.u64(t, r.nextLong());
    }
    return m.end().end().toBytes(SEQ);
  }

  static byte[] destination(Random r) {
    return ScriptedKernel.ipvs(CMD_NEW_DEST, true).begin(ATTR_DEST).bytes(DEST_ADDR, new byte[16])
        .be16(DEST_PORT, 80).u32(DEST_FWD_METHOD, r.nextInt(4)).u32(DEST_WEIGHT, r.nextInt(100))
        .u32(DEST_ACTIVE_CONNS, r.nextInt(9)).u16(DEST_ADDR_FAMILY, r.nextBoolean() ? 2 : 10)
        .u8(DEST_TUN_TYPE, 1).be16(DEST_TUN_PORT, 6080).u16(DEST_TUN_FLAGS, 1).begin(DEST_STATS64).u64(1, 5).end()
        .end().toBytes(SEQ);
  }

  static byte[] daemon(Random r) {
    Message m = ScriptedKernel.ipvs(CMD_NEW_DAEMON, true).begin(ATTR_DAEMON).u32(DAEMON_STATE, 1 + r.nextInt(2))
        .string(DAEMON_MCAST_IFN, "eth" + r.nextInt(9)).u32(DAEMON_SYNC_ID, r.nextInt(255))
        .u16(DAEMON_SYNC_MAXLEN, 1472).u16(DAEMON_MCAST_PORT, 8848).u8(DAEMON_MCAST_TTL, 1);
    m = r.nextBoolean() ? m.bytes(DAEMON_MCAST_GROUP, new byte[4]) : m.bytes(DAEMON_MCAST_GROUP6, new byte[16]);
    return m.end().toBytes(SEQ);
  }

  static byte[] address(Random r) {
    byte[] ifa = {2, 32, 0, 0, 1, 0, 0, 0};
    return new Message(AddressTable.RTM_GETADDR - 2, Message.F_MULTI).raw(ifa)
        .bytes(AddressTable.IFA_LOCAL, new byte[] {10, 0, 0, (byte) r.nextInt(255)})
        .string(AddressTable.IFA_LABEL, "eth0:hv").toBytes(SEQ);
  }

  static byte[] message(Random r) {
    return switch (r.nextInt(11)) {
      case 0, 1 -> service(r);
      case 2 -> destination(r);
      case 3 -> daemon(r);
      case 4 -> ScriptedKernel.ipvs(CMD_GET_INFO, false).u32(INFO_VERSION, 1).u32(INFO_CONN_TAB_SIZE, 4096)
          .toBytes(SEQ);
      case 5 -> ScriptedKernel.ipvs(CMD_GET_CONFIG, false).u32(ATTR_TIMEOUT_TCP, 900).u32(ATTR_TIMEOUT_TCP_FIN, 120)
          .u32(ATTR_TIMEOUT_UDP, 300).toBytes(SEQ);
      case 6 -> ScriptedKernel.familyReply(SEQ, 0x24);
      case 7 -> address(r);
      case 8 -> ScriptedKernel.error(SEQ, 1 + r.nextInt(130), r.nextBoolean() ? null : service(r),
          r.nextBoolean() ? null : "some reason");
      case 9 -> ScriptedKernel.ack(SEQ);
      default -> ScriptedKernel.done(SEQ);
    };
  }

  /** A datagram: random bytes, or one to four valid messages, mutated most of the time. */
  static byte[] datagram(Random r) {
    if (r.nextInt(8) == 0) {
      byte[] b = Fuzz.randomBytes(r, 512);
      if (b.length >= 12 && r.nextBoolean()) {
        ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).putInt(8, SEQ);
      }
      return b;
    }
    byte[][] messages = new byte[1 + r.nextInt(4)][];
    for (int i = 0; i < messages.length; i++) {
      messages[i] = message(r);
    }
    byte[] d = ScriptedKernel.datagram(messages);
    if (r.nextInt(3) == 0) {
      // Structure-aware: an extreme nlmsg_len, or an extreme nla_len/nla_type pair, of one of the messages.
      int at = 0;
      for (int i = r.nextInt(messages.length); i > 0; i--) {
        at += (messages[i - 1].length + 3) & ~3;
      }
      int msg = messages[messages.length - 1].length;
      Fuzz.extremeInt(r, d, r.nextBoolean() ? at : at + 16 + 4 * r.nextInt(Math.max(1, msg / 4 - 4)));
    }
    return r.nextInt(6) == 0 ? d : Fuzz.mutate(r, d);
  }

  /** Every decoder the agent has, applied to one reply. */
  static Object decodeAll(NetlinkSocket.Reply reply) {
    List<Object> out = new ArrayList<>();
    Attributes a = top(reply);
    Attributes svc = a.nested(ATTR_SERVICE);
    if (svc != null) {
      out.add(parseService(svc));
    }
    Attributes d = a.nested(ATTR_DEST);
    if (d != null) {
      out.add(parseDestination(d, IpAddress.AF_INET));
    }
    Attributes daemon = a.nested(ATTR_DAEMON);
    if (daemon != null) {
      out.add(parseDaemon(daemon));
    }
    out.add(a.u32(INFO_VERSION, 0) + a.u32(ATTR_TIMEOUT_TCP_FIN, 0) + a.u32(ATTR_TIMEOUT_UDP, 0));
    out.add(a.u16(GenericNetlink.CTRL_ATTR_FAMILY_ID, 0));
    out.add(a.string(GenericNetlink.CTRL_ATTR_FAMILY_NAME));
    return out;
  }

  @Test
  void theParserTakesAnyDatagram() {
    Fuzz.run("netlink parse", 5_000, NetlinkFuzzTest::datagram, Fuzz::hex, b -> BOUND + 64L * b.length, b -> {
      ByteBuffer buf = ByteBuffer.allocateDirect(Math.max(b.length, 1)).order(ByteOrder.nativeOrder());
      buf.put(b).flip();
      try {
        NetlinkSocket.parse("fuzz", buf, SEQ, NetlinkFuzzTest::decodeAll, new ArrayList<>());
      } catch (NetlinkException expected) {
        // the declared failure
      }
    });
  }

  /** One request against a kernel that answers with the generated datagrams (the real seq swapped in). */
  record Exchange(int call, List<byte[]> datagrams) {}

  static Exchange exchange(Random r) {
    List<byte[]> d = new ArrayList<>();
    for (int i = 0, n = 1 + r.nextInt(3); i < n; i++) {
      d.add(datagram(r));
    }
    return new Exchange(r.nextInt(8), d);
  }

  static byte[] withSeq(byte[] datagram, int seq) {
    byte[] b = datagram.clone();
    ByteBuffer w = ByteBuffer.wrap(b).order(ByteOrder.nativeOrder());
    for (int p = 0; p + 4 <= b.length; p += 4) {
      if (w.getInt(p) == SEQ) {
        w.putInt(p, seq);
      }
    }
    return b;
  }

  @Test
  void theIpvsKernelAnswersAnyReplyWithinItsContract() {
    ScriptedKernel kernel = new ScriptedKernel();
    NetlinkIpvsKernel ipvs = kernel.ipvs();
    AddressTable addresses = new AddressTable(new NetlinkSocket(kernel, LibC.NETLINK_ROUTE));
    Exchange[] now = new Exchange[1];
    kernel.answer((request, seq) -> {
      List<Object> out = new ArrayList<>();
      now[0].datagrams().forEach(d -> out.add(withSeq(d, seq)));
      return out;
    });
    KernelService web = new KernelService(IpvsRequestBytesTest.WEB, "rr", 0, 0, 0xffffffffL, null);
    Function<Exchange, String> show = e -> "call " + e.call() + ", " + e.datagrams().stream().map(Fuzz::hex).toList();
    Fuzz.run("ipvs kernel replies", 2_000, NetlinkFuzzTest::exchange, show, e -> BOUND, e -> {
      now[0] = e;
      synchronized (kernel) {
        kernel.replies.clear(); // what the last call left unread
      }
      try {
        switch (e.call()) {
          case 0 -> ipvs.services();
          case 1 -> ipvs.destinations(IpvsRequestBytesTest.WEB);
          case 2 -> ipvs.daemons();
          case 3 -> ipvs.info();
          case 4 -> ipvs.timeouts();
          case 5 -> ipvs.addService(web);
          case 6 -> ipvs.deleteDestination(IpvsRequestBytesTest.WEB, IpAddress.parse("10.1.0.5"), 80);
          default -> {
            try {
              addresses.list(null);
            } catch (NetlinkException expected) {
              // AddressTable's declared failure
            }
          }
        }
      } catch (IpvsException expected) {
        // the IpvsKernel contract's failure
      }
    });
    ipvs.close();
    addresses.close();
  }

  @Test
  void attributesTakeAnyBytes() {
    Fuzz.run("attributes", 5_000, r -> r.nextBoolean() ? Fuzz.randomBytes(r, 300)
        : Fuzz.mutate(r, java.util.Arrays.copyOfRange(service(r), 20, service(r).length)), Fuzz::hex,
        b -> BOUND, b -> {
          Attributes a = new Attributes(ByteBuffer.wrap(b), 0, b.length);
          for (int t = -1; t <= 70; t++) {
            try {
              a.u8(t, 0);
              a.u16(t, 0);
              a.be16(t, 0);
              a.u32(t, 0);
              a.be32(t, 0);
              a.u64(t, 0);
            } catch (NetlinkException expected) {
              // a short value
            }
            a.bytes(t);
            a.string(t);
            Attributes n = a.nested(t);
            if (n != null) {
              n.bytes(1);
            }
          }
        });
  }
}
