package io.halvs.agent.netlink;

import io.halvs.agent.metrics.AgentMetrics;
import io.halvs.plan.IpAddress;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * Tells the segment that this director now answers for an address: a gratuitous ARP request (IPv4, RFC 5227
 * announcement: sender and target protocol address both the VIP) or an unsolicited neighbour advertisement with
 * the Override flag (IPv6, RFC 4861 7.2.6). Linux receivers update an existing neighbour entry at once for both,
 * even within its locktime. Sockets are opened per interface and reopened after an error (the interface may
 * have been recreated). Not thread-safe.
 */
public final class NeighbourAnnouncer implements AutoCloseable {
  static final byte[] BROADCAST = {-1, -1, -1, -1, -1, -1};
  static final byte[] ALL_NODES_MAC = {0x33, 0x33, 0, 0, 0, 1};
  static final byte[] ALL_NODES = IpAddress.parse("ff02::1").bytes();

  private final Map<String, PacketSocket> sockets = new HashMap<>();

  /**
   * Announces one address on one interface; throws NetlinkException when the interface cannot send. A socket that
   * fails is closed and the send tried once more on a new one: the failed socket may be older than the interface
   * (opened by {@link #prepare}, the interface recreated since).
   */
  public void announce(String ifname, IpAddress address) {
    try {
      send(ifname, address);
    } catch (NetlinkException stale) {
      send(ifname, address);
    }
  }

  private void send(String ifname, IpAddress address) {
    PacketSocket s = socket(ifname, address);
    try {
      byte[] mac = s.hardwareAddress();
      if (address.isV4()) {
        s.send(BROADCAST, garp(mac, address.bytes()));
      } else {
        s.send(ALL_NODES_MAC, unsolicitedAdvertisement(mac, address.bytes()));
      }
      AgentMetrics.get().gratuitousArpSent();
    } catch (NetlinkException e) {
      sockets.remove(key(ifname, address)).close();
      throw e;
    }
  }

  /**
   * Opens the socket announcing {@code address} on {@code ifname} needs, sending nothing; throws NetlinkException
   * when the interface cannot send. Send-only (protocol 0): an open socket costs no receive queue.
   */
  public void prepare(String ifname, IpAddress address) {
    socket(ifname, address);
  }

  private PacketSocket socket(String ifname, IpAddress address) {
    return sockets.computeIfAbsent(key(ifname, address), k -> new PacketSocket(ifname, ethertype(address)));
  }

  private static String key(String ifname, IpAddress address) {
    return ifname + "/" + ethertype(address);
  }

  private static int ethertype(IpAddress address) {
    return address.isV4() ? PacketSocket.ETH_P_ARP : PacketSocket.ETH_P_IPV6;
  }

  /** ARP request, htype Ethernet, ptype IPv4; target hardware address zero as RFC 5227 announces. */
  static byte[] garp(byte[] mac, byte[] ip) {
    return ByteBuffer.allocate(28).putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4)
        .putShort((short) 1).put(mac).put(ip).put(new byte[6]).put(ip).array();
  }

  /** IPv6 header (hop limit 255, from the VIP to ff02::1) + ICMPv6 NA with the target link-layer option. */
  static byte[] unsolicitedAdvertisement(byte[] mac, byte[] target) {
    int icmpLength = 24 + 8;
    ByteBuffer icmp = ByteBuffer.allocate(icmpLength);
    icmp.put((byte) 136).put((byte) 0).putShort((short) 0).putInt(0x20000000) // type NA, Override flag only
        .put(target).put((byte) 2).put((byte) 1).put(mac);
    byte[] body = icmp.array();
    int sum = checksum(target, ALL_NODES, body);
    body[2] = (byte) (sum >> 8);
    body[3] = (byte) sum;
    return ByteBuffer.allocate(40 + icmpLength).putInt(0x60000000).putShort((short) icmpLength).put((byte) 58)
        .put((byte) 255).put(target).put(ALL_NODES).put(body).array();
  }

  /** Internet checksum over the IPv6 pseudo-header (RFC 8200 8.1) and the ICMPv6 message. */
  static int checksum(byte[] source, byte[] destination, byte[] icmp) {
    ByteBuffer b = ByteBuffer.allocate(40 + icmp.length + 1);
    b.put(source).put(destination).putInt(icmp.length).put(new byte[3]).put((byte) 58).put(icmp);
    long sum = 0;
    int n = 40 + icmp.length;
    for (int i = 0; i < n; i += 2) {
      sum += ((b.get(i) & 0xff) << 8) | (i + 1 < n ? b.get(i + 1) & 0xff : 0);
    }
    while ((sum >> 16) != 0) {
      sum = (sum & 0xffff) + (sum >> 16);
    }
    return (int) (~sum & 0xffff);
  }

  @Override
  public void close() {
    sockets.values().forEach(PacketSocket::close);
    sockets.clear();
  }
}
