package io.halvs.agent.realserver;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.halvs.agent.netlink.AddressTable;
import io.halvs.agent.netlink.LinkTable;
import io.halvs.agent.sysctl.Sysctls;
import io.halvs.plan.Finding;
import io.halvs.plan.PlanBuilder;
import io.halvs.plan.PlanResult;
import io.halvs.plan.RealServerNodePlan;
import io.halvs.plan.load.ManifestLoader;
import io.halvs.plan.publish.Names;
import io.halvs.plan.publish.RealServerPublish;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
  private static final Logger LOG = LoggerFactory.getLogger(RealServerCommand.class);

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

  private static String env(String name) {
    String v = System.getenv(name);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException("environment variable " + name + " is not set (the DaemonSet sets it)");
    }
    return v;
  }

  /**
   * Follows the node's plan ConfigMap; a pass after each change and every --resync-seconds; the report after each
   * pass that changed something, found a problem, or on the first pass of a plan.
   */
  private int inCluster(RealServerHost host, String self) throws InterruptedException {
    String namespace = env("POD_NAMESPACE");
    LinkedBlockingQueue<Boolean> wake = new LinkedBlockingQueue<>();
    try (KubernetesClient client = new KubernetesClientBuilder().build()) {
      SharedIndexInformer<ConfigMap> informer = client.configMaps().inNamespace(namespace)
          .withName(Names.realServerPlan(self)).runnableInformer(0);
      informer.exceptionHandler((started, t) -> true); // keep retrying: the node stays as it is meanwhile
      informer.addEventHandler(new ResourceEventHandler<>() {
        @Override
        public void onAdd(ConfigMap cm) {
          wake.offer(true);
        }

        @Override
        public void onUpdate(ConfigMap a, ConfigMap b) {
          wake.offer(true);
        }

        @Override
        public void onDelete(ConfigMap cm, boolean unknown) {
          wake.offer(true);
        }
      });
      informer.start();
      LOG.info("halvs real-server agent on node {} (namespace {})", self, namespace);
      String reported = null;
      while (true) {
        ConfigMap cm = informer.getStore().getByKey(namespace + "/" + Names.realServerPlan(self));
        String json = cm == null || cm.getData() == null ? null : cm.getData().get(Names.REAL_SERVER_PLAN_KEY);
        if (json != null) {
          try {
            RealServerNodePlan p = RealServerPublish.parsePlan(json);
            String hash = RealServerPublish.hash(json);
            RealServerHost.Pass pass = host.reconcile(p);
            pass.changes().forEach(c -> LOG.info("node {}: {}", self, c));
            pass.problems().forEach(c -> LOG.warn("node {}: {}", self, c));
            String state = hash + pass.problems() + pass.configured();
            if (!state.equals(reported) && report(client, namespace, new RealServerPublish.Report(self, hash,
                pass.configured(), pass.problems(), Instant.now().toString()))) {
              reported = state;
            }
          } catch (RuntimeException e) {
            LOG.warn("node {}: cannot apply the real-server plan: {}", self, e.getMessage());
            reported = null;
          }
        }
        // No ConfigMap (not published yet, or the API server away): the node stays as it is.
        wake.poll(resyncSeconds, TimeUnit.SECONDS);
        wake.clear();
      }
    }
  }

  private static boolean report(KubernetesClient client, String namespace, RealServerPublish.Report r) {
    try {
      client.configMaps().inNamespace(namespace).withName(Names.realServerReport(r.node())).edit(cm -> {
        Map<String, String> data = cm.getData() == null ? new HashMap<>() : new HashMap<>(cm.getData());
        data.put(Names.REPORT_KEY, RealServerPublish.reportJson(r));
        cm.setData(data);
        return cm;
      });
      return true;
    } catch (RuntimeException e) {
      LOG.warn("node {}: cannot write the report {}: {}", r.node(), Names.realServerReport(r.node()), e.getMessage());
      return false;
    }
  }
}
