package io.halvs.agent.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The attributes of one message (or of one nested attribute), indexed by type for O(1) look-ups. Parsing stops
 * at the first attribute that does not fit (truncated); types this code does not know are skipped. A value read
 * as a fixed-size type (u16, u32, ...) must have at least that many bytes, else a NetlinkException: a short
 * attribute is never read past its end.
 */
public final class Attributes {
  private static final int MAX_TYPE = 64;
  private final ByteBuffer buf;
  /**
   * Each type's value offset (at 2 x type, -1 when absent) and length (at 2 x type + 1), sized by the largest type
   * present: a dump of 100,000 destinations parses three of these per destination, and two arrays of 64 types
   * each were 1.6 KiB of garbage per destination (160 MB per dump).
   */
  private final int[] slots;

  /** Parses attributes in buf between from and to (absolute positions, to at most the buffer's limit). */
  public Attributes(ByteBuffer buf, int from, int to) {
    this(from, to, buf.duplicate().order(ByteOrder.nativeOrder()));
  }

  /** Over {@code nativeBuf} itself, already a native-order view of its own (a nested attribute's parent's). */
  private Attributes(int from, int to, ByteBuffer nativeBuf) {
    this.buf = nativeBuf;
    int start = Math.max(from, 0);
    int end = Math.min(to, nativeBuf.limit());
    int largest = -1;
    for (int p = start; end - p >= 4; ) {
      int len = nativeBuf.getShort(p) & 0xffff;
      int type = nativeBuf.getShort(p + 2) & 0x3fff; // without NLA_F_NESTED / NLA_F_NET_BYTEORDER
      if (len < 4 || len > end - p) {
        break; // truncated: stop rather than read garbage
      }
      if (type < MAX_TYPE) {
        largest = Math.max(largest, type);
      }
      p += (len + 3) & ~3;
    }
    slots = new int[2 * (largest + 1)];
    for (int i = 0; i < slots.length; i += 2) {
      slots[i] = -1;
    }
    for (int p = start; end - p >= 4; ) {
      int len = nativeBuf.getShort(p) & 0xffff;
      int type = nativeBuf.getShort(p + 2) & 0x3fff;
      if (len < 4 || len > end - p) {
        break;
      }
      if (type < MAX_TYPE) {
        slots[2 * type] = p + 4;
        slots[2 * type + 1] = len - 4;
      }
      p += (len + 3) & ~3;
    }
  }

  public boolean has(int type) {
    return type >= 0 && 2 * type < slots.length && slots[2 * type] >= 0;
  }

  /** The value's offset, after checking it holds size bytes. */
  private int at(int type, int size) {
    int length = slots[2 * type + 1];
    if (length < size) {
      throw new NetlinkException("parse reply", Errno.EINVAL, "attribute " + type + " has " + length
          + " bytes, expected " + size);
    }
    return slots[2 * type];
  }

  public int u8(int type, int dflt) {
    return has(type) ? buf.get(at(type, 1)) & 0xff : dflt;
  }

  public int u16(int type, int dflt) {
    return has(type) ? buf.getShort(at(type, 2)) & 0xffff : dflt;
  }

  public int be16(int type, int dflt) {
    if (!has(type)) {
      return dflt;
    }
    int p = at(type, 2);
    return ((buf.get(p) & 0xff) << 8) | (buf.get(p + 1) & 0xff);
  }

  public long u32(int type, long dflt) {
    return has(type) ? buf.getInt(at(type, 4)) & 0xffffffffL : dflt;
  }

  public long be32(int type, long dflt) {
    if (!has(type)) {
      return dflt;
    }
    int p = at(type, 4);
    return ((buf.get(p) & 0xffL) << 24) | ((buf.get(p + 1) & 0xffL) << 16) | ((buf.get(p + 2) & 0xffL) << 8)
        | (buf.get(p + 3) & 0xffL);
  }

  public long u64(int type, long dflt) {
    return has(type) ? buf.getLong(at(type, 8)) : dflt;
  }

  public byte[] bytes(int type) {
    if (!has(type)) {
      return null;
    }
    byte[] b = new byte[slots[2 * type + 1]];
    buf.get(slots[2 * type], b);
    return b;
  }

  public String string(int type) {
    if (!has(type)) {
      return null;
    }
    int n = slots[2 * type + 1];
    while (n > 0 && buf.get(slots[2 * type] + n - 1) == 0) {
      n--;
    }
    byte[] b = new byte[n];
    buf.get(slots[2 * type], b);
    return new String(b, StandardCharsets.UTF_8);
  }

  public Attributes nested(int type) {
    return has(type) ? new Attributes(slots[2 * type], slots[2 * type] + slots[2 * type + 1], buf) : null;
  }
}
