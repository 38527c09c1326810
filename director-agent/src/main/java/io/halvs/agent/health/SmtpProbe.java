package io.halvs.agent.health;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * smtp (keepalived SMTP_CHECK): the banner must be 220, the answer to EHLO 250; then QUIT, without waiting for
 * its 221 (the server has shown it serves). Multi-line replies ("250-...") are read to their last line.
 */
final class SmtpProbe extends StreamProbe {
  private enum Phase { BANNER, EHLO }

  private final byte[] ehlo;
  private Phase phase = Phase.BANNER;

  SmtpProbe(InetSocketAddress target, int timeoutMillis, String heloName) {
    super(target, timeoutMillis);
    this.ehlo = ("EHLO " + heloName + "\r\n").getBytes(StandardCharsets.US_ASCII);
  }

  @Override
  void opened() {
    // the server speaks first
  }

  @Override
  void received(boolean eof) {
    while (!finished()) {
      int end = HttpProbe.indexOf(reply, length, new byte[] {'\r', '\n'});
      if (end < 0) {
        if (length > 0 && eof) {
          fail("SMTP: not an SMTP reply: '" + line(length) + "'");
        }
        return;
      }
      String line = line(end);
      consume(end + 2);
      if (line.length() < 3 || !Character.isDigit(line.charAt(0)) || !Character.isDigit(line.charAt(1))
          || !Character.isDigit(line.charAt(2)) || (line.length() > 3 && " -".indexOf(line.charAt(3)) < 0)) {
        fail("SMTP: not an SMTP reply: '" + truncate(line) + "'");
        return;
      }
      if (line.length() > 3 && line.charAt(3) == '-') {
        continue; // more lines of this reply follow
      }
      int code = Integer.parseInt(line.substring(0, 3));
      if (phase == Phase.BANNER) {
        if (code != 220) {
          fail("SMTP " + code + " banner: '" + truncate(line) + "'");
          return;
        }
        phase = Phase.EHLO;
        send(ehlo);
        return;
      }
      if (code != 250) {
        fail("SMTP " + code + " to EHLO: '" + truncate(line) + "'");
        return;
      }
      quit();
      succeed();
      return;
    }
  }

  /** Best effort: the socket buffer takes six bytes at once; the connection is reset right after. */
  private void quit() {
    try {
      ((java.nio.channels.SocketChannel) channel).write(
          java.nio.ByteBuffer.wrap("QUIT\r\n".getBytes(StandardCharsets.US_ASCII)));
    } catch (java.io.IOException ignored) {
      // the verdict is made
    }
  }

  private String line(int end) {
    return truncate(new String(reply, 0, end, StandardCharsets.ISO_8859_1));
  }

  private static String truncate(String s) {
    return s.length() > 60 ? s.substring(0, 60) + "..." : s;
  }

  @Override
  String timeoutMessage() {
    return !isConnected() ? super.timeoutMessage() : phase == Phase.BANNER
        ? "no SMTP banner within " + timeoutMillis + " ms" : "no SMTP reply to EHLO within " + timeoutMillis + " ms";
  }
}
