package io.halvs.agent.metrics;

import io.halvs.agent.health.FailureReason;
import io.halvs.agent.health.HealthMonitor;
import io.halvs.agent.health.TargetMetrics;
import io.halvs.agent.kernel.IpvsKernel;
import io.halvs.agent.kernel.IpvsTimeouts;
import io.halvs.agent.kernel.SyncDaemon;
import io.halvs.agent.runtime.Director;
import io.halvs.agent.runtime.Election;
import io.halvs.plan.Destination;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpAddress;
import io.halvs.plan.IpvsService;
import io.halvs.plan.ObjectRef;
import io.halvs.plan.ServiceKey;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The agent's /metrics: every family of docs/METRICS.md (names and labels as /work/notes' contract, shared with
 * deploy/monitoring), written as the text format straight onto the response. Counters of the agent's own events
 * come from {@link AgentMetrics}; the kernel's state (IPVS counters, sync daemons, VIPs held) is read at scrape
 * time, once per scrape, and scrapes that arrive while a read is running (two Prometheus replicas scraping the
 * same agent) wait for it and share it: never older than the scrape, never two reads at once; health from the
 * checker's published per-target state; the pair from the election's state.
 *
 * <p>Every family's HELP and TYPE lines are always written, samples only where there is something to say (no
 * plan yet: no IPVS samples).
 */
public final class MetricsExporter {
  /** The addresses an interface holds now, as the kernel says (AddressTable in production). */
  public interface Addresses {
    List<IpAddress> on(String interfaceName);
  }

  private final String defaultPair;
  private final String node;
  private final Supplier<Director> director;
  private final AgentMetrics metrics;
  private final LongSupplier nanos;
  private final long startMillis = ManagementFactory.getRuntimeMXBean().getStartTime();
  private volatile Supplier<IpvsKernel> kernel = () -> null;
  private volatile Addresses addresses;
  /**
   * The last kernel read, kept only while scrapes that arrived during it wait to share it: at 100,000 destinations
   * a read is about 8 MB of columns and holds its plan, whose replaced services a kept view would hold past the
   * next edit (a full-size agent held 8 MB of columns between scrapes).
   */
  private KernelView last; // guarded by this
  private boolean reading; // guarded by this
  private int waiting; // scrapes waiting for the read in progress; guarded by this
  private int lastDestRows; // the destinations' labels' size in the last scrape, to size the next one's array
  private int lastDestBytes;

  /** What one kernel read found, shared by the scrapes that arrived while it ran. */
  record KernelView(DirectorPlan plan, long readEndNanos, long readNanos, IpvsSnapshot ipvs, List<SyncDaemon> daemons,
      Map<String, Set<IpAddress>> held, IpvsTimeouts timeouts) {}

  /**
   * @param pair the DirectorPair's name until a plan says it (standalone without --pair: "")
   * @param director null until there is one
   */
  public MetricsExporter(String pair, String node, Supplier<Director> director, AgentMetrics metrics,
      LongSupplier nanos) {
    this.defaultPair = pair == null ? "" : pair;
    this.node = node;
    this.director = director;
    this.metrics = metrics;
    this.nanos = nanos;
  }

  public MetricsExporter(String pair, String node, Supplier<Director> director) {
    this(pair, node, director, AgentMetrics.get(), System::nanoTime);
  }

  /** The connection IPVS counters are read over (null from the supplier: none yet, e.g. ip_vs missing). */
  public MetricsExporter kernel(Supplier<IpvsKernel> kernel) {
    this.kernel = kernel;
    return this;
  }

  public MetricsExporter addresses(Addresses addresses) {
    this.addresses = addresses;
    return this;
  }

  /** The whole exposition onto out (flushed, not closed). */
  public void write(OutputStream out) throws IOException {
    Director d = director.get();
    DirectorPlan plan = d == null ? null : d.plan();
    String pair = plan != null ? plan.pair() : defaultPair;
    KernelView k = view(plan);
    TextFormat f = new TextFormat(out);
    buildInfo(f);
    ipvs(f, pair, k);
    health(f, pair, d);
    pair(f, pair, d, plan, k);
    syncDaemons(f, pair, plan, k);
    timeouts(f, pair, k);
    reconciler(f, pair, k);
    process(f);
    f.flush();
  }

