package io.halvs.agent.health;

import static io.halvs.agent.health.Plans.dest;
import static io.halvs.agent.health.Plans.plan;
import static io.halvs.agent.health.Plans.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.halvs.agent.kernel.DestinationHealth.Verdict;
import io.halvs.api.v1alpha1.FailureAction;
import io.halvs.api.v1alpha1.HealthCheckType;
import io.halvs.logging.Logging;
import io.halvs.plan.Destination;
import io.halvs.plan.HealthCheckPlan;
import io.halvs.plan.IpvsService;
import io.halvs.plan.ServiceKey;
import io.halvs.plan.publish.AgentReport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every check kind against small servers on loopback (no root needed): verdicts, the texts people read, plan
 * changes. Checks run every 100 ms with rise 1 / fall 1 so each case settles in well under a second.
 */
class HealthMonitorTest {
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

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  <T extends Servers.Server> T started(T server) throws Exception {
    server.start();
    cleanup.add(server);
    return server;
  }

  /** A listener whose accept queue is full drops new SYNs: a connect to it neither succeeds nor is refused. */
  ServerSocket droppingSyns() throws Exception {
    ServerSocket full = new ServerSocket(0, 1, InetAddress.getByName(LO));
    cleanup.add(full);
    for (int i = 0; i < 8; i++) {
      SocketChannel c = SocketChannel.open();
      c.configureBlocking(false);
      c.connect(full.getLocalSocketAddress());
      cleanup.add(c);
    }
    return full;
  }

  static HealthCheckPlan tcp() {
    return Plans.tcp(100, 300, 1, 1);
  }

  static HealthCheckPlan http(HealthCheckPlan.Http h) {
    return Plans.http(100, 500, 1, 1, h);
  }

  AgentReport.ServiceHealth health(IpvsService s) {
    return monitor.report().get(s.owner().key());
  }

