package io.halvs.agent.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.halvs.agent.DaemonSetEnv;
import io.halvs.agent.Logs;
import io.halvs.agent.cluster.AgentClient;
import io.halvs.agent.cluster.PairElection;
import io.halvs.agent.cluster.PairPeers;
import io.halvs.agent.cluster.PlanSource;
import io.halvs.agent.cluster.ReportWriter;
import io.halvs.agent.ha.HeartbeatElection;
import io.halvs.agent.ha.LeaseQuorum;
import io.halvs.agent.ha.SyncProgress;
import io.halvs.agent.health.HealthMonitor;
import io.halvs.agent.http.AgentHttpServer;
import io.halvs.agent.http.Health;
import io.halvs.agent.metrics.AgentMetrics;
import io.halvs.agent.metrics.MetricsExporter;
import io.halvs.agent.kernel.FakeIpvsKernel;
import io.halvs.agent.kernel.IpvsKernel;
import io.halvs.agent.kernel.KernelModuleMissing;
import io.halvs.agent.kernel.OwnershipJournal;
import io.halvs.agent.netlink.AddressTable;
import io.halvs.agent.netlink.NetlinkIpvsKernel;
import io.halvs.agent.runtime.AllUpHealthChecks;
import io.halvs.agent.runtime.Director;
import io.halvs.agent.runtime.HealthChecks;
import io.halvs.agent.runtime.KernelWatch;
import io.halvs.agent.netfilter.MarkTable;
import io.halvs.agent.netfilter.NftMarkTable;
import io.halvs.agent.sysctl.Sysctls;
import io.halvs.agent.vip.VipManager;
import io.halvs.logging.ThreadSchedule;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * halvs-agent in-cluster: what the DaemonSet runs. The plan comes from the pair's ConfigMaps, the report goes to
 * this node's report ConfigMap; the director loop runs on without the API server when it is away. Health checks
 * are HealthMonitor's; the pair election is HeartbeatElection between the two Nodes' InternalIPs with the pair's
 * Lease as tie-breaker ({@link PairElection}: none, and the VIPs untouched, until both Nodes and the key are read).
 */
@Command(name = "in-cluster", description = "Program this director from the plan the operator publishes "
    + "(env NODE_NAME, POD_NAMESPACE, HALVS_DIRECTOR_PAIR; client configuration as kubectl's: in-cluster "
    + "service account, or KUBECONFIG).")
