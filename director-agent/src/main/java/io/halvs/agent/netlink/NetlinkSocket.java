package io.halvs.agent.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One netlink socket: requests with sequence numbers, kernel ACKs, multipart dumps, NLMSG_ERROR turned into a
 * {@link NetlinkException} naming the operation and the errno in words (plus the kernel's extended-ACK text).
 * The receive buffer is allocated once per socket, bounded, and native (direct): the kernel writes into it and
 * replies are parsed in place, with no copy per call — a heap array would cost a native copy of the whole
 * buffer on every receive, i.e. on every ACK. Not thread-safe: one socket per thread or lock.
 */
public final class NetlinkSocket implements AutoCloseable {
  /** Large enough for any single message the kernel sends us (dumps come as many messages). */
  static final int RECEIVE_BUFFER = 256 * 1024;
  private static final int NLMSGERR_ATTR_MSG = 1;

  private final LibC.Api c = LibC.api();
  private final int fd;
  private final ByteBuffer receive = ByteBuffer.allocateDirect(RECEIVE_BUFFER).order(ByteOrder.nativeOrder());
  /** struct sockaddr_nl of the kernel (pid 0), the destination of every request. */
  private static final byte[] KERNEL = kernelAddress();
  private int seq = (int) (System.nanoTime() & 0x3fffffff);
  private boolean closed;

  public NetlinkSocket(int protocol) {
    fd = c.socket(LibC.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, protocol);
    if (fd < 0) {
      throw new NetlinkException("open netlink socket (protocol " + protocol + ")", LibC.errno(), null);
    }
    byte[] one = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(1).array();
    c.setsockopt(fd, LibC.SOL_NETLINK, LibC.NETLINK_EXT_ACK, one, 4); // best effort: older kernels lack it
    byte[] rcvbuf = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(4 * 1024 * 1024).array();
    c.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUF, rcvbuf, 4);
    // A kernel that never answers must not hang the agent: 10 s receive timeout.
    byte[] timeout = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putLong(10).putLong(0).array();
    c.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVTIMEO, timeout, 16);
    byte[] addr = new byte[12];
    ByteBuffer.wrap(addr).order(ByteOrder.nativeOrder()).putShort((short) LibC.AF_NETLINK);
    if (c.bind(fd, addr, addr.length) < 0) {
      int e = LibC.errno();
      c.close(fd);
      throw new NetlinkException("bind netlink socket", e, null);
    }
  }

  /** Sends a request with NLM_F_ACK and waits for the kernel's answer; throws on an error answer. */
  public void execute(String operation, Message request) {
    int s = send(operation, request);
    receive(operation, s, m -> null);
  }

  /**
   * Sends a request (a dump, or a get with a reply) and collects one parsed item per reply message.
   * The parser gets a buffer positioned at the start of the payload (after nlmsghdr) and the message end.
   */
  public <T> List<T> query(String operation, Message request, Function<Reply, T> parser) {
    int s = send(operation, request);
    return receive(operation, s, parser);
  }

  /** One reply message's payload. */
  public record Reply(ByteBuffer buffer, int type, int payloadStart, int end) {}

  private int send(String operation, Message request) {
    ensureOpen();
    int s = ++seq;
    byte[] bytes = request.toBytes(s);
    long n = c.sendto(fd, bytes, bytes.length, 0, KERNEL, KERNEL.length);
    if (n < 0) {
      throw new NetlinkException(operation + " (send)", LibC.errno(), null);
    }
    return s;
  }

  private <T> List<T> receive(String operation, int expectedSeq, Function<Reply, T> parser) {
    List<T> out = new ArrayList<>();
    while (true) {
      long n = c.recv(fd, receive.clear(), RECEIVE_BUFFER, 0);
      if (n < 0) {
        int e = LibC.errno();
        if (e == Errno.EINTR) {
          continue;
        }
        throw new NetlinkException(operation + " (receive)", e, e == Errno.EAGAIN ? "no answer from the kernel in 10 s" : null);
      }
      ByteBuffer b = receive.limit((int) n);
      int p = 0;
      boolean done = false;
      while (p + Message.HEADER <= n) {
        int len = b.getInt(p);
        int type = b.getShort(p + 4) & 0xffff;
        int flags = b.getShort(p + 6) & 0xffff;
        int msgSeq = b.getInt(p + 8);
        if (len < Message.HEADER || p + len > n) {
          throw new NetlinkException(operation + " (receive)", Errno.EINVAL, "truncated netlink message");
        }
        if (msgSeq == expectedSeq) {
          if (type == Message.NLMSG_ERROR) {
            int error = -b.getInt(p + Message.HEADER);
            if (error != 0) {
              throw new NetlinkException(operation, error, extAck(b, p, len));
            }
            done = true; // the ACK
          } else if (type == Message.NLMSG_DONE) {
            done = true;
          } else {
            T item = parser.apply(new Reply(b, type, p + Message.HEADER, p + len));
            if (item != null) {
              out.add(item);
            }
            if ((flags & Message.F_MULTI) == 0) {
              // A single reply: the ACK we asked for still follows.
            }
          }
        }
        p += (len + 3) & ~3;
      }
      if (done) {
        return out;
      }
    }
  }

  private static byte[] kernelAddress() {
    byte[] addr = new byte[12];
    ByteBuffer.wrap(addr).order(ByteOrder.nativeOrder()).putShort((short) LibC.AF_NETLINK);
    return addr;
  }

  /** The kernel's extended-ACK message, when it sent one. */
  private static String extAck(ByteBuffer b, int p, int len) {
    int errLen = b.getInt(p + Message.HEADER + 4); // the echoed request header's length
    int flags = b.getShort(p + 6) & 0xffff;
    boolean capped = (flags & 0x100) != 0; // NLM_F_CAPPED: only the request header is echoed
    int attrs = p + Message.HEADER + 4 + (capped ? Message.HEADER : ((errLen + 3) & ~3));
    if (attrs >= p + len) {
      return null;
    }
    Attributes a = new Attributes(b, attrs, p + len);
    return a.string(NLMSGERR_ATTR_MSG);
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("netlink socket is closed");
    }
  }

  static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      c.close(fd);
    }
  }
}
