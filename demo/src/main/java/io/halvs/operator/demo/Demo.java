package io.halvs.operator.demo;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.RealServerState;
import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.operator.HalvsOperator;
import io.halvs.plan.load.ManifestLoader;
import io.halvs.plan.publish.Names;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The whole loop on one machine, no cluster and no root: an in-process API server, the real operator, two real
 * director agents (child JVMs of director-agent's jar with --in-memory-host: their IPVS table and VIPs live in
 * memory, heartbeats go over loopback UDP between 127.0.0.2 and 127.0.0.3) health-checking three small HTTP
 * servers on 127.0.0.1. It stops a real server and starts it again, then stops the active director, and prints
 * the objects' status and the directors' IPVS tables at each step.
 *
 * <p>The agents are child processes, not threads of this JVM, so the operator (and its image) carries no agent
 * code, and each agent runs exactly as it does on a node: its own API client, plan source, report writer and
 * SIGTERM handover.
 */
public final class Demo {
  static final String PAIR = "lvs";
  static final List<String> NODES = List.of("lvs-01", "lvs-02");
  /** Each director's heartbeat address: the two agents share the heartbeat port, so they need two addresses. */
  static final Map<String, String> NODE_IPS = Map.of("lvs-01", "127.0.0.2", "lvs-02", "127.0.0.3");
  static final String VIP = "192.0.2.110:80";
  static final Duration POLL = Duration.ofMillis(100);

  private final PrintStream out;
  private final Path agentJar;
  private final long startNanos = System.nanoTime();
  private final Path workParent;

  /** @param agentJar director-agent's executable jar (director-agent/target/halvs-agent.jar) */
  public Demo(PrintStream out, Path agentJar) {
    this(out, agentJar, null);
  }

  /** @param workParent where the agents' folder (their logs, kept for reading) is made; null: the temporary one */
  Demo(PrintStream out, Path agentJar, Path workParent) {
    this.out = out;
    this.agentJar = agentJar;
    this.workParent = workParent;
  }

