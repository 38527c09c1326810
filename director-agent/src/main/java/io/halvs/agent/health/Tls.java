package io.halvs.agent.health;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.security.KeyManagementException;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * TLS over a non-blocking socket with an SSLEngine: the handshake and the records of an https check, run by the
 * checker thread without blocking (certificate checks, the delegated tasks, run inline: they are short).
 */
final class Tls {
  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
  private static volatile SSLContext trustAll;

  private final SSLEngine engine;
  private final ByteBuffer netIn;
  private final ByteBuffer netOut;
  private boolean begun;

  Tls(SSLEngine engine) {
    this.engine = engine;
    int packet = engine.getSession().getPacketBufferSize();
    netIn = ByteBuffer.allocate(packet);
    netOut = ByteBuffer.allocate(packet);
    netOut.flip(); // empty, ready to be drained
  }

  /**
   * A client engine. verify: the JDK's trust store and the host name (peerHost: the SNI name, else the Host
   * header's name, else the address); otherwise any certificate. sni null: none sent.
   */
  static SSLEngine engine(boolean verify, String peerHost, int port, String sni) {
    SSLContext ctx;
    try {
      ctx = verify ? SSLContext.getDefault() : trustAll();
    } catch (NoSuchAlgorithmException | KeyManagementException e) {
      throw new IllegalStateException("no TLS in this JVM", e);
    }
    SSLEngine e = ctx.createSSLEngine(peerHost, port);
    e.setUseClientMode(true);
    SSLParameters p = e.getSSLParameters();
    if (verify) {
      p.setEndpointIdentificationAlgorithm("HTTPS");
    }
    if (sni != null) {
      p.setServerNames(List.of(new SNIHostName(sni)));
    } else {
      p.setServerNames(List.of());
    }
    e.setSSLParameters(p);
    return e;
  }

  private static SSLContext trustAll() throws NoSuchAlgorithmException, KeyManagementException {
    if (trustAll == null) {
      SSLContext c = SSLContext.getInstance("TLS");
      c.init(null, new TrustManager[] {new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
          return new X509Certificate[0];
        }
      }}, null);
      trustAll = c;
    }
    return trustAll;
  }

  int applicationBufferSize() {
    return engine.getSession().getApplicationBufferSize();
  }

  /** handshake() result: the next step is CPU work (key share, certificate checks): run compute() elsewhere. */
  static final int COMPUTE = -1;

  /**
   * The handshake's CPU-heavy steps, without socket I/O, for a worker thread: the ClientHello with its key share,
   * then the delegated tasks (the server's key share, certificate and signature checks — about a millisecond
   * of elliptic-curve math each, which on the checker thread would delay every other check).
   */
  void compute() throws IOException {
    if (!begun) {
      begun = true;
      engine.beginHandshake();
    }
    Runnable t;
    while ((t = engine.getDelegatedTask()) != null) {
      t.run();
    }
    if (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
      netOut.compact();
      SSLEngineResult r = engine.wrap(EMPTY, netOut);
      netOut.flip();
      if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
        throw new EOFException("TLS: the server closed the connection during the handshake");
      }
    }
  }

  /**
   * Advances the handshake as far as the socket allows: 0 when done, COMPUTE when compute() is due, else the
   * selection op to wait for.
   */
  int handshake(SocketChannel ch) throws IOException {
    if (!begun) {
      return COMPUTE;
    }
    ByteBuffer scratch = null;
    while (true) {
      if (!flush(ch)) {
        return SelectionKey.OP_WRITE;
      }
      switch (engine.getHandshakeStatus()) {
        case NEED_WRAP -> {
          netOut.compact();
          SSLEngineResult r = engine.wrap(EMPTY, netOut);
          netOut.flip();
          if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
            throw new EOFException("TLS: the server closed the connection during the handshake");
          }
        }
        case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
          if (scratch == null) {
            scratch = ByteBuffer.allocate(applicationBufferSize());
          }
          netIn.flip();
          SSLEngineResult r = engine.unwrap(netIn, scratch);
          netIn.compact();
          if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
            int n = ch.read(netIn);
            if (n < 0) {
              throw new EOFException("TLS: the server closed the connection during the handshake");
            }
            if (n == 0) {
              return SelectionKey.OP_READ;
            }
          } else if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
            throw new EOFException("TLS: the server closed the connection during the handshake");
          }
        }
        case NEED_TASK -> {
          return COMPUTE;
        }
        default -> {
          return 0; // FINISHED, NOT_HANDSHAKING
        }
      }
    }
  }

  /** Encrypts and sends src: true when all of it is on the wire, false to wait for OP_WRITE. */
  boolean write(SocketChannel ch, ByteBuffer src) throws IOException {
    while (true) {
      if (!flush(ch)) {
        return false;
      }
      if (!src.hasRemaining()) {
        return true;
      }
      netOut.compact();
      SSLEngineResult r = engine.wrap(src, netOut);
      netOut.flip();
      if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
        throw new EOFException("TLS: connection closed");
      }
    }
  }

  /** Reads and decrypts into dst (room for applicationBufferSize()): bytes read, 0 wait for more, -1 closed. */
  int read(SocketChannel ch, ByteBuffer dst) throws IOException {
    while (true) {
      netIn.flip();
      SSLEngineResult r = engine.unwrap(netIn, dst);
      netIn.compact();
      switch (r.getStatus()) {
        case OK -> {
          if (r.bytesProduced() > 0) {
            return r.bytesProduced();
          }
          if (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) {
            Runnable t;
            while ((t = engine.getDelegatedTask()) != null) {
              t.run();
            }
          }
          if (r.bytesConsumed() == 0) {
            int n = ch.read(netIn);
            if (n <= 0) {
              return n;
            }
          }
        }
        case BUFFER_UNDERFLOW -> {
          int n = ch.read(netIn);
          if (n <= 0) {
            return n;
          }
        }
        case BUFFER_OVERFLOW -> {
          return 0; // the caller drains dst first
        }
        default -> {
          return -1; // CLOSED: close_notify
        }
      }
    }
  }

  private boolean flush(SocketChannel ch) throws IOException {
    while (netOut.hasRemaining()) {
      if (ch.write(netOut) == 0) {
        return false;
      }
    }
    return true;
  }

  /** "TLS: certificate not trusted (PKIX path building failed: ...)" and the like, from a handshake failure. */
  static String describe(SSLException e, String peerHost) {
    // newer JDK 17 updates prefix the alert ("(certificate_unknown) PKIX path ..."): the reason reads the same
    String top = e.getMessage() == null ? e.getClass().getSimpleName()
        : e.getMessage().replaceFirst("^\\([a-z_]+\\) ", "");
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String rootMsg = root.getMessage() == null ? top : root.getMessage();
    if (top.contains("PKIX path") || root instanceof java.security.cert.CertPathBuilderException
        || root instanceof java.security.cert.CertPathValidatorException) {
      // "PKIX path building failed: sun.security...SunCertPathBuilderException: unable to find ..." -> shorter
      String why = top.replaceAll("sun\\.security\\.[\\w.]+Exception: ", "");
      return "TLS: certificate not trusted (" + why + ")";
    }
    if (rootMsg.contains("No subject alternative") || rootMsg.contains("No name matching")) {
      return "TLS: certificate does not match " + peerHost + " (" + rootMsg + ")";
    }
    if (rootMsg.contains("expired") || rootMsg.contains("NotAfter")) {
      return "TLS: certificate expired (" + rootMsg + ")";
    }
    return "TLS: " + top;
  }
}