  // ---- the kernel, once per scrape at most ----

  /** The read kept for scrapes still waiting to share it: null once none waits. */
  synchronized KernelView keptView() {
    return last;
  }

  private KernelView view(DirectorPlan plan) throws IOException {
    long arrived = nanos.getAsLong();
    synchronized (this) {
      while (reading) {
        waiting++;
        try {
          wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("interrupted while another scrape read the kernel");
        } finally {
          waiting--;
        }
      }
      KernelView v = last;
      if (waiting == 0) {
        last = null; // no one else waits for it
      }
      if (v != null && v.plan() == plan && v.readEndNanos() - arrived >= 0) {
        return v; // it was running when this scrape arrived
      }
      reading = true;
    }
    KernelView v = null;
    try {
      v = read(plan);
      return v;
    } finally {
      synchronized (this) {
        reading = false;
        last = waiting > 0 ? v : null;
        notifyAll();
      }
    }
  }

  private KernelView read(DirectorPlan plan) {
    long now = nanos.getAsLong();
    IpvsKernel k = kernel.get();
    IpvsSnapshot ipvs = null;
    List<SyncDaemon> daemons = null;
    IpvsTimeouts timeouts = null;
    if (k != null) {
      ipvs = IpvsSnapshot.read(k, plan);
      try {
        daemons = k.daemons();
      } catch (RuntimeException e) {
        daemons = null;
      }
      try {
        timeouts = k.timeouts();
      } catch (RuntimeException e) {
        timeouts = null;
      }
    }
    Map<String, Set<IpAddress>> held = new HashMap<>();
    Addresses a = addresses;
    if (a != null && plan != null) {
      Set<String> interfaces = new java.util.TreeSet<>(List.of(plan.vipInterface()));
      plan.vipPlans().forEach(v -> interfaces.add(v.interfaceName()));
      plan.gateways().forEach(g -> interfaces.add(g.interfaceName()));
      for (String ifname : interfaces) {
        try {
          held.computeIfAbsent(ifname, i -> new HashSet<>(a.on(i)));
        } catch (RuntimeException e) {
          // interface gone: holds nothing
        }
      }
    }
    long end = nanos.getAsLong();
    return new KernelView(plan, end, end - now, ipvs, daemons, held, timeouts);
  }

  // ---- families ----

  private static final String[] BACKEND_COUNTERS = {
      "halvs_ipvs_backend_connections_total", "The total number of connections made to this real server",
      "halvs_ipvs_backend_incoming_packets_total", "The total number of incoming packets for this real server",
      "halvs_ipvs_backend_outgoing_packets_total", "The total number of outgoing packets from this real server",
      "halvs_ipvs_backend_incoming_bytes_total", "The total amount of incoming data for this real server",
      "halvs_ipvs_backend_outgoing_bytes_total", "The total amount of outgoing data from this real server"};
  private static final String[] SERVICE_COUNTERS = {
      "halvs_ipvs_service_connections_total", "The total number of connections made to this virtual service",
      "halvs_ipvs_service_incoming_packets_total", "The total number of incoming packets for this virtual service",
      "halvs_ipvs_service_outgoing_packets_total", "The total number of outgoing packets from this virtual service",
      "halvs_ipvs_service_incoming_bytes_total", "The total amount of incoming data for this virtual service",
      "halvs_ipvs_service_outgoing_bytes_total", "The total amount of outgoing data from this virtual service"};

  private void buildInfo(TextFormat f) throws IOException {
    f.family("halvs_build_info", "gauge", "Always 1; the labels say which build runs");
    f.sample("halvs_build_info").label("component", "agent").label("version", VERSION)
        .label("java_version", System.getProperty("java.version")).value(1);
  }

