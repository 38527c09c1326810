package io.halvs.operator.kubectl;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.plan.Finding;
import io.halvs.plan.IpAddress;
import io.halvs.plan.LabelSelectors;
import io.halvs.plan.ObjectRef;
import io.halvs.plan.PlanBuilder;
import io.halvs.plan.PlanInput;
import io.halvs.plan.publish.AgentReport;
import io.halvs.plan.publish.Names;
import java.io.File;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;

/**
 * {@code kubectl halvs}: the operator's view of the pairs, services and real servers for people at a terminal,
 * read from the objects' status, their Events and the agents (the launcher kubectl-halvs runs
 * {@code halvs kubectl ...}). Each subcommand's work is a method taking a client and a PrintStream, so the unit
 * tests run it against fabric8's mock and the API server tier against a real one.
 */
@Command(name = "kubectl", mixinStandardHelpOptions = true,
    description = "kubectl halvs: status, conns, drain, undrain, why (render and import: the halvs commands).",
    subcommands = {KubectlHalvs.Status.class, KubectlHalvs.Conns.class, KubectlHalvs.Drain.class,
        KubectlHalvs.Undrain.class, KubectlHalvs.Why.class})
public final class KubectlHalvs {
  /** Where halvs' own objects live: the agent pods, their reports. */
  static final String HALVS_NAMESPACE = "halvs-system";
  /** The operator records Events of cluster-scoped objects (DirectorPairs) here (EventRecorder). */
  static final String CLUSTER_EVENTS_NAMESPACE = "default";
  /** drain --wait reads the connection table this often (an exec each time). */
  static final Duration POLL = Duration.ofSeconds(2);
  /** Events shown by why, at most (the newest). */
  static final int MAX_EVENTS = 20;

  @Option(names = {"-n", "--namespace"}, scope = ScopeType.INHERIT,
      description = "Namespace of VirtualServices and RealServers (default: the kubeconfig context's, else default).")
  String namespace;

  @Option(names = "--context", scope = ScopeType.INHERIT, description = "kubeconfig context to use.")
  String context;

  @Option(names = "--kubeconfig", scope = ScopeType.INHERIT,
      description = "kubeconfig file (default: $KUBECONFIG, else ~/.kube/config).")
  File kubeconfig;

  @Option(names = "--halvs-namespace", scope = ScopeType.INHERIT, defaultValue = HALVS_NAMESPACE,
      description = "Namespace of the operator and the agent pods (default: ${DEFAULT-VALUE}).")
  String halvsNamespace;