final class InCluster implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(InCluster.class);

  @Option(names = "--fake-ipvs", description = "Program an in-memory IPVS table instead of the kernel's (for "
      + "network-namespace tests on kernels without IPVS); VIPs and sysctls stay real.")
  boolean fakeIpvs;

  @Option(names = "--in-memory-host", description = "Touch nothing on the host, no root needed (the demo): the "
      + "in-memory IPVS table of --fake-ipvs, VIPs in an in-memory address table, no neighbour announcements, no "
      + "sysctls. Heartbeats and health checks stay real.")
  boolean inMemoryHost;

  @Option(names = "--table-file", description = "With --in-memory-host: keep this file rewritten with the "
      + "director's VIPs and IPVS table (ipvsadm -Ln) as they change; how the demo shows the in-memory host.")
  Path tableFile;

  @Option(names = "--exit-with", paramLabel = "PID", description = "Stop when process PID ends (the demo's agents "
      + "end with the demo, even when it is killed).")
  Long exitWith;

  @Option(names = "--no-health-checks", description = "Keep every real server in rotation: run no health checks "
      + "(tests whose real servers do not exist).")
  boolean noHealthChecks;

  @Option(names = "--election-retry-seconds", defaultValue = "3", description = "While the peer's Node, an "
      + "InternalIP or the HMAC Secret is missing there is no election (the VIPs stay as they are); look again "
      + "this often.")
  long electionRetrySeconds;

  @Option(names = "--module-retry-seconds", defaultValue = "10", description = "Without the ip_vs kernel module, "
      + "report it and look again this often.")
  long moduleRetrySeconds;

  @Option(names = "--state-dir", defaultValue = "/var/lib/halvs", description = "Where the ownership journal lives.")
  Path stateDir;

  @Option(names = "--resync-seconds", defaultValue = "30", description = "Full level-triggered pass at least this often.")
  long resyncSeconds;

  @Option(names = "--watch-interval-ms", defaultValue = "1000", description = "Dump the kernel's IPVS services "
      + "(not their destinations) this often and restore at once any the plan wants that someone deleted or changed "
      + "(kube-proxy in IPVS mode without ipvs.excludeCIDRs, or flushing the table); 0: only the resync restores them.")
  long watchIntervalMillis;

  @Option(names = "--report-interval-ms", defaultValue = "500", description = "At most one report write per interval.")
  long reportIntervalMillis;

  @Option(names = "--heartbeat-seconds", defaultValue = "60", description = "Rewrite the report at least this often.")
  long heartbeatSeconds;

  @Mixin
  HealthOptions healthOptions = new HealthOptions();

  /**
   * The pair election, started on the first plan: heartbeats between the two Nodes' InternalIPs, the key from the
   * pair's Secret, the pair's Lease as tie-breaker.
   */
  private PairElection election(KubernetesClient client, String namespace, String node, AddressTable addresses,
      IpvsKernel kernel) {
    SyncProgress sync = new SyncProgress(kernel);
    PairElection.Factory factory = (plan, r) -> {
      HeartbeatElection e = new HeartbeatElection(plan, new HeartbeatElection.Options(node, r.peer(), r.hmacKey(),
          new LeaseQuorum(client, namespace, plan.pair(),
          io.halvs.agent.ha.ElectionMachine.leaseSeconds(plan.highAvailability())), sync::connections,
          sync::backupRunning), addresses, r.self());
      String pair = plan.pair(); // not the plan: the listener lives as long as the election, past every edit
      e.onChange(st -> Logs.pair(LOG.atInfo(), pair).log("role {} ({}), transitions {}", st.role(), st.reason(),
          st.transitions()));
      return e;
    };
    return new PairElection(node, new PairPeers(client, namespace), factory, new VipManager(addresses),
        electionRetrySeconds * 1000);
  }

  /**
   * The kernel's IPVS, once there is one. Without the ip_vs module the agent neither programs nor joins the
   * election (a director holding the VIP without a table would drop the traffic): it says so in its log and its
   * report, which the operator turns into a condition on the DirectorPair, and looks again every
   * --module-retry-seconds, so a module loaded on the node later is picked up without a restart.
   */
  IpvsKernel awaitIpvs(KubernetesClient client, String namespace, String pair, String node)
      throws InterruptedException {
    boolean missing = false;
    boolean reported = false;
    long reportedAt = 0;
    while (true) {
      try {
        IpvsKernel k = new NetlinkIpvsKernel();
        AgentMetrics.get().kernelModuleMissing(false);
        if (missing) {
          Logs.pair(LOG.atInfo(), pair).log("node {}: kernel module ip_vs is loaded now", node);
        }
        return k;
      } catch (KernelModuleMissing e) {
        AgentMetrics.get().kernelModuleMissing(true);
        if (!missing) {
          Logs.pair(LOG.atError(), pair).log("node {}: {}", node, e.problem());
          missing = true;
        }
        if (!reported || System.nanoTime() - reportedAt > heartbeatSeconds * 1_000_000_000L) {
          reported = ReportWriter.writeProblem(client, namespace, pair, node, e.problem());
          reportedAt = System.nanoTime();
        }
        Thread.sleep(moduleRetrySeconds * 1000);
      }
    }
  }

  @Override
  public Integer call() throws InterruptedException {
    boolean fakeIpvs = this.fakeIpvs || inMemoryHost;
    if (tableFile != null && !inMemoryHost) {
      throw new IllegalArgumentException("--table-file needs --in-memory-host (the kernel's table: halvs-agent ipvs)");
    }
    String node = DaemonSetEnv.required("NODE_NAME");
    String namespace = DaemonSetEnv.required("POD_NAMESPACE");
    String pair = DaemonSetEnv.required("HALVS_DIRECTOR_PAIR");
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch closed = new CountDownLatch(1);
    // The probes answer from the start: while ip_vs is missing (awaitIpvs) the agent is alive but not ready, and a
    // liveness probe that found no port would restart it in a loop.
    AtomicReference<Director> current = new AtomicReference<>();
    Health probes = new Health(current::get);
    AtomicReference<IpvsKernel> metricsKernel = new AtomicReference<>();
    AddressTable metricsAddresses = new AddressTable();
    MetricsExporter metrics = new MetricsExporter(pair, node, current::get).kernel(metricsKernel::get)
        .addresses(AgentSetup.addresses(metricsAddresses));
    AgentHttpServer http = healthOptions.start(probes, metrics);
    try (KubernetesClient client = AgentClient.build();
        IpvsKernel kernel = inMemoryHost ? new FakeIpvsKernel() // asked for as a whole: no warning
            : fakeIpvs ? AgentSetup.kernel(true) : awaitIpvs(client, namespace, pair, node);
        AddressTable addresses = inMemoryHost ? AddressTable.inMemory() : new AddressTable();
        HealthChecks health = noHealthChecks ? new AllUpHealthChecks() : new HealthMonitor();
        PairElection election = election(client, namespace, node, addresses, kernel);
        MarkTable marking = inMemoryHost ? MarkTable.inMemory() : new NftMarkTable();
        Director director = new Director(kernel,
            new OwnershipJournal(stateDir.resolve(pair).resolve("owned-services")), health, election,
            inMemoryHost ? null : Sysctls.fromEnvironment(), Duration.ofSeconds(resyncSeconds));
        IpvsKernel watchKernel = AgentSetup.watchKernel(fakeIpvs, kernel, watchIntervalMillis);
        KernelWatch watch = AgentSetup.watch(watchKernel, fakeIpvs, director, pair, watchIntervalMillis,
            director::fullPassNow);
        ReportWriter reports = new ReportWriter(client, namespace, pair, node, director,
            Duration.ofMillis(reportIntervalMillis), Duration.ofSeconds(heartbeatSeconds));
        PlanSource plans = new PlanSource(client, namespace, pair, t -> {
          election.seen(t.plan());
          director.offer(t);
        });
        TableFile table = tableFile == null ? null : new TableFile(tableFile, kernel, addresses)) {
      if (fakeIpvs) {
        director.ignoreSysctls(AgentSetup.IPVS_SYSCTLS);
      }
      director.marking(marking);
      metricsKernel.set(AgentSetup.metricsKernel(fakeIpvs, kernel));
      director.onPass(p -> {
        p.changes().forEach(c -> Logs.pair(LOG.atInfo(), pair).log(c));
        if (p.operations() > 0 || !p.converged() || !p.changes().isEmpty()) {
          Logs.pair(LOG.atInfo(), pair).log("{} pass: {} operations, {} failures, {} ms{}{}",
              p.full() ? "full" : "health", p.operations(), p.failures().size(), p.nanos() / 1_000_000,
              p.target().deleting() && p.converged() ? ", cleaned" : "", ThreadSchedule.describe(p.spent()));
        }
      });
      Logs.pair(LOG.atInfo(), pair).log("halvs agent on node {} for DirectorPair {} (namespace {}){}", node, pair,
          namespace,
          fakeIpvs ? ", in-memory IPVS" : "");
      director.start("halvs-director-" + pair);
      current.set(director);
      reports.planDamage(plans::damage);
      plans.onDamage(reports::request);
      plans.onReachableAgain(reports::retryNow);
      reports.start();
      plans.start();
      if (watch != null) {
        watch.start();
      }
      if (table != null) {
        table.start();
      }
      // SIGTERM: hand over first, then let this thread close everything in order before the JVM halts. close()
      // gives nothing up: after kill -9 the restart keeps IPVS and the VIPs as they are; only Deleting cleans.
      Runtime.getRuntime().addShutdownHook(AgentSetup.shutdownHook(probes, () -> election, () -> {
        stop.countDown();
        try {
          closed.await(AgentSetup.CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }));
      if (exitWith != null) {
        ProcessHandle.of(exitWith).ifPresentOrElse(p -> p.onExit().thenRun(stop::countDown), stop::countDown);
      }
      stop.await();
      return 0;
    } finally {
      if (http != null) {
        http.close();
      }
      IpvsKernel k = metricsKernel.get();
      if (k != null && !fakeIpvs) {
        k.close();
      }
      metricsAddresses.close();
      closed.countDown();
    }
  }
}