  private void ipvs(TextFormat f, String pair, KernelView k) throws IOException {
    IpvsSnapshot s = k.ipvs();
    int services = s == null ? 0 : s.services.size();
    int rows = s == null ? 0 : s.destinations;
    // Each service's labels are encoded once per scrape (1,000 services: little) and written 13 times. The
    // destinations' are encoded once per scrape too, all into one array (about 70 bytes each: 7 MB at 100,000),
    // straight from the plan's strings and the addresses' bytes, and copied into their 8 samples: an array and
    // strings per destination made 105 MB of garbage per scrape, and keeping the encoded labels between scrapes
    // would hold those megabytes of a small heap for as long as the plan lives.
    byte[][] serviceLabels = new byte[services][];
    for (int i = 0; i < services; i++) {
      IpvsService svc = s.services.get(i);
      ObjectRef owner = svc.owner();
      ServiceKey key = svc.key();
      boolean mark = key.isFirewallMark();
      serviceLabels[i] = TextFormat.encode("directorpair", pair, "namespace",
          owner == null ? "" : owner.namespace(), "virtualservice", owner == null ? "" : owner.name(),
          "local_address", mark ? "" : key.address().toString(), "local_port", mark ? "" : String.valueOf(key.port()),
          "proto", mark ? "fwm" : key.protocol().name().toLowerCase(), "local_mark",
          mark ? String.valueOf(key.firewallMark()) : "");
    }
    // sized as the last scrape's (grown, the array would be copied): a hint, racing scrapes may both set it
    TextFormat destLabels = new TextFormat(rows == lastDestRows ? lastDestBytes : rows * 80);
    int[] destEnd = new int[rows];
    for (int r = 0; r < rows; r++) {
      Destination d = s.destPlanned[r];
      destLabels.label("realserver", d == null || d.realServer() == null ? "" : d.realServer().name())
          .addressLabel("remote_address", s.destAddress[r]).label("remote_port", s.destPort[r]).endLabels();
      destEnd[r] = destLabels.position(); // each starts with a '{' of its own: copied from the next byte
    }
    lastDestRows = rows;
    lastDestBytes = rows == 0 ? 0 : destEnd[rows - 1] + 64;
    byte[] dl = destLabels.buffer();
    f.family("halvs_ipvs_backend_connections_active", "gauge",
        "The current active connections by real server (IPVS ActiveConn)");
    backend(f, s, serviceLabels, dl, destEnd, IpvsSnapshot.ACTIVE, "halvs_ipvs_backend_connections_active");
    f.family("halvs_ipvs_backend_connections_inactive", "gauge",
        "The current inactive connections by real server (IPVS InActConn)");
    backend(f, s, serviceLabels, dl, destEnd, IpvsSnapshot.INACTIVE, "halvs_ipvs_backend_connections_inactive");
    f.family("halvs_ipvs_backend_weight", "gauge",
        "The current weight of the real server in the kernel (0 while drained or held quiescent)");
    backend(f, s, serviceLabels, dl, destEnd, IpvsSnapshot.WEIGHT, "halvs_ipvs_backend_weight");
    for (int c = 0; c < 5; c++) {
      f.family(BACKEND_COUNTERS[2 * c], "counter", BACKEND_COUNTERS[2 * c + 1]);
      backend(f, s, serviceLabels, dl, destEnd, c, BACKEND_COUNTERS[2 * c]);
    }
    for (int c = 0; c < 5; c++) {
      String name = SERVICE_COUNTERS[2 * c];
      f.family(name, "counter", SERVICE_COUNTERS[2 * c + 1]);
      byte[] encoded = name.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      for (int i = 0; i < services; i++) {
        f.sample(encoded).labels(serviceLabels[i]).value(s.serviceValues[i * IpvsSnapshot.SERVICE_COLUMNS + c]);
      }
    }
    f.family("halvs_ipvs_connection_entries", "gauge", "Entries in this director's IPVS connection table "
        + "(active + inactive, every service); the standby's beside the active's is the connection sync's lag");
    if (s != null && s.error == null) {
      f.sample("halvs_ipvs_connection_entries").label("directorpair", pair).value(s.connectionEntries);
    }
    f.family("halvs_ipvs_read_error", "gauge", "1 when this scrape could not read the IPVS table");
    if (s != null) {
      f.sample("halvs_ipvs_read_error").label("directorpair", pair).label("node", node).value(s.error == null ? 0 : 1);
    }
    f.family("halvs_ipvs_read_duration_seconds", "gauge", "How long the last kernel read for a scrape took "
        + "(IPVS services and destinations, sync daemons, VIP addresses)");
    f.sample("halvs_ipvs_read_duration_seconds").label("directorpair", pair).label("node", node)
        .value(k.readNanos() / 1e9);
  }

