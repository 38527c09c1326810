package io.halvs.agent.health;

import static io.halvs.agent.health.Plans.dest;
import static io.halvs.agent.health.Plans.plan;
import static io.halvs.agent.health.Plans.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.halvs.agent.kernel.FakeIpvsKernel;
import io.halvs.agent.kernel.KernelDestination;
import io.halvs.agent.kernel.KernelReconciler;
import io.halvs.agent.kernel.OwnershipJournal;
import io.halvs.agent.netlink.NetNamespace;
import io.halvs.agent.testing.NetnsPrivileges;
import io.halvs.api.v1alpha1.FailureAction;
import io.halvs.api.v1alpha1.HealthCheckType;
import io.halvs.plan.Destination;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.HealthCheckPlan;
import io.halvs.plan.IpvsService;
import io.halvs.plan.publish.AgentReport;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Health checks driving a kernel reconciler, end to end: real servers in a network namespace behind a veth
 * (root only; skipped otherwise), the monitor in a second one at the veth's other end (every test address lives in
 * namespaces the test made: none shadows the host's networks), its onChange listener reconciling an in-memory
 * IPVS table at once — as the director loop does. Reaction times are printed beside their theoretical bounds, not
 * asserted (a loaded machine is slower, not wrong); the benchmark has the figures.
 */
class HealthMonitorNetnsTest {
  // pid in the names: other checkouts run these tests at the same time
  static final String NS = "halvs-hc-rs-" + ProcessHandle.current().pid();
  /** The director's side: the monitor's thread (and so its sockets) is made in it. */
  static final String CLIENT = "halvs-hc-dir-" + ProcessHandle.current().pid();
  static final String CLIENT_IF = "hvhc0";
  static final String NS_IF = "hvhc1";
  /** How long a test waits for an outcome before it fails: generous, it bounds a hang, not a reaction time. */
  static final Duration WAIT = Duration.ofSeconds(30);
  static final String A = "10.250.77.2";
  static final String B = "10.250.77.3";
  static final String SORRY = "10.250.77.9";

  static final Servers.Opener IN_NS = new Servers.Opener() {
    @Override
    public <T> T open(Callable<T> c) throws Exception {
      return NetNamespace.run(NS, c);
    }
  };

  final HealthMonitor monitor = inClient(HealthMonitor::new);
  final FakeIpvsKernel kernel = new FakeIpvsKernel();
  final KernelReconciler reconciler = new KernelReconciler(kernel, new OwnershipJournal(null));
  final List<AutoCloseable> cleanup = new ArrayList<>();
  volatile List<IpvsService> planned = List.of();

  static String sh(String... cmd) throws Exception {
    return io.halvs.agent.netlink.AddressTableNetnsTest.sh(cmd);
  }

  /** Made on a thread in CLIENT: threads it starts (the monitor's loop, which opens every probe socket) stay there. */
  static <T> T inClient(Callable<T> make) {
    try {
      return NetNamespace.run(CLIENT, make);
    } catch (Exception e) {
      throw new IllegalStateException("cannot enter " + CLIENT, e);
    }
  }

  @BeforeAll
  static void namespace() throws Exception {
    NetnsPrivileges.require();
    removeNamespace();
    sh("ip", "netns", "add", NS);
    sh("ip", "netns", "add", CLIENT);
    sh("ip", "link", "add", CLIENT_IF, "netns", CLIENT, "type", "veth", "peer", "name", NS_IF, "netns", NS);
    sh("ip", "-n", CLIENT, "addr", "add", "10.250.77.1/24", "dev", CLIENT_IF);
    sh("ip", "-n", CLIENT, "link", "set", CLIENT_IF, "up");
    sh("ip", "-n", CLIENT, "link", "set", "lo", "up");
    sh("ip", "-n", NS, "link", "set", "lo", "up");
    sh("ip", "-n", NS, "addr", "add", A + "/24", "dev", NS_IF);
    sh("ip", "-n", NS, "addr", "add", B + "/24", "dev", NS_IF);
    sh("ip", "-n", NS, "link", "set", NS_IF, "up");
  }

