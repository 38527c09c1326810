package io.halvs.operator.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.halvs.api.client.ApiRequests;
import io.halvs.logging.LogLevels;
import io.halvs.logging.LogOptions;
import io.halvs.logging.Logging;
import io.halvs.operator.ApiAnswers;
import io.halvs.operator.HalvsOperator;
import io.halvs.operator.HealthServer;
import io.halvs.operator.HeapCompaction;
import io.halvs.operator.OperatorClient;
import io.halvs.plan.render.Render;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.event.Level;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The halvs command line: the operator, the offline renderer, import and the kubectl plugin (the demo adds demo). */
@Command(name = "halvs", mixinStandardHelpOptions = true, version = "halvs 0.1.0",
    description = "Highly available LVS (IPVS) load balancing, run by a Kubernetes operator.",
    subcommands = {Main.Run.class, Main.RenderCommand.class, Main.ImportCommand.class,
        io.halvs.operator.kubectl.KubectlHalvs.class})
public final class Main {

  /**
   * v1alpha1 is our own API's version; fabric8 warns about every alpha version it sees (VersionUsageUtils).
   * fabric8's leader elector logs every failed renew attempt with a stack trace (every retry period while the
   * API server is away, and once when shutdown interrupts a renew); the operator's own lines say what matters:
   * leading, lost the Lease, who holds it. --log-level goes on top of these.
   */
  public static final String LOG_DEFAULTS = "info,io.fabric8.kubernetes.client.dsl.internal.VersionUsageUtils=error,"
      + "io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector=error,"
      // an API server that restarts under an open watch (e2e/faults gone): "Queued close did not succeed" with a
      // stack trace per watch; the informers reconnect and relist on their own
      + "io.fabric8.kubernetes.client.jdkhttp.JdkWebSocketImpl=error,"
      // and a watch that cannot reconnect yet: "Unknown Watch error ... will reconnect" with a stack trace, at info
      + "io.fabric8.kubernetes.client.dsl.internal.AbstractWatchManager=warn";

  public static void main(String[] args) {
    logDefaults();
    System.exit(commandLine().execute(args));
  }

  /** The libraries' quietening, and the API server's routine answers as one line instead of a stack trace. */
  static void logDefaults() {
    Logging.defaults(LogLevels.parse(LOG_DEFAULTS));
    Logging.brief(ApiAnswers::summary);
  }

  /** The command line, with {@code more} subcommands (the demo's jar adds demo); settings reach them all. */
  public static CommandLine commandLine(Object... more) {
    CommandLine cli = new CommandLine(new Main());
    for (Object command : more) {
      cli.addSubcommand(command);
    }
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    // Bad input and kernel refusals are messages for people, not stack traces.
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("halvs: " + e.getMessage());
      return 1;
    });
    return cli;
  }

  @Mixin
  LogOptions logOptions; // --log-level, --log-format

  @Command(name = "run", mixinStandardHelpOptions = true, description = "Run the operator against the cluster in KUBECONFIG or in-cluster config.")
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
      ApiRequests requests = new ApiRequests();
      KubernetesClient client = OperatorClient.build(requests);
      HalvsOperator operator = new HalvsOperator(client, ns, HalvsOperator.agentImageFromEnvironment(),
          leaderElect ? HalvsOperator.LeaderElection.defaults(HalvsOperator.identityFromEnvironment()) : null);
      operator.metrics().apiRequests(requests);
      HealthServer health = healthPort == 0 ? null : new HealthServer(healthPort, operator::ready, operator::alive,
          () -> operator.leading() ? "leader" : "standby", operator.metrics());
      CountDownLatch stop = new CountDownLatch(1);
      HeapCompaction compaction = HeapCompaction.start(); // this process's heap: never a JVM that embeds the operator
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        compaction.close();
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

  @Command(name = "render", mixinStandardHelpOptions = true, description = "Print per DirectorPair the IPVS "
      + "rules (ipvsadm-save format), VIPs, gateway and sysctls that CR YAML files or folders describe. Exits 1 on "
      + "input the API server or the operator would refuse, and on a VirtualService that selects no RealServer.")
  static final class RenderCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "PATH", description = "YAML files or folders (read recursively, "
        + "symbolic links followed).")
    List<Path> paths;

    @Option(names = "--allow-empty", description = "A VirtualService whose selector matches no RealServer is a "
        + "warning, not an error (one VirtualService: annotate it halvs.io/allow-empty: \"true\").")
    boolean allowEmpty;

    @Option(names = "--real-servers", description = "Print instead, per gate/ipip real server outside Kubernetes "
        + "(no spec.nodeName), the shell commands that configure it: VIPs on lo, arp_ignore/arp_announce, tunnel "
        + "device, rp_filter, gue port. Nodes named by spec.nodeName get a comment: the real-server agent does it.")
    boolean realServers;

    @Option(names = "--nft", description = "Print instead, per DirectorPair, the firewall-marking rules its "
        + "VirtualServices' marking describes, as an nft -f script (table inet halvs, replaced atomically; without "
        + "rules the script deletes the table): halvs render --nft PATH | nft -f -")
    boolean nft;

    @Override
    public Integer call() {
      // stdout is the rendering; library chatter below warn would only clutter stderr beside its findings
      Logging.commandDefault(Level.WARN);
      if (nft && realServers) {
        System.err.println("render: --nft and --real-servers print different things: choose one");
        return 2;
      }
      return Render.run(paths, allowEmpty, realServers, nft, System.out, System.err);
    }
  }

  @Command(name = "import", mixinStandardHelpOptions = true, description = "Print the DirectorPair, VirtualServices "
      + "and RealServers (CR YAML) that an "
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
      Logging.commandDefault(Level.WARN);
      return io.halvs.plan.migrate.Import.run(format, file, strict, System.out, System.err);
    }
  }
}
