package io.halvs.agent.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Optional;

/**
 * Network devices over rtnetlink: whether one exists and is up, and setting it up or down. A real server brings
 * the kernel's fallback tunnel device (tunl0, gre0, ...) up so it decapsulates what the directors send.
 */
public final class LinkTable implements AutoCloseable {
  static final int RTM_NEWLINK = 16;
  static final int RTM_GETLINK = 18;
  static final int IFLA_IFNAME = 3;
  public static final int IFF_UP = 0x1;

  private final NetlinkSocket socket = new NetlinkSocket(LibC.NETLINK_ROUTE);

  /** One device: index, name and flags (IFF_*). */
  public record Link(int index, String name, int flags) {
    public boolean up() {
      return (flags & IFF_UP) != 0;
    }
  }

  private static byte[] ifinfomsg(int index, int flags, int change) {
    return ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).put((byte) 0).put((byte) 0).putShort((short) 0)
        .putInt(index).putInt(flags).putInt(change).array();
  }

  public synchronized List<Link> list() {
    Message m = new Message(RTM_GETLINK, Message.F_REQUEST | Message.F_DUMP).raw(ifinfomsg(0, 0, 0));
    return socket.query("list links", m, r -> {
      ByteBuffer b = r.buffer();
      int p = r.payloadStart();
      Attributes a = new Attributes(b, p + 16, r.end());
      return new Link(b.getInt(p + 4), a.string(IFLA_IFNAME), b.getInt(p + 8));
    });
  }

  public Optional<Link> find(String name) {
    return list().stream().filter(l -> name.equals(l.name())).findFirst();
  }

  /** Sets IFF_UP on or off; other flags stay as they are. */
  public synchronized void setUp(String name, boolean up) {
    int index = AddressTable.interfaceIndex(name);
    Message m = new Message(RTM_NEWLINK, Message.F_REQUEST | Message.F_ACK)
        .raw(ifinfomsg(index, up ? IFF_UP : 0, IFF_UP));
    socket.execute("set " + name + (up ? " up" : " down"), m);
  }

  @Override
  public void close() {
    socket.close();
  }
}
