package io.halvs.agent.health;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * TCP connect: up when the three-way handshake completes; the connection is reset at once. Through the checker's
 * {@link TcpConnector} (no garbage per check), or a JDK channel where that could not be opened.
 */
final class TcpProbe extends Probe {
  private final byte[] sockaddr;
  private TcpConnector connector;
  /** The connector's socket while its connect runs, else -1. */
  int fd = -1;

  TcpProbe(byte[] sockaddr, int timeoutMillis) {
    super(null, timeoutMillis); // the JDK's address only if the connector is not there: Probe#connect asks the owner
    this.sockaddr = sockaddr;
  }

  @Override
  void start(Selector selector) throws IOException {
    connector = loop.connector();
    if (connector != null) {
      connector.connect(this, sockaddr);
    } else if (connect(selector)) {
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
  void close() {
    if (connector != null) {
      connector.release(this);
    } else {
      super.close();
    }
  }

  @Override
  String timeoutMessage() {
    return "connect timeout " + timeoutMillis + " ms";
  }
}
