package io.halvs.agent.netlink;

import io.halvs.agent.kernel.IpvsException;
import io.halvs.agent.kernel.IpvsInfo;
import io.halvs.agent.kernel.IpvsKernel;
import io.halvs.agent.kernel.IpvsStats;
import io.halvs.agent.kernel.IpvsTimeouts;
import io.halvs.agent.kernel.KernelDestination;
import io.halvs.agent.kernel.KernelModuleMissing;
import io.halvs.agent.kernel.KernelService;
import io.halvs.agent.kernel.SyncDaemon;
import io.halvs.api.v1alpha1.Protocol;
import io.halvs.plan.IpAddress;
import io.halvs.plan.ServiceKey;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * IPVS over generic netlink (family "IPVS"), one call per IPVS_CMD_*. Attribute encodings follow the kernel's
 * ip_vs_ctl.c: ports and IPv4 masks in network order, the IPv6 "netmask" a prefix length, addresses as
 * 16-byte nf_inet_addr. Thread-safe: the socket runs one request at a time. Every failure, a malformed reply
 * included, is an {@link IpvsException}.
 */
public final class NetlinkIpvsKernel implements IpvsKernel {
  static final int VERSION = 1;
  static final int CMD_NEW_SERVICE = 1;
  static final int CMD_SET_SERVICE = 2;
  static final int CMD_DEL_SERVICE = 3;
  static final int CMD_GET_SERVICE = 4;
  static final int CMD_NEW_DEST = 5;
  static final int CMD_SET_DEST = 6;
  static final int CMD_DEL_DEST = 7;
  static final int CMD_GET_DEST = 8;
  static final int CMD_NEW_DAEMON = 9;
  static final int CMD_DEL_DAEMON = 10;
  static final int CMD_GET_DAEMON = 11;
  static final int CMD_SET_CONFIG = 12;
  static final int CMD_GET_CONFIG = 13;
  static final int CMD_GET_INFO = 15;
  static final int CMD_ZERO = 16;
  static final int CMD_FLUSH = 17;

  static final int ATTR_SERVICE = 1;
  static final int ATTR_DEST = 2;
  static final int ATTR_DAEMON = 3;
  static final int ATTR_TIMEOUT_TCP = 4;
  static final int ATTR_TIMEOUT_TCP_FIN = 5;
  static final int ATTR_TIMEOUT_UDP = 6;

  static final int SVC_AF = 1;
  static final int SVC_PROTOCOL = 2;
  static final int SVC_ADDR = 3;
  static final int SVC_PORT = 4;
  static final int SVC_FWMARK = 5;
  static final int SVC_SCHED_NAME = 6;
  static final int SVC_FLAGS = 7;
  static final int SVC_TIMEOUT = 8;
  static final int SVC_NETMASK = 9;
  static final int SVC_STATS = 10;
  static final int SVC_PE_NAME = 11;
  static final int SVC_STATS64 = 12;

  static final int DEST_ADDR = 1;
  static final int DEST_PORT = 2;
  static final int DEST_FWD_METHOD = 3;
  static final int DEST_WEIGHT = 4;
  static final int DEST_U_THRESH = 5;
  static final int DEST_L_THRESH = 6;
  static final int DEST_ACTIVE_CONNS = 7;
  static final int DEST_INACT_CONNS = 8;
  static final int DEST_PERSIST_CONNS = 9;
  static final int DEST_STATS = 10;
  static final int DEST_ADDR_FAMILY = 11;
  static final int DEST_STATS64 = 12;
  static final int DEST_TUN_TYPE = 13;
  static final int DEST_TUN_PORT = 14;
  static final int DEST_TUN_FLAGS = 15;

  static final int DAEMON_STATE = 1;
  static final int DAEMON_MCAST_IFN = 2;
  static final int DAEMON_SYNC_ID = 3;
  static final int DAEMON_SYNC_MAXLEN = 4;
  static final int DAEMON_MCAST_GROUP = 5;
  static final int DAEMON_MCAST_GROUP6 = 6;
  static final int DAEMON_MCAST_PORT = 7;
  static final int DAEMON_MCAST_TTL = 8;

  static final int INFO_VERSION = 1;
  static final int INFO_CONN_TAB_SIZE = 2;