  private static void backend(TextFormat f, IpvsSnapshot s, byte[][] service, byte[] dest, int[] destEnd,
      int column, String name) throws IOException {
    if (s == null) {
      return;
    }
    byte[] encoded = name.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    long[] v = s.destValues;
    for (int r = 0; r < s.destinations; r++) {
      f.sample(encoded).labels(service[s.destService[r]]).labels(dest, r == 0 ? 1 : destEnd[r - 1] + 1, destEnd[r])
          .value(v[r * IpvsSnapshot.DEST_COLUMNS + column]);
    }
  }

  /** One checked real server's identifying labels (null: a duplicate of one written already). */
  private record Checked(TargetMetrics t, String ns, String vs, String rs, String address, int port) {}

  private void health(TextFormat f, String pair, Director d) throws IOException {
    List<Checked> checked = new ArrayList<>();
    if (d != null && d.healthChecks() instanceof HealthMonitor monitor) {
      Set<String> seen = new HashSet<>();
      for (TargetMetrics t : monitor.metrics()) {
        IpvsService svc = t.service();
        Destination dest = t.destination();
        if (svc == null || dest == null) {
          continue;
        }
        ObjectRef owner = svc.owner();
        String ns = owner == null || owner.namespace() == null ? "" : owner.namespace();
        String vs = owner == null ? "" : owner.name();
        String rs = dest.realServer() == null ? "" : dest.realServer().name();
        String address = dest.address().toString();
        // a VirtualService with TCP and UDP on one port checks each real server twice: one series (the first)
        if (seen.add(ns + '/' + vs + '/' + rs + '/' + address + '/' + dest.port())) {
          checked.add(new Checked(t, ns, vs, rs, address, dest.port()));
        }
      }
    }
    f.family("halvs_realserver_up", "gauge", "1 while the health check keeps the real server in rotation, 0 while "
        + "it holds it quiescent (weight 0) or removed");
    for (Checked c : checked) {
      labels(f.sample("halvs_realserver_up"), pair, c).value(c.t().up() ? 1 : 0);
    }
    f.family("halvs_health_check_duration_seconds", "gauge", "How long the last health check took");
    for (Checked c : checked) {
      long n = c.t().lastCheckNanos();
      if (n >= 0) {
        labels(f.sample("halvs_health_check_duration_seconds"), pair, c).value(n / 1e9);
      }
    }
    f.family("halvs_health_check_failures_total", "counter", "Failed health checks by reason (timeout, refused, "
        + "reset, unreachable, bad_status, bad_body, bad_response, tls, dns, other); a reason appears at its first");
    for (Checked c : checked) {
      for (FailureReason r : FailureReason.values()) {
        long n = c.t().failures(r);
        if (n > 0) {
          labels(f.sample("halvs_health_check_failures_total"), pair, c).label("reason", r.label).value(n);
        }
      }
    }
    f.family("halvs_realserver_last_transition_timestamp_seconds", "gauge",
        "When the real server last went up or down (or was first checked), unix time");
    for (Checked c : checked) {
      labels(f.sample("halvs_realserver_last_transition_timestamp_seconds"), pair, c).value(c.t().sinceMillis() / 1e3);
    }
  }

  private static TextFormat labels(TextFormat f, String pair, Checked c) throws IOException {
    return f.label("directorpair", pair).label("namespace", c.ns()).label("virtualservice", c.vs())
        .label("realserver", c.rs()).label("remote_address", c.address()).label("remote_port", c.port());
  }

