package io.halvs.agent.health;

import io.halvs.plan.IpAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * ICMP echo for the icmp checks: one socket per address family for all targets, and a thread per socket that
 * blocks in recvfrom and hands each reply to the probe waiting for its sequence number. An ICMP datagram socket
 * ("unprivileged ping": the kernel owns the identifier and demultiplexes replies) where net.ipv4.ping_group_range
 * admits the agent, else a raw socket (CAP_NET_RAW, which the agent has), which sees every echo reply to the host
 * and so also matches the identifier and the source. The JDK has neither kind; jnr-ffi calls libc.
 */
final class Pinger implements AutoCloseable {
  /** The libc calls an ICMP socket needs. */
  public interface Api {
    @SaveError
    int socket(int domain, int type, int protocol);

    @SaveError
    @ssize_t
    long sendto(int fd, @In byte[] buf, @size_t long len, int flags, @In byte[] addr, int addrlen);

    @SaveError
    @ssize_t
    long recvfrom(int fd, @Out byte[] buf, @size_t long len, int flags, @Out byte[] addr, @In @Out int[] addrlen);

    @SaveError
    int setsockopt(int fd, int level, int option, @In byte[] value, int len);

    int close(int fd);

    String strerror(int errnum);
  }

  static final int AF_INET = 2;
  static final int AF_INET6 = 10;
  private static final int SOCK_DGRAM = 2;
  private static final int SOCK_RAW = 3;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final int IPPROTO_ICMP = 1;
  private static final int IPPROTO_ICMPV6 = 58;
  private static final int SOL_SOCKET = 1;
  private static final int SO_RCVTIMEO = 20;
  private static final int SO_RCVBUF = 8;
  private static final int SO_RCVBUFFORCE = 33;
  private static final int SOL_RAW = 255;
  private static final int ICMP_FILTER = 1;
  private static final int ICMP6_FILTER = 1;
  /** Room for about a second of replies at 10,000 checks a second, should the reader fall behind. */
  private static final int RECEIVE_BUFFER = 8 << 20;
  private static final int EAGAIN = 11;
  private static final int EINTR = 4;
  private static final int EBADF = 9;
  private static final byte[] PAYLOAD = "halvs-health-icmp".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  /** Which kind of socket a family got. */
  enum Kind { DATAGRAM, RAW }

  private static volatile Api api;
  private static volatile Runtime runtime;

  private final Family v4 = new Family(false);
  private final Family v6 = new Family(true);
  private volatile boolean open = true;

  static Api api() {
    if (api == null) {
      synchronized (Pinger.class) {
        if (api == null) {
          Api a = LibraryLoader.create(Api.class).load("c");
          runtime = Runtime.getRuntime(a);
          api = a;
        }
      }
    }
    return api;
  }

  /** Sends one echo request for probe p; a failure to send fails p (on the calling thread, the checker's). */
  void send(IcmpProbe p, IpAddress to) {
    Family f = to.isV4() ? v4 : v6;
    String problem = f.ensureOpen();
    if (problem != null) {
      p.fail(problem);
      return;
    }
    f.send(p, to);
  }

  /** The probe ended (answered, timed out, dropped): a late reply must not find it. */
  void forget(IcmpProbe p) {
    (p.v6 ? v6 : v4).waiting.remove(p.seq, p);
  }

  Kind kind(boolean ipv6) {
    return (ipv6 ? v6 : v4).kind;
  }

  @Override
  public void close() {
    open = false;
    v4.close();
    v6.close();
  }

  private final class Family {
    final boolean ipv6;
    final Map<Integer, IcmpProbe> waiting = new ConcurrentHashMap<>();
    final AtomicInteger seq = new AtomicInteger();
    volatile int fd = -1;
    volatile Kind kind;
    int identifier;
    Thread receiver;
    String failure;

    Family(boolean ipv6) {
      this.ipv6 = ipv6;
    }