  /** The client as kubectl would connect: --kubeconfig, else $KUBECONFIG or ~/.kube/config; --context. */
  KubernetesClient client() {
    if (kubeconfig != null && !kubeconfig.isFile()) {
      throw new IllegalArgumentException("kubeconfig " + kubeconfig + ": no such file");
    }
    Config config = kubeconfig != null ? Config.fromKubeconfig(context, kubeconfig) : Config.autoConfigure(context);
    if (context != null && !context.equals(config.getCurrentContext() == null ? null
        : config.getCurrentContext().getName())) {
      throw new IllegalArgumentException("context " + context + " is not in the kubeconfig");
    }
    // A person waits at the terminal: fail as kubectl does, not after the client's ten backed-off retries.
    config.setRequestRetryBackoffLimit(1);
    config.setConnectionTimeout(10_000);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  String namespace(KubernetesClient client) {
    if (namespace != null) {
      return namespace;
    }
    String ns = client.getNamespace();
    return ns == null || ns.isBlank() ? "default" : ns;
  }

  /** The shape of every subcommand: a client, where to print, and an exit code. */
  abstract static class Sub implements Callable<Integer> {
    @ParentCommand
    KubectlHalvs parent;

    @Override
    public Integer call() throws Exception {
      try (KubernetesClient client = parent.client()) {
        return runWith(client);
      }
    }

    private Integer runWith(KubernetesClient client) throws Exception {
      try {
        return run(client, parent.namespace(client), System.out, System.err);
      } catch (KubernetesClientException e) {
        throw new IllegalStateException(apiError(e, String.valueOf(client.getMasterUrl())), e);
      }
    }

    abstract int run(KubernetesClient client, String namespace, PrintStream out, PrintStream err) throws Exception;
  }

  static String apiError(KubernetesClientException e, String server) {
    if (e.getCode() <= 0) { // no answer at all
      return "cannot reach the API server " + server + ": " + transportProblem(e);
    }
    if (e.getCode() == 403 || e.getCode() == 401) {
      return "the API server refused: " + (e.getStatus() != null && e.getStatus().getMessage() != null
          ? e.getStatus().getMessage() : e.getMessage());
    }
    if (e.getCode() == 404 && e.getMessage() != null && e.getMessage().contains("the server could not find")) {
      return "halvs' CRDs are not installed in this cluster (kubectl apply -k deploy/)";
    }
    return e.getMessage();
  }

  /** The transport's reason in a few words: the JDK client's exceptions often carry no message of their own. */
  static String transportProblem(Throwable e) {
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      if (t instanceof java.net.ConnectException) {
        return "connection refused";
      }
      if (t instanceof java.net.UnknownHostException) {
        return "unknown host " + t.getMessage();
      }
      if (t instanceof java.net.http.HttpTimeoutException || t instanceof java.net.SocketTimeoutException) {
        return "timed out";
      }
      if (t instanceof javax.net.ssl.SSLException) {
        return "TLS: " + t.getMessage();
      }
    }
    Throwable first = e.getCause() != null ? e.getCause() : e;
    return first.getMessage() != null ? first.getMessage() : first.getClass().getSimpleName();
  }

  @Command(name = "status", description = "Pairs: which node holds each VIP, standby health, services with "
      + "ready/total, failovers and the last one's reason.")
  static final class Status extends Sub {
    @Parameters(arity = "0..1", paramLabel = "PAIR", description = "One DirectorPair (default: all).")
    String pair;

    @Override
    int run(KubernetesClient client, String namespace, PrintStream out, PrintStream err) {
      return status(client, parent.halvsNamespace, pair, out, err, Instant.now());
    }
  }

  static int status(KubernetesClient client, String pair, PrintStream out, PrintStream err, Instant now) {
    return status(client, HALVS_NAMESPACE, pair, out, err, now);
  }

  static int status(KubernetesClient client, String halvsNamespace, String pair, PrintStream out, PrintStream err,
      Instant now) {
    List<DirectorPair> pairs;
    if (pair != null) {
      DirectorPair dp = client.resources(DirectorPair.class).withName(pair).get();
      if (dp == null) {
        err.println("halvs: DirectorPair " + pair + " not found");
        return 1;
      }
      pairs = List.of(dp);
    } else {
      pairs = client.resources(DirectorPair.class).list().getItems().stream()
          .sorted(Comparator.comparing(p -> p.getMetadata().getName())).toList();
      if (pairs.isEmpty()) {
        out.println("No DirectorPairs.");
        return 0;
      }
    }
    List<VirtualService> services = client.resources(VirtualService.class).inAnyNamespace().list().getItems();
    List<Event> events = client.v1().events().inNamespace(CLUSTER_EVENTS_NAMESPACE).list().getItems();
    boolean first = true;
    for (DirectorPair dp : pairs) {
      String name = dp.getMetadata().getName();
      if (!first) {
        out.println();
      }
      first = false;
      List<VirtualService> mine = services.stream()
          .filter(vs -> vs.getSpec() != null && name.equals(vs.getSpec().getDirectorPair()))
          .sorted(Comparator.comparing((VirtualService vs) -> vs.getMetadata().getNamespace())
              .thenComparing(vs -> vs.getMetadata().getName())).toList();
      List<Event> failovers = events.stream().filter(e -> involves(e, dp) && "Failover".equals(e.getReason()))
          .toList();
      lastReports(client, halvsNamespace, dp);
      Views.status(dp, mine, failovers, now).forEach(out::println);
    }
    return 0;
  }

