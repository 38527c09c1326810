package io.halvs.agent.health;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/** TCP connect: up when the three-way handshake completes; the connection is reset at once. */
final class TcpProbe extends Probe {
  TcpProbe(InetSocketAddress target, int timeoutMillis) {
    super(target, timeoutMillis);
  }

  @Override
  void start(Selector selector) throws IOException {
    if (connect(selector)) {
      succeed();
    }
  }

  @Override
  void ready(SelectionKey key) throws IOException {
    if (((SocketChannel) channel).finishConnect()) {
      succeed();
    }
  }

  @Override
  String timeoutMessage() {
    return "connect timeout " + timeoutMillis + " ms";
  }
}
