package io.halvs.operator.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.halvs.operator.HalvsOperator;
import io.halvs.operator.HealthServer;
import io.halvs.operator.demo.Demo;
import io.halvs.plan.render.Render;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The halvs command line: the operator, the offline renderer and the demo. */
@Command(name = "halvs", mixinStandardHelpOptions = true, version = "halvs 0.1.0",
    description = "Highly available LVS (IPVS) load balancing, run by a Kubernetes operator.",
    subcommands = {Main.Run.class, Main.RenderCommand.class, Main.ImportCommand.class, Main.DemoCommand.class})
public final class Main {

  public static void main(String[] args) {
    System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
    System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSZ");
    // v1alpha1 is our own API's version; fabric8 warns about every alpha version it sees.
    System.setProperty("org.slf4j.simpleLogger.log.io.fabric8.kubernetes.client.dsl.internal.VersionUsageUtils",
        "error");
    // fabric8's leader elector logs every failed renew attempt with a stack trace (every retry period while the
    // API server is away, and once when shutdown interrupts a renew); the operator's own lines say what matters:
    // leading, lost the Lease, who holds it.
    System.setProperty("org.slf4j.simpleLogger.log.io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector",
        "error");
    CommandLine cli = new CommandLine(new Main());
    // Bad input and kernel refusals are messages for people, not stack traces.
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("halvs: " + e.getMessage());
      return 1;
    });
    System.exit(cli.execute(args));
  }

  @Command(name = "run", description = "Run the operator against the cluster in KUBECONFIG or in-cluster config.")
  static final class Run implements Callable<Integer> {
    @Option(names = "--namespace", description = "Namespace of halvs' own objects (default: $POD_NAMESPACE or "
        + "halvs-system).")
    String namespace;

    @Option(names = "--leader-elect", description = "Reconcile only while holding the Lease halvs-operator in the "
        + "namespace (several replicas: one leads, the others stand by).")
    boolean leaderElect;

    @Option(names = "--health-port", defaultValue = "8081", description = "Port of GET /readyz, /healthz and "
        + "/metrics (Prometheus); 0: none (default ${DEFAULT-VALUE}).")
    int healthPort;

    @Override
    public Integer call() throws Exception {
      String ns = namespace != null ? namespace : HalvsOperator.namespaceFromEnvironment();
      KubernetesClient client = new KubernetesClientBuilder().build();
      HalvsOperator operator = new HalvsOperator(client, ns, HalvsOperator.agentImageFromEnvironment(),
          leaderElect ? HalvsOperator.LeaderElection.defaults(HalvsOperator.identityFromEnvironment()) : null);
      HealthServer health = healthPort == 0 ? null : new HealthServer(healthPort, operator::ready, operator::alive,
          () -> operator.leading() ? "leader" : "standby", operator.metrics());
      CountDownLatch stop = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        operator.close();
        if (health != null) {
          health.close();
        }
        client.close();
        stop.countDown();
      }, "halvs-shutdown"));
      operator.start();
      stop.await();
      return 0;
    }
  }

  @Command(name = "render", description = "Print per DirectorPair the IPVS rules (ipvsadm-save format), VIPs, "
      + "gateway and sysctls that CR YAML files or folders describe. Exits 1 on invalid input.")
  static final class RenderCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "PATH", description = "YAML files or folders (read recursively).")
    List<Path> paths;

    @Override
    public Integer call() {
      return Render.run(paths, System.out, System.err);
    }
  }

  @Command(name = "import", description = "Print the DirectorPair, VirtualServices and RealServers (CR YAML) that an "
      + "ldirectord.cf or keepalived.conf describes. Warnings (FILE:LINE) on stderr; a syntax error exits 1.")
  static final class ImportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FORMAT", description = "ldirectord or keepalived.")
    String format;

    @Parameters(index = "1", paramLabel = "FILE", description = "The ldirectord.cf or keepalived.conf to import.")
    Path file;

    @Option(names = "--strict", description = "Fail (exit 1, nothing printed) on any warning.")
    boolean strict;

    @Override
    public Integer call() {
      return io.halvs.plan.migrate.Import.run(format, file, strict, System.out, System.err);
    }
  }

  @Command(name = "demo", description = "The whole loop on this machine, no cluster and no root: an embedded API "
      + "server, the operator, two director agents (in-memory IPVS and VIPs) health-checking three HTTP servers on "
      + "loopback; a real server fails and comes back, then the active director stops and the standby takes over.")
  static final class DemoCommand implements Callable<Integer> {
    @Option(names = "--agent-jar", description = "The director agent's jar (default: "
        + "$HALVS_HOME/director-agent/target/halvs-agent.jar).")
    Path agentJar;

    @Option(names = "--timeout", defaultValue = "20", description = "Seconds to wait for each step.")
    int timeoutSeconds;

    @Override
    public Integer call() throws InterruptedException {
      // The demo prints its own story; the operator's info logs would drown it.
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
      // The mock API server warns on every set-based label selector (the agents' plan source uses one) and
      // answers as if it were not there; the agents filter by name anyway.
      System.setProperty("org.slf4j.simpleLogger.log.io.fabric8.kubernetes.client.server.mock", "error");
      Path jar = agentJar;
      if (jar == null) {
        String home = System.getenv("HALVS_HOME");
        jar = Paths.get(home != null ? home : ".", "director-agent", "target", "halvs-agent.jar");
      }
      return new Demo(System.out, jar).run(Duration.ofSeconds(timeoutSeconds));
    }
  }
}