  @AfterAll
  static void removeNamespace() {
    for (String ns : List.of(NS, CLIENT)) {
      try {
        sh("ip", "netns", "del", ns); // takes the veth pair with it
      } catch (Exception ignored) {
        // not there
      }
    }
  }

  @AfterEach
  void close() throws Exception {
    monitor.close();
    for (AutoCloseable c : cleanup) {
      c.close();
    }
  }

  @Test
  void everyTestAddressIsInTheTestsNamespaces() throws Exception {
    // an address of 10.250.77.0/24 on the host would shadow a real network of that range while the tests run
    assertThat(sh("ip", "-4", "-o", "addr", "show")).doesNotContain(" 10.250.77.");
    assertThat(sh("ip", "-n", CLIENT, "-4", "-o", "addr", "show")).contains(" 10.250.77.1/24");
  }

  /** The director loop in miniature: every verdict change reconciles the table at once. */
  void direct(IpvsService... services) {
    planned = List.of(services);
    monitor.onChange(changed -> reconciler.reconcile(planned, monitor.view()));
    DirectorPlan p = plan(services);
    monitor.follow(p);
    reconciler.reconcile(planned, monitor.view());
  }

  /** address:port -> weight of one service's destinations in the table. */
  Map<String, Integer> table(IpvsService s) {
    return kernel.destinations(s.key()).stream().collect(Collectors.toMap(
        d -> d.address().withPort(d.port()), KernelDestination::weight, (x, y) -> x, TreeMap::new));
  }

  /** Waits until each server has answered n checks. */
  static void awaitServed(int n, Servers.Server... servers) {
    await().atMost(WAIT).until(() -> java.util.Arrays.stream(servers).allMatch(x -> x.served >= n));
  }

  <T extends Servers.Server> T started(T server) throws Exception {
    server.start();
    cleanup.add(server);
    return server;
  }

