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
  private final int[] offset = new int[MAX_TYPE];
  private final int[] length = new int[MAX_TYPE];

  /** Parses attributes in buf between from and to (absolute positions, to at most the buffer's limit). */
  public Attributes(ByteBuffer buf, int from, int to) {
    this.buf = buf.duplicate().order(ByteOrder.nativeOrder());
    java.util.Arrays.fill(offset, -1);
    int p = Math.max(from, 0);
    to = Math.min(to, this.buf.limit());
    while (to - p >= 4) {
      int len = this.buf.getShort(p) & 0xffff;
      int type = this.buf.getShort(p + 2) & 0x3fff; // without NLA_F_NESTED / NLA_F_NET_BYTEORDER
      if (len < 4 || len > to - p) {
        break; // truncated: stop rather than read garbage
      }
      if (type < MAX_TYPE) {
        offset[type] = p + 4;
        length[type] = len - 4;
      }
      p += (len + 3) & ~3;
    }
  }

  public boolean has(int type) {
    return type >= 0 && type < MAX_TYPE && offset[type] >= 0;
  }

  /** The value's offset, after checking it holds size bytes. */
  private int at(int type, int size) {
    if (length[type] < size) {
      throw new NetlinkException("parse reply", Errno.EINVAL, "attribute " + type + " has " + length[type]
          + " bytes, expected " + size);
    }
    return offset[type];
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
    byte[] b = new byte[length[type]];
    buf.get(offset[type], b);
    return b;
  }

  public String string(int type) {
    if (!has(type)) {
      return null;
    }
    int n = length[type];
    while (n > 0 && buf.get(offset[type] + n - 1) == 0) {
      n--;
    }
    byte[] b = new byte[n];
    buf.get(offset[type], b);
    return new String(b, StandardCharsets.UTF_8);
  }

  public Attributes nested(int type) {
    return has(type) ? new Attributes(buf, offset[type], offset[type] + length[type]) : null;
  }
}
