package io.halvs.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.halvs.agent.health.HealthMonitor;
import io.halvs.agent.http.AgentHttpServer;
import io.halvs.agent.kernel.FakeIpvsKernel;
import io.halvs.agent.kernel.IpvsInfo;
import io.halvs.agent.kernel.IpvsKernel;
import io.halvs.agent.kernel.IpvsStats;
import io.halvs.agent.kernel.IpvsTimeouts;
import io.halvs.agent.kernel.KernelDestination;
import io.halvs.agent.kernel.KernelService;
import io.halvs.agent.kernel.OwnershipJournal;
import io.halvs.agent.kernel.SyncDaemon;
import io.halvs.agent.runtime.Director;
import io.halvs.agent.runtime.Election;
import io.halvs.api.v1alpha1.FailureAction;
import io.halvs.api.v1alpha1.ForwardingMethod;
import io.halvs.api.v1alpha1.HealthCheckType;
import io.halvs.api.v1alpha1.Protocol;
import io.halvs.plan.Destination;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.HealthCheckPlan;
import io.halvs.plan.IpAddress;
import io.halvs.plan.IpvsService;
import io.halvs.plan.ObjectRef;
import io.halvs.plan.ServiceKey;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent's exposition from a director with every part present — an IPVS table with counters, health checks
 * against loopback servers (one up, one refusing), an election, sync daemons, VIPs — parsed strictly and held to
 * the contract's names, types and label names.
 */
class MetricsExporterTest {
  /** The agent section of the metric names contract (/work/notes/metrics-contract.md): name -> type, labels. */
  static final Map<String, Map.Entry<String, Set<String>>> CONTRACT = new TreeMap<>();

  private static void contract(String type, String labels, String... names) {
    Set<String> l = new TreeSet<>(List.of(labels.split(",")));
    for (String n : names) {
      CONTRACT.put(n, Map.entry(type, l));
    }
  }

  static {
    String backend = "directorpair,namespace,virtualservice,realserver,local_address,local_port,remote_address,"
        + "remote_port,proto,local_mark";
    contract("gauge", backend, "halvs_ipvs_backend_connections_active", "halvs_ipvs_backend_connections_inactive",
        "halvs_ipvs_backend_weight");
    contract("counter", backend, "halvs_ipvs_backend_connections_total", "halvs_ipvs_backend_incoming_packets_total",
        "halvs_ipvs_backend_outgoing_packets_total", "halvs_ipvs_backend_incoming_bytes_total",
        "halvs_ipvs_backend_outgoing_bytes_total");
    contract("counter", "local_address,local_port,proto,local_mark,directorpair,namespace,virtualservice",
        "halvs_ipvs_service_connections_total", "halvs_ipvs_service_incoming_packets_total",
        "halvs_ipvs_service_outgoing_packets_total", "halvs_ipvs_service_incoming_bytes_total",
        "halvs_ipvs_service_outgoing_bytes_total");
    contract("gauge", "directorpair", "halvs_ipvs_connection_entries");
    String rs = "directorpair,namespace,virtualservice,realserver,remote_address,remote_port";
    contract("gauge", rs, "halvs_realserver_up", "halvs_health_check_duration_seconds",
        "halvs_realserver_last_transition_timestamp_seconds");
    contract("counter", rs + ",reason", "halvs_health_check_failures_total");
    contract("gauge", "directorpair,node", "halvs_director_active", "halvs_director_peer_alive",
        "halvs_lease_renewal_duration_seconds", "halvs_director_last_takeover_timestamp_seconds",
        "halvs_plan_applied_timestamp_seconds", "halvs_last_successful_apply_timestamp_seconds",
        "halvs_kernel_module_missing");
    contract("gauge", "directorpair,node,address", "halvs_vip_held");
    contract("counter", "directorpair,node,reason", "halvs_director_transitions_total",
        "halvs_heartbeats_rejected_total");
    contract("counter", "directorpair,node", "halvs_heartbeats_sent_total", "halvs_heartbeats_received_total",
        "halvs_heartbeats_missed_total", "halvs_gratuitous_arps_sent_total", "halvs_gate_route_cures_total");
    contract("counter", "directorpair,node,result", "halvs_lease_renewals_total", "halvs_reconcile_passes_total");
    contract("gauge", "directorpair,node,state,interface,syncid", "halvs_sync_daemon_up");
    contract("histogram", "directorpair,node", "halvs_reconcile_duration_seconds");
    contract("counter", "directorpair,node,kind", "halvs_netlink_operations_total", "halvs_netlink_errors_total");
    contract("counter", "directorpair,node,verb,resource,code", "halvs_api_requests_total");
    contract("gauge", "directorpair,node,hash", "halvs_plan_applied_info");
    contract("gauge", "component,version,java_version", "halvs_build_info");
  }

