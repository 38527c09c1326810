package io.halvs.agent.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/**
 * Builds one netlink request: nlmsghdr, an optional family header, then attributes (nested ones too), all in
 * host byte order and padded to 4 bytes, as the kernel reads them. Values the kernel wants in network order
 * (ports, IPv4 masks) have their own methods.
 */
public final class Message {
  public static final int HEADER = 16;
  public static final short F_REQUEST = 0x1;
  public static final short F_MULTI = 0x2;
  public static final short F_ACK = 0x4;
  public static final short F_DUMP = 0x300;
  public static final short F_EXCL = 0x200;
  public static final short F_CREATE = 0x400;
  public static final int NLMSG_ERROR = 2;
  public static final int NLMSG_DONE = 3;
  public static final short NLA_F_NESTED = (short) 0x8000;

  private ByteBuffer buf = ByteBuffer.allocate(256).order(ByteOrder.nativeOrder());
  private final Deque<Integer> nests = new ArrayDeque<>();

  public Message(int type, int flags) {
    buf.putInt(0).putShort((short) type).putShort((short) flags).putInt(0).putInt(0);
  }

  /** The generic netlink header: command and family version. */
  public Message genl(int cmd, int version) {
    ensure(4);
    buf.put((byte) cmd).put((byte) version).putShort((short) 0);
    return this;
  }

  /** Raw family header bytes (e.g. struct ifaddrmsg). */
  public Message raw(byte[] header) {
    ensure(header.length);
    buf.put(header);
    pad();
    return this;
  }

  private void ensure(int n) {
    if (buf.remaining() < n + 8) {
      ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n + 64))
          .order(ByteOrder.nativeOrder());
      buf.flip();
      bigger.put(buf);
      buf = bigger;
    }
  }

  private void pad() {
    while (buf.position() % 4 != 0) {
      buf.put((byte) 0);
    }
  }

  private Message attr(int type, byte[] value) {
    ensure(4 + value.length + 3);
    buf.putShort((short) (4 + value.length)).putShort((short) type).put(value);
    pad();
    return this;
  }

  /** An attribute header for a value of n bytes; the caller writes the value, then pads. */
  private void header(int type, int n) {
    ensure(4 + n + 3);
    buf.putShort((short) (4 + n)).putShort((short) type);
  }

  // Fixed-size values go straight into the buffer: no array per attribute on the programming hot path.
  public Message u8(int type, int v) {
    header(type, 1);
    buf.put((byte) v);
    pad();
    return this;
  }

  public Message u16(int type, int v) {
    header(type, 2);
    buf.putShort((short) v);
    pad();
    return this;
  }

  public Message be16(int type, int v) {
    header(type, 2);
    buf.put((byte) (v >>> 8)).put((byte) v);
    pad();
    return this;
  }

  public Message u32(int type, long v) {
    header(type, 4);
    buf.putInt((int) v);
    return this;
  }

  public Message be32(int type, long v) {
    header(type, 4);
    buf.put((byte) (v >>> 24)).put((byte) (v >>> 16)).put((byte) (v >>> 8)).put((byte) v);
    return this;
  }

  public Message u64(int type, long v) {
    header(type, 8);
    buf.putLong(v);
    return this;
  }

  public Message bytes(int type, byte[] v) {
    return attr(type, v);
  }

  /** A NUL-terminated string, as NLA_NUL_STRING and NLA_STRING policies both accept. */
  public Message string(int type, String v) {
    byte[] s = v.getBytes(StandardCharsets.UTF_8);
    return attr(type, Arrays.copyOf(s, s.length + 1));
  }

  public Message begin(int type) {
    ensure(4);
    nests.push(buf.position());
    buf.putShort((short) 0).putShort((short) (type | NLA_F_NESTED));
    return this;
  }

  public Message end() {
    int start = nests.pop();
    buf.putShort(start, (short) (buf.position() - start));
    return this;
  }

  /** The finished bytes, with length and sequence number filled in. */
  public byte[] toBytes(int seq) {
    if (!nests.isEmpty()) {
      throw new IllegalStateException("unclosed nested attribute");
    }
    buf.putInt(0, buf.position());
    buf.putInt(8, seq);
    return Arrays.copyOf(buf.array(), buf.position());
  }
}