  /**
   * Each agent's last report time from its report ConfigMap, where it is newer than status.agents[].lastSeen:
   * the operator leaves status alone when a report changed only its time (a heartbeat), so status' time is
   * that of the last change, minutes old on a quiet pair. Without the ConfigMaps (RBAC), status' time stays.
   */
  static void lastReports(KubernetesClient client, String halvsNamespace, DirectorPair dp) {
    if (dp.getStatus() == null || dp.getStatus().getAgents() == null) {
      return;
    }
    for (io.halvs.api.v1alpha1.AgentState a : dp.getStatus().getAgents()) {
      try {
        var cm = client.configMaps().inNamespace(halvsNamespace)
            .withName(Names.report(dp.getMetadata().getName(), a.getNode())).get();
        String json = cm == null || cm.getData() == null ? null : cm.getData().get(Names.REPORT_KEY);
        String seen = json == null || json.isBlank() ? null : AgentReport.fromJson(json).lastSeen();
        if (seen != null && (a.getLastSeen() == null || Instant.parse(seen).isAfter(Instant.parse(a.getLastSeen())))) {
          a.setLastSeen(seen);
        }
      } catch (RuntimeException e) {
        // not readable (RBAC refuses it, an unreadable report): status' time
      }
    }
  }

  static boolean involves(Event e, HasMetadata o) {
    var ref = e.getInvolvedObject();
    return ref != null && o.getKind().equals(ref.getKind()) && o.getMetadata().getName().equals(ref.getName())
        && (o.getMetadata().getUid() == null || ref.getUid() == null || o.getMetadata().getUid().equals(ref.getUid()));
  }

  @Command(name = "conns", description = "The active director's IPVS connection table, like ipvsadm -Lnc "
      + "(kubectl exec into its agent pod: needs create pods/exec in the agents' namespace).")
  static final class Conns extends Sub {
    @Parameters(index = "0", paramLabel = "PAIR", description = "The DirectorPair.")
    String pair;

    @Parameters(index = "1", arity = "0..1", paramLabel = "VIP", description = "Only connections to this VIP.")
    String vip;

    @Override
    int run(KubernetesClient client, String namespace, PrintStream out, PrintStream err) {
      return conns(client, parent.halvsNamespace, pair, vip, out, err);
    }
  }

  static int conns(KubernetesClient client, String halvsNamespace, String pair, String vip, PrintStream out,
      PrintStream err) {
    if (vip != null && IpAddress.tryParse(vip).isEmpty()) {
      err.println("halvs: VIP " + vip + " is not an IPv4 or IPv6 address");
      return 2;
    }
    DirectorPair dp = client.resources(DirectorPair.class).withName(pair).get();
    if (dp == null) {
      err.println("halvs: DirectorPair " + pair + " not found");
      return 1;
    }
    String active = dp.getStatus() == null ? null : dp.getStatus().getActiveNode();
    if (active == null) {
      err.println("halvs: no director of " + pair + " holds the VIPs (status.activeNode is empty): no connection "
          + "table to show");
      return 1;
    }
    try {
      Pod pod = Connections.agentPod(client, halvsNamespace, pair, active);
      String table = Connections.exec(client, pod, "conns");
      out.println("# " + pair + ": active director " + active + " (pod " + pod.getMetadata().getName() + ")");
      Connections.filter(table, vip).forEach(out::println);
      return 0;
    } catch (Connections.Unavailable e) {
      err.println("halvs: " + e.getMessage());
      return 1;
    }
  }

  @Command(name = "drain", description = "Weight 0 for a RealServer (spec.drain: true): established connections "
      + "finish, no new ones arrive; shows the connections left on the active director.")
  static final class Drain extends Sub {
    @Parameters(paramLabel = "RS", description = "The RealServer (in -n NAMESPACE).")
    String realServer;

