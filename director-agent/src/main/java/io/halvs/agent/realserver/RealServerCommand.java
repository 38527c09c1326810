package io.halvs.agent.realserver;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.halvs.agent.DaemonSetEnv;
import io.halvs.agent.cluster.AgentClient;
import io.halvs.agent.netlink.AddressTable;
import io.halvs.agent.netlink.LinkTable;
import io.halvs.agent.sysctl.Sysctls;
import io.halvs.plan.Finding;
import io.halvs.plan.PlanBuilder;
import io.halvs.plan.PlanResult;
import io.halvs.plan.RealServerNodePlan;
import io.halvs.plan.load.ManifestLoader;
import io.halvs.plan.publish.RealServerPublish;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * halvs-agent real-server: configures this node as the DR/TUN real server its RealServers (spec.nodeName) make
 * it. In the cluster (the real-server DaemonSet) the node's part of the plan comes from its ConfigMap and the
 * result goes to its report ConfigMap; with --plan it comes from CR YAML files (a host outside Kubernetes, the VM
 * tier). Stopping the agent leaves the node configured (a restart adopts it through the journal); only an empty
 * plan, or --remove, undoes what halvs did.
 */
@Command(name = "real-server", mixinStandardHelpOptions = true, description = "Configure this node as a DR/TUN "
    + "real server: VIPs on lo, arp_ignore/arp_announce, tunnel device, rp_filter, gue port. In the cluster: env "
    + "NODE_NAME and POD_NAMESPACE. Outside: --plan YAML --node NAME.")
public final class RealServerCommand implements Callable<Integer> {
  @Option(names = "--plan", arity = "1..*", description = "CR YAML files or folders to take this node's part from "
      + "instead of the operator's ConfigMap.")
  List<Path> plan;

  @Option(names = "--node", description = "This node's name as RealServers' spec.nodeName gives it (default: env "
      + "NODE_NAME, else the host name).")
  String node;

  @Option(names = "--once", description = "Apply once; exit 0 when the node is configured, 1 otherwise.")
  boolean once;

  @Option(names = "--remove", description = "Undo everything halvs did on this node (its journal says what), exit.")
  boolean remove;

  @Option(names = "--state-dir", defaultValue = "/var/lib/halvs", description = "Where the journal of what the "
      + "agent changed lives (file real-server/owned).")
  Path stateDir;

  @Option(names = "--resync-seconds", defaultValue = "30", description = "Full level-triggered pass at least this "
      + "often (someone removed a VIP, reset a sysctl, set tunl0 down).")
  long resyncSeconds;

  @Override
  public Integer call() throws Exception {
    RealServerJournal journal = new RealServerJournal(stateDir.resolve("real-server").resolve("owned"));
    try (AddressTable addresses = new AddressTable(); LinkTable links = new LinkTable()) {
      RealServerHost host = new RealServerHost(addresses, links, Sysctls.fromEnvironment(), journal);
      if (remove) {
        return print(host.reconcile(null)) ? 0 : 1;
      }
      String self = self();
      if (plan != null) {
        return standalone(host, self);
      }
      return inCluster(host, self);
    }
  }

  /** --node, else NODE_NAME, else the host name (needed only to pick this node's part of a plan). */
  private String self() {
    if (node != null) {
      return node;
    }
    String env = System.getenv("NODE_NAME");
    if (env != null && !env.isBlank()) {
      return env;
    }
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException("cannot tell this node's name (" + e.getMessage() + "): give --node");
    }
  }

  private static boolean print(RealServerHost.Pass p) {
    p.changes().forEach(System.out::println);
    p.problems().forEach(x -> System.err.println("failed: " + x));
    System.out.flush();
    return p.ok();
  }

  /** This node's part of the plan the YAML describes; an empty plan when no RealServer names it. */
  RealServerNodePlan load(String self) {
    ManifestLoader.Result loaded = new ManifestLoader().load(plan);
    PlanResult result = PlanBuilder.build(loaded.input());
    loaded.problems().forEach(p -> System.err.println("invalid: " + p));
    result.findings().stream().filter(f -> f.severity() == Finding.Severity.WARNING)
        .forEach(f -> System.err.println("warning: " + f));
    if (!loaded.problems().isEmpty() || result.hasErrors()) {
      result.findings().stream().filter(f -> f.severity() == Finding.Severity.ERROR)
          .forEach(f -> System.err.println("invalid: " + f));
      return null;
    }
    return result.realServerNodes().getOrDefault(self, RealServerPublish.empty(self));
  }

  private int standalone(RealServerHost host, String self) throws InterruptedException {
    while (true) {
      RealServerNodePlan p = load(self);
      boolean ok = p != null && print(host.reconcile(p));
      if (once) {
        return ok ? 0 : 1;
      }
      Thread.sleep(resyncSeconds * 1000);
    }
  }

  /** Follows the node's plan ConfigMap until the process is stopped (RealServerFollower). */
  private int inCluster(RealServerHost host, String self) throws InterruptedException {
    String namespace = DaemonSetEnv.required("POD_NAMESPACE");
    try (KubernetesClient client = AgentClient.build();
        RealServerFollower follower = new RealServerFollower(client, namespace, self, host::reconcile,
            resyncSeconds * 1000)) {
      follower.start();
      new java.util.concurrent.CountDownLatch(1).await(); // until SIGTERM: the node stays configured
      return 0;
    }
  }
}
