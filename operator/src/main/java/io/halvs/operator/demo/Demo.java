package io.halvs.operator.demo;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.operator.HalvsOperator;
import io.halvs.operator.dependent.PlanPublisher;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.load.ManifestLoader;
import io.halvs.plan.publish.Names;
import io.halvs.plan.publish.PlanCodec;
import io.halvs.plan.render.Render;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The main job on an embedded default: an in-process API server, the example objects applied to it, the real
 * operator reconciling them, and what the directors would program, read back from the plan the operator
 * published for them.
 */
public final class Demo {
  private final PrintStream out;

  public Demo(PrintStream out) {
    this.out = out;
  }

  public int run(Path examples, Duration timeout) throws InterruptedException {
    ManifestLoader.Result loaded = new ManifestLoader().load(List.of(examples));
    if (!loaded.problems().isEmpty()) {
      loaded.problems().forEach(p -> out.println("demo: " + p));
      return 1;
    }
    String ns = HalvsOperator.DEFAULT_NAMESPACE;
    try (EmbeddedApiServer api = new EmbeddedApiServer()) {
      KubernetesClient client = api.client();
      out.println("== embedded API server at " + client.getMasterUrl());
      client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .create();
      List<HasMetadata> objects = new ArrayList<>();
      objects.addAll(loaded.input().directorPairs());
      objects.addAll(loaded.input().virtualServices());
      objects.addAll(loaded.input().realServers());
      for (HasMetadata o : objects) {
        client.resource(o).create();
      }
      out.println("== applied " + objects.size() + " objects from " + examples);
      try (HalvsOperator operator = new HalvsOperator(client, ns, HalvsOperator.DEFAULT_AGENT_IMAGE)) {
        operator.start();
        if (!awaitStatus(client, loaded, timeout)) {
          out.println("demo: the operator did not publish plans and statuses within " + timeout.toSeconds() + " s");
          return 1;
        }
        printTables(client);
        printDirectors(client, ns, loaded.input().directorPairs());
      }
    }
    out.println();
    out.println("No director agents run in this demo, so READY shows ?/N and the Ready conditions wait for "
        + "them (AwaitingAgents).");
    out.println("On a cluster: kubectl apply -k deploy/ && kubectl apply -f deploy/examples/");
    return 0;
  }

  private boolean awaitStatus(KubernetesClient client, ManifestLoader.Result loaded, Duration timeout)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      boolean vsDone = client.resources(VirtualService.class).inAnyNamespace().list().getItems().stream()
          .allMatch(v -> v.getStatus() != null && !v.getStatus().getConditions().isEmpty());
      boolean dpDone = client.resources(DirectorPair.class).list().getItems().stream()
          .allMatch(d -> d.getStatus() != null && d.getStatus().getPlanHash() != null
              && client.configMaps().inNamespace(HalvsOperator.DEFAULT_NAMESPACE)
                  .withName(Names.manifest(d.getMetadata().getName())).get() != null);
      boolean rsDone = client.resources(RealServer.class).inAnyNamespace().list().getItems().stream()
          .allMatch(r -> r.getStatus() != null && r.getStatus().getVirtualServices() != null);
      if (vsDone && dpDone && rsDone) {
        return true;
      }
      Thread.sleep(100);
    }
    return false;
  }

  private void printTables(KubernetesClient client) {
    out.println();
    out.println("$ kubectl get directorpairs");
    table(client.resources(DirectorPair.class).list().getItems(), List.of("NAME", "ACTIVE", "STANDBY", "READY",
        "SERVICES"), d -> List.of(d.getMetadata().getName(), dash(d.getStatus().getActiveNode()),
        dash(d.getStatus().getStandbyNode()), condition(d.getStatus().getConditions(), "Ready"),
        String.valueOf(d.getStatus().getVirtualServices())));
    out.println();
    out.println("$ kubectl get virtualservices -A");
    table(client.resources(VirtualService.class).inAnyNamespace().list().getItems(), List.of("NAMESPACE", "NAME",
        "ENDPOINT", "SCHEDULER", "ACTIVE", "READY", "CONDITIONS"), v -> List.of(v.getMetadata().getNamespace(),
        v.getMetadata().getName(), dash(v.getStatus().getEndpoint()), String.valueOf(v.getSpec().getScheduler())
            .toLowerCase(java.util.Locale.ROOT), dash(v.getStatus().getActiveDirector()),
        dash(v.getStatus().getRealServers()), conditions(v.getStatus().getConditions())));
    out.println();
    out.println("$ kubectl get realservers -A");
    table(client.resources(RealServer.class).inAnyNamespace().list().getItems(), List.of("NAMESPACE", "NAME",
        "ADDRESS", "PORT", "WEIGHT", "SERVICES"), r -> List.of(r.getMetadata().getNamespace(),
        r.getMetadata().getName(), r.getSpec().getAddress(), dash(r.getSpec().getPort()),
        String.valueOf(r.getSpec().getWeight()), String.valueOf(r.getStatus().getVirtualServices())));
  }

  private void printDirectors(KubernetesClient client, String ns, List<DirectorPair> pairs) {
    PlanPublisher publisher = new PlanPublisher(client, ns);
    for (DirectorPair dp : pairs.stream().sorted(java.util.Comparator.comparing(p -> p.getMetadata().getName()))
        .toList()) {
      String pair = dp.getMetadata().getName();
      out.println();
      DaemonSet ds = client.apps().daemonSets().inNamespace(ns).withName(Names.agent(pair)).get();
      if (ds != null) {
        var c = ds.getSpec().getTemplate().getSpec().getContainers().get(0);
        out.println("== agent DaemonSet " + ns + "/" + ds.getMetadata().getName() + ": hostNetwork, capabilities "
            + c.getSecurityContext().getCapabilities().getAdd() + ", nodes " + dp.getSpec().getNodes());
      }
      PlanCodec.Manifest manifest = publisher.readManifest(pair);
      if (manifest == null) {
        out.println("== DirectorPair " + pair + ": no plan published");
        continue;
      }
      DirectorPlan plan = PlanCodec.assemble(manifest, publisher.readShards(pair));
      out.println("== what the directors of " + pair + " program (plan " + manifest.planHash() + ", "
          + manifest.shards().size() + " shard(s), read back from ConfigMaps):");
      StringBuilder b = new StringBuilder();
      Render.appendPlan(b, plan);
      out.print(b);
    }
  }

  private <T extends HasMetadata> void table(List<T> rows, List<String> header, Function<T, List<String>> cells) {
    List<List<String>> all = new ArrayList<>();
    all.add(header);
    rows.stream().sorted(java.util.Comparator.comparing((T r) -> String.valueOf(r.getMetadata().getNamespace()))
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

  private static String conditions(List<io.fabric8.kubernetes.api.model.Condition> cs) {
    return String.join(",", cs.stream().map(c -> c.getType() + "=" + c.getStatus() + "(" + c.getReason() + ")")
        .toList());
  }
}