  static final ServiceKey WEB = ServiceKey.of(Protocol.TCP, IpAddress.parse("10.100.0.1"), 80);
  static final ServiceKey MARK = ServiceKey.ofFirewallMark(IpAddress.AF_INET, 7);
  static final ServiceKey FOREIGN = ServiceKey.of(Protocol.UDP, IpAddress.parse("10.9.9.9"), 53);

  final FakeIpvsKernel fake = new FakeIpvsKernel();
  final CountingKernel kernel = new CountingKernel(fake);
  final SteadyElection election = new SteadyElection();
  final AtomicLong clock = new AtomicLong();
  HealthMonitor health;
  Director director;
  ServerSocket up;
  int refusing;
  MetricsExporter exporter;
  DirectorPlan plan;

  @BeforeEach
  void setUp() throws IOException {
    up = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(() -> {
      while (!up.isClosed()) {
        try {
          up.accept().close();
        } catch (IOException e) {
          return;
        }
      }
    });
    accept.setDaemon(true);
    accept.start();
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      refusing = s.getLocalPort(); // closed again: connections are refused
    }
    HealthCheckPlan tcp = new HealthCheckPlan(HealthCheckType.TCP, 0, 100, 500, 1, 1, 0, FailureAction.QUIESCENT,
        null, null, null);
    IpvsService web = new IpvsService(WEB, WEB.address(), "wlc", 0, 0, 0xffffffffL,
        List.of(dest("127.0.0.1", up.getLocalPort(), "web-1"), dest("127.0.0.1", refusing, "web-2")), null, tcp,
        new ObjectRef("VirtualService", "shop", "web"));
    HealthCheckPlan none = new HealthCheckPlan(HealthCheckType.NONE, 0, 1000, 1000, 1, 1, 0,
        FailureAction.QUIESCENT, null, null, null);
    IpvsService mark = new IpvsService(MARK, IpAddress.parse("10.100.0.2"), "rr", 0, 0, 0xffffffffL,
        List.of(dest("10.0.0.5", 0, "m-1")), null, none, new ObjectRef("VirtualService", "shop", "marked"));
    plan = new DirectorPlan("edge-1", List.of("lvs-a", "lvs-b"), "eth0",
        List.of(IpAddress.parse("10.100.0.1"), IpAddress.parse("10.100.0.2")), null, new TreeMap<>(),
        new DirectorPlan.SyncDaemonPlan(9, "eth1", null, 0, 0, 0), null, List.of(web, mark));
    fake.addService(new KernelService(FOREIGN, "rr", 0, 0, 0xffffffffL, null));
    fake.addDestination(FOREIGN, new KernelDestination(IpAddress.parse("10.9.9.10"), 53, 0, 1, 0, 0, 2, 0, 0, 0, 0,
        0, 0, null));
    fake.stats(FOREIGN, IpAddress.parse("10.9.9.10"), 53, null, 5, 0);
    health = new HealthMonitor();
    director = new Director(fake, new OwnershipJournal(null), health, election, null, Duration.ofHours(1));
    director.offer(new Director.Target(plan, "hash-1", false));
    assertThat(director.runPending().converged()).isTrue();
    exporter = new MetricsExporter("edge-1", "lvs-a", () -> director, AgentMetrics.get(), clock::get)
        .kernel(() -> kernel).addresses(ifname -> ifname.equals("eth0") ? List.of(IpAddress.parse("10.100.0.1"))
            : List.of());
  }

  @AfterEach
  void tearDown() throws IOException {
    director.close();
    health.close();
    up.close();
  }

  static Destination dest(String address, int port, String name) {
    return new Destination(IpAddress.parse(address), port, ForwardingMethod.MASQ, 100, 0, 0, null, 0, null,
        new ObjectRef("RealServer", "shop", name));
  }

  String scrapeText() throws IOException {
    clock.incrementAndGet(); // arrives after the last read ended: reads the kernel afresh
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    exporter.write(out);
    return out.toString(StandardCharsets.UTF_8);
  }

  Scraped scrape() throws IOException {
    return Scraped.parse(scrapeText());
  }

  /** Everything that only shows after an event, made to happen (on the process's counters: they only grow). */
  static void everyEventOnce() {
    AgentMetrics m = AgentMetrics.get();
    m.transition("peer_silent", true, System.currentTimeMillis());
    m.leaseRenewal(true, 2_000_000);
    m.heartbeatSent();
    m.heartbeatReceived();
    m.heartbeatsMissed(1);
    m.gratuitousArpSent();
    m.gateRouteCured();
    m.apiRequests().count("PATCH", java.net.URI.create("https://10.0.1.1/api/v1/namespaces/halvs-system/configmaps/r"),
        "200");
  }

  /** A sample state with every family of the contract holding samples (the monitoring names test uses it). */
  static String everyFamily() throws IOException {
    MetricsExporterTest t = new MetricsExporterTest();
    t.setUp();
    try {
      everyEventOnce();
      await().atMost(Duration.ofSeconds(10)).until(() -> t.scrapeText().contains("halvs_health_check_failures_total{"));
      return t.scrapeText();
    } finally {
      t.tearDown();
    }
  }

  @Test
  void everyContractFamilyHasItsTypeAndExactlyItsLabels() throws IOException {
    everyEventOnce();
    await().atMost(Duration.ofSeconds(10)).until(() -> scrape().samples("halvs_health_check_failures_total").size() > 0);
    Scraped s = scrape();
    for (Map.Entry<String, Map.Entry<String, Set<String>>> c : CONTRACT.entrySet()) {
      String name = c.getKey();
      assertThat(s.types).as(name).containsEntry(name, c.getValue().getKey());
      String sampleName = c.getValue().getKey().equals("histogram") ? name + "_count" : name;
      assertThat(s.samples(sampleName)).as(name + " has samples").isNotEmpty();
      for (Scraped.Sample x : s.samples(sampleName)) {
        assertThat(x.labels().keySet()).as(name).containsExactlyInAnyOrderElementsOf(c.getValue().getValue());
      }
    }
    for (String name : s.types.keySet()) {
      assertThat(name).matches("(halvs|process|jvm)_[a-z0-9_]+");
      if (s.types.get(name).equals("counter")) {
        assertThat(name).endsWith("_total");
      }
    }
    assertThat(s.value("halvs_build_info", "component", "agent")).isEqualTo(1);
  }

  @Test
  void ipvsSamplesCarryTheKernelsCountersAndThePlansObjects() throws IOException {
    fake.stats(WEB, new IpvsStats(11, 22, 33, 4400, 5500, 0, 0, 0, 0, 0));
    fake.stats(WEB, IpAddress.parse("127.0.0.1"), up.getLocalPort(), new IpvsStats(7, 8, 9, 10, 12, 0, 0, 0, 0, 0),
        3, 4);
    Scraped s = scrape();
    String[] web1 = {"directorpair", "edge-1", "namespace", "shop", "virtualservice", "web", "realserver", "web-1",
        "local_address", "10.100.0.1", "local_port", "80", "remote_address", "127.0.0.1", "remote_port",
        String.valueOf(up.getLocalPort()), "proto", "tcp", "local_mark", ""};
    assertThat(s.value("halvs_ipvs_backend_connections_total", web1)).isEqualTo(7);
    assertThat(s.value("halvs_ipvs_backend_incoming_packets_total", web1)).isEqualTo(8);
    assertThat(s.value("halvs_ipvs_backend_outgoing_packets_total", web1)).isEqualTo(9);
    assertThat(s.value("halvs_ipvs_backend_incoming_bytes_total", web1)).isEqualTo(10);
    assertThat(s.value("halvs_ipvs_backend_outgoing_bytes_total", web1)).isEqualTo(12);
    assertThat(s.value("halvs_ipvs_backend_connections_active", web1)).isEqualTo(3);
    assertThat(s.value("halvs_ipvs_backend_connections_inactive", web1)).isEqualTo(4);
    assertThat(s.value("halvs_ipvs_backend_weight", web1)).isEqualTo(100);
    String[] service = {"virtualservice", "web", "local_address", "10.100.0.1", "local_port", "80", "proto", "tcp"};
    assertThat(s.value("halvs_ipvs_service_connections_total", service)).isEqualTo(11);
    assertThat(s.value("halvs_ipvs_service_incoming_packets_total", service)).isEqualTo(22);
    assertThat(s.value("halvs_ipvs_service_outgoing_packets_total", service)).isEqualTo(33);
    assertThat(s.value("halvs_ipvs_service_incoming_bytes_total", service)).isEqualTo(4400);
    assertThat(s.value("halvs_ipvs_service_outgoing_bytes_total", service)).isEqualTo(5500);
    // a firewall-mark service: no address, port or protocol of its own
    assertThat(s.one("halvs_ipvs_backend_weight", "realserver", "m-1").labels()).containsAllEntriesOf(
        Map.of("local_address", "", "local_port", "", "proto", "fwm", "local_mark", "7", "virtualservice", "marked",
            "remote_address", "10.0.0.5", "remote_port", "0"));
    // the service halvs does not own is left out, its connections count in the table's total
    assertThat(s.samples).noneMatch(x -> "10.9.9.9".equals(x.labels().get("local_address")));
    assertThat(s.value("halvs_ipvs_connection_entries", "directorpair", "edge-1")).isEqualTo(3 + 4 + 5);
    assertThat(s.samples("halvs_ipvs_backend_weight")).hasSize(3);
  }

  /**
   * A scrape encodes the destinations' labels anew, into an array sized as the last scrape's and the snapshot's
   * columns sized for the plan: the labels must follow what changed, also where both sizes are outgrown.
   */
  @Test
  void labelsFollowTheTableFromOneScrapeToTheNext() throws IOException {
    assertThat(scrape().samples("halvs_ipvs_backend_weight")).hasSize(3);
    // as many planned destinations, one real server's name longer than the last scrape's labels had room for,
    // the marked service's destination on another port
    String renamed = "web-1-" + "x".repeat(120);
    IpvsService web = plan.services().get(0);
    IpvsService mark = plan.services().get(1);
    DirectorPlan next = plan.withServices(List.of(
        web.withDestinations(List.of(dest("127.0.0.1", up.getLocalPort(), renamed),
            dest("127.0.0.1", refusing, "web-2"))),
        mark.withDestinations(List.of(dest("10.0.0.5", 9090, "m-1")))));
    director.offer(new Director.Target(next, "hash-2", false));
    assertThat(director.runPending().converged()).isTrue();
    Scraped s = scrape();
    assertThat(s.samples("halvs_ipvs_backend_weight")).hasSize(3)
        .noneMatch(x -> x.labels().get("realserver").equals("web-1"));
    assertThat(s.value("halvs_ipvs_backend_weight", "realserver", renamed, "remote_port",
        String.valueOf(up.getLocalPort()), "virtualservice", "web")).isEqualTo(100);
    assertThat(s.one("halvs_ipvs_backend_weight", "realserver", "m-1").labels())
        .containsEntry("remote_port", "9090").containsEntry("local_mark", "7");
    // then 20 destinations the plan does not name, added by hand: more rows than the plan's
    for (int i = 1; i <= 20; i++) {
      fake.addDestination(WEB, new KernelDestination(IpAddress.parse("10.1.0." + i), 80, 0, 1, 0, 0, 2, 0, 0, 0, 0,
          0, 0, null));
    }
    s = scrape();
    List<Scraped.Sample> weights = s.samples("halvs_ipvs_backend_weight");
    assertThat(weights).hasSize(23);
    assertThat(s.value("halvs_ipvs_backend_weight", "realserver", renamed, "remote_port",
        String.valueOf(up.getLocalPort()), "virtualservice", "web")).isEqualTo(100);
    assertThat(weights).filteredOn(x -> x.labels().get("realserver").isEmpty()).hasSize(20)
        .allMatch(x -> x.labels().get("remote_address").startsWith("10.1.0.") && x.labels().get("remote_port")
            .equals("80") && x.labels().get("virtualservice").equals("web"));
    // every per-destination family carries the same series, in the same order
    List<Map<String, String>> series = weights.stream().map(Scraped.Sample::labels).toList();
    for (String family : List.of("halvs_ipvs_backend_connections_active", "halvs_ipvs_backend_connections_inactive",
        "halvs_ipvs_backend_connections_total", "halvs_ipvs_backend_incoming_packets_total",
        "halvs_ipvs_backend_outgoing_packets_total", "halvs_ipvs_backend_incoming_bytes_total",
        "halvs_ipvs_backend_outgoing_bytes_total")) {
      assertThat(s.samples(family).stream().map(Scraped.Sample::labels).toList()).as(family).isEqualTo(series);
    }
  }

  @Test
  void aFailedRealServerShowsUpZeroAndWhy() throws IOException {
    await().atMost(Duration.ofSeconds(10)).until(() ->
        scrape().value("halvs_realserver_up", "realserver", "web-2") == 0);
    Scraped s = scrape();
    assertThat(s.value("halvs_realserver_up", "realserver", "web-1", "remote_address", "127.0.0.1", "remote_port",
        String.valueOf(up.getLocalPort()), "namespace", "shop", "virtualservice", "web")).isEqualTo(1);
    assertThat(s.value("halvs_health_check_failures_total", "realserver", "web-2", "reason", "refused"))
        .isGreaterThanOrEqualTo(1);
    assertThat(s.samples("halvs_health_check_failures_total")).allMatch(x -> x.labels().get("realserver")
        .equals("web-2"));
    double since = s.value("halvs_realserver_last_transition_timestamp_seconds", "realserver", "web-2");
    assertThat(since).isBetween(Instant.now().minusSeconds(60).getEpochSecond() * 1.0,
        Instant.now().getEpochSecond() + 1.0);
    // the last check's duration is exported; how long it took is the machine's business, not the test's
    assertThat(s.value("halvs_health_check_duration_seconds", "realserver", "web-1")).isPositive();
    // the verdict reached the kernel too: the quiescent real server's weight is 0
    director.runPending();
    assertThat(scrape().value("halvs_ipvs_backend_weight", "realserver", "web-2")).isEqualTo(0);
  }

  @Test
  void thePairAsTheElectionAndTheKernelSayIt() throws IOException {
    Scraped s = scrape();
    assertThat(s.value("halvs_director_active", "directorpair", "edge-1", "node", "lvs-a")).isEqualTo(1);
    assertThat(s.value("halvs_director_peer_alive")).isEqualTo(1);
    assertThat(s.value("halvs_vip_held", "address", "10.100.0.1")).isEqualTo(1);
    assertThat(s.value("halvs_vip_held", "address", "10.100.0.2")).isEqualTo(0);
    assertThat(s.value("halvs_sync_daemon_up", "state", "master", "interface", "eth1", "syncid", "9")).isEqualTo(1);
    assertThat(s.value("halvs_sync_daemon_up", "state", "backup")).isEqualTo(1);
    // The kernel's timeouts, planned or not: here the kernel's defaults, then what someone set.
    assertThat(s.value("halvs_ipvs_timeout_seconds", "directorpair", "edge-1", "node", "lvs-a", "protocol", "tcp"))
        .isEqualTo(900);
    assertThat(s.value("halvs_ipvs_timeout_seconds", "protocol", "tcpfin")).isEqualTo(120);
    fake.setTimeouts(new io.halvs.agent.kernel.IpvsTimeouts(7200, 0, 60));
    election.role = Election.Role.STANDBY;
    election.peerAlive = false;
    fake.stopDaemon(SyncDaemon.BACKUP);
    s = scrape();
    assertThat(s.value("halvs_director_active")).isEqualTo(0);
    assertThat(s.value("halvs_director_peer_alive")).isEqualTo(0);
    assertThat(s.value("halvs_sync_daemon_up", "state", "backup")).isEqualTo(0);
    assertThat(s.value("halvs_ipvs_timeout_seconds", "protocol", "tcp")).isEqualTo(7200);
    assertThat(s.value("halvs_ipvs_timeout_seconds", "protocol", "udp")).isEqualTo(60);
    assertThat(s.value("halvs_plan_applied_info", "hash", "hash-1")).isEqualTo(1);
  }

  @Test
  void aPassCountsItsNetlinkOperationsAndItsDuration() throws IOException {
    Scraped before = scrape();
    DirectorPlan more = new DirectorPlan(plan.pair(), plan.nodes(), plan.vipInterface(), plan.vips(), null,
        plan.sysctls(), plan.syncDaemon(), null, List.of(plan.services().get(1)));
    director.offer(new Director.Target(more, "hash-2", false));
    assertThat(director.runPending().converged()).isTrue();
    Scraped after = scrape();
    assertThat(after.value("halvs_netlink_operations_total", "kind", "del_service")
        - before.value("halvs_netlink_operations_total", "kind", "del_service")).isEqualTo(1);
    assertThat(after.value("halvs_reconcile_passes_total", "result", "ok")
        - before.value("halvs_reconcile_passes_total", "result", "ok")).isEqualTo(1);
    assertThat(after.value("halvs_reconcile_duration_seconds_count")
        - before.value("halvs_reconcile_duration_seconds_count")).isEqualTo(1);
    assertThat(after.value("halvs_reconcile_duration_seconds_bucket", "le", "+Inf"))
        .isEqualTo(after.value("halvs_reconcile_duration_seconds_count"));
    assertThat(after.value("halvs_plan_applied_info", "hash", "hash-2")).isEqualTo(1);
    assertThat(after.samples("halvs_plan_applied_info")).hasSize(1);
    fake.failNext(WEB.toString(), 1, 22);
    director.offer(new Director.Target(plan, "hash-3", false));
    assertThat(director.runPending().converged()).isFalse();
    Scraped failed = scrape();
    assertThat(failed.value("halvs_netlink_errors_total", "kind", "add_service")
        - after.value("halvs_netlink_errors_total", "kind", "add_service")).isEqualTo(1);
    assertThat(failed.value("halvs_reconcile_passes_total", "result", "error")
        - after.value("halvs_reconcile_passes_total", "result", "error")).isEqualTo(1);
  }

  @Test
  void countersNeverGoDown() throws IOException {
    Scraped first = scrape();
    everyEventOnce();
    director.offer(new Director.Target(plan, "hash-1", false));
    director.runPending();
    fake.stats(WEB, new IpvsStats(1, 1, 1, 1, 1, 0, 0, 0, 0, 0));
    Scraped second = scrape();
    Map<String, Double> later = new HashMap<>();
    second.samples.forEach(x -> later.put(x.name() + x.labels(), x.value()));
    int counters = 0;
    for (Scraped.Sample x : first.samples) {
      String family = x.name().replaceAll("_(bucket|sum|count)$", "");
      boolean counter = "counter".equals(first.types.get(x.name()))
          || "histogram".equals(first.types.get(family)) && !x.name().equals(family);
      if (counter && later.containsKey(x.name() + x.labels())) {
        counters++;
        assertThat(later.get(x.name() + x.labels())).as(x.name() + x.labels()).isGreaterThanOrEqualTo(x.value());
      }
    }
    assertThat(counters).isGreaterThan(30);
  }

  @Test
  void theKernelIsReadOncePerScrape() throws IOException {
    scrape();
    assertThat(kernel.serviceDumps.get()).isEqualTo(1);
    assertThat(kernel.destinationDumps.get()).isEqualTo(3); // two planned services and the foreign one
    assertThat(kernel.daemonDumps.get()).isEqualTo(1);
    scrape();
    assertThat(kernel.serviceDumps.get()).isEqualTo(2);
    assertThat(kernel.destinationDumps.get()).isEqualTo(6);
    assertThat(exporter.keptView()).as("nothing of a read (its columns, its plan) kept after the scrape").isNull();
  }

  @Test
  void aScrapeArrivingDuringAnothersKernelReadWaitsForItAndSharesIt() throws Exception {
    java.util.concurrent.CountDownLatch inRead = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    kernel.beforeServiceDump = () -> {
      inRead.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
    clock.incrementAndGet();
    ByteArrayOutputStream first = new ByteArrayOutputStream();
    ByteArrayOutputStream second = new ByteArrayOutputStream();
    Thread one = new Thread(() -> write(first));
    one.start();
    inRead.await();
    Thread two = new Thread(() -> write(second)); // the second Prometheus, while the first read runs
    two.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> two.getState() == Thread.State.WAITING);
    release.countDown();
    one.join();
    two.join();
    assertThat(kernel.serviceDumps.get()).isEqualTo(1);
    assertThat(kernel.destinationDumps.get()).isEqualTo(3);
    assertThat(Scraped.parse(second.toString(StandardCharsets.UTF_8)).samples("halvs_ipvs_backend_weight"))
        .hasSize(3);
    assertThat(exporter.keptView()).as("released once the waiting scrape took it").isNull();
  }

  private void write(ByteArrayOutputStream out) {
    try {
      exporter.write(out);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void withoutAKernelOrAPlanEveryFamilyIsStillDeclared() throws IOException {
    MetricsExporter bare = new MetricsExporter("", "n", () -> null);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    bare.write(out);
    Scraped s = Scraped.parse(out.toString(StandardCharsets.UTF_8));
    assertThat(s.types.keySet()).containsAll(CONTRACT.keySet());
    assertThat(s.value("halvs_director_active")).isEqualTo(0);
    assertThat(s.samples("halvs_ipvs_backend_weight")).isEmpty();
  }

  @Test
  void servedOverHttpPlainAndGzipped() throws Exception {
    try (AgentHttpServer server = new AgentHttpServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      server.stream("/metrics", TextFormat.CONTENT_TYPE, exporter::write);
      assertThat(server.start()).isTrue();
      HttpClient client = HttpClient.newHttpClient();
      URI uri = URI.create("http://127.0.0.1:" + server.port() + "/metrics");
      HttpResponse<String> plain = client.send(HttpRequest.newBuilder(uri).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(plain.statusCode()).isEqualTo(200);
      assertThat(plain.headers().firstValue("Content-Type")).contains("text/plain; version=0.0.4; charset=utf-8");
      assertThat(Scraped.parse(plain.body()).types).containsKey("halvs_ipvs_backend_weight");
      HttpResponse<InputStream> zipped = client.send(HttpRequest.newBuilder(uri)
          .header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.ofInputStream());
      assertThat(zipped.headers().firstValue("Content-Encoding")).contains("gzip");
      String text;
      try (InputStream in = new GZIPInputStream(zipped.body())) {
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      assertThat(Scraped.parse(text).samples("halvs_ipvs_backend_weight")).hasSize(3);
      HttpResponse<String> head = client.send(HttpRequest.newBuilder(uri).method("HEAD",
          HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(head.statusCode()).isEqualTo(200);
      assertThat(head.body()).isEmpty();
    }
  }

  /** An election that stays where the test puts it. */
  static final class SteadyElection implements Election {
    volatile Role role = Role.ACTIVE;
    volatile boolean peerAlive = true;

    @Override
    public void follow(DirectorPlan plan) {}

    @Override
    public State state() {
      return new State(role, Instant.EPOCH, "test", 0, "lvs-b");
    }

    @Override
    public boolean peerAlive() {
      return peerAlive;
    }

    @Override
    public void onChange(Consumer<State> listener) {}

    @Override
    public void releaseAll() {}

    @Override
    public void close() {}
  }

  /** Counts the dumps a scrape makes. */
  static final class CountingKernel implements IpvsKernel {
    final IpvsKernel k;
    final AtomicInteger serviceDumps = new AtomicInteger();
    final AtomicInteger destinationDumps = new AtomicInteger();
    final AtomicInteger daemonDumps = new AtomicInteger();
    volatile Runnable beforeServiceDump = () -> { };

    CountingKernel(IpvsKernel k) {
      this.k = k;
    }

    @Override
    public IpvsInfo info() {
      return k.info();
    }

    @Override
    public List<KernelService> services() {
      beforeServiceDump.run();
      serviceDumps.incrementAndGet();
      return k.services();
    }

    @Override
    public List<KernelDestination> destinations(ServiceKey service) {
      destinationDumps.incrementAndGet();
      return k.destinations(service);
    }

    @Override
    public void addService(KernelService service) {
      k.addService(service);
    }

    @Override
    public void updateService(KernelService service) {
      k.updateService(service);
    }

    @Override
    public void deleteService(ServiceKey service) {
      k.deleteService(service);
    }

    @Override
    public void addDestination(ServiceKey service, KernelDestination destination) {
      k.addDestination(service, destination);
    }

    @Override
    public void updateDestination(ServiceKey service, KernelDestination destination) {
      k.updateDestination(service, destination);
    }

    @Override
    public void deleteDestination(ServiceKey service, IpAddress address, int port) {
      k.deleteDestination(service, address, port);
    }

    @Override
    public List<SyncDaemon> daemons() {
      daemonDumps.incrementAndGet();
      return k.daemons();
    }

    @Override
    public void startDaemon(SyncDaemon daemon) {
      k.startDaemon(daemon);
    }

    @Override
    public void stopDaemon(int state) {
      k.stopDaemon(state);
    }

    @Override
    public IpvsTimeouts timeouts() {
      return k.timeouts();
    }

    @Override
    public void setTimeouts(IpvsTimeouts timeouts) {
      k.setTimeouts(timeouts);
    }

    @Override
    public void flush() {
      k.flush();
    }

    @Override
    public void zero(ServiceKey service) {
      k.zero(service);
    }

    @Override
    public void close() {}
  }
}
