package io.halvs.agent.health;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Arrays;

/**
 * A short conversation over TCP (tcp send/expect, smtp): connect, then alternately send what the subclass queues
 * and read what the server says into a buffer of at most 64 KiB, which the subclass judges as it grows.
 */
abstract class StreamProbe extends Probe {
  static final int MAX_REPLY = 64 * 1024;

  private boolean connected;
  private ByteBuffer out;
  private final ByteBuffer in = ByteBuffer.allocate(2048);
  /** What the server said and the subclass has not consumed yet. */
  protected byte[] reply = new byte[256];
  protected int length;

  StreamProbe(InetSocketAddress target, int timeoutMillis) {
    super(target, timeoutMillis);
  }

  @Override
  final void start(Selector selector) throws IOException {
    if (connect(selector)) {
      onConnect();
    }
  }

  @Override
  final void ready(SelectionKey key) throws IOException {
    if (!connected) {
      if (!((SocketChannel) channel).finishConnect()) {
        return;
      }
      onConnect();
    } else {
      io();
    }
  }

  private void onConnect() throws IOException {
    connected = true;
    opened();
    io();
  }

  /** Connected: queue the first words with send(), or none when the server speaks first. */
  abstract void opened() throws IOException;

  /** The reply grew (or the server closed, eof): succeed, fail, send, or wait for more. */
  abstract void received(boolean eof) throws IOException;

  final void send(byte[] data) {
    out = ByteBuffer.wrap(data);
  }

  /** Drops the first n bytes of the reply (a complete answer handled). */
  final void consume(int n) {
    System.arraycopy(reply, n, reply, 0, length - n);
    length -= n;
  }

  final boolean isConnected() {
    return connected;
  }

  private void io() throws IOException {
    SocketChannel ch = (SocketChannel) channel;
    while (!finished()) {
      if (out != null && out.hasRemaining()) {
        ch.write(out);
        if (out.hasRemaining()) {
          key.interestOps(SelectionKey.OP_WRITE);
          return;
        }
      }
      in.clear();
      int n = ch.read(in);
      if (n == 0) {
        key.interestOps(SelectionKey.OP_READ);
        return;
      }
      if (n < 0) {
        received(true);
        if (!finished()) {
          fail(length == 0 ? "connection closed without a reply" : "connection closed before the expected reply");
        }
        return;
      }
      in.flip();
      if (length + n > MAX_REPLY) {
        fail("reply over 64 KiB without the expected answer");
        return;
      }
      if (length + n > reply.length) {
        reply = Arrays.copyOf(reply, Math.min(MAX_REPLY, Math.max(reply.length * 2, length + n)));
      }
      in.get(reply, length, n);
      length += n;
      received(false);
    }
  }

  @Override
  String timeoutMessage() {
    return connected ? "no expected reply within " + timeoutMillis + " ms"
        : "connect timeout " + timeoutMillis + " ms";
  }
}
