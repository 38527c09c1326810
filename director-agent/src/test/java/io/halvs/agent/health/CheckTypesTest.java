package io.halvs.agent.health;

import static io.halvs.agent.health.Plans.dest;
import static io.halvs.agent.health.Plans.plan;
import static io.halvs.agent.health.Plans.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.halvs.api.v1alpha1.FailureAction;
import io.halvs.api.v1alpha1.HealthCheckType;
import io.halvs.plan.Destination;
import io.halvs.plan.HealthCheckPlan;
import io.halvs.plan.IpvsService;
import io.halvs.plan.publish.AgentReport;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The check types after tcp/http/udp/dns: tcp send/expect, smtp, http digest, and a destination's own check
 * next to its service's, against small servers on loopback (icmp needs a namespace: IcmpNetnsTest).
 */
class CheckTypesTest {
  static final String LO = "127.0.0.1";
  final HealthMonitor monitor = new HealthMonitor();
  final List<AutoCloseable> cleanup = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    monitor.close();
    for (AutoCloseable c : cleanup) {
      c.close();
    }
  }

  /** A line server: writes banner (if any) on accept, then answers each line it reads with answer(line). */
  static final class Lines extends Servers.Server {
    volatile String banner;
    /** Hang up right after the banner, as sshd does on a protocol mismatch. */
    volatile boolean closeAfterBanner;
    volatile UnaryOperator<String> answer = line -> null;
    final List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();

    Lines(InetSocketAddress address) {
      super(Servers.HERE, address);
    }

    @Override
    Closeable bind() throws IOException {
      ServerSocket s = new ServerSocket();
      s.setReuseAddress(true);
      s.bind(address, 100);
      return s;
    }

    @Override
    void serve(Closeable socket) throws IOException {
      Socket c = ((ServerSocket) socket).accept();
      try (c) {
        c.setSoTimeout(2000);
        OutputStream out = c.getOutputStream();
        if (banner != null) {
          out.write(banner.getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          if (closeAfterBanner) {
            return;
          }
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.ISO_8859_1));
        String line;
        while ((line = in.readLine()) != null) {
          heard.add(line);
          String a = answer.apply(line);
          if (a == null) {
            return;
          }
          out.write(a.getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
        }
      } catch (IOException e) {
        if (e instanceof java.net.SocketException && "Socket closed".equals(e.getMessage())) {
          throw e;
        }
      }
    }
  }

  <T extends Servers.Server> T started(T server) throws Exception {
    server.start();
    cleanup.add(server);
    return server;
  }

  static HealthCheckPlan check(HealthCheckType type, HealthCheckPlan.Http http, HealthCheckPlan.Tcp tcp,
      HealthCheckPlan.Smtp smtp) {
    return new HealthCheckPlan(type, 0, 100, 400, 1, 1, 0, FailureAction.QUIESCENT, http, null, null, tcp, smtp);
  }

  AgentReport.ServiceHealth health(IpvsService s) {
    return monitor.report().get(s.owner().key());
  }

  void awaitDown(IpvsService s, String message) {
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(health(s).unavailable()).extracting(AgentReport.Unavailable::message).containsExactly(message));
  }

  void awaitUp(IpvsService s) {
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(health(s).unavailable()).isEmpty();
      assertThat(health(s).ready()).isEqualTo(s.destinations().size());
    });
  }

  long failures(FailureReason reason) {
    return monitor.metrics().stream().mapToLong(m -> m.failures(reason)).sum();
  }

  @Test
  void tcpSendExpect() throws Exception {
    int port = HealthMonitorTest.freePort();
    Lines server = started(new Lines(new InetSocketAddress(LO, port)));
    server.answer = line -> line.equals("PING") ? "+PONG\r\n" : "-ERR unknown\r\n";
    IpvsService s = service("10.0.1.1", 6379, check(HealthCheckType.TCP, null,
        new HealthCheckPlan.Tcp("PING\r\n", "^\\+PONG"), null), null, dest(LO, port, "rs-1"));
    monitor.follow(plan(s));
    awaitUp(s);
    assertThat(server.heard).contains("PING");
    server.answer = line -> "-LOADING\r\n";
    awaitDown(s, "reply does not match /^\\+PONG/ within 400 ms: '-LOADING\\r\\n'");
    server.answer = line -> null; // hangs up without a word
    awaitDown(s, "connection closed without a reply");
    assertThat(failures(FailureReason.TIMEOUT)).isPositive(); // the wrong reply came, the right one never did
    assertThat(failures(FailureReason.BAD_RESPONSE)).isPositive();
    server.stop();
    awaitDown(s, "connection refused");
  }

  /** expect without send: the server's banner is what is judged. */
  @Test
  void tcpExpectABanner() throws Exception {
    int port = HealthMonitorTest.freePort();
    Lines server = started(new Lines(new InetSocketAddress(LO, port)));
    server.banner = "SSH-2.0-OpenSSH_9.6\r\n";
    IpvsService s = service("10.0.1.2", 22, check(HealthCheckType.TCP, null,
        new HealthCheckPlan.Tcp(null, "^SSH-2\\.0-"), null), null, dest(LO, port, "rs-1"));
    monitor.follow(plan(s));
    awaitUp(s);
    server.banner = "Protocol mismatch.\r\n";
    server.closeAfterBanner = true;
    awaitDown(s, "reply does not match /^SSH-2\\.0-/: 'Protocol mismatch.\\r\\n'");
    assertThat(failures(FailureReason.BAD_BODY)).isPositive();
  }

  @Test
  void smtpBannerEhloQuit() throws Exception {
    int port = HealthMonitorTest.freePort();
    Lines server = started(new Lines(new InetSocketAddress(LO, port)));
    server.banner = "220 mx.example ESMTP\r\n";
    server.answer = line -> line.startsWith("EHLO ") ? "250-mx.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n"
        : line.equals("QUIT") ? "221 bye\r\n" : "500 what\r\n";
    IpvsService s = service("10.0.1.3", 25, check(HealthCheckType.SMTP, null, null,
        new HealthCheckPlan.Smtp("lb1.example")), null, dest(LO, port, "rs-1"));
    monitor.follow(plan(s));
    awaitUp(s);
    assertThat(server.heard).contains("EHLO lb1.example");
    server.banner = "421 mx.example too busy\r\n";
    awaitDown(s, "SMTP 421 banner: '421 mx.example too busy'");
    server.banner = "220 mx.example ESMTP\r\n";
    server.answer = line -> "550 go away\r\n";
    awaitDown(s, "SMTP 550 to EHLO: '550 go away'");
    assertThat(failures(FailureReason.BAD_STATUS)).isPositive();
    server.banner = "HTTP/1.1 400 Bad Request\r\n";
    awaitDown(s, "SMTP: not an SMTP reply: 'HTTP/1.1 400 Bad Request'");
    server.banner = null; // says nothing
    awaitDown(s, "no SMTP banner within 400 ms");
    assertThat(failures(FailureReason.TIMEOUT)).isPositive();
  }

  static String md5(byte[] body) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(body));
  }

  @Test
  void httpDigestOfTheWholeBodyEvenBeyond64KiB() throws Exception {
    int port = HealthMonitorTest.freePort();
    Servers.Http server = started(new Servers.Http(Servers.HERE, new InetSocketAddress(LO, port), null));
    server.body = "hello";
    String hello = md5("hello".getBytes(StandardCharsets.UTF_8));
    IpvsService s = service("10.0.1.4", 80, check(HealthCheckType.HTTP, new HealthCheckPlan.Http("GET", "/", null,
        List.of(200), null, null, false, null, hello), null, null), null, dest(LO, port, "rs-1"));
    monitor.follow(plan(s));
    awaitUp(s);
    server.body = "hellO";
    awaitDown(s, "body does not hash to " + hello + " (MD5 " + md5("hellO".getBytes(StandardCharsets.UTF_8))
        + ", 5 bytes)");
    String big = "0123456789abcdef".repeat(20_000) + "end"; // 320 KiB: far over what the probe keeps
    String bigSum = md5(big.getBytes(StandardCharsets.UTF_8));
    server.body = big;
    IpvsService b = service("10.0.1.4", 80, check(HealthCheckType.HTTP, new HealthCheckPlan.Http("GET", "/", null,
        List.of(200), null, null, false, null, bigSum), null, null), null, dest(LO, port, "rs-1"));
    monitor.follow(plan(b));
    awaitUp(b);
    server.body = big.substring(0, big.length() - 1) + "D";
    awaitDown(b, "body does not hash to " + bigSum + " (MD5 " + md5(server.body.getBytes(StandardCharsets.UTF_8))
        + ", " + big.length() + " bytes)");
  }

  /** keepalived's checker per real_server: one real server checked by http, the other by the service's tcp. */
  @Test
  void aDestinationWithItsOwnCheckNextToOnesOnTheServices() throws Exception {
    int webPort = HealthMonitorTest.freePort();
    int tcpPort = HealthMonitorTest.freePort();
    Servers.Http web = started(new Servers.Http(Servers.HERE, new InetSocketAddress(LO, webPort), null));
    web.status = 503;
    started(new Servers.Tcp(Servers.HERE, new InetSocketAddress(LO, tcpPort)));
    HealthCheckPlan http = check(HealthCheckType.HTTP, Plans.get("/", "ok"), null, null);
    Destination own = dest(LO, webPort, "rs-web");
    own = new Destination(own.address(), own.port(), own.method(), own.weight(), 0, 0, null, 0, null,
        own.realServer(), http);
    IpvsService s = service("10.0.1.5", 80, HealthMonitorTest.tcp(), null, own, dest(LO, tcpPort, "rs-tcp"));
    monitor.follow(plan(s));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(health(s).unavailable()).extracting(AgentReport.Unavailable::name, AgentReport.Unavailable::message)
          .containsExactly(org.assertj.core.groups.Tuple.tuple("rs-web", "HTTP 503"));
      assertThat(health(s).ready()).isEqualTo(1);
    });
    web.status = 200;
    awaitUp(s);
  }
}
