package io.halvs.agent.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * One netlink socket: requests with sequence numbers, kernel ACKs, multipart dumps, NLMSG_ERROR turned into a
 * {@link NetlinkException} naming the operation and the errno in words (plus the kernel's extended-ACK text).
 * The receive buffer is allocated once per socket, bounded, and native (direct): the kernel writes into it and
 * replies are parsed in place, with no copy per call — a heap array would cost a native copy of the whole
 * buffer on every receive, i.e. on every ACK.
 *
 * <p>Thread-safe: one request (send and every reply up to its ACK or NLMSG_DONE) at a time. {@link #close()}
 * waits for a request in flight (at most the 10 s receive timeout), so no request reads from a closed, or
 * reused, descriptor; requests after it fail with EBADF.
 *
 * <p>Whatever the kernel (or anything else) puts in a reply, parsing it either succeeds or throws a
 * NetlinkException: lengths are checked against the datagram before anything is read.
 */
public final class NetlinkSocket implements AutoCloseable {
  /** Large enough for any single message the kernel sends us (dumps come as many messages). */
  static final int RECEIVE_BUFFER = 256 * 1024;
  static final int RECEIVE_TIMEOUT_SECONDS = 10;
  static final int NLMSGERR_ATTR_MSG = 1;
  static final int NLMSG_NOOP = 1;
  static final int NLMSG_OVERRUN = 4;
  /** Types below this are netlink's own control messages, not a family's replies. */
  static final int NLMSG_MIN_TYPE = 0x10;
  static final int NLM_F_CAPPED = 0x100;
  /** A batch above this grows the socket's send buffer before it is sent. */
  static final int LARGE_BATCH = 64 * 1024;

  /**
   * The system calls a socket makes, each returning its result or -errno: libc in production, a scripted kernel
   * in tests (which is how every request's bytes and every reply's parsing are tested without root).
   */
  public interface Sys {
    int socket(int protocol);

    int setsockopt(int fd, int level, int option, byte[] value);

    int bind(int fd, byte[] address);

    long send(int fd, byte[] bytes);

    long receive(int fd, ByteBuffer into, int length);

    void close(int fd);
  }

  /** The real calls, through jnr-ffi. */
  static final class Libc implements Sys {
    private final LibC.Api c = LibC.api();

    @Override
    public int socket(int protocol) {
      int fd = c.socket(LibC.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, protocol);
      return fd < 0 ? -LibC.errno() : fd;
    }

    @Override
    public int setsockopt(int fd, int level, int option, byte[] value) {
      return c.setsockopt(fd, level, option, value, value.length) < 0 ? -LibC.errno() : 0;
    }

    @Override
    public int bind(int fd, byte[] address) {
      return c.bind(fd, address, address.length) < 0 ? -LibC.errno() : 0;
    }

    @Override
    public long send(int fd, byte[] bytes) {
      long n = c.sendto(fd, bytes, bytes.length, 0, KERNEL, KERNEL.length);
      return n < 0 ? -LibC.errno() : n;
    }

    @Override
    public long receive(int fd, ByteBuffer into, int length) {
      long n = c.recv(fd, into, length, 0);
      return n < 0 ? -LibC.errno() : n;
    }

    @Override
    public void close(int fd) {
      c.close(fd);
    }
  }

  /** struct sockaddr_nl of the kernel (pid 0), the destination of every request. */
  private static final byte[] KERNEL = kernelAddress();

  private final Sys sys;
  private final int fd;
  private final ByteBuffer receive = ByteBuffer.allocateDirect(RECEIVE_BUFFER).order(ByteOrder.nativeOrder());
  /** Held for a whole request, and by close(). */
  private final ReentrantLock lock = new ReentrantLock();
  private int seq = (int) (System.nanoTime() & 0x3fffffff); // guarded by lock
  /** Set first by close(): requests not yet started fail at once instead of queueing behind the one in flight. */
  private volatile boolean closing;
  private boolean closed; // guarded by lock

  public NetlinkSocket(int protocol) {
    this(new Libc(), protocol);
  }

  /** Over given system calls (tests: a scripted kernel). */
  public NetlinkSocket(Sys sys, int protocol) {
    this.sys = sys;
    fd = sys.socket(protocol);
    if (fd < 0) {
      throw new NetlinkException("open netlink socket (protocol " + protocol + ")", -fd, null);
    }
    sys.setsockopt(fd, LibC.SOL_NETLINK, LibC.NETLINK_EXT_ACK, int32(1)); // best effort: older kernels lack it
    sys.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUF, int32(4 * 1024 * 1024)); // best effort: capped by rmem_max
    // A kernel that never answers must not hang the agent. Without the timeout every later receive could block
    // the director loop forever, so a socket that cannot have one is not used at all.
    byte[] timeval = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putLong(RECEIVE_TIMEOUT_SECONDS)
        .putLong(0).array();
    int e = sys.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVTIMEO, timeval);
    if (e < 0) {
      sys.close(fd);
      throw new NetlinkException("set a receive timeout on the netlink socket", -e,
          "without it a kernel that never answers would block the agent forever");
    }
    e = sys.bind(fd, kernelAddress());
    if (e < 0) {
      sys.close(fd);
      throw new NetlinkException("bind netlink socket", -e, null);
    }
  }

  private static byte[] int32(int v) {
    return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
  }

  /** Sends a request with NLM_F_ACK and waits for the kernel's answer; throws on an error answer. */
  public void execute(String operation, Message request) {
    query(operation, request, m -> null);
  }

  /**
   * Sends a request (a dump, or a get with a reply) and collects one parsed item per reply message.
   * The parser gets a buffer positioned at the start of the payload (after nlmsghdr) and the message end; it may
   * return null to skip a message, and must throw nothing but NetlinkException whatever the bytes.
   */
  public <T> List<T> query(String operation, Message request, Function<Reply, T> parser) {
    lock.lock();
    try {
      if (closing || closed) {
        throw new NetlinkException(operation, Errno.EBADF, "the netlink socket is closed");
      }
      int s = send(operation, request);
      return receive(operation, s, parser);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Sends messages as one datagram, numbered in order, as nfnetlink wants a batch (the caller puts the batch's
   * begin and end messages first and last). Waits until every message flagged NLM_F_ACK is answered, or until
   * an unflagged one (the batch's begin: the batch as a whole) is refused, whichever comes first; then throws
   * the first refusal in message order, its text naming the operation and {@code what} of the refused message.
   * Late answers (the kernel acks the messages after refusing the whole) are skipped by the next request: they
   * carry this batch's sequence numbers.
   */
  public void executeBatch(String operation, List<Message> messages, IntFunction<String> what) {
    lock.lock();
    try {
      Batch batch = buildBatch(operation, messages, what);
      if (batch.start() == 0) {
        throw new IllegalArgumentException("a batch needs a message flagged NLM_F_ACK: else its success is silent");
      }
      await(operation, batch);
      batch.throwFirstRefusal();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Sends independent requests, each flagged NLM_F_ACK, as one datagram: the kernel handles them one after another
   * within the send and answers each, so many small changes (a takeover's 1,000 VIPs) cost one send and a read of
   * answers already queued instead of a round trip each. A refusal stops nothing (unlike an nfnetlink batch):
   * returns each request's refusal in order, null where it was done. The answers must fit the socket's receive
   * buffer (about 700 bytes each), so callers send at most a few hundred at once.
   */
  public NetlinkException[] executeEach(String operation, List<Message> messages, IntFunction<String> what) {
    if (messages.isEmpty()) {
      return new NetlinkException[0]; // nothing would answer an empty datagram
    }
    lock.lock();
    try {
      Batch batch = buildBatch(operation, messages, what);
      if (batch.start() != messages.size()) {
        throw new IllegalArgumentException("every request needs NLM_F_ACK: else its success is silent");
      }
      await(operation, batch);
      return batch.refused.clone();
    } finally {
      lock.unlock();
    }
  }

  /** Numbers the messages in order and lays them out as one datagram for {@link #await}; the caller holds the lock. */
  private Batch buildBatch(String operation, List<Message> messages, IntFunction<String> what) {
    if (closing || closed) {
      throw new NetlinkException(operation, Errno.EBADF, "the netlink socket is closed");
    }
    int first = seq + 1;
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    Batch batch = new Batch(operation, first, messages.size(), what);
    for (int i = 0; i < messages.size(); i++) {
      byte[] m = messages.get(i).toBytes(first + i);
      batch.acked[i] = (ByteBuffer.wrap(m).order(ByteOrder.nativeOrder()).getShort(6) & Message.F_ACK) == 0;
      out.writeBytes(m); // each message is padded to 4 bytes already
    }
    seq += messages.size();
    byte[] bytes = out.toByteArray();
    batch.bytes = bytes;
    if (bytes.length > LARGE_BATCH) {
      // netlink refuses a datagram larger than the send buffer (wmem_default, 208 KiB): grow it for this one,
      // beyond wmem_max with CAP_NET_ADMIN (the kernel doubles the value), else as far as allowed
      byte[] size = int32(bytes.length + 4096);
      if (sys.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_SNDBUFFORCE, size) < 0) {
        sys.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_SNDBUF, size);
      }
    }
    return batch;
  }

  /** Sends the batch (after its start()) and reads answers until it is answered. */
  private void await(String operation, Batch batch) {
    sendBytes(operation, batch.bytes);
    while (!batch.parse(receiveDatagram(operation))) {
      // more answers to come
    }
  }

  /** The answers to one batch so far. */
  static final class Batch {
    private final String operation;
    private final int first;
    private final IntFunction<String> what;
    /** Per message: answered, or never to be (sent without NLM_F_ACK). */
    final boolean[] acked;
    private final NetlinkException[] refused;
    /** The datagram: every message, numbered. */
    byte[] bytes;
    private int waiting;
    private boolean wholeRefused;

    Batch(String operation, int first, int size, IntFunction<String> what) {
      this.operation = operation;
      this.first = first;
      this.what = what;
      this.acked = new boolean[size];
      this.refused = new NetlinkException[size];
    }

    /** Once acked holds which messages will not be answered: how many will. */
    int start() {
      waiting = 0;
      for (boolean a : acked) {
        waiting += a ? 0 : 1;
      }
      return waiting;
    }

    /** Parses one datagram; true once the batch is answered. */
    boolean parse(ByteBuffer b) {
      int n = b.limit();
      int p = 0;
      while (n - p >= Message.HEADER) {
        int len = b.getInt(p);
        int type = b.getShort(p + 4) & 0xffff;
        int flags = b.getShort(p + 6) & 0xffff;
        int i = b.getInt(p + 8) - first;
        if (len < Message.HEADER || len > n - p) {
          throw new NetlinkException(operation + " (receive)", Errno.EINVAL,
              "truncated netlink message (length " + Integer.toUnsignedString(len) + " at offset " + p + " of " + n
                  + ")");
        }
        if (i >= 0 && i < acked.length && type == Message.NLMSG_ERROR) {
          if (len < Message.HEADER + 4) {
            throw new NetlinkException(operation + " (receive)", Errno.EINVAL, "truncated NLMSG_ERROR");
          }
          int error = -b.getInt(p + Message.HEADER);
          if (error != 0 && refused[i] == null) {
            refused[i] = new NetlinkException(operation + " (" + what.apply(i) + ")", error, extAck(b, p, len, flags));
          }
          if (!acked[i]) {
            acked[i] = true;
            waiting--;
          } else if (error != 0) {
            wholeRefused = true; // an answer to a message that asked for none: the batch itself failed
          }
        } else if (i >= 0 && i < acked.length && type == NLMSG_OVERRUN) {
          throw new NetlinkException(operation + " (receive)", Errno.ENOBUFS, "the kernel reported lost messages");
        }
        p += Math.min((len + 3) & ~3, n - p);
      }
      return wholeRefused || waiting == 0;
    }

    void throwFirstRefusal() {
      for (NetlinkException e : refused) {
        if (e != null) {
          throw e;
        }
      }
    }
  }

  /** One reply message's payload. */
  public record Reply(ByteBuffer buffer, int type, int payloadStart, int end) {
    /** Bytes of payload: what a parser may read from payloadStart on. */
    public int length() {
      return end - payloadStart;
    }

    /** Throws unless the payload holds at least n bytes (a family header, say). */
    public void require(int n, String what) {
      if (length() < n) {
        throw new NetlinkException("parse reply", Errno.EINVAL, what + " needs " + n + " bytes, the message has "
            + length());
      }
    }
  }

  private int send(String operation, Message request) {
    int s = ++seq;
    sendBytes(operation, request.toBytes(s));
    return s;
  }

  private void sendBytes(String operation, byte[] bytes) {
    long n = sys.send(fd, bytes);
    if (n < 0) {
      throw new NetlinkException(operation + " (send)", (int) -n, null);
    }
  }

  private <T> List<T> receive(String operation, int expectedSeq, Function<Reply, T> parser) {
    List<T> out = new ArrayList<>();
    while (!parse(operation, receiveDatagram(operation), expectedSeq, parser, out)) {
      // a multipart dump: more datagrams to come
    }
    return out;
  }

  /** The next datagram, in the receive buffer from 0 to its limit; retries EINTR, throws any other failure. */
  private ByteBuffer receiveDatagram(String operation) {
    while (true) {
      long n = sys.receive(fd, receive.clear(), RECEIVE_BUFFER);
      if (n < 0) {
        int e = (int) -n;
        if (e == Errno.EINTR) {
          continue;
        }
        throw new NetlinkException(operation + " (receive)", e,
            e == Errno.EAGAIN ? "no answer from the kernel in " + RECEIVE_TIMEOUT_SECONDS + " s" : null);
      }
      if (n > RECEIVE_BUFFER) {
        throw new NetlinkException(operation + " (receive)", Errno.EMSGSIZE, "datagram larger than the buffer");
      }
      return receive.limit((int) n);
    }
  }

  /**
   * Parses one received datagram (buffer from 0 to its limit): the replies to expectedSeq go through the
   * parser into out, the rest (late replies to an earlier, failed request) are skipped. Returns true once the
   * request is answered (its ACK or NLMSG_DONE); throws NetlinkException for an error answer or bytes that are
   * not netlink messages.
   */
  static <T> boolean parse(String operation, ByteBuffer b, int expectedSeq, Function<Reply, T> parser,
      List<T> out) {
    int n = b.limit();
    int p = 0;
    boolean done = false;
    while (n - p >= Message.HEADER) {
      int len = b.getInt(p);
      int type = b.getShort(p + 4) & 0xffff;
      int flags = b.getShort(p + 6) & 0xffff;
      int msgSeq = b.getInt(p + 8);
      // Compared as n - p: p + len could overflow for a length near 2^31 and pass a bounds check.
      if (len < Message.HEADER || len > n - p) {
        throw new NetlinkException(operation + " (receive)", Errno.EINVAL,
            "truncated netlink message (length " + Integer.toUnsignedString(len) + " at offset " + p + " of " + n
                + ")");
      }
      if (msgSeq == expectedSeq) {
        if (type == Message.NLMSG_ERROR) {
          if (len < Message.HEADER + 4) {
            throw new NetlinkException(operation + " (receive)", Errno.EINVAL, "truncated NLMSG_ERROR");
          }
          int error = -b.getInt(p + Message.HEADER);
          if (error != 0) {
            throw new NetlinkException(operation, error, extAck(b, p, len, flags));
          }
          done = true; // the ACK
        } else if (type == Message.NLMSG_DONE) {
          done = true;
        } else if (type == NLMSG_OVERRUN) {
          throw new NetlinkException(operation + " (receive)", Errno.ENOBUFS, "the kernel reported lost messages");
        } else if (type >= NLMSG_MIN_TYPE) {
          T item = parser.apply(new Reply(b, type, p + Message.HEADER, p + len));
          if (item != null) {
            out.add(item);
          }
        } // NLMSG_NOOP and unknown control types carry nothing for us
      }
      p += Math.min((len + 3) & ~3, n - p); // the last message may omit its padding
    }
    return done;
  }

  private static byte[] kernelAddress() {
    byte[] addr = new byte[12];
    ByteBuffer.wrap(addr).order(ByteOrder.nativeOrder()).putShort((short) LibC.AF_NETLINK);
    return addr;
  }

  /**
   * The kernel's extended-ACK message, when it sent one. After the error code comes the request's header (just
   * the header when NLM_F_CAPPED, else the whole request), then the attributes.
   */
  static String extAck(ByteBuffer b, int p, int len, int flags) {
    int end = p + len;
    int echoed = p + Message.HEADER + 4;
    if (end - echoed < Message.HEADER) {
      return null;
    }
    int attrs;
    if ((flags & NLM_F_CAPPED) != 0) {
      attrs = echoed + Message.HEADER;
    } else {
      int echoedLen = b.getInt(echoed);
      if (echoedLen < Message.HEADER || echoedLen > end - echoed) {
        return null;
      }
      attrs = echoed + ((echoedLen + 3) & ~3);
    }
    if (attrs >= end) {
      return null;
    }
    return new Attributes(b, attrs, end).string(NLMSGERR_ATTR_MSG);
  }

  static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  /** True while a close() waits for the request in flight (for tests that make that race happen). */
  boolean closeWaiting() {
    return closing && lock.hasQueuedThreads();
  }

  @Override
  public void close() {
    closing = true;
    lock.lock();
    try {
      if (!closed) {
        closed = true;
        sys.close(fd);
      }
    } finally {
      lock.unlock();
    }
  }
}
