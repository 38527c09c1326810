package io.halvs.agent.health;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;

/**
 * http and https: one HTTP/1.0 request with Connection: close (as keepalived's HTTP_GET: no chunking, no
 * keep-alive to confuse), then the status code and, when asked, the body (first 64 KiB). Decides as early as it
 * can: a wrong status or a found substring ends the attempt without reading the rest.
 */
final class HttpProbe extends Probe {
  static final int MAX_RESPONSE = 64 * 1024;

  /** What every attempt of one target shares: built once per plan. */
  record Spec(byte[] request, List<Integer> expectStatus, String expectBody, Pattern expectBodyRegex,
      boolean tls, boolean tlsVerify, String peerHost, String sni, String expectDigest) {
    Spec(byte[] request, List<Integer> expectStatus, String expectBody, Pattern expectBodyRegex, boolean tls,
        boolean tlsVerify, String peerHost, String sni) {
      this(request, expectStatus, expectBody, expectBodyRegex, tls, tlsVerify, peerHost, sni, null);
    }
  }

  private enum Phase { CONNECT, HANDSHAKE, SEND, RECEIVE }

  private final Spec spec;
  private Phase phase = Phase.CONNECT;
  private Tls tls;
  private ByteBuffer out;
  private ByteBuffer in;
  private byte[] response = new byte[1024];
  private int length;
  private int headerEnd = -1;
  private long contentLength = -1;
  /** expectDigest: the body's MD5 so far; bodyBytes: all of the body, also what did not fit in response. */
  private MessageDigest md5;
  private int digested;
  private long beyond;
  private byte[] pending;

  HttpProbe(InetSocketAddress target, int timeoutMillis, Spec spec) {
    super(target, timeoutMillis);
    this.spec = spec;
  }

  @Override
  void start(Selector selector) throws IOException {
    if (connect(selector)) {
      connected();
    }
  }

  @Override
  void ready(SelectionKey key) throws IOException {
    if (phase == Phase.CONNECT) {
      if (!((SocketChannel) channel).finishConnect()) {
        return;
      }
      connected();
    } else {
      progress();
    }
  }

  private void connected() throws IOException {
    out = ByteBuffer.wrap(spec.request());
    if (spec.tls()) {
      phase = Phase.HANDSHAKE;
      // The engine, its buffers and the ClientHello are made on a worker too: only socket I/O stays here.
      key.interestOps(0);
      loop.offload(this, () -> {
        SSLEngine e = Tls.engine(spec.tlsVerify(), spec.peerHost(), target.getPort(), spec.sni());
        Tls t = new Tls(e);
        in = ByteBuffer.allocate(t.applicationBufferSize());
        t.compute();
        tls = t;
      });
      return;
    } else {
      in = ByteBuffer.allocate(4096); // 5,000 http checks a second: keep the garbage small
      phase = Phase.SEND;
    }
    progress();
  }

  private void progress() throws IOException {
    SocketChannel ch = (SocketChannel) channel;
    try {
      if (phase == Phase.HANDSHAKE) {
        int op = tls.handshake(ch);
        if (op == Tls.COMPUTE) {
          key.interestOps(0);
          loop.offload(this, tls::compute);
          return;
        }
        if (op != 0) {
          key.interestOps(op);
          return;
        }
        phase = Phase.SEND;
      }
      if (phase == Phase.SEND) {
        boolean sent;
        if (tls != null) {
          sent = tls.write(ch, out);
        } else {
          ch.write(out);
          sent = !out.hasRemaining();
        }
        if (!sent) {
          key.interestOps(SelectionKey.OP_WRITE);
          return;
        }
        phase = Phase.RECEIVE;
        key.interestOps(SelectionKey.OP_READ);
      }
      while (!finished()) {
        in.clear();
        int n = tls != null ? tls.read(ch, in) : ch.read(in);
        if (n > 0 || in.position() > 0) {
          append(in);
          evaluate(false);
        }
        if (n < 0) {
          evaluate(true);
        } else if (n == 0) {
          return;
        }
      }
    } catch (SSLException e) {
      fail(Tls.describe(e, spec.peerHost()));
    }
  }

