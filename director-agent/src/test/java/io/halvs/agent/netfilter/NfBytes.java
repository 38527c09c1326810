package io.halvs.agent.netfilter;

import io.halvs.agent.netlink.LibC;
import io.halvs.agent.netlink.Message;
import io.halvs.agent.netlink.NetlinkSocket;
import io.halvs.agent.netlink.ScriptedKernel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** Helpers for the nf_tables tests on a scripted kernel: batches split and answered (hex: ScriptedKernel). */
final class NfBytes {
  private NfBytes() {}


  /** The netlink messages of one datagram. */
  static List<byte[]> messages(byte[] datagram) {
    ByteBuffer b = ByteBuffer.wrap(datagram).order(ByteOrder.nativeOrder());
    List<byte[]> out = new ArrayList<>();
    int p = 0;
    while (datagram.length - p >= Message.HEADER) {
      int len = b.getInt(p);
      byte[] m = new byte[len];
      b.get(p, m);
      out.add(m);
      p += (len + 3) & ~3;
    }
    return out;
  }

  /** The datagram with every message's sequence number zeroed (they count per socket). */
  static byte[] withoutSeqs(byte[] datagram) {
    byte[] c = datagram.clone();
    ByteBuffer b = ByteBuffer.wrap(c).order(ByteOrder.nativeOrder());
    int p = 0;
    while (c.length - p >= Message.HEADER) {
      int len = b.getInt(p);
      b.putInt(p + 8, 0);
      p += (len + 3) & ~3;
    }
    return c;
  }

  static int flags(byte[] message) {
    return ByteBuffer.wrap(message).order(ByteOrder.nativeOrder()).getShort(6) & 0xffff;
  }

  /** As the kernel answers a batch it committed: an ACK for every message that asked for one. */
  static List<Object> ackEach(byte[] datagram) {
    List<Object> acks = new ArrayList<>();
    for (byte[] m : messages(datagram)) {
      if ((flags(m) & Message.F_ACK) != 0) {
        acks.add(ScriptedKernel.ack(ScriptedKernel.seq(m)));
      }
    }
    return acks;
  }

  static NfTables nf(ScriptedKernel kernel) {
    return NfTables.over(() -> new NetlinkSocket(kernel, LibC.NETLINK_NETFILTER));
  }

  /** An nf_tables reply message (a dump part when multi) of family inet whose attributes the caller adds. */
  static Message reply(int msg, boolean multi) {
    return new Message(NfTables.type(msg), multi ? Message.F_MULTI : 0).raw(NfTables.nfgenmsg(NfTables.NFPROTO_INET,
        0));
  }
}