  /** Runs the story; 0 when every step showed what it should, 1 (and why) when one did not within timeout. */
  public int run(Duration timeout) throws InterruptedException {
    if (!Files.isRegularFile(agentJar)) {
      out.println("demo: the director agent's jar " + agentJar + " is missing; build it with "
          + "./mvnw -B -pl director-agent -am package -DskipTests");
      return 1;
    }
    Path work;
    try {
      work = workParent == null ? Files.createTempDirectory("halvs-demo-")
          : Files.createTempDirectory(workParent, "halvs-demo-");
    } catch (IOException e) {
      out.println("demo: cannot create a temporary folder: " + e.getMessage());
      return 1;
    }
    List<WebServer> web = new ArrayList<>();
    Map<String, AgentProcess> agents = java.util.Collections.synchronizedMap(new LinkedHashMap<>());
    // Ctrl-C: the agents stop with the demo (and, should it be killed, --exit-with stops them)
    Thread stopAgents = new Thread(() -> {
      List<AgentProcess> running;
      synchronized (agents) {
        running = new ArrayList<>(agents.values());
      }
      running.forEach(AgentProcess::close);
    }, "halvs-demo-stop-agents");
    Runtime.getRuntime().addShutdownHook(stopAgents);
    try (EmbeddedApiServer api = new EmbeddedApiServer()) {
      for (int i = 1; i <= 3; i++) {
        web.add(WebServer.start("web-" + i));
      }
      KubernetesClient client = api.client();
      String ns = HalvsOperator.DEFAULT_NAMESPACE;
      out.println("== embedded API server at " + client.getMasterUrl());
      ManifestLoader.Result loaded = apply(client, ns, web, work);
      if (loaded == null) {
        return 1;
      }
      out.println("== real servers: " + String.join(", ", web.stream().map(w -> w.name + " http://127.0.0.1:"
          + w.port + "/").toList()));
      // The agents start first, while the operator starts too (both JVMs take seconds): they wait for the plan,
      // and the operator creates their report ConfigMaps before it publishes one.
      for (String node : NODES) {
        agents.put(node, AgentProcess.start(agentJar, node, ns, client.getMasterUrl().toString(), work));
      }
      out.println("== director agents started: " + String.join(", ", agents.values().stream()
          .map(a -> a.node + " (" + NODE_IPS.get(a.node) + ", log " + a.log + ")").toList()));
      try (HalvsOperator operator = new HalvsOperator(client, ns, HalvsOperator.DEFAULT_AGENT_IMAGE)) {
        operator.start();
        out.println("== operator started; it publishes the plan for DirectorPair " + PAIR);
        Step step = new Step(client, ns, agents, timeout);
        if (!step.await("the operator publishes the plan and the report ConfigMaps", () -> NODES.stream()
            .allMatch(n -> client.configMaps().inNamespace(ns).withName(Names.report(PAIR, n)).get() != null))) {
          return step.failed();
        }

        // Both directors program the table (the standby too, so a takeover needs no programming): the step shows
        // both, so it waits for both.
        if (!step.await("READY 3/3, an active director, both directors' tables programmed", () -> ready(client, 3)
            && active(client) != null && NODES.stream().allMatch(n -> step.tableOf(n).weights().size() == 3
                && !step.tableOf(n).hasZeroWeight()))) {
          return step.failed();
        }
        step.show("1. every real server passes its health check");

        WebServer stopped = web.get(1);
        stopped.stop();
        out.println();
        out.println("$ stop " + stopped.name + " (its HTTP server on 127.0.0.1:" + stopped.port + ")");
        if (!step.await(stopped.name + " out of rotation", () -> ready(client, 2)
            && unavailable(client).stream().anyMatch(u -> stopped.name.equals(u.getName()))
            && NODES.stream().allMatch(n -> step.tableOf(n).weightOf(stopped.port) <= 0))) {
          return step.failed();
        }
        step.show("2. " + stopped.name + " failed its check: out of rotation, with the reason");

        web.set(1, stopped.restart());
        out.println();
        out.println("$ start " + stopped.name + " again");
        if (!step.await(stopped.name + " back in rotation", () -> ready(client, 3)
            && NODES.stream().allMatch(n -> step.tableOf(n).weightOf(stopped.port) > 0))) {
          return step.failed();
        }
        step.show("3. " + stopped.name + " passes again: back in rotation");

        String was = active(client);
        String standby = NODES.stream().filter(n -> !n.equals(was)).findFirst().orElseThrow();
        out.println();
        out.println("$ stop the active director's agent on " + was + " (SIGTERM, as when its pod is deleted)");
        agents.get(was).stop();
        if (!step.await("the standby " + standby + " takes over", () -> standby.equals(active(client))
            && failovers(client).stream().anyMatch(e -> e.getMessage() != null)
            && step.tableOf(standby).holdsVip())) {
          return step.failed();
        }
        step.show("4. " + standby + " took over: it holds the VIPs and programs the table");
        out.println();
        out.println("$ kubectl get events --field-selector reason=Failover");
        for (Event e : failovers(client)) {
          out.println(e.getType() + "   " + e.getReason() + "   directorpair/" + e.getInvolvedObject().getName()
              + "   " + e.getMessage());
        }
      }
    } finally {
      agents.values().forEach(AgentProcess::close);
      web.forEach(WebServer::stop);
      try {
        Runtime.getRuntime().removeShutdownHook(stopAgents);
      } catch (IllegalStateException e) {
        // the JVM is shutting down: the hook runs
      }
    }
    out.println();
    out.println(String.format(Locale.ROOT, "== done in %.1f s", (System.nanoTime() - startNanos) / 1e9));
    out.println("The loop: the operator turned the objects into a plan, the agents health-checked the real servers, "
        + "programmed IPVS (in memory here) and reported back, and the standby took the VIPs over.");
    out.println("Agent logs: " + work);
    out.println("On a cluster: kubectl apply -k deploy/ && kubectl apply -f deploy/examples/");
    return 0;
  }