  static final int IPPROTO_TCP = 6;
  static final int IPPROTO_UDP = 17;
  static final int IPPROTO_SCTP = 132;
  /** The kernel sets this on every service it hashes; it is not the user's to set. */
  static final int F_HASHED = 0x0002;

  private final NetlinkSocket socket;
  private final int family;

  public NetlinkIpvsKernel() {
    this(new NetlinkSocket(LibC.NETLINK_GENERIC));
  }

  /** Over a given socket (tests: one on a scripted kernel); resolves the family on it and owns it from then on. */
  NetlinkIpvsKernel(NetlinkSocket socket) {
    this.socket = socket;
    try {
      family = GenericNetlink.familyId(socket, "IPVS", null);
    } catch (NetlinkException e) {
      socket.close();
      // Kernels before 5.16 do not load ip_vs for a family lookup; from 5.16 on, ENOENT means no module either.
      throw e.errno() == Errno.ENOENT ? new KernelModuleMissing("ip_vs", "generic netlink family IPVS not found")
          : e;
    } catch (RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  private Message request(int cmd, int flags) {
    return new Message(family, Message.F_REQUEST | flags).genl(cmd, VERSION);
  }

  private void execute(String operation, String object, Message m) {
    execute(operation, () -> object, m);
  }

  /** The object's description is built only when the kernel refuses: most calls succeed, on the hot path. */
  private void execute(String operation, Supplier<String> object, Message m) {
    call(operation, object, () -> {
      socket.execute(operation, m);
      return null;
    });
  }

  /**
   * Every netlink failure leaves as the contract's IpvsException — a refused request, a failed dump, a socket
   * error or a malformed reply alike — so callers' failure handling (the director's backoff) sees all of them.
   */
  private static <T> T call(String operation, Supplier<String> object, Supplier<T> request) {
    try {
      return request.get();
    } catch (NetlinkException e) {
      throw new IpvsException(operation, object.get(), e.errno(), explain(e, null));
    }
  }

  /** A reply the kernel would never send: refused like any other malformed bytes. */
  static NetlinkException malformed(String what) {
    return new NetlinkException("parse reply", Errno.EINVAL, what);
  }

  private static String explain(NetlinkException e, String object) {
    String msg = e.getMessage();
    int colon = msg.indexOf(": ");
    return colon >= 0 ? msg.substring(colon + 2) : msg;
  }

  // ---- encoding -------------------------------------------------------------------------------------------

  static int protocolNumber(Protocol p) {
    return switch (p) {
      case TCP -> IPPROTO_TCP;
      case UDP -> IPPROTO_UDP;
      case SCTP -> IPPROTO_SCTP;
    };
  }

  static Protocol protocol(int number) {
    return switch (number) {
      case IPPROTO_TCP -> Protocol.TCP;
      case IPPROTO_UDP -> Protocol.UDP;
      case IPPROTO_SCTP -> Protocol.SCTP;
      default -> null;
    };
  }

  static byte[] inetAddr(IpAddress a) {
    return Arrays.copyOf(a.bytes(), 16);
  }

  /** The attributes that identify a service (enough for SET/DEL/GET_DEST). */
  static void serviceKey(Message m, ServiceKey key) {
    m.u16(SVC_AF, key.family());
    if (key.isFirewallMark()) {
      m.u32(SVC_FWMARK, key.firewallMark());
    } else {
      m.u16(SVC_PROTOCOL, protocolNumber(key.protocol())).bytes(SVC_ADDR, inetAddr(key.address()))
          .be16(SVC_PORT, key.port());
    }
  }

  static void service(Message m, KernelService s) {
    m.begin(ATTR_SERVICE);
    serviceKey(m, s.key());
    m.string(SVC_SCHED_NAME, s.scheduler());
    // struct ip_vs_flags { flags; mask }: set exactly the bits we own, clear the rest we could set.
    m.bytes(SVC_FLAGS, flags(s.flags(), 0xffffffff & ~F_HASHED));
    m.u32(SVC_TIMEOUT, s.timeoutSeconds());
    if (s.key().family() == IpAddress.AF_INET) {
      m.be32(SVC_NETMASK, s.netmask());
    } else {
      m.u32(SVC_NETMASK, s.netmask());
    }
    // Without the attribute an edit takes the engine away (ip_vs_edit_service), which is what the plan says then.
    if (s.persistenceEngine() != null) {
      m.string(SVC_PE_NAME, s.persistenceEngine());
    }
    m.end();
  }

  static byte[] flags(int flags, int mask) {
    return java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.nativeOrder()).putInt(flags).putInt(mask).array();
  }

  static void destination(Message m, KernelDestination d, boolean full) {
    m.begin(ATTR_DEST).bytes(DEST_ADDR, inetAddr(d.address())).be16(DEST_PORT, d.port());
    if (full) {
      m.u16(DEST_ADDR_FAMILY, d.addressFamily() != 0 ? d.addressFamily() : d.address().family())
          .u32(DEST_FWD_METHOD, d.forwardMethod()).u32(DEST_WEIGHT, d.weight())
          .u32(DEST_U_THRESH, d.upperThreshold()).u32(DEST_L_THRESH, d.lowerThreshold());
      if (d.forwardMethod() == KernelDestination.FWD_TUNNEL) {
        m.u8(DEST_TUN_TYPE, d.tunnelType()).be16(DEST_TUN_PORT, d.tunnelPort()).u16(DEST_TUN_FLAGS, d.tunnelFlags());
      }
    } else if (d.addressFamily() != 0) {
      m.u16(DEST_ADDR_FAMILY, d.addressFamily());
    }
    m.end();
  }

  // ---- decoding -------------------------------------------------------------------------------------------

  static IpAddress address(byte[] raw, int family) {
    if (raw == null) {
      return null;
    }
    int n = family == IpAddress.AF_INET ? 4 : 16;
    return IpAddress.ofBytes(raw.length == n ? raw : Arrays.copyOf(raw, n)); // ofBytes copies it anyway
  }

  static IpvsStats stats(Attributes a, int stats64, int stats32) {
    Attributes s = a.nested(stats64);
    boolean wide = s != null;
    if (s == null) {
      s = a.nested(stats32);
    }
    if (s == null) {
      return null;
    }
    // no boxing lambda: this runs for every destination of every scrape's dump
    return new IpvsStats(stat(s, wide, 1), stat(s, wide, 2), stat(s, wide, 3), stat(s, wide, 4), stat(s, wide, 5),
        stat(s, wide, 6), stat(s, wide, 7), stat(s, wide, 8), stat(s, wide, 9), stat(s, wide, 10));
  }

  private static long stat(Attributes s, boolean wide, int type) {
    return wide || type == 4 || type == 5 ? s.u64(type, 0) : s.u32(type, 0);
  }

  static KernelService parseService(Attributes svc) {
    int af = svc.u16(SVC_AF, IpAddress.AF_INET);
    if (af != IpAddress.AF_INET && af != IpAddress.AF_INET6) {
      throw malformed("service of address family " + af);
    }
    long fwmark = svc.u32(SVC_FWMARK, 0);
    ServiceKey key;
    if (fwmark != 0) {
      key = ServiceKey.ofFirewallMark(af, fwmark);
    } else {
      Protocol protocol = protocol(svc.u16(SVC_PROTOCOL, 0));
      IpAddress address = address(svc.bytes(SVC_ADDR), af);
      if (protocol == null || address == null) {
        throw malformed("service without a firewall mark, a known protocol or an address");
      }
      key = new ServiceKey(af, protocol, address, svc.be16(SVC_PORT, 0), 0);
    }
    int flags = (int) svc.u32(SVC_FLAGS, 0); // struct ip_vs_flags: the flags, then the mask
    long netmask = af == IpAddress.AF_INET ? svc.be32(SVC_NETMASK, 0xffffffffL) : svc.u32(SVC_NETMASK, 128);
    String pe = svc.string(SVC_PE_NAME);
    return new KernelService(key, svc.string(SVC_SCHED_NAME), flags & ~F_HASHED, (int) svc.u32(SVC_TIMEOUT, 0),
        netmask, stats(svc, SVC_STATS64, SVC_STATS), pe == null || pe.isEmpty() ? null : pe);
  }

  static KernelDestination parseDestination(Attributes d, int serviceFamily) {
    int af = d.u16(DEST_ADDR_FAMILY, serviceFamily);
    if (af != IpAddress.AF_INET && af != IpAddress.AF_INET6) {
      throw malformed("destination of address family " + af);
    }
    IpAddress address = address(d.bytes(DEST_ADDR), af);
    if (address == null) {
      throw malformed("destination without an address");
    }
    return new KernelDestination(address, d.be16(DEST_PORT, 0),
        (int) d.u32(DEST_FWD_METHOD, 0) & 0x7, (int) d.u32(DEST_WEIGHT, 0), d.u32(DEST_U_THRESH, 0),
        d.u32(DEST_L_THRESH, 0), af, d.u8(DEST_TUN_TYPE, 0), d.be16(DEST_TUN_PORT, 0), d.u16(DEST_TUN_FLAGS, 0),
        d.u32(DEST_ACTIVE_CONNS, 0), d.u32(DEST_INACT_CONNS, 0), d.u32(DEST_PERSIST_CONNS, 0),
        stats(d, DEST_STATS64, DEST_STATS));
  }

  static Attributes top(NetlinkSocket.Reply r) {
    return new Attributes(r.buffer(), r.payloadStart() + GenericNetlink.GENL_HEADER, r.end());
  }

  // ---- IpvsKernel -----------------------------------------------------------------------------------------

  @Override
  public IpvsInfo info() {
    List<IpvsInfo> r = call("get", () -> "IPVS info", () -> socket.query("get IPVS info",
        request(CMD_GET_INFO, Message.F_ACK), reply -> {
          Attributes a = top(reply);
          return new IpvsInfo((int) a.u32(INFO_VERSION, 0), (int) a.u32(INFO_CONN_TAB_SIZE, 0));
        }));
    return r.isEmpty() ? new IpvsInfo(0, 0) : r.get(0);
  }

  @Override
  public List<KernelService> services() {
    return call("list", () -> "IPVS services", () -> socket.query("list IPVS services",
        request(CMD_GET_SERVICE, Message.F_DUMP), reply -> {
          Attributes svc = top(reply).nested(ATTR_SERVICE);
          return svc == null ? null : parseService(svc);
        }));
  }

  @Override
  public List<KernelDestination> destinations(ServiceKey service) {
    Message m = request(CMD_GET_DEST, Message.F_DUMP).begin(ATTR_SERVICE);
    serviceKey(m, service);
    m.end();
    return call("list destinations", service::toString, () -> socket.query("list destinations of " + service, m,
        reply -> {
          Attributes d = top(reply).nested(ATTR_DEST);
          return d == null ? null : parseDestination(d, service.family());
        }));
  }

  @Override
  public void addService(KernelService s) {
    Message m = request(CMD_NEW_SERVICE, Message.F_ACK);
    service(m, s);
    try {
      execute("add service", () -> s.key().toString(), m);
    } catch (IpvsException e) {
      if (e.errno() == Errno.ENOENT) {
        throw new IpvsException("add service", s.key().toString(), e.errno(), "scheduler '" + s.scheduler()
            + "' not available (ip_vs_" + s.scheduler() + " module missing?)");
      }
      throw e;
    }
  }

  @Override
  public void updateService(KernelService s) {
    Message m = request(CMD_SET_SERVICE, Message.F_ACK);
    service(m, s);
    execute("edit service", () -> s.key().toString(), m);
  }

  @Override
  public void deleteService(ServiceKey key) {
    Message m = request(CMD_DEL_SERVICE, Message.F_ACK).begin(ATTR_SERVICE);
    serviceKey(m, key);
    m.end();
    execute("delete service", key.toString(), m);
  }

  private Message destRequest(int cmd, ServiceKey service, KernelDestination d, boolean full) {
    Message m = request(cmd, Message.F_ACK).begin(ATTR_SERVICE);
    serviceKey(m, service);
    m.end();
    destination(m, d, full);
    return m;
  }

  @Override
  public void addDestination(ServiceKey service, KernelDestination d) {
    execute("add destination", () -> d.address().withPort(d.port()) + " of " + service,
        destRequest(CMD_NEW_DEST, service, d, true));
  }

  @Override
  public void updateDestination(ServiceKey service, KernelDestination d) {
    execute("edit destination", () -> d.address().withPort(d.port()) + " of " + service,
        destRequest(CMD_SET_DEST, service, d, true));
  }

  @Override
  public void deleteDestination(ServiceKey service, IpAddress address, int port) {
    KernelDestination d = new KernelDestination(address, port, 0, 0, 0, 0, address.family(), 0, 0, 0, 0, 0, 0, null);
    execute("delete destination", () -> address.withPort(port) + " of " + service,
        destRequest(CMD_DEL_DEST, service, d, false));
  }

  @Override
  public List<SyncDaemon> daemons() {
    return call("list", () -> "sync daemons", () -> socket.query("list sync daemons",
        request(CMD_GET_DAEMON, Message.F_DUMP), reply -> {
          Attributes d = top(reply).nested(ATTR_DAEMON);
          return d == null ? null : parseDaemon(d);
        }));
  }

  static SyncDaemon parseDaemon(Attributes d) {
    IpAddress group = d.has(DAEMON_MCAST_GROUP6) ? group(d.bytes(DAEMON_MCAST_GROUP6), 16)
        : d.has(DAEMON_MCAST_GROUP) ? group(d.bytes(DAEMON_MCAST_GROUP), 4) : null;
    String ifname = d.string(DAEMON_MCAST_IFN);
    if (ifname == null) {
      throw malformed("sync daemon without an interface");
    }
    return new SyncDaemon((int) d.u32(DAEMON_STATE, 0), ifname, (int) d.u32(DAEMON_SYNC_ID, 0),
        d.u16(DAEMON_SYNC_MAXLEN, 0), group, d.u16(DAEMON_MCAST_PORT, 0), d.u8(DAEMON_MCAST_TTL, 0));
  }

  private static IpAddress group(byte[] raw, int length) {
    if (raw.length != length) {
      throw malformed("multicast group of " + raw.length + " bytes, expected " + length);
    }
    return IpAddress.ofBytes(raw);
  }

  @Override
  public void startDaemon(SyncDaemon s) {
    Message m = request(CMD_NEW_DAEMON, Message.F_ACK).begin(ATTR_DAEMON).u32(DAEMON_STATE, s.state())
        .string(DAEMON_MCAST_IFN, s.interfaceName()).u32(DAEMON_SYNC_ID, s.syncId());
    if (s.maxLen() > 0) {
      m.u16(DAEMON_SYNC_MAXLEN, s.maxLen());
    }
    if (s.multicastGroup() != null) {
      m.bytes(s.multicastGroup().isV4() ? DAEMON_MCAST_GROUP : DAEMON_MCAST_GROUP6, s.multicastGroup().bytes());
    }
    if (s.port() > 0) {
      m.u16(DAEMON_MCAST_PORT, s.port());
    }
    if (s.ttl() > 0) {
      m.u8(DAEMON_MCAST_TTL, s.ttl());
    }
    m.end();
    execute("start sync daemon", (s.state() == SyncDaemon.MASTER ? "master" : "backup") + " on "
        + s.interfaceName(), m);
  }

  @Override
  public void stopDaemon(int state) {
    Message m = request(CMD_DEL_DAEMON, Message.F_ACK).begin(ATTR_DAEMON).u32(DAEMON_STATE, state).end();
    execute("stop sync daemon", state == SyncDaemon.MASTER ? "master" : "backup", m);
  }

  @Override
  public IpvsTimeouts timeouts() {
    List<IpvsTimeouts> r = call("get", () -> "IPVS timeouts", () -> socket.query("get IPVS timeouts",
        request(CMD_GET_CONFIG, Message.F_ACK), reply -> {
          Attributes a = top(reply);
          return new IpvsTimeouts((int) a.u32(ATTR_TIMEOUT_TCP, 0), (int) a.u32(ATTR_TIMEOUT_TCP_FIN, 0),
              (int) a.u32(ATTR_TIMEOUT_UDP, 0));
        }));
    return r.isEmpty() ? new IpvsTimeouts(0, 0, 0) : r.get(0);
  }

  @Override
  public void setTimeouts(IpvsTimeouts t) {
    Message m = request(CMD_SET_CONFIG, Message.F_ACK).u32(ATTR_TIMEOUT_TCP, t.tcp())
        .u32(ATTR_TIMEOUT_TCP_FIN, t.tcpFin()).u32(ATTR_TIMEOUT_UDP, t.udp());
    execute("set timeouts", t.toString(), m);
  }

  @Override
  public void flush() {
    execute("flush", "all services", request(CMD_FLUSH, Message.F_ACK));
  }

  @Override
  public void zero(ServiceKey service) {
    Message m = request(CMD_ZERO, Message.F_ACK);
    if (service != null) {
      m.begin(ATTR_SERVICE);
      serviceKey(m, service);
      m.end();
    }
    execute("zero counters", service == null ? "all services" : service.toString(), m);
  }

  @Override
  public void close() {
    socket.close();
  }
}
