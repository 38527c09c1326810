package io.halvs.agent.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * An AF_PACKET/SOCK_DGRAM socket bound to one interface and one ethertype: the kernel adds the Ethernet header
 * from the destination address given to {@link #send}, so callers build only the payload (ARP, or IPv6 +
 * ICMPv6). Used for gratuitous ARP and unsolicited neighbour advertisements; needs NET_RAW. The socket belongs
 * to the network namespace of the thread that opened it.
 */
public final class PacketSocket implements AutoCloseable {
  public static final int ETH_P_ARP = 0x0806;
  public static final int ETH_P_IPV6 = 0x86DD;
  static final int SOCKADDR_LL = 20;

  private final LibC.Api c = LibC.api();
  private final int fd;
  private final int ifindex;
  private final int ethertype;
  private final String ifname;

  public PacketSocket(String ifname, int ethertype) {
    this.ifname = ifname;
    this.ethertype = ethertype;
    this.ifindex = AddressTable.interfaceIndex(ifname);
    // protocol 0: the socket receives nothing, so no receive queue builds up on a send-only socket
    fd = c.socket(LibC.AF_PACKET, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
    if (fd < 0) {
      throw new NetlinkException("open packet socket on " + ifname, LibC.errno(), "is NET_RAW granted?");
    }
    byte[] addr = sockaddr(0, ifindex, null);
    if (c.bind(fd, addr, addr.length) < 0) {
      int errno = LibC.errno();
      c.close(fd);
      throw new NetlinkException("bind packet socket to " + ifname, errno, null);
    }
    try {
      hardwareAddress();
    } catch (NetlinkException e) {
      c.close(fd);
      throw e;
    }
  }

  /** struct sockaddr_ll: family and ifindex in host order, protocol in network order. */
  static byte[] sockaddr(int ethertype, int ifindex, byte[] destination) {
    ByteBuffer b = ByteBuffer.allocate(SOCKADDR_LL).order(ByteOrder.nativeOrder());
    b.putShort((short) LibC.AF_PACKET);
    b.order(ByteOrder.BIG_ENDIAN).putShort((short) ethertype).order(ByteOrder.nativeOrder());
    b.putInt(ifindex);
    b.putShort((short) 0).put((byte) 0);
    if (destination != null) {
      b.put((byte) destination.length).put(destination);
    }
    return b.array();
  }

  public String interfaceName() {
    return ifname;
  }

  /**
   * The interface's hardware address now: getsockname on a bound packet socket reports it (no ioctl, no /sys).
   * Read on every call, not kept: a bond with fail_over_mac=active takes its active slave's address, and an
   * announcement naming the old one would send the segment's traffic to a port that no longer takes it.
   */
  public byte[] hardwareAddress() {
    byte[] name = new byte[SOCKADDR_LL];
    int[] len = {SOCKADDR_LL};
    if (c.getsockname(fd, name, len) < 0) {
      throw new NetlinkException("read hardware address of " + ifname, LibC.errno(), null);
    }
    int halen = name[11] & 0xff;
    byte[] address = new byte[Math.min(halen, 8)];
    System.arraycopy(name, 12, address, 0, address.length);
    return address;
  }

  /** Never blocks: a full send buffer fails the send (EAGAIN) instead of holding the caller up. */
  public void send(byte[] destination, byte[] payload) {
    byte[] to = sockaddr(ethertype, ifindex, destination);
    if (c.sendto(fd, payload, payload.length, LibC.MSG_DONTWAIT, to, to.length) < 0) {
      throw new NetlinkException("send on " + ifname, LibC.errno(), null);
    }
  }

  @Override
  public void close() {
    c.close(fd);
  }
}