  private void append(ByteBuffer b) {
    b.flip();
    int n = Math.min(b.remaining(), MAX_RESPONSE - length);
    if (length + n > response.length) {
      response = Arrays.copyOf(response, Math.min(MAX_RESPONSE, Math.max(response.length * 2, length + n)));
    }
    b.get(response, length, n);
    length += n;
    if (spec.expectDigest() != null && b.hasRemaining()) {
      // The digest covers the whole body, the 64 KiB kept or not, in order.
      beyond += b.remaining();
      byte[] rest = new byte[b.remaining()];
      b.get(rest);
      if (md5 != null) {
        md5.update(response, digested, length - digested);
        digested = length;
        md5.update(rest);
      } else {
        pending = rest; // headers not judged yet; response is full, so these follow all of it
      }
    }
  }

  private void evaluate(boolean eof) {
    if (headerEnd < 0) {
      headerEnd = indexOf(response, length, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      if (headerEnd < 0) {
        if (eof) {
          fail(length == 0 ? "connection closed without a response" : "incomplete HTTP response");
        } else if (length >= MAX_RESPONSE) {
          fail("HTTP response headers over 64 KiB");
        }
        return;
      }
      headerEnd += 4;
      String head = new String(response, 0, headerEnd, StandardCharsets.ISO_8859_1);
      int eol = head.indexOf("\r\n");
      String statusLine = head.substring(0, eol);
      String[] parts = statusLine.split(" ", 3);
      int status;
      try {
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
          throw new NumberFormatException();
        }
        status = Integer.parseInt(parts[1]);
      } catch (NumberFormatException e) {
        fail("not an HTTP response: '" + truncate(statusLine) + "'");
        return;
      }
      if (!spec.expectStatus().contains(status)) {
        fail("HTTP " + status);
        return;
      }
      for (String line : head.split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
          try {
            contentLength = Long.parseLong(line.substring(colon + 1).trim());
          } catch (NumberFormatException ignored) {
            // read to the end instead
          }
        }
      }
    }
    if (spec.expectDigest() != null) {
      if (md5 == null) {
        md5 = md5();
        digested = headerEnd;
      }
      md5.update(response, digested, length - digested);
      digested = length;
      if (pending != null) {
        md5.update(pending);
        pending = null;
      }
      long bodyBytes = length - headerEnd + beyond;
      if (!eof && (contentLength < 0 || bodyBytes < contentLength)) {
        return; // the digest needs all of the body
      }
      String sum = HexFormat.of().formatHex(md5.digest());
      if (!sum.equals(spec.expectDigest())) {
        fail("body does not hash to " + spec.expectDigest() + " (MD5 " + sum + ", " + bodyBytes + " bytes)");
        return;
      }
    }
    if (spec.expectBody() == null && spec.expectBodyRegex() == null) {
      succeed();
      return;
    }
    String body = new String(response, headerEnd, length - headerEnd, StandardCharsets.UTF_8);
    boolean complete = eof || length >= MAX_RESPONSE || (contentLength >= 0 && length - headerEnd >= contentLength)
        || spec.expectDigest() != null;
    if (spec.expectBody() != null) {
      if (body.contains(spec.expectBody())) {
        succeed();
      } else if (complete) {
        fail("body does not contain '" + spec.expectBody() + "'");
      }
    } else if (complete) {
      if (spec.expectBodyRegex().matcher(body).find()) {
        succeed();
      } else {
        fail("body does not match /" + spec.expectBodyRegex().pattern() + "/");
      }
    }
  }

  @Override
  void offloaded(IOException error) throws IOException {
    if (error instanceof SSLException e) {
      fail(Tls.describe(e, spec.peerHost()));
    } else if (error != null) {
      throw error;
    } else {
      progress();
    }
  }

  private static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has MD5", e);
    }
  }

  private static String truncate(String s) {
    return s.length() > 60 ? s.substring(0, 60) + "..." : s;
  }

  static int indexOf(byte[] data, int length, byte[] what) {
    outer:
    for (int i = 0; i + what.length <= length; i++) {
      for (int j = 0; j < what.length; j++) {
        if (data[i + j] != what[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  @Override
  String timeoutMessage() {
    return switch (phase) {
      case CONNECT -> "connect timeout " + timeoutMillis + " ms";
      case HANDSHAKE -> "TLS handshake timeout " + timeoutMillis + " ms";
      default -> headerEnd < 0 ? "no HTTP response within " + timeoutMillis + " ms"
          : "HTTP body incomplete after " + timeoutMillis + " ms";
    };
  }
}