    @Option(names = "--wait", description = "Then wait until no connection to it is left (exit 1 if the time is up).")
    boolean wait;

    @Option(names = "--timeout", defaultValue = "600", paramLabel = "SECONDS",
        description = "With --wait: how long (default ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Override
    int run(KubernetesClient client, String namespace, PrintStream out, PrintStream err) throws InterruptedException {
      return drain(client, parent.halvsNamespace, namespace, realServer, true,
          wait ? Duration.ofSeconds(timeoutSeconds) : null, POLL, out, err);
    }
  }

  @Command(name = "undrain", description = "Back into rotation with its own weight (spec.drain: false).")
  static final class Undrain extends Sub {
    @Parameters(paramLabel = "RS", description = "The RealServer (in -n NAMESPACE).")
    String realServer;

    @Override
    int run(KubernetesClient client, String namespace, PrintStream out, PrintStream err) throws InterruptedException {
      return drain(client, parent.halvsNamespace, namespace, realServer, false, out, err);
    }
  }

  /**
   * spec.drain is the API's own drain (weight 0 in the plan whatever spec.weight says), so the weight a drain
   * replaces is never lost and undrain needs nothing remembered. A merge patch of that one field only.
   */
  static int drain(KubernetesClient client, String halvsNamespace, String namespace, String name, boolean drain,
      PrintStream out, PrintStream err) throws InterruptedException {
    return drain(client, halvsNamespace, namespace, name, drain, null, null, out, err);
  }