  /** The scenario (the seed's NAT setup, its real servers on loopback), validated and created. */
  private ManifestLoader.Result apply(KubernetesClient client, String ns, List<WebServer> web, Path work) {
    int heartbeatPort;
    try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      heartbeatPort = s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    StringBuilder yaml = new StringBuilder("""
        apiVersion: halvs.io/v1alpha1
        kind: DirectorPair
        metadata:
          name: %s
        spec:
          nodes: [%s]
          vipInterface: eth0
          gateway: {address: 10.0.1.254, prefixLength: 24, interfaceName: eth1}
          highAvailability: {advertIntervalMillis: 100, missesBeforeDead: 3, heartbeatPort: %d}
        ---
        apiVersion: halvs.io/v1alpha1
        kind: VirtualService
        metadata: {name: web, namespace: default}
        spec:
          directorPair: %s
          vip: 192.0.2.110
          port: 80
          scheduler: wlc
          forwarding: {method: masq}
          realServerSelector: {matchLabels: {app: web}}
          healthCheck: {type: http, intervalMillis: 300, timeoutMillis: 1000, fall: 2, rise: 2, http: {path: /}}
        """.formatted(PAIR, String.join(", ", NODES), heartbeatPort, PAIR));
    for (WebServer w : web) {
      yaml.append("""
          ---
          apiVersion: halvs.io/v1alpha1
          kind: RealServer
          metadata: {name: %s, namespace: default, labels: {app: web}}
          spec: {address: 127.0.0.1, port: %d, weight: 100}
          """.formatted(w.name, w.port));
    }
    Path file = work.resolve("demo.yaml");
    try {
      Files.writeString(file, yaml, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ManifestLoader.Result loaded = new ManifestLoader().load(List.of(file));
    if (!loaded.problems().isEmpty()) {
      loaded.problems().forEach(p -> out.println("demo: " + p));
      return null;
    }
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .create();
    // The agents' heartbeat addresses: each Node's InternalIP, as the kubelet reports it.
    for (String node : NODES) {
      Node n = new NodeBuilder().withNewMetadata().withName(node).endMetadata().withNewStatus().addNewAddress()
          .withType("InternalIP").withAddress(NODE_IPS.get(node)).endAddress().endStatus().build();
      client.nodes().resource(n).create();
    }
    List<HasMetadata> objects = new ArrayList<>();
    objects.addAll(loaded.input().directorPairs());
    objects.addAll(loaded.input().virtualServices());
    objects.addAll(loaded.input().realServers());
    objects.forEach(o -> client.resource(o).create());
    out.println("== applied " + objects.size() + " objects (" + file + "): DirectorPair " + PAIR + " on "
        + NODES + ", VirtualService web " + VIP + " (masq, wlc, HTTP check every 300 ms), 3 RealServers");
    return loaded;
  }

  private static boolean ready(KubernetesClient client, int n) {
    VirtualService vs = client.resources(VirtualService.class).inNamespace("default").withName("web").get();
    return vs != null && vs.getStatus() != null && Objects.equals(vs.getStatus().getReadyRealServers(), n)
        && Objects.equals(vs.getStatus().getTotalRealServers(), 3);
  }

  private static List<RealServerState> unavailable(KubernetesClient client) {
    VirtualService vs = client.resources(VirtualService.class).inNamespace("default").withName("web").get();
    return vs == null || vs.getStatus() == null || vs.getStatus().getUnavailable() == null ? List.of()
        : vs.getStatus().getUnavailable();
  }

  private static String active(KubernetesClient client) {
    DirectorPair dp = client.resources(DirectorPair.class).withName(PAIR).get();
    return dp == null || dp.getStatus() == null ? null : dp.getStatus().getActiveNode();
  }

  private static List<Event> failovers(KubernetesClient client) {
    return client.v1().events().inAnyNamespace().list().getItems().stream()
        .filter(e -> "Failover".equals(e.getReason())).toList();
  }

  /** Waits for each step and prints where the story stands. */
  private final class Step {
    private final KubernetesClient client;
    private final String ns;
    private final Map<String, AgentProcess> agents;
    private final Duration timeout;
    private String waitingFor;

    Step(KubernetesClient client, String ns, Map<String, AgentProcess> agents, Duration timeout) {
      this.client = client;
      this.ns = ns;
      this.agents = agents;
      this.timeout = timeout;
    }

    boolean await(String what, BooleanSupplier done) throws InterruptedException {
      waitingFor = what;
      Instant deadline = Instant.now().plus(timeout);
      while (Instant.now().isBefore(deadline)) {
        if (agents.values().stream().anyMatch(a -> a.exited() && !a.stopped)) {
          return false;
        }
        if (done.getAsBoolean()) {
          return true;
        }
        Thread.sleep(POLL.toMillis());
      }
      return false;
    }

    int failed() {
      out.println("demo: no \"" + waitingFor + "\" within " + timeout.toSeconds() + " s; the state now:");
      show("(failed)");
      agents.values().forEach(a -> {
        if (a.exited() && !a.stopped) {
          out.println("demo: the agent on " + a.node + " exited; its log " + a.log + " ends:");
        } else {
          out.println("demo: the agent log of " + a.node + " (" + a.log + ") ends:");
        }
        a.tail(15).forEach(l -> out.println("  " + l));
      });
      return 1;
    }

    Table tableOf(String node) {
      return node == null || !agents.containsKey(node) ? Table.NONE : Table.read(agents.get(node).table);
    }

    void show(String title) {
      out.println();
      out.println("== " + title + String.format(Locale.ROOT, " (%.1f s)", (System.nanoTime() - startNanos) / 1e9));
      out.println("$ kubectl get directorpairs");
      table(client.resources(DirectorPair.class).list().getItems(), List.of("NAME", "ACTIVE", "STANDBY", "READY",
          "TRANSITIONS"), d -> List.of(d.getMetadata().getName(), dash(d.getStatus() == null ? null
              : d.getStatus().getActiveNode()), dash(d.getStatus() == null ? null : d.getStatus().getStandbyNode()),
          d.getStatus() == null ? "-" : condition(d.getStatus().getConditions(), "Ready"),
          dash(d.getStatus() == null ? null : d.getStatus().getTransitions())));
      out.println("$ kubectl get virtualservices -A");
      table(client.resources(VirtualService.class).inAnyNamespace().list().getItems(), List.of("NAMESPACE", "NAME",
          "ENDPOINT", "SCHEDULER", "ACTIVE", "READY"), v -> List.of(v.getMetadata().getNamespace(),
          v.getMetadata().getName(), dash(v.getStatus() == null ? null : v.getStatus().getEndpoint()),
          String.valueOf(v.getSpec().getScheduler()).toLowerCase(Locale.ROOT),
          dash(v.getStatus() == null ? null : v.getStatus().getActiveDirector()),
          dash(v.getStatus() == null ? null : v.getStatus().getRealServers())));
      List<RealServerState> out1 = unavailable(client);
      if (!out1.isEmpty()) {
        out.println("$ kubectl get virtualservice web -o jsonpath='{.status.unavailable}'");
        out1.forEach(u -> out.println("  " + u.getName() + " " + dash(u.getDestination()) + ": " + u.getState()
            + ", " + u.getMessage()));
      }
      for (String node : NODES) {
        AgentProcess a = agents.get(node);
        if (a == null) {
          continue;
        }
        if (a.stopped) {
          out.println("== director " + node + ": agent stopped");
          continue;
        }
        Table t = tableOf(node);
        out.println("== director " + node + (node.equals(active(client)) ? " (active)" : " (standby)") + ": "
            + t.vips());
        t.ipvs().forEach(l -> out.println("  " + l));
      }
    }
  }

  /** What an agent's --table-file holds: its VIPs and its IPVS table as ipvsadm -Ln prints it. */
  record Table(String vips, List<String> ipvs) {
    static final Table NONE = new Table("VIPs: none", List.of());
    static final Pattern DEST = Pattern.compile("^\\s+-> [^ ]*:(\\d+)\\s+\\S+\\s+(\\d+)\\s");

    static Table read(Path file) {
      try {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        return lines.isEmpty() ? NONE : new Table(lines.get(0), lines.subList(1, lines.size()));
      } catch (IOException e) {
        return NONE; // not written yet
      }
    }

    /** Destination port to weight. */
    Map<Integer, Integer> weights() {
      Map<Integer, Integer> w = new LinkedHashMap<>();
      for (String l : ipvs) {
        Matcher m = DEST.matcher(l);
        if (m.find()) {
          w.put(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
        }
      }
      return w;
    }

    /** -1 when the destination is not in the table. */
    int weightOf(int port) {
      return weights().getOrDefault(port, -1);
    }

    boolean hasZeroWeight() {
      return weights().containsValue(0);
    }

    boolean holdsVip() {
      return vips.contains(VIP.substring(0, VIP.indexOf(':')) + "/32");
    }
  }

  /** A real server: an HTTP server on 127.0.0.1 answering 200 "ok". */
  static final class WebServer {
    final String name;
    final int port;
    private final com.sun.net.httpserver.HttpServer server;

    private WebServer(String name, int port) throws IOException {
      this.name = name;
      this.server = com.sun.net.httpserver.HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(),
          port), 16);
      this.port = server.getAddress().getPort();
      server.createContext("/", exchange -> {
        byte[] body = ("ok from " + name + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, body.length);
        try (var o = exchange.getResponseBody()) {
          o.write(body);
        }
      });
      server.start();
    }

    static WebServer start(String name) {
      try {
        return new WebServer(name, 0);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    WebServer restart() {
      try {
        return new WebServer(name, port);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    void stop() {
      server.stop(0);
    }
  }

  /** A director agent as a child JVM: halvs-agent in-cluster against the embedded API server. */
  static final class AgentProcess {
    final String node;
    final Path log;
    final Path table;
    private final Process process;
    volatile boolean stopped;

    private AgentProcess(String node, Path log, Path table, Process process) {
      this.node = node;
      this.log = log;
      this.table = table;
      this.process = process;
    }

    static AgentProcess start(Path jar, String node, String ns, String masterUrl, Path work) {
      Path log = work.resolve(node + ".log");
      Path table = work.resolve(node + ".ipvs");
      int health;
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        health = s.getLocalPort();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          // a small, quick JVM: the agents are short-lived and share the machine with the operator
          "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx128m",
          "-jar", jar.toString(), "in-cluster", "--in-memory-host", "--table-file", table.toString(),
          "--state-dir", work.resolve(node).toString(), "--health-address", "127.0.0.1",
          "--health-port", String.valueOf(health), "--report-interval-ms", "100", "--election-retry-seconds", "1",
          "--exit-with", String.valueOf(ProcessHandle.current().pid()));
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
      Map<String, String> env = pb.environment();
      env.put("NODE_NAME", node);
      env.put("POD_NAMESPACE", ns);
      env.put("HALVS_DIRECTOR_PAIR", PAIR);
      // fabric8's configuration from the environment: this API server, and nothing from ~/.kube or a pod
      env.put("KUBERNETES_MASTER", masterUrl);
      env.put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
      env.put("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false");
      env.remove("KUBECONFIG");
      try {
        return new AgentProcess(node, log, table, pb.start());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    boolean exited() {
      return !process.isAlive();
    }

    /** SIGTERM: the agent hands the VIPs over and exits, as in a pod's termination. */
    void stop() {
      stopped = true;
      process.destroy();
    }

    List<String> tail(int n) {
      try {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return lines.subList(Math.max(0, lines.size() - n), lines.size());
      } catch (IOException e) {
        return List.of();
      }
    }

    void close() {
      stopped = true;
      process.destroy();
      try {
        if (!process.waitFor(8, java.util.concurrent.TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(2, java.util.concurrent.TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  private <T extends HasMetadata> void table(List<T> rows, List<String> header, Function<T, List<String>> cells) {
    List<List<String>> all = new ArrayList<>();
    all.add(header);
    rows.stream().sorted(Comparator.comparing((T r) -> String.valueOf(r.getMetadata().getNamespace()))
        .thenComparing(r -> r.getMetadata().getName())).forEach(r -> all.add(cells.apply(r)));
    int[] width = new int[header.size()];
    all.forEach(r -> {
      for (int i = 0; i < r.size(); i++) {
        width[i] = Math.max(width[i], r.get(i).length());
      }
    });
    for (List<String> r : all) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < r.size(); i++) {
        b.append(i == r.size() - 1 ? r.get(i) : String.format("%-" + (width[i] + 3) + "s", r.get(i)));
      }
      out.println(b.toString().stripTrailing());
    }
  }

  private static String dash(Object o) {
    return o == null ? "-" : o.toString();
  }

  private static String condition(List<io.fabric8.kubernetes.api.model.Condition> cs, String type) {
    return cs.stream().filter(c -> c.getType().equals(type)).map(io.fabric8.kubernetes.api.model.Condition::getStatus)
        .findFirst().orElse("-");
  }
}