    /** null when the socket is there, else why it cannot be (asked again on the next check). */
    String ensureOpen() {
      if (fd >= 0) {
        return null;
      }
      Api c = api();
      int domain = ipv6 ? AF_INET6 : AF_INET;
      int proto = ipv6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
      int s = c.socket(domain, SOCK_DGRAM | SOCK_CLOEXEC, proto);
      Kind k = Kind.DATAGRAM;
      int dgramErrno = s < 0 ? LastError.getLastError(runtime) : 0;
      if (s < 0) {
        s = c.socket(domain, SOCK_RAW | SOCK_CLOEXEC, proto);
        k = Kind.RAW;
      }
      if (s < 0) {
        int rawErrno = LastError.getLastError(runtime);
        return "ICMP socket: " + c.strerror(dgramErrno).toLowerCase() + " (datagram), "
            + c.strerror(rawErrno).toLowerCase() + " (raw); the agent needs CAP_NET_RAW or net.ipv4.ping_group_range";
      }
      // A receive timeout so the thread sees close() instead of blocking for ever.
      byte[] tv = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putLong(0).putLong(200_000).array();
      c.setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, tv, tv.length);
      // Replies of all targets share one socket: a big buffer (past rmem_max with CAP_NET_ADMIN, which the agent
      // has) so a reader that is not scheduled for a while loses none.
      byte[] size = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(RECEIVE_BUFFER).array();
      if (c.setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, size, 4) < 0) {
        c.setsockopt(s, SOL_SOCKET, SO_RCVBUF, size, 4);
      }
      if (k == Kind.RAW) {
        // A raw socket gets every ICMP message reaching the host: let the kernel drop all but echo replies and
        // destination unreachable (a set bit filters a type out).
        if (ipv6) {
          ByteBuffer f = ByteBuffer.allocate(32).order(ByteOrder.nativeOrder());
          for (int word = 0; word < 8; word++) {
            int bits = -1;
            if (word == 0) {
              bits &= ~(1 << 1); // destination unreachable
            }
            if (word == 129 >> 5) {
              bits &= ~(1 << (129 & 31)); // echo reply
            }
            f.putInt(bits);
          }
          c.setsockopt(s, IPPROTO_ICMPV6, ICMP6_FILTER, f.array(), 32);
        } else {
          byte[] f = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(~((1 << 0) | (1 << 3))).array();
          c.setsockopt(s, SOL_RAW, ICMP_FILTER, f, 4);
        }
      }
      identifier = (int) (ProcessHandle.current().pid() ^ (ipv6 ? 0x5a5a : 0)) & 0xffff;
      kind = k;
      fd = s;
      int socket = s;
      receiver = new Thread(() -> receive(socket), "halvs-health-icmp" + (ipv6 ? "6" : "4"));
      receiver.setDaemon(true);
      receiver.start();
      return null;
    }

    void send(IcmpProbe p, IpAddress to) {
      int n;
      do {
        n = seq.getAndIncrement() & 0xffff;
      } while (waiting.putIfAbsent(n, p) != null); // 65,536 sequence numbers: far more than checks in flight
      p.seq = n;
      p.v6 = ipv6;
      byte[] packet = new byte[8 + PAYLOAD.length];
      packet[0] = (byte) (ipv6 ? 128 : 8); // echo request
      packet[4] = (byte) (identifier >> 8);
      packet[5] = (byte) identifier;
      packet[6] = (byte) (n >> 8);
      packet[7] = (byte) n;
      System.arraycopy(PAYLOAD, 0, packet, 8, PAYLOAD.length);
      if (!ipv6) {
        int sum = checksum(packet); // ICMPv6 checksums (pseudo-header) are the kernel's
        packet[2] = (byte) (sum >> 8);
        packet[3] = (byte) sum;
      }
      byte[] addr = sockaddr(to);
      if (api().sendto(fd, packet, packet.length, 0, addr, addr.length) < 0) {
        int errno = LastError.getLastError(runtime);
        waiting.remove(n, p);
        p.fail(describe(errno));
      }
    }

    private void receive(int socket) {
      Api c = api();
      byte[] buf = new byte[2048];
      byte[] from = new byte[28];
      int[] fromLen = new int[1];
      while (open) {
        fromLen[0] = from.length;
        long n = c.recvfrom(socket, buf, buf.length, 0, from, fromLen);
        if (n < 0) {
          int errno = LastError.getLastError(runtime);
          if (errno == EAGAIN || errno == EINTR) {
            continue;
          }
          if (!open || errno == EBADF) {
            break;
          }
          continue; // e.g. an ICMP error queued on a datagram socket: nothing to hand to anyone
        }
        reply(buf, (int) n, from);
      }
    }

    private void reply(byte[] b, int n, byte[] from) {
      int off = 0;
      if (kind == Kind.RAW && !ipv6) {
        off = (b[0] & 0x0f) * 4; // a raw IPv4 socket delivers the IP header too
      }
      if (n - off < 8) {
        return;
      }
      int type = b[off] & 0xff;
      boolean echoReply = ipv6 ? type == 129 : type == 0;
      boolean unreachable = ipv6 ? type == 1 : type == 3;
      int id;
      int sq;
      String why = null;
      if (echoReply) {
        id = u16(b, off + 4);
        sq = u16(b, off + 6);
      } else if (unreachable && kind == Kind.RAW) {
        // The error quotes our request: (IPv4 header +) its ICMP header.
        int inner = off + 8 + (ipv6 ? 40 : (b[off + 8] & 0x0f) * 4);
        if (n < inner + 8) {
          return;
        }
        id = u16(b, inner + 4);
        sq = u16(b, inner + 6);
        why = unreachable(ipv6, b[off + 1] & 0xff);
      } else {
        return;
      }
      if (kind == Kind.RAW && id != identifier) {
        return; // someone else's ping
      }
      IcmpProbe p = waiting.get(sq);
      if (p == null) {
        return;
      }
      if (echoReply && !p.address.equals(source(b, off, from))) {
        return; // an answer from another address (a broadcast, a router) is not the target's
      }
      if (waiting.remove(sq, p)) {
        p.answered(why);
      }
    }

    private IpAddress source(byte[] b, int off, byte[] from) {
      byte[] a;
      if (kind == Kind.RAW && !ipv6) {
        a = java.util.Arrays.copyOfRange(b, 12, 16);
      } else if (ipv6) {
        a = java.util.Arrays.copyOfRange(from, 8, 24);
      } else {
        a = java.util.Arrays.copyOfRange(from, 4, 8);
      }
      return IpAddress.ofBytes(a);
    }

    void close() {
      int s = fd;
      Thread t = receiver;
      if (s < 0) {
        return;
      }
      if (t != null) {
        try {
          t.join(2000); // the socket closes after its reader leaves: no descriptor reused under it
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      api().close(s);
      fd = -1;
    }

    private byte[] sockaddr(IpAddress to) {
      ByteBuffer b = ByteBuffer.allocate(ipv6 ? 28 : 16).order(ByteOrder.nativeOrder());
      b.putShort((short) (ipv6 ? AF_INET6 : AF_INET));
      b.order(ByteOrder.BIG_ENDIAN).putShort((short) 0); // port: unused by ICMP
      if (ipv6) {
        b.putInt(0); // flow info
      }
      b.put(to.bytes());
      return b.array();
    }
  }

  private String describe(int errno) {
    return switch (errno) {
      case 101 -> "network unreachable (ICMP send)"; // ENETUNREACH
      case 113 -> "no route to host";  // EHOSTUNREACH
      case 22 -> "ICMP send: invalid argument (a blackhole route?)"; // EINVAL
      case 1, 13 -> "ICMP send: " + api().strerror(errno).toLowerCase() + " (firewall?)"; // EPERM, EACCES
      default -> "ICMP send: " + api().strerror(errno).toLowerCase();
    };
  }

  private static String unreachable(boolean ipv6, int code) {
    if (ipv6) {
      return switch (code) {
        case 0 -> "no route to host (ICMPv6)";
        case 1 -> "administratively prohibited: unreachable (ICMPv6)";
        case 3 -> "host unreachable (ICMPv6 address unreachable)";
        default -> "destination unreachable (ICMPv6 code " + code + ")";
      };
    }
    return switch (code) {
      case 0 -> "network unreachable (ICMP)";
      case 1 -> "host unreachable (ICMP)";
      case 13 -> "administratively prohibited: unreachable (ICMP)";
      default -> "destination unreachable (ICMP code " + code + ")";
    };
  }

  private static int u16(byte[] b, int p) {
    return ((b[p] & 0xff) << 8) | (b[p + 1] & 0xff);
  }

  /** The Internet checksum (RFC 1071). */
  static int checksum(byte[] b) {
    long sum = 0;
    for (int i = 0; i + 1 < b.length; i += 2) {
      sum += u16(b, i);
    }
    if ((b.length & 1) != 0) {
      sum += (b[b.length - 1] & 0xff) << 8;
    }
    while ((sum >> 16) != 0) {
      sum = (sum & 0xffff) + (sum >> 16);
    }
    return (int) (~sum & 0xffff);
  }
}
