package io.halvs.agent.health;

import io.halvs.api.v1alpha1.HealthCheckType;
import io.halvs.plan.Destination;
import io.halvs.plan.HealthCheckPlan;
import io.halvs.plan.IpAddress;
import io.halvs.plan.IpvsService;
import io.halvs.plan.ServiceKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/** One checked thing: a destination of a service, on its check port. Mutable, confined to the checker thread. */
final class Target {
  /** Identity across plans: same key, same state. */
  record Key(ServiceKey service, IpAddress address, int port, int checkPort) {
    @Override
    public String toString() {
      return address.withPort(port) + (checkPort == 0 ? " (icmp)" : checkPort != port ? " (check port " + checkPort + ")"
          : "") + " of " + service;
    }
  }

  final Key key;
  final TargetState state;
  /** What a scrape reads of this target, from any thread. */
  final TargetMetrics metrics;
  IpvsService service;
  Destination destination;
  HealthCheckPlan check;
  /** Made by the first check through the JDK (a tcp connect through libc needs only sockaddr): 96 bytes a target. */
  private InetSocketAddress socketAddress;
  /** The address as libc takes it, made by the first tcp connect check. */
  private byte[] sockaddr;
  private Object spec;
  /** Nominal start time of the next (or the running) attempt, System.nanoTime() scale. */
  long nextStart;
  Probe probe;
  /** Bumped at each schedule: a check that ended while the checker looked elsewhere is told by it. */
  int generation;
  /** When it is next due in the {@link DueQueue}, and its slot there (-1: not in it). */
  long dueAt;
  int dueIndex = -1;
  boolean gone;
  /** The next start follows an attempt that outlasted its interval. */
  boolean overran;

  Target(Key key, long nowMillis, HealthCheckPlan check) {
    this.key = key;
    this.state = new TargetState(check.rise(), check.fall(), nowMillis);
    this.metrics = new TargetMetrics(nowMillis);
  }

  /** Takes this plan's service, destination and check; true when the timing changed (reschedule). */
  boolean update(IpvsService service, Destination destination, HealthCheckPlan check) {
    boolean retime = this.check == null || this.check.intervalMillis() != check.intervalMillis();
    this.service = service;
    this.destination = destination;
    metrics.planned(service, destination);
    if (!check.equals(this.check)) {
      this.check = check;
      state.thresholds(check.rise(), check.fall());
      spec = spec(check, key);
    }
    return retime;
  }

  long intervalNanos() {
    return check.intervalMillis() * 1_000_000L;
  }

  Probe newProbe() {
    int timeout = check.timeoutMillis();
    return switch (check.type()) {
      case HTTP, HTTPS -> new HttpProbe(socketAddress(), timeout, (HttpProbe.Spec) spec);
      case UDP, DNS -> new DatagramProbe(socketAddress(), timeout, (DatagramProbe.Spec) spec);
      case ICMP -> new IcmpProbe(key.address(), timeout);
      case SMTP -> new SmtpProbe(socketAddress(), timeout, (String) spec);
      default -> spec instanceof TcpExpectProbe.Spec tcp ? new TcpExpectProbe(socketAddress(), timeout, tcp)
          : new TcpProbe(sockaddr(), timeout);
    };
  }

  /** The key's address and check port (neither changes for a target). */
  InetSocketAddress socketAddress() {
    if (socketAddress == null) {
      try {
        socketAddress = new InetSocketAddress(InetAddress.getByAddress(key.address().bytes()), key.checkPort());
      } catch (UnknownHostException e) {
        throw new IllegalStateException(e); // 4 or 16 bytes: cannot happen
      }
    }
    return socketAddress;
  }

  private byte[] sockaddr() {
    if (sockaddr == null) {
      sockaddr = TcpConnector.sockaddr(key.address().bytes(), key.checkPort());
    }
    return sockaddr;
  }

  static Object spec(HealthCheckPlan c, Key key) {
    return switch (c.type()) {
      case HTTP, HTTPS -> httpSpec(c, key);
      case UDP -> new DatagramProbe.Spec(c.udp().send().getBytes(StandardCharsets.UTF_8), c.udp().expect(), null);
      case DNS -> new DatagramProbe.Spec(null, null,
          new Dns(c.dns().name(), c.dns().recordType(), c.dns().expectAddress(), c.dns().expectData()));
      case SMTP -> c.smtp() != null ? c.smtp().heloName() : io.halvs.api.v1alpha1.Defaults.SMTP_HELO_NAME;
      case TCP -> c.tcp() == null ? null : new TcpExpectProbe.Spec(
          c.tcp().send() == null ? null : c.tcp().send().getBytes(StandardCharsets.UTF_8),
          c.tcp().expect() == null ? null : Pattern.compile(c.tcp().expect()));
      default -> null;
    };
  }

  private static HttpProbe.Spec httpSpec(HealthCheckPlan c, Key key) {
    boolean tls = c.type() == HealthCheckType.HTTPS;
    HealthCheckPlan.Http h = c.http() != null ? c.http()
        : new HealthCheckPlan.Http("GET", "/", null, java.util.List.of(200), null, null, false, null);
    int defaultPort = tls ? 443 : 80;
    String host = h.host() != null ? h.host()
        : key.checkPort() == defaultPort ? literal(key.address()) : key.address().withPort(key.checkPort());
    String hostName = host.startsWith("[") ? null : host.replaceFirst(":\\d+$", "");
    boolean named = hostName != null && IpAddress.tryParse(hostName).isEmpty();
    String sni = h.sni() != null ? h.sni() : named ? hostName : null;
    String peerHost = sni != null ? sni : named ? hostName : key.address().toString();
    String request = h.method() + " " + h.path() + " HTTP/1.0\r\nHost: " + host
        + "\r\nUser-Agent: halvs-health\r\nAccept: */*\r\nConnection: close\r\n\r\n";
    return new HttpProbe.Spec(request.getBytes(StandardCharsets.ISO_8859_1), h.expectStatus(), h.expectBody(),
        h.expectBodyRegex() == null ? null : Pattern.compile(h.expectBodyRegex()), tls, h.tlsVerify(), peerHost, sni,
        h.expectDigest());
  }

  private static String literal(IpAddress a) {
    return a.isV4() ? a.toString() : "[" + a + "]";
  }
}
