package io.halvs.agent.netlink;

import io.halvs.plan.IpAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Set;

/**
 * The kernel's neighbour table (ARP, NDP) over rtnetlink: the entries for some addresses, and one entry deleted.
 * A director looks here for its own VIPs: one resolved as a neighbour means IPVS sent DR packets on a route without
 * a next hop (docs/RELIABILITY.md, "Changing a live destination's forwarding method").
 */
public final class NeighbourTable implements AutoCloseable {
  static final int RTM_DELNEIGH = 29;
  static final int RTM_GETNEIGH = 30;
  static final int NDA_DST = 1;
  static final int NDMSG_LENGTH = 12;
  /** ndm_state bits (linux/neighbour.h). */
  public static final int NUD_INCOMPLETE = 0x01;
  public static final int NUD_REACHABLE = 0x02;
  public static final int NUD_STALE = 0x04;
  public static final int NUD_DELAY = 0x08;
  public static final int NUD_PROBE = 0x10;
  public static final int NUD_FAILED = 0x20;
  public static final int NUD_NOARP = 0x40;
  public static final int NUD_PERMANENT = 0x80;
  private static final String[] STATE_NAMES = {"INCOMPLETE", "REACHABLE", "STALE", "DELAY", "PROBE", "FAILED",
      "NOARP", "PERMANENT"};

  /** One entry: the interface's index, the neighbour's address, its NUD_* state. */
  public record Neighbour(int index, IpAddress address, int state) {
    /** As ip-neighbour(8) names it: FAILED, INCOMPLETE, ... ("NONE" for 0). */
    public String stateName() {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < STATE_NAMES.length; i++) {
        if ((state & (1 << i)) != 0) {
          b.append(b.isEmpty() ? "" : "|").append(STATE_NAMES[i]);
        }
      }
      return b.isEmpty() ? "NONE" : b.toString();
    }
  }

  private final NetlinkSocket socket;

  public NeighbourTable() {
    this(new NetlinkSocket(LibC.NETLINK_ROUTE));
  }

  /** Over a given socket (tests: one on a scripted kernel). */
  NeighbourTable(NetlinkSocket socket) {
    this.socket = socket;
  }

  private static byte[] ndmsg(int family, int index) {
    return ByteBuffer.allocate(NDMSG_LENGTH).order(ByteOrder.nativeOrder()).put((byte) family).put((byte) 0)
        .putShort((short) 0).putInt(index).putShort((short) 0).put((byte) 0).put((byte) 0).array();
  }

  /**
   * The entries, IPv4 and IPv6, whose address is one of these; the others are skipped while parsing (a director's
   * table holds every real server it reaches). Entries the administrator made (NOARP, PERMANENT) are left out.
   */
  public synchronized List<Neighbour> find(Set<IpAddress> addresses) {
    Message m = new Message(RTM_GETNEIGH, Message.F_REQUEST | Message.F_DUMP).raw(ndmsg(0, 0));
    return socket.query("list neighbours", m, r -> {
      r.require(NDMSG_LENGTH, "struct ndmsg");
      ByteBuffer b = r.buffer();
      int p = r.payloadStart();
      int family = b.get(p) & 0xff;
      int index = b.getInt(p + 4);
      int state = b.getShort(p + 8) & 0xffff;
      int length = family == LibC.AF_INET ? 4 : family == LibC.AF_INET6 ? 16 : -1;
      if (length < 0 || (state & (NUD_NOARP | NUD_PERMANENT)) != 0) {
        return null;
      }
      byte[] raw = new Attributes(b, p + NDMSG_LENGTH, r.end()).bytes(NDA_DST);
      if (raw == null || raw.length != length) {
        return null;
      }
      IpAddress address = IpAddress.ofBytes(raw);
      return addresses.contains(address) ? new Neighbour(index, address, state) : null;
    });
  }

  /** Deletes one entry; false when it was gone already (ENOENT). */
  public synchronized boolean remove(Neighbour n) {
    Message m = new Message(RTM_DELNEIGH, Message.F_REQUEST | Message.F_ACK)
        .raw(ndmsg(n.address().family(), n.index())).bytes(NDA_DST, n.address().bytes());
    try {
      socket.execute("delete neighbour " + n.address() + " on interface " + n.index(), m);
      return true;
    } catch (NetlinkException e) {
      if (e.errno() == Errno.ENOENT) {
        return false;
      }
      throw e;
    }
  }

  @Override
  public void close() {
    socket.close();
  }
}
