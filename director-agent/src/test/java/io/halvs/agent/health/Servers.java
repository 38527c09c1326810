package io.halvs.agent.health;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.Callable;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * Small real servers for health-check tests: http(s), tcp, udp echo and a DNS responder. Their sockets are
 * opened through an {@link Opener} (directly, or inside a network namespace); they can be stopped and started
 * again on the same port, and told to answer differently.
 */
final class Servers {
  private Servers() {}

  /** Opens a socket where the servers live: here, or in a namespace. */
  interface Opener {
    <T> T open(Callable<T> c) throws Exception;
  }

  static final Opener HERE = new Opener() {
    @Override
    public <T> T open(Callable<T> c) throws Exception {
      return c.call();
    }
  };

  /** A self-signed certificate for rs.example and the given address, made with keytool. */
  static SSLContext selfSigned(String ip) throws Exception {
    Path dir = Files.createTempDirectory("halvs-hc-tls");
    Path ks = dir.resolve("server.p12");
    Process p = new ProcessBuilder("keytool", "-genkeypair", "-alias", "rs", "-keyalg", "EC", "-groupname",
        "secp256r1", "-dname", "CN=rs.example", "-ext", "san=dns:rs.example,ip:" + ip, "-validity", "2",
        "-storetype", "PKCS12", "-keystore", ks.toString(), "-storepass", "changeit", "-keypass", "changeit")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException("keytool: " + out);
    }
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(ks)) {
      store.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(store, "changeit".toCharArray());
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    Files.delete(ks);
    Files.delete(dir);
    return ctx;
  }

  /** Something that listens and can be stopped and started again. */
  abstract static class Server implements Closeable {
    final Opener opener;
    final InetSocketAddress address;
    private Closeable socket;
    private Thread thread;
    /** Connections, requests or datagrams answered: a check that ran, or proof that none did. */
    volatile int served;

    Server(Opener opener, InetSocketAddress address) {
      this.opener = opener;
      this.address = address;
    }

    abstract Closeable bind() throws IOException;

    abstract void serve(Closeable socket) throws IOException;

    synchronized Server start() throws Exception {
      Closeable s = opener.open(this::bind);
      socket = s;
      thread = new Thread(() -> {
        try {
          while (true) {
            serve(s);
            served++; // one serving thread
          }
        } catch (IOException e) {
          // closed: stopped
        }
      }, "test-server-" + address);
      thread.setDaemon(true);
      thread.start();
      return this;
    }

    synchronized void stop() throws Exception {
      if (socket != null) {
        socket.close();
        thread.join(5000);
        socket = null;
      }
    }

    @Override
    public void close() {
      try {
        stop();
      } catch (Exception ignored) {
        // test cleanup
      }
    }
  }

  /** HTTP/1.x, or HTTPS when tls is set: answers every request with status and body. */
  static final class Http extends Server {
    final SSLContext tls;
    volatile int status = 200;
    volatile String body = "ok";
    volatile String lastHost;
    volatile String lastSni;
    volatile int requests;
    /** Read the request, then close without answering. */
    volatile boolean hangUp;
    /** Run when a request has been read, before the answer. */
    volatile Runnable onRequest;
    /** How long to wait before answering. */
    volatile long answerAfterMillis;

    Http(Opener opener, InetSocketAddress address, SSLContext tls) {
      super(opener, address);
      this.tls = tls;
    }

    @Override
    Closeable bind() throws IOException {
      ServerSocket s = tls != null ? tls.getServerSocketFactory().createServerSocket() : new ServerSocket();
      s.setReuseAddress(true);
      s.bind(address, 200);
      return s;
    }

    @Override
    void serve(Closeable socket) throws IOException {
      Socket c = ((ServerSocket) socket).accept();
      try (c) {
        c.setSoTimeout(2000);
        InputStream in = c.getInputStream();
        StringBuilder head = new StringBuilder();
        byte[] buf = new byte[2048];
        int got;
        while (head.indexOf("\r\n\r\n") < 0 && (got = in.read(buf)) > 0) {
          head.append(new String(buf, 0, got, StandardCharsets.ISO_8859_1));
        }
        requests++;
        Runnable hook = onRequest;
        if (hook != null) {
          hook.run();
        }
        if (answerAfterMillis > 0) {
          try {
            Thread.sleep(answerAfterMillis);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        if (hangUp) {
          return; // closes without a word
        }
        for (String line : head.toString().split("\r\n")) {
          if (line.regionMatches(true, 0, "Host:", 0, 5)) {
            lastHost = line.substring(5).trim();
          }
        }
        if (c instanceof SSLSocket ssl && ssl.getSession() instanceof ExtendedSSLSession x) {
          lastSni = x.getRequestedServerNames().stream().filter(n -> n instanceof SNIHostName)
              .map(n -> ((SNIHostName) n).getAsciiName()).findFirst().orElse(null);
        }
        byte[] body = this.body.getBytes(StandardCharsets.UTF_8);
        OutputStream out = c.getOutputStream();
        out.write(("HTTP/1.0 " + status + " X\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
            + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
      } catch (IOException e) {
        // one client's trouble (e.g. a TLS check that refused our certificate): keep serving
        if (e instanceof java.net.SocketException && "Socket closed".equals(e.getMessage())) {
          throw e;
        }
      }
    }
  }

  /** Accepts and closes. */
  static final class Tcp extends Server {
    Tcp(Opener opener, InetSocketAddress address) {
      super(opener, address);
    }

    @Override
    Closeable bind() throws IOException {
      ServerSocket s = new ServerSocket();
      s.setReuseAddress(true);
      s.bind(address, 1000);
      return s;
    }

    @Override
    void serve(Closeable socket) throws IOException {
      ((ServerSocket) socket).accept().close();
    }
  }

  /** UDP: answers each datagram with reply (null: echo). */
  static final class Udp extends Server {
    volatile String reply;

    Udp(Opener opener, InetSocketAddress address) {
      super(opener, address);
    }

    @Override
    Closeable bind() throws IOException {
      return new DatagramSocket(address);
    }

    @Override
    void serve(Closeable socket) throws IOException {
      DatagramSocket s = (DatagramSocket) socket;
      DatagramPacket p = new DatagramPacket(new byte[1500], 1500);
      s.receive(p);
      byte[] answer = reply == null ? java.util.Arrays.copyOf(p.getData(), p.getLength())
          : reply.getBytes(StandardCharsets.UTF_8);
      s.send(new DatagramPacket(answer, answer.length, p.getSocketAddress()));
    }
  }

  /** DNS over UDP: A queries for name get address; other names NXDOMAIN. */
  static final class DnsResponder extends Server {
    final String name;
    volatile InetAddress answer;

    DnsResponder(Opener opener, InetSocketAddress address, String name, InetAddress answer) {
      super(opener, address);
      this.name = name;
      this.answer = answer;
    }

    @Override
    Closeable bind() throws IOException {
      return new DatagramSocket(address);
    }

    @Override
    void serve(Closeable socket) throws IOException {
      DatagramSocket s = (DatagramSocket) socket;
      DatagramPacket p = new DatagramPacket(new byte[512], 512);
      s.receive(p);
      byte[] q = java.util.Arrays.copyOf(p.getData(), p.getLength());
      // The question's name, labels joined by dots.
      StringBuilder n = new StringBuilder();
      int i = 12;
      while (q[i] != 0) {
        n.append(n.length() > 0 ? "." : "").append(new String(q, i + 1, q[i], StandardCharsets.US_ASCII));
        i += q[i] + 1;
      }
      int questionEnd = i + 5;
      boolean known = n.toString().equalsIgnoreCase(name);
      byte[] rdata = answer.getAddress();
      java.io.ByteArrayOutputStream r = new java.io.ByteArrayOutputStream();
      r.write(q, 0, questionEnd);
      byte[] out;
      if (known) {
        r.write(new byte[] {(byte) 0xc0, 12, 0, (byte) (rdata.length == 4 ? 1 : 28), 0, 1, 0, 0, 0, 60, 0,
            (byte) rdata.length}, 0, 12);
        r.write(rdata, 0, rdata.length);
      }
      out = r.toByteArray();
      out[2] = (byte) 0x81; // QR, RD
      out[3] = (byte) (known ? 0x80 : 0x83); // RA, rcode 0 or 3 (NXDOMAIN)
      out[7] = (byte) (known ? 1 : 0); // ANCOUNT
      s.send(new DatagramPacket(out, out.length, p.getSocketAddress()));
    }
  }

}
