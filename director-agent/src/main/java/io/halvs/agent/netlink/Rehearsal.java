package io.halvs.agent.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * An in-process stand-in for the kernel behind a {@link NetlinkSocket}: it answers each message of a datagram as
 * the kernel answers a change that worked (an ACK each; a dump: NLMSG_DONE, nothing listed) and changes nothing.
 * For warm-ups: a standby's first takeover must not be the first run of the code that builds its requests and
 * reads their answers (the JIT compiles a method only after it ran a while). Not thread-safe; one socket each.
 */
final class Rehearsal implements NetlinkSocket.Sys {
  private static final int FD = 1 << 30; // never a descriptor of this process's: nothing here reaches one
  private final Deque<byte[]> answers = new ArrayDeque<>();

  @Override
  public int socket(int protocol) {
    return FD;
  }

  @Override
  public int setsockopt(int fd, int level, int option, byte[] value) {
    return 0;
  }

  @Override
  public int bind(int fd, byte[] address) {
    return 0;
  }

  @Override
  public long send(int fd, byte[] bytes) {
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
    for (int p = 0; bytes.length - p >= Message.HEADER; ) {
      int len = b.getInt(p);
      int flags = b.getShort(p + 6) & 0xffff;
      int seq = b.getInt(p + 8);
      boolean dump = (flags & Message.F_DUMP) == Message.F_DUMP;
      if (dump || (flags & Message.F_ACK) != 0) {
        answers.add(answer(dump ? Message.NLMSG_DONE : Message.NLMSG_ERROR, seq));
      }
      if (len < Message.HEADER) {
        break;
      }
      p += (len + 3) & ~3;
    }
    return bytes.length;
  }

  /** NLMSG_ERROR with error 0 and the request's header (an ACK), or NLMSG_DONE: 20 or 36 bytes. */
  private static byte[] answer(int type, int seq) {
    int length = type == Message.NLMSG_DONE ? Message.HEADER + 4 : Message.HEADER + 4 + Message.HEADER;
    ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.nativeOrder());
    b.putInt(length).putShort((short) type).putShort((short) 0).putInt(seq).putInt(0).putInt(0);
    if (type == Message.NLMSG_ERROR) {
      b.putInt(Message.HEADER).putShort((short) 0).putShort((short) 0).putInt(seq).putInt(0);
    }
    return b.array();
  }

  @Override
  public long receive(int fd, ByteBuffer into, int length) {
    byte[] next = answers.poll();
    if (next == null) {
      return -Errno.EAGAIN; // as a socket whose receive timed out: nothing was asked that wants an answer
    }
    into.put(0, next, 0, Math.min(next.length, length));
    return Math.min(next.length, length);
  }

  @Override
  public void close(int fd) {
    answers.clear();
  }
}