  private void pair(TextFormat f, String pair, Director d, DirectorPlan plan, KernelView k) throws IOException {
    Election e = d == null ? null : d.election();
    Election.State state = e == null ? null : e.state();
    f.family("halvs_director_active", "gauge", "1 while this director is the pair's active one, 0 otherwise");
    pairSample(f, "halvs_director_active", pair).value(state != null && state.role() == Election.Role.ACTIVE ? 1 : 0);
    f.family("halvs_director_peer_alive", "gauge", "1 while the peer's heartbeats arrive in time");
    pairSample(f, "halvs_director_peer_alive", pair).value(e != null && e.peerAlive() ? 1 : 0);
    f.family("halvs_vip_held", "gauge", "1 per VIP (and NAT gateway) address this node's kernel holds now, 0 per "
        + "planned one it does not");
    if (plan != null && addresses != null) {
      for (DirectorPlan.VipPlan vip : plan.vipPlans()) {
        boolean held = k.held().getOrDefault(vip.interfaceName(), Set.of()).contains(vip.address());
        pairSample(f, "halvs_vip_held", pair).label("address", vip.address().toString()).value(held ? 1 : 0);
      }
      for (DirectorPlan.GatewayPlan g : plan.gateways()) {
        boolean held = k.held().getOrDefault(g.interfaceName(), Set.of()).contains(g.address());
        pairSample(f, "halvs_vip_held", pair).label("address", g.address().toString()).value(held ? 1 : 0);
      }
    }
    f.family("halvs_director_transitions_total", "counter", "Role changes of this director by reason (a reason "
        + "appears at its first)");
    for (Map.Entry<String, java.util.concurrent.atomic.LongAdder> t : new TreeMap<>(metrics.transitions).entrySet()) {
      pairSample(f, "halvs_director_transitions_total", pair).label("reason", t.getKey()).value(t.getValue().sum());
    }
    counter(f, "halvs_heartbeats_sent_total", "Heartbeats sent to the peer", pair, metrics.heartbeatsSent.sum());
    counter(f, "halvs_heartbeats_received_total", "Authenticated heartbeats received from the peer", pair,
        metrics.heartbeatsReceived.sum());
    counter(f, "halvs_heartbeats_missed_total", "Heartbeat intervals that passed without one from the peer (once "
        + "a peer was heard)", pair, metrics.heartbeatsMissed.sum());
    f.family("halvs_heartbeats_rejected_total", "counter", "Heartbeats dropped by reason: bad_hmac, replay, "
        + "malformed, foreign_pair");
    for (AgentMetrics.Rejection r : AgentMetrics.Rejection.values()) {
      pairSample(f, "halvs_heartbeats_rejected_total", pair).label("reason", r.label)
          .value(metrics.heartbeatsRejected[r.ordinal()].sum());
    }
    f.family("halvs_lease_renewals_total", "counter", "Calls to the pair's Lease by result: ok (the API answered), "
        + "error (unreachable)");
    pairSample(f, "halvs_lease_renewals_total", pair).label("result", "ok").value(metrics.leaseRenewalsOk.sum());
    pairSample(f, "halvs_lease_renewals_total", pair).label("result", "error")
        .value(metrics.leaseRenewalsError.sum());
    f.family("halvs_lease_renewal_duration_seconds", "gauge", "How long the last Lease call took");
    long lease = metrics.lastLeaseRenewalNanos;
    if (lease >= 0) {
      pairSample(f, "halvs_lease_renewal_duration_seconds", pair).value(lease / 1e9);
    }
    f.family("halvs_director_last_takeover_timestamp_seconds", "gauge", "When this director last became active, "
        + "unix time (absent until it has)");
    long takeover = metrics.lastTakeoverMillis;
    if (takeover > 0) {
      pairSample(f, "halvs_director_last_takeover_timestamp_seconds", pair).value(takeover / 1e3);
    }
    counter(f, "halvs_gratuitous_arps_sent_total", "Gratuitous ARPs (IPv4) and unsolicited neighbour "
        + "advertisements (IPv6) sent for the VIPs", pair, metrics.gratuitousArps.sum());
    counter(f, "halvs_gate_route_cures_total", "Times a gate VIP this director holds was found in its neighbour "
        + "table (DR packets sent on a route without a next hop) and its gate destinations were edited again",
        pair, metrics.gateRouteCures.sum());
    f.family("halvs_api_requests_total", "counter", "Requests to the API server by verb, resource and HTTP code "
        + "(error: no answer); a watch counts once per connection");
    for (var r : metrics.apiRequests.snapshot().entrySet()) {
      pairSample(f, "halvs_api_requests_total", pair).label("verb", r.getKey().verb())
          .label("resource", r.getKey().resource()).label("code", r.getKey().code()).value(r.getValue());
    }
  }