  /** Waits until the table shows it; returns how long that took since start (ns), a figure to print. */
  long until(IpvsService s, Map<String, Integer> expected, long start) {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(5))
        .untilAsserted(() -> assertThat(table(s)).isEqualTo(expected));
    return System.nanoTime() - start;
  }

  static HealthCheckPlan httpCheck(int interval, int timeout, int rise, int fall) {
    return Plans.http(interval, timeout, rise, fall, Plans.get("/health", "ok"));
  }

  @Test
  void aStoppedServerIsQuiescedAndRestoredAfterRise() throws Exception {
    int interval = 200;
    int timeout = 300;
    int fall = 3;
    Servers.Http a = started(new Servers.Http(IN_NS, new InetSocketAddress(A, 8080), null));
    Servers.Http b = started(new Servers.Http(IN_NS, new InetSocketAddress(B, 8080), null));
    IpvsService s = service("198.51.100.1", 80, httpCheck(interval, timeout, 2, fall), null,
        dest(A, 8080, "rs-a"), dest(B, 8080, "rs-b"));
    direct(s);
    assertThat(table(s)).isEqualTo(Map.of(A + ":8080", 1, B + ":8080", 1));
    awaitServed(2, a, b); // first results in: both confirmed up (rise 2)

    long bound = interval * fall + timeout;
    long t0 = System.nanoTime();
    a.stop();
    long down = until(s, Map.of(A + ":8080", 0, B + ":8080", 1), t0);
    System.out.printf("health netns: stopped HTTP server at weight 0 after %.0f ms (bound interval x fall + "
        + "timeout = %d ms)%n", down / 1e6, bound);
    assertThat(monitor.report().get("default/vs-198.51.100.1").unavailable()).singleElement()
        .extracting(AgentReport.Unavailable::message).isEqualTo("connection refused");

    long t1 = System.nanoTime();
    a.start();
    long up = until(s, Map.of(A + ":8080", 1, B + ":8080", 1), t1);
    System.out.printf("health netns: restarted HTTP server back at weight 1 after %.0f ms (rise 2 x %d ms)%n",
        up / 1e6, interval);
  }

  @Test
  void aSilentHostTimesOutAndIsQuiesced() throws Exception {
    int interval = 200;
    int timeout = 150; // the bound holds for timeout <= interval (see docs/HEALTH.md)
    int fall = 3;
    Servers.Tcp b = started(new Servers.Tcp(IN_NS, new InetSocketAddress(B, 9000)));
    IpvsService s = service("198.51.100.2", 9000, Plans.tcp(interval, timeout, 2, fall), null,
        dest(B, 9000, "rs-b"));
    direct(s);
    awaitServed(2, b);
    long bound = interval * fall + timeout;
    long t0 = System.nanoTime();
    sh("ip", "-n", NS, "addr", "del", B + "/24", "dev", NS_IF); // packets to B now vanish: no RST, no ICMP
    try {
      long down = until(s, Map.of(B + ":9000", 0), t0);
      System.out.printf("health netns: silent host at weight 0 after %.0f ms (bound %d ms)%n", down / 1e6, bound);
      assertThat(monitor.report().get("default/vs-198.51.100.2").unavailable()).singleElement()
          .extracting(AgentReport.Unavailable::message).isEqualTo("connect timeout 150 ms");
    } finally {
      sh("ip", "-n", NS, "addr", "add", B + "/24", "dev", NS_IF);
    }
  }

  @Test
  void http503AndAWrongBodyAreDownAndAllDownBringsTheSorryServer() throws Exception {
    Servers.Http a = started(new Servers.Http(IN_NS, new InetSocketAddress(A, 8081), null));
    Servers.Http b = started(new Servers.Http(IN_NS, new InetSocketAddress(B, 8081), null));
    Destination sorry = dest(SORRY, 80, "sorry");
    IpvsService s = service("198.51.100.3", 80, httpCheck(100, 300, 1, 2), sorry,
        dest(A, 8081, "rs-a"), dest(B, 8081, "rs-b"));
    direct(s);
    long t = System.nanoTime();
    a.status = 503;
    until(s, Map.of(A + ":8081", 0, B + ":8081", 1), t);
    b.body = "maintenance";
    until(s, Map.of(A + ":8081", 0, B + ":8081", 0, SORRY + ":80", 1), t);
    assertThat(monitor.report().get("default/vs-198.51.100.3")).satisfies(h -> {
      assertThat(h.ready()).isZero();
      assertThat(h.total()).isEqualTo(2);
      assertThat(h.unavailable()).extracting(AgentReport.Unavailable::message)
          .containsExactly("HTTP 503", "body does not contain 'ok'");
    });
    b.body = "ok";
    until(s, Map.of(A + ":8081", 0, B + ":8081", 1), t);
  }

  @Test
  void httpsWithVerificationFailsOnASelfSignedCertificateWithoutItPasses() throws Exception {
    started(new Servers.Http(IN_NS, new InetSocketAddress(A, 8443), Servers.selfSigned(A)));
    HealthCheckPlan.Http verify = new HealthCheckPlan.Http("GET", "/", "rs.example", List.of(200), null, null, true,
        null);
    // a 2 s timeout: a JVM's first TLS handshake on a loaded machine can take longer than 500 ms, and this test is
    // about the verdict, not the time
    HealthCheckPlan check = Plans.with(Plans.http(100, 2000, 1, 1, verify), HealthCheckType.HTTPS);
    IpvsService s = service("198.51.100.4", 443, check, null, dest(A, 8443, "rs-a"));
    direct(s);
    until(s, Map.of(A + ":8443", 0), System.nanoTime());
    String message = monitor.report().get("default/vs-198.51.100.4").unavailable().get(0).message();
    System.out.println("health netns: https with verification against a self-signed certificate: " + message);
    assertThat(message).startsWith("TLS: certificate not trusted (PKIX path building failed");

    IpvsService off = service("198.51.100.4", 443, Plans.with(check, new HealthCheckPlan.Http("GET", "/",
        "rs.example", List.of(200), null, null, false, null)), null, dest(A, 8443, "rs-a"));
    direct(off);
    until(off, Map.of(A + ":8443", 1), System.nanoTime());
  }

  @Test
  void onFailureRemoveTakesTheDestinationOutOfTheTable() throws Exception {
    Servers.Tcp a = started(new Servers.Tcp(IN_NS, new InetSocketAddress(A, 9001)));
    started(new Servers.Tcp(IN_NS, new InetSocketAddress(B, 9001)));
    IpvsService s = service("198.51.100.5", 9001, Plans.with(Plans.tcp(100, 300, 1, 1), FailureAction.REMOVE), null,
        dest(A, 9001, "rs-a"), dest(B, 9001, "rs-b"));
    direct(s);
    long t = System.nanoTime();
    a.stop();
    until(s, Map.of(B + ":9001", 1), t);
    a.start();
    until(s, Map.of(A + ":9001", 1, B + ":9001", 1), t);
  }

  @Test
  void udpAndDnsServersInTheNamespace() throws Exception {
    Servers.Udp echo = started(new Servers.Udp(IN_NS, new InetSocketAddress(A, 7000)));
    Servers.DnsResponder dns = started(new Servers.DnsResponder(IN_NS, new InetSocketAddress(B, 5353),
        "svc.example", InetAddress.getByName("192.0.2.53")));
    IpvsService u = service("198.51.100.6", 7000, Plans.udp(100, 300, "hello", "hello"), null, dest(A, 7000, "u"));
    IpvsService d = service("198.51.100.6", 53, Plans.dns(100, 300, "svc.example", "192.0.2.53"), null,
        dest(B, 5353, "d"));
    direct(u, d);
    awaitServed(1, echo, dns); // first results in
    long t = System.nanoTime();
    echo.stop();
    dns.stop();
    until(u, Map.of(A + ":7000", 0), t);
    until(d, Map.of(B + ":5353", 0), t);
    echo.start();
    dns.start();
    until(u, Map.of(A + ":7000", 1), t);
    until(d, Map.of(B + ":5353", 1), t);
  }

  @Test
  void theDirectorLoopTakesTheFastPathOnAVerdictChange() throws Exception {
    Servers.Http a = started(new Servers.Http(IN_NS, new InetSocketAddress(A, 8082), null));
    Servers.Http b = started(new Servers.Http(IN_NS, new InetSocketAddress(B, 8082), null));
    IpvsService s = service("198.51.100.7", 80, httpCheck(100, 150, 1, 2), dest(SORRY, 80, "sorry"),
        dest(A, 8082, "rs-a"), dest(B, 8082, "rs-b"));
    List<io.halvs.agent.runtime.Director.Pass> passes = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (io.halvs.agent.runtime.Director director = new io.halvs.agent.runtime.Director(kernel,
        new OwnershipJournal(null), monitor, io.halvs.agent.runtime.StaticElection.alwaysActive(null, c -> { }),
        null, Duration.ofHours(1))) {
      director.onPass(passes::add);
      director.start("test-director");
      director.offer(new io.halvs.agent.runtime.Director.Target(plan(s), "h1", false));
      until(s, Map.of(A + ":8082", 1, B + ":8082", 1), System.nanoTime());
      awaitServed(2, a, b); // first results in, so the passes after this are the verdict change's
      passes.clear();
      long t0 = System.nanoTime();
      a.status = 500;
      long down = until(s, Map.of(A + ":8082", 0, B + ":8082", 1), t0);
      System.out.printf("health netns: director loop fast path, HTTP 500 at weight 0 after %.0f ms%n", down / 1e6);
      // The pass is published after its kernel writes: the weight seen at 0 may come before its listener ran.
      await().atMost(Duration.ofSeconds(10)).until(() -> !passes.isEmpty());
      assertThat(passes).as("no full pass needed").allSatisfy(p -> assertThat(p.full()).isFalse());
      assertThat(director.healthChecks().report().get("default/vs-198.51.100.7").unavailable())
          .extracting(AgentReport.Unavailable::message).containsExactly("HTTP 500");
    }
  }
}
