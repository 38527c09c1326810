package io.halvs.agent.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.BiFunction;

/**
 * A kernel for {@link NetlinkSocket} that needs no root: it records every request's bytes and answers each with
 * the datagrams a script returns for it (the script gets the request and its sequence number). With nothing
 * left to deliver a receive times out (EAGAIN), as the real socket does after SO_RCVTIMEO. It also records any
 * call on its descriptor after close, the thing a racing close must never allow.
 */
public final class ScriptedKernel implements NetlinkSocket.Sys {
  static final int FD = 42;
  /** The id the scripted controller gives family IPVS (real kernels pick their own). */
  static final int IPVS_FAMILY = 0x24;

  public final List<byte[]> sent = new ArrayList<>();
  final List<String> misuse = new ArrayList<>();
  public final Deque<Object> replies = new ArrayDeque<>(); // byte[] datagrams or Integer -errno
  volatile boolean closed;
  public volatile int closeCalls;
  /** Set (a negative errno): socket() fails with it, as for a protocol the kernel lacks. */
  public int socketError;
  volatile boolean receiving;
  /** Set: receive() waits for it to count down (a request held in flight). */
  volatile CountDownLatch holdReceive;
  final CountDownLatch receiveEntered = new CountDownLatch(1);
  int rcvtimeoError;
  private BiFunction<byte[], Integer, List<Object>> script = (request, seq) -> List.of(ack(seq));

  /** Answers every request with what the function returns (datagrams as byte[], failures as Integer -errno). */
  public ScriptedKernel answer(BiFunction<byte[], Integer, List<Object>> s) {
    this.script = s;
    return this;
  }

  /** A socket on this kernel, with family IPVS already resolved (the first request it sent). */
  NetlinkIpvsKernel ipvs() {
    BiFunction<byte[], Integer, List<Object>> after = script;
    script = (request, seq) -> List.of(familyReply(seq, IPVS_FAMILY), ack(seq));
    NetlinkIpvsKernel k = new NetlinkIpvsKernel(new NetlinkSocket(this, LibC.NETLINK_GENERIC));
    script = after;
    sent.clear();
    return k;
  }

  @Override
  public int socket(int protocol) {
    return socketError != 0 ? socketError : FD;
  }

  @Override
  public int setsockopt(int fd, int level, int option, byte[] value) {
    check(fd, "setsockopt");
    return level == LibC.SOL_SOCKET && option == LibC.SO_RCVTIMEO ? rcvtimeoError : 0;
  }

  @Override
  public int bind(int fd, byte[] address) {
    check(fd, "bind");
    return 0;
  }

  @Override
  public synchronized long send(int fd, byte[] bytes) {
    check(fd, "send");
    sent.add(bytes);
    replies.addAll(script.apply(bytes, seq(bytes)));
    return bytes.length;
  }

  @Override
  public long receive(int fd, ByteBuffer into, int length) {
    check(fd, "receive");
    receiving = true;
    try {
      receiveEntered.countDown();
      CountDownLatch hold = holdReceive;
      if (hold != null) {
        hold.await();
      }
      check(fd, "receive (returning)");
      Object next;
      synchronized (this) {
        next = replies.poll();
      }
      if (next == null) {
        return -Errno.EAGAIN;
      }
      if (next instanceof Integer errno) {
        return errno;
      }
      byte[] d = (byte[]) next;
      int n = Math.min(d.length, length);
      into.put(0, d, 0, n);
      return n;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -Errno.EINTR;
    } finally {
      receiving = false;
    }
  }

  @Override
  public void close(int fd) {
    check(fd, "close");
    if (receiving) {
      misuse.add("close while a receive was in flight");
    }
    closeCalls++;
    closed = true;
  }

  private void check(int fd, String call) {
    if (fd != FD) {
      misuse.add(call + " on fd " + fd);
    }
    if (closed) {
      misuse.add(call + " after close");
    }
  }

  // ---- bytes written by hand -----------------------------------------------------------------------------------

  /** Hex digits with '#' comments and any spacing: a request or reply as the tests write it from the headers. */
  public static byte[] hex(String text) {
    StringBuilder digits = new StringBuilder();
    for (String line : text.split("\n")) {
      int comment = line.indexOf('#');
      digits.append((comment >= 0 ? line.substring(0, comment) : line).replaceAll("\\s+", ""));
    }
    return HexFormat.of().parseHex(digits);
  }

  /** 16 bytes a line, so a failure shows where the bytes differ. */
  public static String spaced(byte[] b) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < b.length; i++) {
      s.append(String.format("%02x", b[i])).append(i % 16 == 15 ? "\n" : " ");
    }
    return s.toString();
  }

  // ---- reply building ---------------------------------------------------------------------------------------

  public static int seq(byte[] request) {
    return ByteBuffer.wrap(request).order(ByteOrder.nativeOrder()).getInt(8);
  }

  /** NLMSG_ERROR with error 0: the ACK. */
  public static byte[] ack(int seq) {
    return error(seq, 0, null, null);
  }

  /**
   * NLMSG_ERROR: the error code, the request's header (NLM_F_CAPPED, as the kernel sends with extended ACK on),
   * then NLMSGERR_ATTR_MSG when message is set.
   */
  public static byte[] error(int seq, int errno, byte[] request, String message) {
    ByteBuffer b = ByteBuffer.allocate(256).order(ByteOrder.nativeOrder());
    int flags = message != null ? NetlinkSocket.NLM_F_CAPPED | 0x200 : NetlinkSocket.NLM_F_CAPPED;
    b.putInt(0).putShort((short) Message.NLMSG_ERROR).putShort((short) flags).putInt(seq).putInt(0);
    b.putInt(-errno);
    if (request != null) {
      b.put(request, 0, Message.HEADER);
    } else {
      b.putInt(Message.HEADER).putShort((short) 0).putShort((short) 0).putInt(seq).putInt(0);
    }
    if (message != null) {
      byte[] m = (message + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8);
      b.putShort((short) (4 + m.length)).putShort((short) NetlinkSocket.NLMSGERR_ATTR_MSG).put(m);
      while (b.position() % 4 != 0) {
        b.put((byte) 0);
      }
    }
    b.putInt(0, b.position());
    return Arrays.copyOf(b.array(), b.position());
  }

  public static byte[] done(int seq) {
    ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.nativeOrder());
    b.putInt(20).putShort((short) Message.NLMSG_DONE).putShort(Message.F_MULTI).putInt(seq).putInt(0).putInt(0);
    return b.array();
  }

  /** CTRL_CMD_NEWFAMILY naming IPVS with the given id. */
  static byte[] familyReply(int seq, int id) {
    return new Message(GenericNetlink.GENL_ID_CTRL, 0).genl(1, 2).string(GenericNetlink.CTRL_ATTR_FAMILY_NAME, "IPVS")
        .u16(GenericNetlink.CTRL_ATTR_FAMILY_ID, id).toBytes(seq);
  }

  /** One IPVS reply message (a dump part when multi) whose attributes the caller adds. */
  static Message ipvs(int cmd, boolean multi) {
    return new Message(IPVS_FAMILY, multi ? Message.F_MULTI : 0).genl(cmd, 1);
  }

  /** Several messages in one datagram, as the kernel packs a dump. */
  public static byte[] datagram(byte[]... messages) {
    int n = 0;
    for (byte[] m : messages) {
      n += (m.length + 3) & ~3;
    }
    ByteBuffer b = ByteBuffer.allocate(n);
    for (byte[] m : messages) {
      b.put(m);
      b.position((b.position() + 3) & ~3);
    }
    return b.array();
  }
}