  private void syncDaemons(TextFormat f, String pair, DirectorPlan plan, KernelView k) throws IOException {
    f.family("halvs_sync_daemon_up", "gauge", "1 while the kernel runs the planned connection-sync daemon "
        + "(master and backup on both directors), 0 while it does not");
    DirectorPlan.SyncDaemonPlan sd = plan == null ? null : plan.syncDaemon();
    if (sd == null || k.daemons() == null) {
      return;
    }
    for (int state : new int[] {SyncDaemon.MASTER, SyncDaemon.BACKUP}) {
      boolean up = k.daemons().stream().anyMatch(d -> d.state() == state && d.syncId() == sd.syncId());
      pairSample(f, "halvs_sync_daemon_up", pair).label("state", state == SyncDaemon.MASTER ? "master" : "backup")
          .label("interface", sd.interfaceName()).label("syncid", sd.syncId()).value(up ? 1 : 0);
    }
  }

  /** Read from the kernel whether or not the plan sets them: what idle connections get is worth seeing either way. */
  private void timeouts(TextFormat f, String pair, KernelView k) throws IOException {
    f.family("halvs_ipvs_timeout_seconds", "gauge", "The kernel's IPVS connection timeouts (ipvsadm --set): "
        + "protocol tcp (established), tcpfin, udp");
    IpvsTimeouts t = k.timeouts();
    if (t == null) {
      return;
    }
    pairSample(f, "halvs_ipvs_timeout_seconds", pair).label("protocol", "tcp").value(t.tcp());
    pairSample(f, "halvs_ipvs_timeout_seconds", pair).label("protocol", "tcpfin").value(t.tcpFin());
    pairSample(f, "halvs_ipvs_timeout_seconds", pair).label("protocol", "udp").value(t.udp());
  }

