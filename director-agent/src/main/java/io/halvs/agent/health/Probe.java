package io.halvs.agent.health;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * One check attempt against one target, driven by the checker thread's selector: it never blocks. start()
 * opens and registers a channel; ready() runs when the selector says so; either may finish the attempt
 * (finished() then true, ok/message say how). The checker thread times out attempts that do not finish.
 */
abstract class Probe {
  private boolean finished;
  private boolean ok;
  private String message;
  protected SelectableChannel channel;
  protected SelectionKey key;
  /** The target this attempt checks (set by the checker thread). */
  Target owner;
  /** The checker that runs this attempt (set by it): for CPU work off its thread. */
  HealthMonitor loop;
  /** When the checker started it (System.nanoTime()), and whether the checker ended it for taking too long. */
  long startedNanos;
  boolean timedOut;

  /** Where to connect; null: the owner's address (made on first use, see Target#socketAddress). */
  protected final InetSocketAddress target;
  protected final int timeoutMillis;

  /** CPU work for a worker thread, e.g. a TLS handshake step. */
  interface Work {
    void run() throws IOException;
  }

  Probe(InetSocketAddress target, int timeoutMillis) {
    this.target = target;
    this.timeoutMillis = timeoutMillis;
  }

  /** Opens the channel and registers it (attachment: this probe), or finishes at once. */
  abstract void start(Selector selector) throws IOException;

  /** The selector reported the channel ready. */
  abstract void ready(SelectionKey key) throws IOException;

  /** Back on the checker thread after offloaded work; error: what the work threw, or null. */
  void offloaded(IOException error) throws IOException {
    if (error != null) {
      throw error;
    }
  }

  /** Why the attempt failed when the time ran out, by how far it got. */
  abstract String timeoutMessage();

  final boolean finished() {
    return finished;
  }

  final boolean ok() {
    return ok;
  }

  final String message() {
    return message;
  }

  final void succeed() {
    finish(true, null);
  }

  final void fail(String why) {
    finish(false, why);
  }

  private void finish(boolean ok, String message) {
    if (!finished) {
      finished = true;
      this.ok = ok;
      this.message = message;
      close();
    }
  }

  /** Ends the attempt from outside: timeout, plan change, shutdown. */
  final void abort(String why) {
    finish(false, why);
  }

  void close() {
    if (channel != null) {
      try {
        channel.close(); // also cancels its selection key
      } catch (IOException ignored) {
        // closing a check socket cannot fail in a way that matters
      }
    }
  }

  /** Opens a non-blocking TCP connection (true: connected already); SO_LINGER 0 so 10,000 checks a second leave no TIME_WAIT behind. */
  final boolean connect(Selector selector) throws IOException {
    SocketChannel ch = SocketChannel.open();
    channel = ch;
    ch.configureBlocking(false);
    ch.setOption(StandardSocketOptions.SO_LINGER, 0);
    boolean connected = ch.connect(target != null ? target : owner.socketAddress());
    key = ch.register(selector, connected ? 0 : SelectionKey.OP_CONNECT, this);
    return connected;
  }

  /** Clear texts for socket errors: "connection refused", "no route to host", "port unreachable". */
  static String describe(IOException e) {
    if (e instanceof ConnectException) {
      String m = e.getMessage();
      return m != null && m.toLowerCase().contains("refused") ? "connection refused" : "connect: " + lower(m);
    }
    if (e instanceof NoRouteToHostException) {
      return "no route to host";
    }
    if (e instanceof PortUnreachableException) {
      return "port unreachable (ICMP)";
    }
    String m = e.getMessage();
    if (m != null && m.contains("Connection reset")) {
      return "connection reset";
    }
    return m == null ? e.getClass().getSimpleName() : lower(m);
  }

  /** An error text as the messages write it: "Connection reset" -> "connection reset"; "TLS: ..." stays. */
  static String lower(String m) {
    if (m == null || m.isEmpty()) {
      return "failed";
    }
    boolean word = m.length() > 1 && Character.isLowerCase(m.charAt(1));
    return word ? Character.toLowerCase(m.charAt(0)) + m.substring(1) : m;
  }
}