  /** With wait: after the drain, until no connection is left or wait is over. */
  static int drain(KubernetesClient client, String halvsNamespace, String namespace, String name, boolean drain,
      Duration wait, Duration poll, PrintStream out, PrintStream err) throws InterruptedException {
    var handle = client.resources(RealServer.class).inNamespace(namespace).withName(name);
    RealServer rs = handle.get();
    if (rs == null) {
      err.println("halvs: RealServer " + namespace + "/" + name + " not found");
      return 1;
    }
    boolean was = rs.getSpec() != null && Boolean.TRUE.equals(rs.getSpec().getDrain());
    if (was != drain) {
      handle.patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
          io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE), "{\"spec\":{\"drain\":" + drain + "}}");
    }
    int weight = rs.getSpec() == null || rs.getSpec().getWeight() == null ? 1 : rs.getSpec().getWeight();
    String address = rs.getSpec() == null ? null : rs.getSpec().getAddress();
    String what = "RealServer " + namespace + "/" + name + " (" + address + ")";
    if (drain) {
      out.println(what + (was ? " already draining" : " draining") + ": weight 0 on the directors, established "
          + "connections finish, no new ones arrive (its weight " + weight + " stays in spec.weight)");
    } else {
      out.println(what + (was ? " back in rotation" : " was not draining") + ": weight " + weight
          + (weight == 0 ? " (spec.weight is 0: quiescent)" : ""));
    }
    long left = connections(client, halvsNamespace, rs, out);
    return drain && wait != null ? waitForConnections(client, halvsNamespace, rs, left, wait, poll, out, err) : 0;
  }

  /** Polls the count until no connection is left (0) or the time is up (1); prints each change. */
  static int waitForConnections(KubernetesClient client, String halvsNamespace, RealServer rs, long left,
      Duration wait, Duration poll, PrintStream out, PrintStream err) throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
    while (left != 0) {
      if (left < 0) {
        err.println("halvs: cannot wait for the connections to finish: their count is unknown (above)");
        return 1;
      }
      if (System.nanoTime() - deadline >= 0) {
        err.println("halvs: " + left + " connection(s) still open after " + wait.toSeconds() + " s; it stays drained");
        return 1;
      }
      Thread.sleep(poll.toMillis());
      long now = connections(client, halvsNamespace, rs, quiet);
      if (now != left && now >= 0) {
        out.println("  connections left: " + now);
      }
      left = now;
    }
    out.println("  drained: no connections left");
    return 0;
  }

  /**
   * The connections to the real server on the active director of each pair that selects it, or why not; returns
   * their sum, or -1 when a count is unknown.
   */
  static long connections(KubernetesClient client, String halvsNamespace, RealServer rs, PrintStream out) {
    List<String> pairs = client.resources(VirtualService.class).inNamespace(rs.getMetadata().getNamespace()).list()
        .getItems().stream().filter(vs -> vs.getSpec() != null && vs.getSpec().getDirectorPair() != null
            && vs.getSpec().getRealServerSelector() != null
            && LabelSelectors.matches(vs.getSpec().getRealServerSelector(), labels(rs)))
        .map(vs -> vs.getSpec().getDirectorPair()).distinct().sorted().toList();
    if (pairs.isEmpty()) {
      out.println("  connections: none (no VirtualService selects it)");
      return 0;
    }
    long total = 0;
    for (String pair : pairs) {
      DirectorPair dp = client.resources(DirectorPair.class).withName(pair).get();
      String active = dp == null || dp.getStatus() == null ? null : dp.getStatus().getActiveNode();
      if (active == null) {
        out.println("  connections on " + pair + ": unknown (no director holds the VIPs)");
        total = -1;
        continue;
      }
      try {
        Pod pod = Connections.agentPod(client, halvsNamespace, pair, active);
        String table = Connections.exec(client, pod, "conns");
        long n = Connections.countTo(table, rs.getSpec().getAddress(), rs.getSpec().getPort());
        out.println("  connections on " + pair + " (active " + active + "): " + n);
        total = total < 0 ? total : total + n;
      } catch (Connections.Unavailable e) {
        out.println("  connections on " + pair + " (active " + active + "): unknown: " + e.getMessage());
        total = -1;
      }
    }
    return total;
  }

  static Map<String, String> labels(HasMetadata o) {
    return o.getMetadata().getLabels() == null ? Map.of() : o.getMetadata().getLabels();
  }

  @Command(name = "why", description = "One VirtualService: its conditions, the real servers out of rotation, the "
      + "plan's findings for it and its recent Events.")
  static final class Why extends Sub {
    @Parameters(paramLabel = "VS", description = "The VirtualService (in -n NAMESPACE).")
    String virtualService;

    @Override
    int run(KubernetesClient client, String namespace, PrintStream out, PrintStream err) {
      return why(client, namespace, virtualService, out, err, Instant.now());
    }
  }

  static int why(KubernetesClient client, String namespace, String name, PrintStream out, PrintStream err,
      Instant now) {
    VirtualService vs = client.resources(VirtualService.class).inNamespace(namespace).withName(name).get();
    if (vs == null) {
      err.println("halvs: VirtualService " + namespace + "/" + name + " not found");
      return 1;
    }
    List<Event> events = new ArrayList<>(client.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> involves(e, vs)).sorted(Comparator.comparing(Views::eventTime).reversed()).limit(MAX_EVENTS)
        .toList());
    Views.why(vs, findings(client, vs), events, now).forEach(out::println);
    return 0;
  }

  /**
   * The plan's findings for the service, computed here from what the API server holds now, as the operator does
   * (the same PlanBuilder): they stand even when the operator is down or behind.
   */
  static List<Finding> findings(KubernetesClient client, VirtualService vs) {
    PlanInput input = new PlanInput(client.resources(DirectorPair.class).list().getItems(),
        client.resources(VirtualService.class).inAnyNamespace().list().getItems(),
        client.resources(RealServer.class).inAnyNamespace().list().getItems());
    ObjectRef ref = new ObjectRef(vs.getKind(), vs.getMetadata().getNamespace(), vs.getMetadata().getName());
    return PlanBuilder.build(input).findingsFor(ref).stream().sorted().toList();
  }
}