  private void reconciler(TextFormat f, String pair, KernelView k) throws IOException {
    f.family("halvs_reconcile_duration_seconds", "histogram", "Director passes (full and health fast paths) by "
        + "duration");
    long cumulative = 0;
    for (int i = 0; i < AgentMetrics.PASS_BUCKETS.length; i++) {
      cumulative += metrics.passBuckets[i].sum();
      pairSample(f, "halvs_reconcile_duration_seconds_bucket", pair)
          .label("le", bound(AgentMetrics.PASS_BUCKETS[i])).value(cumulative);
    }
    long count = metrics.passesOk.sum() + metrics.passesError.sum();
    pairSample(f, "halvs_reconcile_duration_seconds_bucket", pair).label("le", "+Inf").value(Math.max(count,
        cumulative));
    pairSample(f, "halvs_reconcile_duration_seconds_sum", pair).value(metrics.passNanosSum.sum() / 1e9);
    pairSample(f, "halvs_reconcile_duration_seconds_count", pair).value(Math.max(count, cumulative));
    f.family("halvs_reconcile_passes_total", "counter", "Director passes by result: ok (converged), error (a "
        + "failure; retried)");
    pairSample(f, "halvs_reconcile_passes_total", pair).label("result", "ok").value(metrics.passesOk.sum());
    pairSample(f, "halvs_reconcile_passes_total", pair).label("result", "error").value(metrics.passesError.sum());
    f.family("halvs_netlink_operations_total", "counter", "Changes made over netlink by kind (IPVS services and "
        + "destinations, addresses, sync daemons), failed ones included");
    for (AgentMetrics.NetlinkOp op : AgentMetrics.NetlinkOp.values()) {
      pairSample(f, "halvs_netlink_operations_total", pair).label("kind", op.label)
          .value(metrics.netlinkOperations[op.ordinal()].sum());
    }
    f.family("halvs_netlink_errors_total", "counter", "Changes the kernel refused, by kind");
    for (AgentMetrics.NetlinkOp op : AgentMetrics.NetlinkOp.values()) {
      pairSample(f, "halvs_netlink_errors_total", pair).label("kind", op.label)
          .value(metrics.netlinkErrors[op.ordinal()].sum());
    }
    String hash = metrics.appliedPlanHash;
    f.family("halvs_plan_applied_info", "gauge", "1, labelled with the hash of the plan the last converged full "
        + "pass applied (\"\" for a standalone plan, which has none)");
    if (hash != null) {
      pairSample(f, "halvs_plan_applied_info", pair).label("hash", hash).value(1);
    }
    f.family("halvs_plan_applied_timestamp_seconds", "gauge", "When the applied plan was first applied, unix time");
    if (hash != null) {
      pairSample(f, "halvs_plan_applied_timestamp_seconds", pair).value(metrics.planAppliedMillis / 1e3);
    }
    f.family("halvs_last_successful_apply_timestamp_seconds", "gauge", "When a full pass last converged, unix time");
    if (hash != null) {
      pairSample(f, "halvs_last_successful_apply_timestamp_seconds", pair)
          .value(metrics.lastSuccessfulApplyMillis / 1e3);
    }
    f.family("halvs_kernel_module_missing", "gauge", "1 while the ip_vs kernel module is not available");
    pairSample(f, "halvs_kernel_module_missing", pair).value(metrics.kernelModuleMissing ? 1 : 0);
  }

  private static String bound(double b) {
    return b == Math.rint(b) ? String.valueOf((long) b) + ".0" : String.valueOf(b);
  }

  private void counter(TextFormat f, String name, String help, String pair, long value) throws IOException {
    f.family(name, "counter", help);
    pairSample(f, name, pair).value(value);
  }

  private TextFormat pairSample(TextFormat f, String name, String pair) throws IOException {
    return f.sample(name).label("directorpair", pair).label("node", node);
  }

  private void process(TextFormat f) throws IOException {
    f.family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds");
    f.sample("process_start_time_seconds").value(startMillis / 1e3);
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      f.family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds");
      f.sample("process_cpu_seconds_total").value(os.getProcessCpuTime() / 1e9);
    }
    long rss = residentBytes();
    if (rss >= 0) {
      f.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes");
      f.sample("process_resident_memory_bytes").value(rss);
    }
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    f.family("jvm_memory_used_bytes", "gauge", "Used bytes of a given JVM memory area");
    f.sample("jvm_memory_used_bytes").label("area", "heap").value(memory.getHeapMemoryUsage().getUsed());
    f.sample("jvm_memory_used_bytes").label("area", "nonheap").value(memory.getNonHeapMemoryUsage().getUsed());
    f.family("jvm_threads_current", "gauge", "Current thread count of the JVM");
    f.sample("jvm_threads_current").value(ManagementFactory.getThreadMXBean().getThreadCount());
  }

  private static long residentBytes() {
    try {
      String[] statm = Files.readString(Path.of("/proc/self/statm")).trim().split(" ");
      return Long.parseLong(statm[1]) * 4096;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** The agent jar's version (Maven's pom.properties in the jar), "dev" from a build's classes. */
  static final String VERSION = version();

  private static String version() {
    try (InputStream in = MetricsExporter.class.getResourceAsStream(
        "/META-INF/maven/io.halvs/halvs-director-agent/pom.properties")) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        return p.getProperty("version", "dev");
      }
    } catch (IOException e) {
      // fall through
    }
    return "dev";
  }
}
