package io.halvs.agent.health;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * tcp send/expect (ldirectord simpletcp): once connected, send a string (if any), then read until the reply
 * matches the regular expression (if any; else until the first byte).
 */
final class TcpExpectProbe extends StreamProbe {
  /** send: null sends nothing; expect: null takes any reply. */
  record Spec(byte[] send, Pattern expect) {}

  private final Spec spec;

  TcpExpectProbe(InetSocketAddress target, int timeoutMillis, Spec spec) {
    super(target, timeoutMillis);
    this.spec = spec;
  }

  @Override
  void opened() {
    if (spec.send() != null) {
      send(spec.send());
    }
  }

  @Override
  void received(boolean eof) {
    if (length == 0) {
      return;
    }
    if (spec.expect() == null
        || spec.expect().matcher(new String(reply, 0, length, StandardCharsets.ISO_8859_1)).find()) {
      succeed();
    } else if (eof) {
      fail("reply does not match /" + spec.expect().pattern() + "/: '" + shown() + "'");
    }
  }

  private String shown() {
    String s = new String(reply, 0, Math.min(length, 60), StandardCharsets.ISO_8859_1);
    return s.replace("\r", "\\r").replace("\n", "\\n") + (length > 60 ? "..." : "");
  }

  @Override
  String timeoutMessage() {
    return !isConnected() ? super.timeoutMessage() : length == 0 ? "no reply within " + timeoutMillis + " ms"
        : "reply does not match /" + spec.expect().pattern() + "/ within " + timeoutMillis + " ms: '" + shown() + "'";
  }
}