  /** Waits until the only destination of s is unavailable with this message, and returns its report. */
  AgentReport.Unavailable awaitDown(IpvsService s, String message) {
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(health(s).unavailable()).extracting(AgentReport.Unavailable::message).containsExactly(message));
    return health(s).unavailable().get(0);
  }

  void awaitUp(IpvsService s) {
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(health(s).unavailable()).isEmpty();
      assertThat(health(s).ready()).isEqualTo(s.destinations().size());
    });
  }

  /**
   * A director pass hands each plan over with followLater and goes on: a checker thread that is busy (here held in
   * a listener) must not hold the pass up, and takes the plan in once it is free. follow() would wait for it (30 s,
   * then fail the pass).
   */
  @Test
  void followLaterDoesNotWaitForABusyCheckerWhichTakesThePlanInAfter() throws Exception {
    java.util.concurrent.CountDownLatch inListener = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    monitor.onChange(changed -> {
      inListener.countDown();
      try {
        release.await(30, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    IpvsService refused = service("10.0.0.1", 80, Plans.tcp(100, 500, 1, 1), null, dest(LO, freePort(), "rs-a"));
    monitor.follow(plan(refused)); // nothing listens: down at the first check, and the listener holds the thread
    assertThat(inListener.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    IpvsService added = service("10.0.0.2", 80, Plans.tcp(100, 500, 1, 1), null, dest(LO, freePort(), "rs-b"));

    org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(10),
        () -> monitor.followLater(plan(refused, added)), "followLater waited for the busy checker thread");
    assertThat(release.getCount()).as("the checker was still held when followLater returned").isEqualTo(1);

    release.countDown();
    await().atMost(Duration.ofSeconds(10)).until(() -> monitor.report().containsKey(added.owner().key()));
  }

  @Test
  void tcpRefusedThenUpWhenTheServerStarts() throws Exception {
    int port = freePort();
    IpvsService s = service("10.0.0.1", 80, tcp(), null, dest(LO, port, "rs-1"));
    monitor.follow(plan(s));
    AgentReport.Unavailable u = awaitDown(s, "connection refused");
    assertThat(u.name()).isEqualTo("rs-1");
    assertThat(u.destination()).isEqualTo(LO + ":" + port);
    assertThat(u.state()).isEqualTo("Unhealthy");
    assertThat(java.time.Instant.parse(u.since())).isBeforeOrEqualTo(java.time.Instant.now());
    assertThat(monitor.view().verdict(s.key(), s.destinations().get(0))).isEqualTo(Verdict.QUIESCE);
    started(new Servers.Tcp(Servers.HERE, new InetSocketAddress(LO, port)));
    awaitUp(s);
    assertThat(monitor.view().verdict(s.key(), s.destinations().get(0))).isEqualTo(Verdict.UP);
  }

  /** The JDK's channels, which tcp checks fall back to where libc's epoll cannot be had, say the same. */
  @Test
  void tcpThroughChannelsRefusedThenUp() throws Exception {
    monitor.connectThroughChannels();
    int port = freePort();
    IpvsService s = service("10.0.0.1", 80, tcp(), null, dest(LO, port, "rs-1"));
    monitor.follow(plan(s));
    awaitDown(s, "connection refused");
    started(new Servers.Tcp(Servers.HERE, new InetSocketAddress(LO, port)));
    awaitUp(s);
    assertThat(monitor.tcpConnectsRunning()).isZero();
  }

  /**
   * The connector's sockets: over IPv4 and IPv6, answered, refused and timed out, each one closed when its check
   * ends, and none left once the targets are gone.
   */
  @Test
  void tcpConnectsCloseEverySocketTheyOpen() throws Exception {
    Servers.Tcp v4 = started(new Servers.Tcp(Servers.HERE, new InetSocketAddress(LO, freePort())));
    Servers.Tcp v6 = started(new Servers.Tcp(Servers.HERE, new InetSocketAddress("::1", freePort())));
    ServerSocket full = droppingSyns(); // every check times out
    long fdsBefore = openFiles();
    // A 5 s timeout: ten answers within 10 s need each connect seen as it ends, not at its deadline.
    HealthCheckPlan patient = Plans.tcp(100, 5000, 1, 1);
    IpvsService up4 = service("10.0.0.1", 80, patient, null, dest(LO, v4.address.getPort(), "rs-4"));
    IpvsService up6 = service("2001:db8::1", 80, patient, null, dest("::1", v6.address.getPort(), "rs-6"));
    IpvsService refused = service("10.0.0.2", 80, tcp(), null, dest(LO, freePort(), "rs-r"));
    IpvsService silent = service("10.0.0.3", 80, tcp(), null, dest(LO, full.getLocalPort(), "rs-s"));
    monitor.follow(plan(up4, up6, refused, silent));
    awaitUp(up4);
    awaitUp(up6);
    awaitDown(refused, "connection refused");
    awaitDown(silent, "connect timeout 300 ms");
    await().atMost(Duration.ofSeconds(10)).until(() -> v4.served >= 10 && v6.served >= 10);
    assertThat(monitor.tcpConnectsRunning()).as("at most one connect per target at a time").isLessThanOrEqualTo(4);

    monitor.follow(plan());
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      assertThat(monitor.tcpConnectsRunning()).isZero();
      // the connector's own epoll set and its watcher stay: a few descriptors, not one per check
      assertThat(openFiles()).isLessThanOrEqualTo(fdsBefore + 2);
    });
  }

  static long openFiles() throws Exception {
    try (var fds = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
      return fds.count();
    }
  }

  @Test
  void aCheckerLateForADeadlineReadsTheAnswerWaitingBeforeFailingTheServer() throws Exception {
    int port = freePort();
    Servers.Http server = started(new Servers.Http(Servers.HERE, new InetSocketAddress(LO, port), null));
    java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
    // the first request: the checker is kept busy past the check's 500 ms deadline, and the answer comes at 200 ms
    server.onRequest = () -> {
      if (once.compareAndSet(false, true)) {
        monitor.stall(Duration.ofMillis(1500));
      }
    };
    server.answerAfterMillis = 200;
    List<Set<ServiceKey>> changes = new CopyOnWriteArrayList<>();
    monitor.onChange(changes::add);
    IpvsService s = service("10.0.0.4", 80, http(new HealthCheckPlan.Http("GET", "/", null, List.of(200), null, null, false, null)),
        null, dest(LO, port, "rs-late"));
    monitor.follow(plan(s));
    await().atMost(Duration.ofSeconds(20)).until(() -> server.requests >= 3);
    assertThat(changes).as("no server went down").isEmpty();
    assertThat(health(s).unavailable()).isEmpty();
  }

  @Test
  void manyChangesAtOnceGetABudgetOfLinesAndOneLineForTheRest() throws Exception {
    // a window long enough for all five first checks on a slow machine (CI once spread them over more than 0.5 s)
    monitor.transitions(new TransitionLog(2, Duration.ofSeconds(3).toNanos()));
    List<Destination> refused = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      refused.add(dest(LO, freePort(), "rs-many-" + i));
    }
    List<JsonNode> down = new ArrayList<>();
    List<JsonNode> summary = new ArrayList<>();
    for (JsonNode n : jsonLogLines("more real-server health changes", () -> monitor.follow(plan(
        service("10.0.0.3", 80, tcp(), null, refused.toArray(Destination[]::new)))))) {
      String msg = n.get("msg").asText();
      if (msg.startsWith("real server 127.0.0.1:")) {
        down.add(n);
      } else if (msg.contains("more real-server health changes")) {
        summary.add(n);
      }
    }
    assertThat(down).hasSize(2);
    assertThat(summary).singleElement().satisfies(n -> {
      assertThat(n.get("msg").asText()).startsWith("3 more real-server health changes in 3.0 s")
          .contains("(3 down, 0 up)");
      assertThat(n.get("down").asLong()).isEqualTo(3);
      assertThat(n.get("up").asLong()).isZero();
    });
  }

  interface Body {
    void run() throws Exception;
  }

  /** Every log line written while body runs and until one contains text, each parsed (JSON on stderr meanwhile). */
  static List<JsonNode> jsonLogLines(String text, Body body) throws Exception {
    PrintStream err = System.err;
    ByteArrayOutputStream lines = new ByteArrayOutputStream();
    System.setErr(new PrintStream(lines, true, StandardCharsets.UTF_8));
    Logging.format(Logging.Format.JSON);
    try {
      body.run();
      await().atMost(Duration.ofSeconds(10)).until(() -> lines.toString(StandardCharsets.UTF_8).contains(text));
    } finally {
      Logging.format(Logging.Format.TEXT);
      System.setErr(err);
    }
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> parsed = new ArrayList<>();
    for (String line : lines.toString(StandardCharsets.UTF_8).split("\n")) {
      parsed.add(json.readTree(line));
    }
    return parsed;
  }

  @Test
  void theLinesOfAFailedRealServerNameItAndItsVirtualService() throws Exception {
    IpvsService s = service("10.0.0.2", 80, tcp(), null, dest(LO, freePort(), "rs-2"));
    List<JsonNode> down = new ArrayList<>();
    for (JsonNode n : jsonLogLines("real server 127.0.0.1:", () -> {
      monitor.follow(plan(s));
      awaitDown(s, "connection refused");
    })) {
      if (n.get("msg").asText().startsWith("real server 127.0.0.1:")) {
        down.add(n);
      }
    }
    assertThat(down).singleElement().satisfies(n -> {
      assertThat(n.get("msg").asText()).endsWith(" down (quiescent): connection refused");
      assertThat(n.get("realserver").asText()).isEqualTo("default/rs-2");
      assertThat(n.get("virtualservice").asText()).isEqualTo("default/vs-10.0.0.2");
    });
  }

  @Test
  void tcpConnectTimeoutWhenTheServerDropsSyns() throws Exception {
    ServerSocket full = droppingSyns();
    IpvsService s = service("10.0.0.1", 80, tcp(), null, dest(LO, full.getLocalPort(), "rs-1"));
    monitor.follow(plan(s));
    awaitDown(s, "connect timeout 300 ms");
  }

  @Test
  void httpStatusBodyAndHostHeader() throws Exception {
    int port = freePort();
    Servers.Http server = started(new Servers.Http(Servers.HERE, new InetSocketAddress(LO, port), null));
    server.status = 503;
    IpvsService s = service("10.0.0.2", 80, http(Plans.get("/health", "ok")), null, dest(LO, port, "rs-1"));
    monitor.follow(plan(s));
    awaitDown(s, "HTTP 503");
    assertThat(server.lastHost).as("default Host: the address and port checked").isEqualTo(LO + ":" + port);
    server.body = "not well";
    server.status = 200;
    awaitDown(s, "body does not contain 'ok'");
    server.hangUp = true;
    awaitDown(s, "connection closed without a response");
    server.hangUp = false;
    server.body = "all ok";
    awaitUp(s);

    HealthCheckPlan.Http regex = new HealthCheckPlan.Http("GET", "/", "www.example", List.of(200, 204), null,
        "^status: (green|yellow)$", false, null);
    IpvsService r = service("10.0.0.2", 80, http(regex), null, dest(LO, port, "rs-1"));
    monitor.follow(plan(r));
    awaitDown(r, "body does not match /^status: (green|yellow)$/");
    assertThat(server.lastHost).isEqualTo("www.example");
    server.body = "status: yellow";
    awaitUp(r);
    server.status = 204;
    // two checks answered after the switch (the first may have been read before it): 204 is expected, still up
    int served = server.requests;
    await().atMost(Duration.ofSeconds(10)).until(() -> server.requests >= served + 2);
    assertThat(health(r).unavailable()).isEmpty();
  }

  @Test
  void httpsVerificationOnFailsOnASelfSignedCertificateOffPasses() throws Exception {
    int port = freePort();
    Servers.Http server = started(new Servers.Http(Servers.HERE, new InetSocketAddress(LO, port),
        Servers.selfSigned(LO)));
    HealthCheckPlan.Http verify = new HealthCheckPlan.Http("GET", "/", null, List.of(200), "ok", null, true, null);
    IpvsService s = service("10.0.0.3", 443, Plans.with(http(verify), HealthCheckType.HTTPS), null,
        dest(LO, port, "rs-1"));
    monitor.follow(plan(s));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(health(s).unavailable())
        .extracting(AgentReport.Unavailable::message).singleElement().asString()
        .startsWith("TLS: certificate not trusted (PKIX path building failed: unable to find valid certification"));

    HealthCheckPlan.Http noVerify = new HealthCheckPlan.Http("GET", "/", null, List.of(200), "ok", null, false,
        "rs.example");
    IpvsService off = service("10.0.0.3", 443, Plans.with(http(noVerify), HealthCheckType.HTTPS), null,
        dest(LO, port, "rs-1"));
    monitor.follow(plan(off));
    awaitUp(off);
    assertThat(server.lastSni).isEqualTo("rs.example");
    assertThat(server.lastHost).isEqualTo(LO + ":" + port);
  }

  @Test
  void udpSendExpect() throws Exception {
    int port = freePort();
    IpvsService s = service("10.0.0.4", 53, Plans.udp(100, 300, "ping", "ping"), null, dest(LO, port, "rs-1"));
    monitor.follow(plan(s));
    awaitDown(s, "port unreachable (ICMP)");
    Servers.Udp server = started(new Servers.Udp(Servers.HERE, new InetSocketAddress(LO, port)));
    server.reply = "pong";
    awaitDown(s, "answer does not contain 'ping'");
    server.reply = null; // echo
    awaitUp(s);
  }

  @Test
  void dnsQueryAndExpectedAddress() throws Exception {
    int port = freePort();
    Servers.DnsResponder server = started(new Servers.DnsResponder(Servers.HERE, new InetSocketAddress(LO, port),
        "www.example", InetAddress.getByName("192.0.2.7")));
    IpvsService s = service("10.0.0.5", 53, Plans.dns(100, 300, "www.example.", "192.0.2.9"), null,
        dest(LO, port, "rs-1"));
    monitor.follow(plan(s));
    awaitDown(s, "DNS: www.example is [192.0.2.7], not 192.0.2.9");
    server.answer = InetAddress.getByName("192.0.2.9");
    awaitUp(s);
    IpvsService nx = service("10.0.0.5", 53, Plans.dns(100, 300, "nope.example", null), null,
        dest(LO, port, "rs-1"));
    monitor.follow(plan(nx));
    awaitDown(nx, "DNS NXDOMAIN for nope.example");
    server.stop();
    awaitDown(nx, "port unreachable (ICMP)");
  }

  @Test
  void noneIsAlwaysUpAndStartsNothing() throws Exception {
    HealthCheckPlan none = Plans.with(tcp(), HealthCheckType.NONE);
    Servers.Tcp unchecked = started(new Servers.Tcp(Servers.HERE, new InetSocketAddress(LO, freePort())));
    IpvsService s = service("10.0.0.6", 80, none, null, dest(LO, unchecked.address.getPort(), "rs-1"),
        dest(LO, freePort(), "rs-2"));
    // A checked marker in the same plan: once it has been checked twice, a whole interval has passed since the
    // plan was followed, so every target's start phase has come (a quiet wait would pass when nothing ran).
    Servers.Tcp marker = started(new Servers.Tcp(Servers.HERE, new InetSocketAddress(LO, freePort())));
    IpvsService checked = service("10.0.0.16", 80, tcp(), null, dest(LO, marker.address.getPort(), "rs-m"));
    monitor.follow(plan(s, checked));
    await().atMost(Duration.ofSeconds(10)).until(() -> marker.served >= 2);
    assertThat(unchecked.served).as("connections to a check-type none target").isZero();
    assertThat(health(s)).isEqualTo(new AgentReport.ServiceHealth(2, 2, List.of()));
  }

  @Test
  void planChangesKeepStateRemoveTargetsAndSwitchTheFailureAction() throws Exception {
    int dead = freePort();
    int alive = freePort();
    started(new Servers.Tcp(Servers.HERE, new InetSocketAddress(LO, alive)));
    List<Set<ServiceKey>> events = new CopyOnWriteArrayList<>();
    monitor.onChange(events::add);
    IpvsService s = service("10.0.0.7", 80, Plans.tcp(100, 300, 1, 1), null, dest(LO, dead, "rs-dead"),
        dest(LO, alive, "rs-alive"));
    monitor.follow(plan(s));
    awaitDown(s, "connection refused");
    assertThat(events).contains(Set.of(s.key()));
    String since = health(s).unavailable().get(0).since();

    // Slower checks, same targets: the dead one stays down, since unchanged.
    IpvsService slower = service("10.0.0.7", 80, Plans.tcp(200, 300, 1, 1), null, dest(LO, dead, "rs-dead"),
        dest(LO, alive, "rs-alive"));
    monitor.follow(plan(slower));
    assertThat(health(slower).unavailable()).singleElement().extracting(AgentReport.Unavailable::since)
        .isEqualTo(since);
    assertThat(monitor.view().verdict(s.key(), s.destinations().get(0))).isEqualTo(Verdict.QUIESCE);

    // onFailure remove: the verdict changes at once, and the listener hears of it.
    events.clear();
    IpvsService remove = service("10.0.0.7", 80, Plans.with(Plans.tcp(200, 300, 1, 1), FailureAction.REMOVE),
        null, dest(LO, dead, "rs-dead"), dest(LO, alive, "rs-alive"));
    monitor.follow(plan(remove));
    assertThat(monitor.view().verdict(s.key(), s.destinations().get(0))).isEqualTo(Verdict.REMOVE);
    assertThat(events).containsExactly(Set.of(s.key()));

    // The dead destination leaves the plan: its verdict goes with it.
    IpvsService one = service("10.0.0.7", 80, Plans.tcp(200, 300, 1, 1), null, dest(LO, alive, "rs-alive"));
    monitor.follow(plan(one));
    assertThat(monitor.view().verdict(s.key(), s.destinations().get(0))).isEqualTo(Verdict.UP);
    assertThat(health(one)).isEqualTo(new AgentReport.ServiceHealth(1, 1, List.of()));
    monitor.follow(plan());
    assertThat(monitor.report()).isEmpty();
  }

  /**
   * A follow walks only the services whose objects changed (the decoder keeps the others' objects): an unchanged
   * one keeps its checks and state, a changed one takes its new destinations, a gone one loses its checks, and one
   * that comes back is checked afresh.
   */
  @Test
  void aFollowKeepsUnchangedServicesAndWalksChangedGoneAndReturningOnes() throws Exception {
    int alive = freePort();
    started(new Servers.Tcp(Servers.HERE, new InetSocketAddress(LO, alive)));
    IpvsService kept = service("10.0.0.21", 80, tcp(), null, dest(LO, freePort(), "rs-kept-dead"));
    IpvsService edited = service("10.0.0.22", 80, tcp(), null, dest(LO, freePort(), "rs-edited-dead"));
    monitor.follow(plan(kept, edited));
    awaitDown(kept, "connection refused");
    awaitDown(edited, "connection refused");
    String since = health(kept).unavailable().get(0).since();

    IpvsService edited2 = service("10.0.0.22", 80, tcp(), null, dest(LO, alive, "rs-edited-alive"));
    monitor.follow(plan(kept, edited2));
    assertThat(monitor.view().verdict(edited.key(), edited.destinations().get(0))).as("the removed destination")
        .isEqualTo(Verdict.UP);
    awaitUp(edited2);
    assertThat(health(kept).unavailable()).singleElement().extracting(AgentReport.Unavailable::since)
        .isEqualTo(since);
    assertThat(monitor.metrics()).extracting(TargetMetrics::destination)
        .containsExactlyInAnyOrder(kept.destinations().get(0), edited2.destinations().get(0));

    monitor.follow(plan(edited2));
    assertThat(monitor.view().verdict(kept.key(), kept.destinations().get(0))).isEqualTo(Verdict.UP);
    assertThat(monitor.report()).containsOnlyKeys(edited2.owner().key());

    Thread.sleep(5); // the since of a fresh check is later than the first one's
    monitor.follow(plan(kept, edited2)); // the same object as before it left: its target is new all the same
    assertThat(awaitDown(kept, "connection refused").since()).isNotEqualTo(since);
  }

  /** A service with every destination up is reported from its object, and a new object is read anew. */
  @Test
  void theReportOfAServiceAllUpFollowsItsObject() throws Exception {
    HealthCheckPlan none = Plans.with(tcp(), HealthCheckType.NONE);
    Destination a = dest(LO, 81, "rs-a");
    Destination b = dest(LO, 82, "rs-b");
    IpvsService s = service("10.0.0.23", 80, none, null, a, b);
    monitor.follow(plan(s));
    assertThat(health(s)).isEqualTo(new AgentReport.ServiceHealth(2, 2, List.of()));
    assertThat(health(s)).as("again, from what the first report kept").isEqualTo(new AgentReport.ServiceHealth(2, 2,
        List.of()));
    Destination drained = new Destination(b.address(), b.port(), b.method(), 0, 0, 0, null, 0, null, b.realServer());
    IpvsService s2 = service("10.0.0.23", 80, none, null, a, drained);
    monitor.follow(plan(s2));
    assertThat(health(s2)).isEqualTo(new AgentReport.ServiceHealth(1, 2, List.of(new AgentReport.Unavailable(
        "rs-b", LO + ":82", "Draining", null, "weight 0 in the plan"))));
  }

  @Test
  void aNewTargetIsTrustedDuringItsWarmup() throws Exception {
    HealthCheckPlan c = tcp();
    HealthCheckPlan warm = new HealthCheckPlan(c.type(), 0, 100, 300, 1, 1, 1500, c.onFailure(), null, null, null);
    IpvsService s = service("10.0.0.8", 80, warm, null, dest(LO, freePort(), "rs-1"));
    long t0 = System.nanoTime();
    monitor.follow(plan(s));
    assertThat(health(s).ready()).as("trusted before any check").isEqualTo(1);
    awaitDown(s, "connection refused");
    // a lower bound only (a loaded machine makes it longer, never shorter): the first check waited out the warm-up
    assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(1500);
  }

  /**
   * A restarted agent's first follow: the destination the kernel held in rotation is adopted and stays up after
   * its first failed check (fall 3), the new one goes down at its first; the adopted one goes down at its third.
   */
  @Test
  void anAdoptedDestinationIsNotDrainedByItsFirstFailure() throws Exception {
    HealthCheckPlan check = Plans.tcp(1000, 300, 1, 3);
    Destination found = dest(LO, freePort(), "rs-found");
    Destination added = dest(LO, freePort(), "rs-added");
    IpvsService s = service("10.0.0.9", 80, check, null, found, added);
    monitor.follow(plan(s), (k, d) -> d.equals(found));
    TargetMetrics foundChecks = monitor.metrics().stream().filter(m -> m.destination().equals(found)).findFirst()
        .orElseThrow();
    await().atMost(Duration.ofSeconds(10)).until(() -> foundChecks.failures(FailureReason.REFUSED) >= 1
        && health(s).unavailable().size() == 1);
    // report() runs on the checker thread: every result so far is in it. The found one's next checks are 1 s apart.
    assertThat(health(s).unavailable()).extracting(AgentReport.Unavailable::name).containsExactly("rs-added");
    assertThat(monitor.view().verdict(s.key(), found)).isEqualTo(Verdict.UP);
    await().atMost(Duration.ofSeconds(15)).until(() -> health(s).unavailable().size() == 2);
    assertThat(foundChecks.failures(FailureReason.REFUSED)).isGreaterThanOrEqualTo(3);
  }

  @Test
  void startPhasesAreSpreadOverTheInterval() {
    long interval = 1_000_000_000L;
    int[] buckets = new int[10];
    for (int i = 0; i < 10_000; i++) {
      Target.Key k = new Target.Key(ServiceKey.of(io.halvs.api.v1alpha1.Protocol.TCP,
          io.halvs.plan.IpAddress.parse("198.18." + (i / 250) + "." + (i % 250 + 1)), 80),
          io.halvs.plan.IpAddress.parse("10.1.0." + (i % 10 + 1)), 8080, 8080);
      long p = HealthMonitor.phase(k, interval);
      assertThat(p).isBetween(0L, interval - 1);
      buckets[(int) (p / (interval / 10))]++;
    }
    assertThat(java.util.Arrays.stream(buckets).boxed().toList()).as("10,000 targets in tenths of the interval")
        .allSatisfy(n -> assertThat(n).isBetween(800, 1200));
  }

  @Test
  void ipv6TargetsAndHttpOverIpv6() throws Exception {
    int port = freePort();
    HealthCheckPlan.Http h = Plans.get("/", "ok");
    IpvsService s = service("2001:db8::1", 80, http(h), null, dest("::1", port, "rs-6"));
    monitor.follow(plan(s));
    awaitDown(s, "connection refused");
    Servers.Http server = started(new Servers.Http(Servers.HERE, new InetSocketAddress("::1", port), null));
    awaitUp(s);
    assertThat(server.lastHost).isEqualTo("[::1]:" + port);
  }

  @Test
  void aDrainedDestinationIsReportedAsDrainingNotUnhealthy() throws Exception {
    int port = freePort();
    started(new Servers.Tcp(Servers.HERE, new InetSocketAddress(LO, port)));
    var d = dest(LO, port, "rs-drained");
    var drained = new io.halvs.plan.Destination(d.address(), d.port(), d.method(), 0, 0, 0, null, 0, null,
        d.realServer());
    IpvsService s = service("10.0.0.9", 80, tcp(), null, drained);
    monitor.follow(plan(s));
    assertThat(health(s)).isEqualTo(new AgentReport.ServiceHealth(0, 1, List.of(new AgentReport.Unavailable(
        "rs-drained", LO + ":" + port, "Draining", null, "weight 0 in the plan"))));
  }

  @Test
  void dnsAaaaOverIpv6() throws Exception {
    int port = freePort();
    Servers.DnsResponder server = started(new Servers.DnsResponder(Servers.HERE, new InetSocketAddress("::1", port),
        "v6.example", InetAddress.getByName("192.0.2.1")));
    HealthCheckPlan c = Plans.dns(100, 300, "v6.example", "2001:db8::53");
    HealthCheckPlan aaaa = new HealthCheckPlan(c.type(), 0, 100, 300, 1, 1, 0, c.onFailure(), null, null,
        new HealthCheckPlan.Dns("v6.example", io.halvs.api.v1alpha1.DnsRecordType.AAAA, "2001:db8::53"));
    IpvsService s = service("2001:db8::1", 53, aaaa, null, dest("::1", port, "rs-6"));
    monitor.follow(plan(s));
    awaitDown(s, "DNS: no AAAA record for v6.example");
    server.answer = InetAddress.getByName("2001:db8::53");
    awaitUp(s);
  }
}
