package io.halvs.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.operator.demo.EmbeddedApiServer;
import io.halvs.operator.dependent.PlanPublisher;
import io.halvs.operator.metrics.Exposition;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.ObjectRef;
import io.halvs.plan.load.ManifestLoader;
import io.halvs.plan.publish.AgentReport;
import io.halvs.plan.publish.Names;
import io.halvs.plan.publish.PlanCodec;
import io.halvs.plan.render.IpvsadmSave;
import io.javaoperatorsdk.operator.processing.Controller;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator's production code path against fabric8's CRUD mock. What the mock cannot check (schema and CEL
 * validation, server-side apply, garbage collection, RBAC) is proven against a real API server in e2e/.
 */
class OperatorTest {
  static final String NS = "halvs-system";
  /** Generous: these wait for reconciles, which a loaded CI machine may delay; a pass is usually ~1 s. */
  static final Duration TIMEOUT = Duration.ofSeconds(60);
  EmbeddedApiServer api;
  KubernetesClient client;
  HalvsOperator operator;

  @BeforeEach
  void start() throws InterruptedException {
    api = new EmbeddedApiServer();
    client = api.client();
    createSeed(client);
    for (String node : List.of("lvs-01", "lvs-02")) {
      client.nodes().resource(new NodeBuilder().withNewMetadata().withName(node).endMetadata().build()).create();
    }
    operator = new HalvsOperator(client, NS, "example.org/agent:test");
    operator.start();
  }

  /** The operator's namespace and the seed's objects (deploy/examples/seed-nat.yaml), as kubectl would create them. */
  static void createSeed(KubernetesClient client) {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .create();
    ManifestLoader.Result loaded = new ManifestLoader().load(List.of(Paths.get("..", "deploy", "examples",
        "seed-nat.yaml")));
    assertThat(loaded.problems()).isEmpty();
    loaded.input().directorPairs().forEach(o -> client.resource(o).create());
    loaded.input().virtualServices().forEach(o -> client.resource(o).create());
    loaded.input().realServers().forEach(o -> client.resource(o).create());
  }

  @AfterEach
  void stop() {
    operator.close();
    api.close();
  }

  VirtualService vs(String name) {
    return client.resources(VirtualService.class).inNamespace("default").withName(name).get();
  }

  DirectorPair pair() {
    return client.resources(DirectorPair.class).withName("lvs").get();
  }

  static Condition condition(List<Condition> cs, String type) {
    return cs.stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow();
  }

  @Test
  void createsTheAgentDaemonSetWithLeastPrivilege() {
    DaemonSet ds = await().atMost(TIMEOUT).until(
        () -> client.apps().daemonSets().inNamespace(NS).withName("halvs-agent-lvs").get(), d -> d != null);
    var pod = ds.getSpec().getTemplate().getSpec();
    assertThat(pod.getHostNetwork()).isTrue();
    var sc = pod.getContainers().get(0).getSecurityContext();
    assertThat(sc.getCapabilities().getAdd()).containsExactlyInAnyOrder("NET_ADMIN", "NET_RAW");
    assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(sc.getPrivileged()).isFalse();
    assertThat(pod.getContainers().get(0).getImage()).isEqualTo("example.org/agent:test");
    assertThat(pod.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
        .getNodeSelectorTerms()).extracting(t -> t.getMatchFields().get(0).getValues())
        .containsExactly(List.of("lvs-01"), List.of("lvs-02"));
    assertThat(pod.getServiceAccountName()).isEqualTo("halvs-agent-lvs");
    assertThat(ds.getMetadata().getOwnerReferences()).extracting(o -> o.getKind() + "/" + o.getName())
        .containsExactly("DirectorPair/lvs");

    Role role = client.rbac().roles().inNamespace(NS).withName("halvs-agent-lvs").get();
    assertThat(role.getRules()).anySatisfy(r -> {
      assertThat(r.getVerbs()).containsExactlyInAnyOrder("update", "patch");
      assertThat(r.getResources()).containsExactly("configmaps");
      assertThat(r.getResourceNames()).containsExactlyInAnyOrder("halvs-agent-lvs-lvs-01", "halvs-agent-lvs-lvs-02");
    });
    assertThat(role.getRules()).noneSatisfy(r -> assertThat(r.getVerbs()).contains("create", "delete"));
    // The reconcile that wrote the DaemonSet goes on to write the rest: wait for each.
    await().atMost(TIMEOUT).until(() -> client.rbac().roleBindings().inNamespace(NS).withName("halvs-agent-lvs")
        .get() != null);
    await().atMost(TIMEOUT).until(() -> client.serviceAccounts().inNamespace(NS).withName("halvs-agent-lvs")
        .get() != null);
    await().atMost(TIMEOUT).until(() -> client.configMaps().inNamespace(NS).withName("halvs-agent-lvs-lvs-01")
        .get() != null);
    var secret = await().atMost(TIMEOUT).until(() -> client.secrets().inNamespace(NS).withName("halvs-lvs-hmac")
        .get(), x -> x != null);
    assertThat(secret.getData()).containsKey("key");
  }

  @Test
  void theAgentsMayGetExactlyTheirTwoNodes() {
    var cr = await().atMost(TIMEOUT).until(() -> client.rbac().clusterRoles().withName("halvs-agent-lvs-nodes")
        .get(), x -> x != null);
    assertThat(cr.getMetadata().getNamespace()).isNull();
    assertThat(cr.getRules()).singleElement().satisfies(r -> {
      assertThat(r.getApiGroups()).containsExactly("");
      assertThat(r.getResources()).containsExactly("nodes");
      assertThat(r.getVerbs()).containsExactly("get");
      assertThat(r.getResourceNames()).containsExactly("lvs-01", "lvs-02");
    });
    var crb = await().atMost(TIMEOUT).until(() -> client.rbac().clusterRoleBindings()
        .withName("halvs-agent-lvs-nodes").get(), x -> x != null);
    assertThat(crb.getRoleRef().getKind()).isEqualTo("ClusterRole");
    assertThat(crb.getRoleRef().getName()).isEqualTo("halvs-agent-lvs-nodes");
    assertThat(crb.getSubjects()).singleElement().satisfies(sub -> {
      assertThat(sub.getKind()).isEqualTo("ServiceAccount");
      assertThat(sub.getName()).isEqualTo("halvs-agent-lvs");
      assertThat(sub.getNamespace()).isEqualTo(NS);
    });
    // cluster-scoped, owned by the cluster-scoped pair: garbage-collected with it
    String uid = pair().getMetadata().getUid();
    for (var o : List.of(cr, crb)) {
      assertThat(o.getMetadata().getOwnerReferences()).singleElement().satisfies(ref -> {
        assertThat(ref.getKind() + "/" + ref.getName()).isEqualTo("DirectorPair/lvs");
        assertThat(ref.getUid()).isEqualTo(uid);
        assertThat(ref.getController()).isTrue();
      });
    }
  }

  /**
   * The reconcile leaves the agents' objects unread for a minute once seen as desired (Applier's recheck), but the
   * DaemonSet's own informer sends it back to read: a DaemonSet deleted by hand returns well within that minute,
   * while the reconciles that restore it leave the other objects (the ServiceAccount here) unread.
   */
  @Test
  void anAgentDaemonSetDeletedByHandReturnsAtOnce() {
    var daemonSets = client.apps().daemonSets().inNamespace(NS).withName("halvs-agent-lvs");
    await().atMost(TIMEOUT).until(() -> daemonSets.get() != null
        && client.secrets().inNamespace(NS).withName("halvs-lvs-hmac").get() != null);
    long reads = api.requests("GET", "/serviceaccounts/halvs-agent-lvs");
    String uid = daemonSets.get().getMetadata().getUid();
    daemonSets.delete();
    await().atMost(Duration.ofSeconds(30)).until(() -> daemonSets.get() != null
        && !uid.equals(daemonSets.get().getMetadata().getUid()));
    // the reconciles meanwhile read the DaemonSet, and none of the objects seen a moment before
    assertThat(api.requests("GET", "/serviceaccounts/halvs-agent-lvs")).isEqualTo(reads);
  }

  @Test
  void publishesThePlanTheAgentsCanReassemble() {
    await().atMost(TIMEOUT).until(() -> pair().getStatus() != null
        && pair().getStatus().getPlanHash() != null);
    PlanPublisher publisher = new PlanPublisher(client, NS);
    PlanCodec.Manifest manifest = await().atMost(TIMEOUT)
        .until(() -> publisher.readManifest("lvs"), m -> m != null);
    assertThat(manifest.state()).isEqualTo(PlanCodec.Manifest.ACTIVE);
    assertThat(manifest.planHash()).isEqualTo(pair().getStatus().getPlanHash());
    DirectorPlan plan = PlanCodec.assemble(manifest, publisher.readShards("lvs"));
    assertThat(IpvsadmSave.lines(plan)).containsExactly(
        "-A -t 192.0.2.110:80 -s wlc",
        "-a -t 192.0.2.110:80 -r 10.0.1.11:80 -m -w 100",
        "-a -t 192.0.2.110:80 -r 10.0.1.12:80 -m -w 100",
        "-a -t 192.0.2.110:80 -r 10.0.1.13:80 -m -w 100");
  }

  /**
   * A shard edited by hand (its hash label kept) under the publisher's trust in what it wrote: the watch event
   * it did not write reconciles the pair, and the publish puts the content back, without waiting for a re-read.
   */
  @Test
  void aShardEditedByHandIsRewrittenOnItsWatchEvent() {
    PlanPublisher reader = new PlanPublisher(client, NS);
    PlanCodec.Manifest manifest = await().atMost(TIMEOUT)
        .until(() -> reader.readManifest("lvs"), m -> m != null);
    ConfigMap shard = client.configMaps().inNamespace(NS).withName(Names.shard("lvs", 0)).get();
    String content = shard.getBinaryData().get(Names.SHARD_KEY);
    shard.setBinaryData(Map.of(Names.SHARD_KEY, java.util.Base64.getEncoder().encodeToString("not gzip".getBytes())));
    client.resource(shard).update();

    await().atMost(TIMEOUT).until(() -> content.equals(client.configMaps().inNamespace(NS)
        .withName(Names.shard("lvs", 0)).get().getBinaryData().get(Names.SHARD_KEY)));
    assertThat(PlanCodec.assemble(reader.readManifest("lvs"), reader.readShards("lvs")))
        .as("the plan reads back whole").isNotNull();
    assertThat(reader.readManifest("lvs")).isEqualTo(manifest);
  }

  @Test
  void statusFollowsWhatTheAgentsReport() {
    VirtualService web = await().atMost(TIMEOUT).until(() -> vs("web"),
        v -> v.getStatus() != null && v.getStatus().getEndpoint() != null);
    assertThat(web.getStatus().getEndpoint()).isEqualTo("192.0.2.110:80/TCP");
    assertThat(web.getStatus().getRealServers()).isEqualTo("?/3");
    assertThat(condition(web.getStatus().getConditions(), "Ready").getReason()).isEqualTo("AwaitingAgents");
    RealServer rs = client.resources(RealServer.class).inNamespace("default").withName("web-1").get();
    await().atMost(TIMEOUT).until(() -> client.resources(RealServer.class).inNamespace("default")
        .withName("web-1").get().getStatus() != null);
    assertThat(client.resources(RealServer.class).inNamespace("default").withName("web-1").get().getStatus()
        .getVirtualServices()).isEqualTo(1);

    // The agents report: lvs-01 active with one real server failing its check, lvs-02 standby.
    String hash = await().atMost(TIMEOUT).until(() -> pair().getStatus() == null ? null
        : pair().getStatus().getPlanHash(), h -> h != null);
    report("lvs-01", AgentReport.ACTIVE, hash, Map.of("default/web", new AgentReport.ServiceHealth(2, 3,
        List.of(new AgentReport.Unavailable("web-3", "10.0.1.13:80", "Unhealthy", Instant.now().toString(),
            "HTTP 503")))));
    report("lvs-02", AgentReport.STANDBY, hash, Map.of());

    VirtualService after = await().atMost(TIMEOUT).until(() -> vs("web"),
        v -> "lvs-01".equals(v.getStatus().getActiveDirector()) && "2/3".equals(v.getStatus().getRealServers())
            && "True".equals(condition(v.getStatus().getConditions(), "Programmed").getStatus()));
    assertThat(condition(after.getStatus().getConditions(), "Ready").getStatus()).isEqualTo("True");
    Condition degraded = condition(after.getStatus().getConditions(), "Degraded");
    assertThat(degraded.getStatus()).isEqualTo("True");
    assertThat(degraded.getReason()).isEqualTo("RealServersUnavailable");
    assertThat(after.getStatus().getUnavailable()).extracting(u -> u.getMessage()).containsExactly("HTTP 503");
    await().atMost(TIMEOUT).until(() -> client.v1().events().inNamespace("default").list().getItems().stream()
        .anyMatch(e -> "RealServerDown".equals(e.getReason()) && "web".equals(e.getInvolvedObject().getName())
            && e.getMessage().equals("web-3 (10.0.1.13:80) out of rotation, Unhealthy: HTTP 503")));

    DirectorPair dp = await().atMost(TIMEOUT).until(this::pair,
        p -> "lvs-01".equals(p.getStatus().getActiveNode())
            && "True".equals(condition(p.getStatus().getConditions(), "Programmed").getStatus()));
    assertThat(dp.getStatus().getStandbyNode()).isEqualTo("lvs-02");
    assertThat(condition(dp.getStatus().getConditions(), "Ready").getStatus()).isEqualTo("True");
    assertThat(condition(dp.getStatus().getConditions(), "Programmed").getStatus()).isEqualTo("True");
    // Times in whole seconds, as Kubernetes writes its own: the conditions written in one second share one string.
    List<Condition> written = new ArrayList<>(after.getStatus().getConditions());
    written.addAll(client.resources(RealServer.class).inNamespace("default").withName("web-1").get().getStatus()
        .getConditions());
    written.addAll(dp.getStatus().getConditions());
    assertThat(written).isNotEmpty().allSatisfy(c -> assertThat(c.getLastTransitionTime())
        .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"));

    // Failover: lvs-01 dies (its last report still says active), lvs-02 takes over and reports so: the newer
    // report wins even though lvs-01 comes first by name.
    report("lvs-02", AgentReport.ACTIVE, hash, Map.of("default/web", new AgentReport.ServiceHealth(3, 3, List.of())));
    DirectorPair failedOver = await().atMost(TIMEOUT).until(this::pair,
        p -> "lvs-02".equals(p.getStatus().getActiveNode()));
    assertThat(failedOver.getStatus().getTransitions()).isEqualTo(1);
    assertThat(failedOver.getStatus().getLastTransitionReason()).isEqualTo("lvs-02 took over from lvs-01");
    await().atMost(TIMEOUT).until(() -> client.v1().events().inNamespace("default").list().getItems()
        .stream().anyMatch(e -> "Failover".equals(e.getReason())));
    // lvs-02 sees all three healthy: web-3 is back in rotation.
    await().atMost(TIMEOUT).until(() -> client.v1().events().inNamespace("default").list().getItems().stream()
        .anyMatch(e -> "RealServerUp".equals(e.getReason())
            && e.getMessage().equals("web-3 (10.0.1.13:80) back in rotation")));
  }

  @Test
  void aSettledStatusIsNotRewritten() {
    await().atMost(TIMEOUT).until(() -> vs("web").getStatus() != null
        && vs("web").getStatus().getEndpoint() != null);
    // the status events held for the last plan's publication (StatusHold) have been handed on
    await().atMost(TIMEOUT).until(() -> !operator.plans().statusHeld());
    assertThat(operator.plans().responsive(TIMEOUT)).isTrue();
    await().atMost(TIMEOUT).until(operator::statusWritesIdle);
    // Which objects each rebuild of the model tells the status reconcilers about: only those whose status
    // inputs changed. Without this a quiet wait proves nothing: it passes too when nothing ran in time.
    List<ObjectRef> told = new java.util.concurrent.CopyOnWriteArrayList<>();
    operator.plans().addListener(told::add);
    String rv = vs("web").getMetadata().getResourceVersion();
    double writes = statusWrites("VirtualService");
    // An unrelated change: web-2 gets a label no selector reads.
    client.resources(RealServer.class).inNamespace("default").withName("web-2").edit(r -> {
      r.getMetadata().getLabels().put("rack", "b");
      return r;
    });
    // A marker after it, on the same informer: a snapshot that has the marker was built from a cache that has the
    // label too. No VirtualService selects it, so web's inputs do not change with it either.
    RealServer marker = client.resources(RealServer.class).inNamespace("default").withName("web-3").get();
    marker.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("marker")
        .withNamespace("default").withLabels(Map.of("app", "none")).build());
    marker.setStatus(null);
    RealServer created = client.resource(marker).create();
    await().atMost(TIMEOUT).until(() -> operator.plans().snapshot().covers(created));
    // the rebuild that built that snapshot has told its listeners (they run on the plan thread after it)
    assertThat(operator.plans().responsive(TIMEOUT)).isTrue();
    ObjectRef web = new ObjectRef("VirtualService", "default", "web");
    assertThat(told).as("the rebuild ran and told the marker's reconciler").contains(
        new ObjectRef("RealServer", "default", "marker"));
    assertThat(told).as("web's status inputs did not change").doesNotContain(web);
    // ...so nothing was queued for web: its status was not written again.
    assertThat(vs("web").getMetadata().getResourceVersion()).isEqualTo(rv);
    assertThat(statusWrites("VirtualService")).isEqualTo(writes);
  }

  /**
   * A slow status write never holds up the plan. The operator restarts while 80 RealServers were added, and every
   * RealServer status PUT is answered only after 45 s (applied at once, as by a loaded API server): the new
   * RealServers' statuses stall, and their destinations reach the published plan before any of those writes came
   * back. Written on JOSDK's reconcile threads (one pool, then of 50, shared with the pair's reconcile and taken in
   * order), the writes of a start held every thread and the plan came after them: 989 s at 100,000 RealServers.
   */
  @Test
  void stalledStatusWritesDoNotHoldUpThePlanAtStart() throws InterruptedException {
    PlanPublisher publisher = new PlanPublisher(client, NS);
    await().atMost(TIMEOUT).until(() -> publisher.readManifest("lvs") != null);
    operator.close();
    api.delay(r -> "PUT".equals(r.getMethod())
        && r.getPath().matches("/apis/halvs\\.io/v1alpha1/namespaces/default/realservers/[^/?]+/status.*"),
        Duration.ofSeconds(45));
    for (int i = 0; i < 80; i++) {
      RealServer rs = new RealServer();
      rs.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("more-" + i)
          .withNamespace("default").withLabels(Map.of("app", "web")).build());
      rs.setSpec(new io.halvs.api.v1alpha1.RealServerSpec());
      rs.getSpec().setAddress("10.0.1." + (100 + i));
      client.resource(rs).create();
    }
    operator = new HalvsOperator(client, NS, "example.org/agent:test");
    operator.start();
    // (read mid-publish, the manifest and the shard may not match yet)
    await().atMost(TIMEOUT).ignoreExceptionsInstanceOf(PlanCodec.IncompletePlanException.class).until(() -> {
      PlanCodec.Manifest m = publisher.readManifest("lvs");
      return m != null && IpvsadmSave.lines(PlanCodec.assemble(m, publisher.readShards("lvs"))).size() == 1 + 83;
    });
    assertThat(statusWrites("RealServer")).as("no stalled status write had come back when the plan was published")
        .isZero();
    assertThat(operator.statusWritesIdle()).as("the writes are under way").isFalse();
    // 84 reconciles at once at the start: JOSDK's default pool would have started 50 threads for them
    assertThat(Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
        .filter(n -> n.startsWith("halvs-reconcile-")).distinct().count())
        .as("reconcile threads").isBetween(1L, (long) HalvsOperator.RECONCILE_THREADS);
  }

  /**
   * An edit's plan goes out as soon as the model is rebuilt, while the pair's reconcile is held up in its other
   * API calls (the agents' objects, the rollout, the status). Published from that reconcile, an edit's plan waited
   * for them, and for the reconcile in flight before it: 100-800 ms each under load, most of an edit's p99 at
   * full size. Here the reconcile's first read (the agents' ServiceAccount) answers after 30 s, past the client's
   * timeout: a plan published from the reconcile alone never comes.
   */
  @Test
  void anEditsPlanIsPublishedWithoutWaitingForThePairsReconcile() {
    PlanPublisher publisher = new PlanPublisher(client, NS);
    await().atMost(TIMEOUT).until(() -> publisher.readManifest("lvs") != null);
    String before = publisher.readManifest("lvs").planHash();
    api.delay(r -> "GET".equals(r.getMethod())
        && r.getPath().startsWith("/api/v1/namespaces/" + NS + "/serviceaccounts/"), Duration.ofSeconds(30));
    RealServer rs = client.resources(RealServer.class).inNamespace("default").list().getItems().get(0);
    rs.getSpec().setWeight(rs.getSpec().getWeight() == null || rs.getSpec().getWeight() != 7 ? 7 : 8);
    client.resource(rs).update();
    await().atMost(Duration.ofSeconds(20)).until(() -> !before.equals(publisher.readManifest("lvs").planHash()));
  }

  /** DirectorPair cleanups JOSDK has finished (its per-controller timer). */
  double cleanups() {
    return new Exposition(operator.metrics().scrape())
        .samples("operator_sdk_controllers_execution_cleanup_seconds_count", "controller", "directorpair").stream()
        .mapToDouble(Exposition.Sample::value).sum();
  }

  double statusWrites(String kind) {
    return new Exposition(operator.metrics().scrape()).value("halvs_operator_status_writes_total", "kind", kind,
        "result", "ok");
  }

  @Test
  void thePlanFollowsTheControllersCachesWhichHoldEachObjectOnceWithoutManagedFields() {
    PlanPublisher publisher = new PlanPublisher(client, NS);
    await().atMost(TIMEOUT).until(() -> publisher.readManifest("lvs"), m -> m != null);
    // The model reads the stores JOSDK's controllers cache into, and its own informer's for the RealServers:
    // there is no other copy of the objects.
    assertThat(operator.plans().store(RealServer.class).keySet()).containsExactlyInAnyOrder(
        "default/web-1", "default/web-2", "default/web-3");
    assertThat(operator.plans().store(RealServer.class).values())
        .allSatisfy(rs -> assertThat(rs.getMetadata().getManagedFields()).isNullOrEmpty());
    // Nor a second copy of their keys: fabric8's namespace index, which nothing reads, is gone from every cache.
    assertThat(operator.controllers()).hasSize(2).allSatisfy(c -> assertThatThrownBy(() -> ((Controller<?>) c)
        .getEventSourceManager().getControllerEventSource().byIndex(Cache.NAMESPACE_INDEX, "default"))
        .isInstanceOf(IllegalArgumentException.class));
    assertThatThrownBy(() -> operator.plans().realServersByIndex(Cache.NAMESPACE_INDEX, "default"))
        .isInstanceOf(IllegalArgumentException.class);
    // No JOSDK controller for RealServers: its event processor kept a state per object (RealServerStatuses).
    assertThat(operator.controllers()).noneMatch(c -> c.getConfiguration().getResourceClass() == RealServer.class);
    // An edit and a removal reach the plan through them.
    client.resources(RealServer.class).inNamespace("default").withName("web-1").edit((RealServer rs) -> {
      rs.getSpec().setWeight(50);
      return rs;
    });
    client.resources(RealServer.class).inNamespace("default").withName("web-3").delete();
    // (A shard may be read mid-publication: assembling it then fails until the manifest catches up.)
    await().atMost(TIMEOUT).ignoreExceptions().until(() -> {
      PlanCodec.Manifest m = publisher.readManifest("lvs");
      return IpvsadmSave.lines(PlanCodec.assemble(m, publisher.readShards("lvs")));
    }, lines -> lines.equals(List.of(
        "-A -t 192.0.2.110:80 -s wlc",
        "-a -t 192.0.2.110:80 -r 10.0.1.11:80 -m -w 50",
        "-a -t 192.0.2.110:80 -r 10.0.1.12:80 -m -w 100")));
    assertThat(operator.plans().store(RealServer.class).keySet()).containsExactlyInAnyOrder(
        "default/web-1", "default/web-2");
  }

  @Test
  void crossObjectProblemsBecomeConditions() {
    VirtualService dup = new VirtualService();
    dup.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("web-copy")
        .withNamespace("default").withCreationTimestamp("2999-01-01T00:00:00Z").build());
    dup.setSpec(vs("web").getSpec());
    client.resource(dup).create();
    VirtualService lost = new VirtualService();
    lost.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("lost")
        .withNamespace("default").build());
    lost.setSpec(vs("web").getSpec());
    lost.getSpec().setDirectorPair("nowhere");
    lost.getSpec().setVip("192.0.2.99");
    client.resource(lost).create();

    VirtualService d = await().atMost(TIMEOUT).until(() -> vs("web-copy"),
        v -> v.getStatus() != null && !v.getStatus().getConditions().isEmpty());
    Condition ready = condition(d.getStatus().getConditions(), "Ready");
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getReason()).isEqualTo("DuplicateService");
    assertThat(ready.getMessage()).contains("already taken by VirtualService default/web");
    VirtualService l = await().atMost(TIMEOUT).until(() -> vs("lost"),
        v -> v.getStatus() != null && !v.getStatus().getConditions().isEmpty());
    assertThat(condition(l.getStatus().getConditions(), "Ready").getReason()).isEqualTo("DirectorPairNotFound");
    // The original keeps its place in the published plan.
    assertThat(condition(vs("web").getStatus().getConditions(), "Ready").getReason()).isEqualTo("AwaitingAgents");
  }

  @Test
  void deletingAPairWaitsUntilBothDirectorsCleanedUp() {
    await().atMost(TIMEOUT).until(() -> pair().getMetadata().getFinalizers() != null
        && pair().getMetadata().getFinalizers().contains("halvs.io/cleanup")
        && pair().getStatus() != null && pair().getStatus().getPlanHash() != null);
    client.resources(DirectorPair.class).withName("lvs").delete();
    PlanPublisher publisher = new PlanPublisher(client, NS);
    await().atMost(TIMEOUT).until(() -> PlanCodec.Manifest.DELETING.equals(
        publisher.readManifest("lvs").state()));
    assertThat(pair()).as("finalizer holds the pair until the directors confirm").isNotNull();

    cleaned("lvs-01");
    // The model has lvs-01's cleaned report, and two cleanups ran after that (one may have started before it; they
    // repeat every 2 s): one director's word did not release the pair. A quiet wait would pass when none had run.
    await().atMost(TIMEOUT).until(() -> {
      AgentReport r = operator.plans().snapshot().reportsOf("lvs").get("lvs-01");
      return r != null && r.cleaned();
    });
    double cleanups = cleanups();
    await().atMost(TIMEOUT).until(() -> cleanups() >= cleanups + 2);
    assertThat(pair()).as("one director cleaned, the other not yet").isNotNull();
    cleaned("lvs-02");
    await().atMost(TIMEOUT).until(() -> pair() == null);
  }

  @Test
  void aPairOnANodeOfAnotherIsRejectedAndNeverDeployed() {
    await().atMost(TIMEOUT).until(() -> pair().getStatus() != null && pair().getStatus().getPlanHash() != null);
    DirectorPair clash = new DirectorPair();
    clash.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("clash").build());
    clash.setSpec(new io.halvs.api.v1alpha1.DirectorPairSpec());
    clash.getSpec().setNodes(List.of("lvs-02", "lvs-03"));
    clash.getSpec().setVipInterface("eth0");
    client.resource(clash).create();
    DirectorPair c = await().atMost(TIMEOUT).until(() -> client.resources(DirectorPair.class).withName("clash").get(),
        p -> p.getStatus() != null && p.getStatus().getConditions() != null && !p.getStatus().getConditions().isEmpty());
    Condition ready = condition(c.getStatus().getConditions(), "Ready");
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getReason()).isEqualTo("NodeInOtherPair");
    assertThat(ready.getMessage()).contains("node lvs-02", "DirectorPair lvs");
    assertThat(client.apps().daemonSets().inNamespace(NS).withName("halvs-agent-clash").get()).isNull();
    assertThat(client.configMaps().inNamespace(NS).withName(Names.manifest("clash")).get()).isNull();
    // The first pair keeps its agents and plan.
    assertThat(client.apps().daemonSets().inNamespace(NS).withName("halvs-agent-lvs").get()).isNotNull();
    assertThat(condition(pair().getStatus().getConditions(), "Ready").getReason()).isNotEqualTo("NodeInOtherPair");
    // Never deployed: deleting it waits for no director (lvs-02 exists and never reports for it).
    client.resources(DirectorPair.class).withName("clash").delete();
    await().atMost(TIMEOUT).until(() -> client.resources(DirectorPair.class).withName("clash").get() == null);
  }

  /**
   * /metrics after the operator published the seed's plan and wrote status: every figure follows from that, and
   * JOSDK's series are per controller (kind), never per object.
   */
  @Test
  void metricsShowThePublishedPlanTheStatusWritesAndStaleReports() throws Exception {
    PlanPublisher publisher = new PlanPublisher(client, NS);
    PlanCodec.Manifest manifest = await().atMost(TIMEOUT).until(() -> publisher.readManifest("lvs"), x -> x != null);
    await().atMost(TIMEOUT).until(() -> vs("web").getStatus() != null && vs("web").getStatus().getEndpoint() != null);
    try (HealthServer http = new HealthServer(0, operator::ready, operator::alive, () -> "leader",
        operator.metrics())) {
      HttpResponse<String> response = get(http.port(), "/metrics");
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
      Exposition m = new Exposition(response.body());

      // The plan: built at least once, never failed; one duration observed per good build.
      double builds = m.value("halvs_operator_plan_builds_total", "result", "ok");
      assertThat(builds).isGreaterThanOrEqualTo(1);
      assertThat(m.value("halvs_operator_plan_builds_total", "result", "error")).isZero();
      assertThat(m.value("halvs_operator_plan_build_duration_seconds_count")).isEqualTo(builds);
      assertThat(m.type("halvs_operator_plan_build_duration_seconds")).isEqualTo("histogram");
      // Its size is what the agents read: the manifest and the gzipped shards in the ConfigMaps.
      long published = client.configMaps().inNamespace(NS).withName(Names.manifest("lvs")).get().getData()
          .get(Names.MANIFEST_KEY).getBytes(java.nio.charset.StandardCharsets.UTF_8).length
          + publisher.readShards("lvs").values().stream().mapToLong(b -> b.length).sum();
      assertThat(m.value("halvs_operator_plan_shards", "directorpair", "lvs")).isEqualTo(manifest.shards().size());
      assertThat(m.value("halvs_operator_plan_bytes", "directorpair", "lvs")).isEqualTo(published);
      // Written at least once: the manifest and each shard.
      assertThat(m.value("halvs_operator_plan_configmap_writes_total", "directorpair", "lvs"))
          .isGreaterThanOrEqualTo(1 + manifest.shards().size());
      assertThat(m.value("halvs_operator_leader")).isEqualTo(1);
      assertThat(m.samples("halvs_build_info")).singleElement().satisfies(b -> {
        assertThat(b.labels()).containsEntry("component", "operator")
            .containsEntry("java_version", System.getProperty("java.version"));
        assertThat(b.labels().get("version")).matches("\\d+\\.\\d+\\.\\d+.*");
        assertThat(b.value()).isEqualTo(1);
      });
      // No director has reported yet: both reports are stale.
      assertThat(m.value("halvs_operator_agent_report_stale", "directorpair", "lvs", "node", "lvs-01")).isEqualTo(1);
      assertThat(m.value("halvs_operator_agent_report_stale", "directorpair", "lvs", "node", "lvs-02")).isEqualTo(1);
      // The three RealServers' statuses were written, none refused.
      assertThat(m.value("halvs_operator_status_writes_total", "kind", "RealServer", "result", "ok"))
          .isGreaterThanOrEqualTo(3);
      for (String kind : List.of("VirtualService", "RealServer", "DirectorPair")) {
        assertThat(m.value("halvs_operator_status_writes_total", "kind", kind, "result", "error")).isZero();
      }
      // JOSDK's metrics: per controller and kind, no label names an object.
      assertThat(m.samples("operator_sdk_reconciliations_started_total", "kind", "VirtualService")).isNotEmpty();
      assertThat(m.samples("operator_sdk_controllers_execution_reconcile_seconds_count", "controller",
          "directorpair")).singleElement().satisfies(x -> assertThat(x.value()).isGreaterThanOrEqualTo(1));
      assertThat(m.samples()).filteredOn(x -> x.name().startsWith("operator_sdk_"))
          .isNotEmpty()
          .allSatisfy(x -> assertThat(x.labels()).doesNotContainKeys("name", "resource_name", "namespace",
              "resource_namespace"));
      assertThat(m.names()).contains("jvm_memory_used_bytes", "process_uptime_seconds");

      // lvs-01 reports: its report is fresh, lvs-02's still missing.
      String hash = pair().getStatus().getPlanHash();
      report("lvs-01", AgentReport.ACTIVE, hash, Map.of());
      await().atMost(TIMEOUT).until(() -> new Exposition(get(http.port(), "/metrics").body())
          .value("halvs_operator_agent_report_stale", "directorpair", "lvs", "node", "lvs-01") == 0);
      assertThat(new Exposition(get(http.port(), "/metrics").body())
          .value("halvs_operator_agent_report_stale", "directorpair", "lvs", "node", "lvs-02")).isEqualTo(1);
    }
  }

  /** Every status write is counted once, by kind: the counter grows by the MODIFIED events the writes cause. */
  @Test
  void statusWritesAreCountedOncePerWrite() throws Exception {
    for (String name : List.of("web-1", "web-2", "web-3")) {
      await().atMost(TIMEOUT).until(() -> client.resources(RealServer.class).inNamespace("default").withName(name)
          .get().getStatus() != null);
    }
    await().atMost(TIMEOUT).until(() -> vs("web").getStatus() != null && vs("web").getStatus().getEndpoint() != null);
    java.util.concurrent.atomic.AtomicInteger rsWrites = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger vsWrites = new java.util.concurrent.atomic.AtomicInteger();
    try (var rsWatch = client.resources(RealServer.class).inAnyNamespace().watch(modified(rsWrites));
        var vsWatch = client.resources(VirtualService.class).inAnyNamespace().watch(modified(vsWrites))) {
      Exposition before = new Exposition(operator.metrics().scrape());
      // A fourth real server: its own status and web's (now ?/4) are written.
      RealServer web4 = client.resources(RealServer.class).inNamespace("default").withName("web-3").get();
      web4.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("web-4")
          .withNamespace("default").withLabels(Map.of("app", "web")).build());
      web4.getSpec().setAddress("10.0.1.14");
      web4.setStatus(null);
      client.resource(web4).create();
      await().atMost(TIMEOUT).until(() -> "?/4".equals(vs("web").getStatus().getRealServers())
          && client.resources(RealServer.class).inNamespace("default").withName("web-4").get().getStatus() != null);
      await().atMost(TIMEOUT).until(() -> {
        Exposition after = new Exposition(operator.metrics().scrape());
        return delta(before, after, "RealServer") == rsWrites.get() && delta(before, after, "VirtualService")
            == vsWrites.get();
      });
      assertThat(rsWrites.get()).isGreaterThanOrEqualTo(1);
      assertThat(vsWrites.get()).isGreaterThanOrEqualTo(1);
    }
  }

  static double delta(Exposition before, Exposition after, String kind) {
    return after.value("halvs_operator_status_writes_total", "kind", kind, "result", "ok")
        - before.value("halvs_operator_status_writes_total", "kind", kind, "result", "ok");
  }

  static <T extends HasMetadata> io.fabric8.kubernetes.client.Watcher<T> modified(
      java.util.concurrent.atomic.AtomicInteger count) {
    return new io.fabric8.kubernetes.client.Watcher<>() {
      @Override
      public void eventReceived(Action action, T resource) {
        if (action == Action.MODIFIED) {
          count.incrementAndGet(); // only the operator modifies them here, and only their status
        }
      }

      @Override
      public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {}
    };
  }

  static HttpResponse<String> get(int port, String path) throws java.io.IOException, InterruptedException {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * The whole rollout through the operator's own triggers (the agent pods' and the DaemonSet's events, the
   * reports), with the test as the DaemonSet controller: the standby's pod goes first, the active's only after the
   * standby's replacement is available and reports; the condition and Events say so.
   */
  @Test
  void rollsTheAgentsStandbyFirstActiveLast() {
    for (String node : List.of("lvs-01", "lvs-02")) {
      client.nodes().withName(node).editStatus(n -> new NodeBuilder(n).withNewStatus().addNewCondition()
          .withType("Ready").withStatus("True").endCondition().endStatus().build());
    }
    DaemonSet ds = await().atMost(TIMEOUT).until(
        () -> client.apps().daemonSets().inNamespace(NS).withName("halvs-agent-lvs").get(), d -> d != null);
    assertThat(ds.getSpec().getUpdateStrategy().getType()).isEqualTo("OnDelete");
    String hash = await().atMost(TIMEOUT).until(() -> pair().getStatus() == null ? null
        : pair().getStatus().getPlanHash(), h -> h != null);
    controllerRevision(ds, "old", 1);
    agentPod(ds, "lvs-01", "old");
    agentPod(ds, "lvs-02", "old");
    report("lvs-01", AgentReport.ACTIVE, hash, Map.of());
    report("lvs-02", AgentReport.STANDBY, hash, Map.of());
    observed(ds);
    await().atMost(TIMEOUT).until(() -> "True".equals(rolloutCondition().getStatus()));
    assertThat(rolloutCondition().getMessage()).isEqualTo("the agents run revision old");

    // A new template: the controller records revision 2 and says so in the DaemonSet's status.
    controllerRevision(ds, "new", 2);
    observed(ds);
    await().atMost(TIMEOUT).until(() -> agentPods().size() == 1);
    assertThat(agentPods()).containsExactly("halvs-agent-lvs-old-lvs-01");
    await().atMost(TIMEOUT).until(() -> replacingEvents().size() == 1);
    assertThat(replacingEvents().get(0)).contains("replacing the standby lvs-02 first");
    Condition c = await().atMost(TIMEOUT).until(this::rolloutCondition,
        x -> x.getMessage().startsWith("lvs-02: waiting for the DaemonSet"));
    assertThat(c.getStatus()).isEqualTo("False");
    assertThat(c.getReason()).isEqualTo("RollingOut");
    assertThat(c.getMessage()).contains("next: lvs-01 (the active, replaced last");

    // The replacement is available and its agent reports as a standby: now the active goes.
    agentPod(ds, "lvs-02", "new");
    report("lvs-02", AgentReport.STANDBY, hash, Map.of());
    await().atMost(TIMEOUT).until(() -> agentPods().equals(List.of("halvs-agent-lvs-new-lvs-02")));
    await().atMost(TIMEOUT).until(() -> replacingEvents().size() == 2);
    assertThat(replacingEvents().get(1)).contains("replacing the active lvs-01, which hands the VIP over to it");

    report("lvs-02", AgentReport.ACTIVE, hash, Map.of());
    agentPod(ds, "lvs-01", "new");
    await().atMost(TIMEOUT).until(() -> "True".equals(rolloutCondition().getStatus()));
    assertThat(rolloutCondition().getMessage()).isEqualTo("the agents run revision new");
    await().atMost(TIMEOUT).until(() -> client.v1().events().inNamespace("default").list().getItems().stream()
        .anyMatch(e -> "AgentsUpToDate".equals(e.getReason())));
    assertThat(agentPods()).hasSize(2);
  }

  Condition rolloutCondition() {
    DirectorPair p = pair();
    return p.getStatus() == null || p.getStatus().getConditions() == null ? new Condition()
        : p.getStatus().getConditions().stream().filter(c -> "AgentsUpToDate".equals(c.getType())).findFirst()
            .orElse(new Condition());
  }

  List<String> agentPods() {
    return client.pods().inNamespace(NS).list().getItems().stream().map(p -> p.getMetadata().getName()).sorted()
        .toList();
  }

  List<String> replacingEvents() {
    return client.v1().events().inNamespace("default").list().getItems().stream()
        .filter(e -> "ReplacingAgent".equals(e.getReason()))
        .sorted(java.util.Comparator.comparing(e -> e.getFirstTimestamp())).map(e -> e.getMessage()).toList();
  }

  void controllerRevision(DaemonSet ds, String hash, long revision) {
    controllerRevision(client, ds, hash, revision);
  }

  void agentPod(DaemonSet ds, String node, String hash) {
    agentPod(client, ds, node, hash);
  }

  void observed(DaemonSet ds) {
    observed(client, ds);
  }

  /** What the DaemonSet controller writes: a revision of the template, owned by the DaemonSet. */
  static void controllerRevision(KubernetesClient client, DaemonSet ds, String hash, long revision) {
    client.resource(new io.fabric8.kubernetes.api.model.apps.ControllerRevisionBuilder().withNewMetadata()
        .withName("halvs-agent-lvs-" + hash).withNamespace(NS)
        .withLabels(ds.getSpec().getTemplate().getMetadata().getLabels()).addToLabels("controller-revision-hash", hash)
        .withOwnerReferences(controlledBy(ds)).endMetadata().withRevision(revision).build()).create();
  }

  /** An agent pod of that revision on that node, Ready for a minute. */
  static void agentPod(KubernetesClient client, DaemonSet ds, String node, String hash) {
    Instant ready = Instant.now().minusSeconds(60);
    client.resource(new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata()
        .withName("halvs-agent-lvs-" + hash + "-" + node).withNamespace(NS)
        .withLabels(ds.getSpec().getTemplate().getMetadata().getLabels()).addToLabels("controller-revision-hash", hash)
        .withOwnerReferences(controlledBy(ds)).endMetadata().withNewSpec().withNodeName(node).endSpec()
        .withNewStatus().withStartTime(ready.minusSeconds(3).toString()).addNewCondition().withType("Ready")
        .withStatus("True").withLastTransitionTime(ready.toString()).endCondition().endStatus().build()).create();
  }

  static io.fabric8.kubernetes.api.model.OwnerReference controlledBy(DaemonSet ds) {
    return new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("DaemonSet")
        .withName(ds.getMetadata().getName()).withUid(ds.getMetadata().getUid()).withController(true).build();
  }

  /** The controller's status write: it has observed the DaemonSet's generation (an event for the operator). */
  static void observed(KubernetesClient client, DaemonSet ds) {
    client.apps().daemonSets().inNamespace(NS).withName(ds.getMetadata().getName()).editStatus(d -> {
      d.setStatus(new io.fabric8.kubernetes.api.model.apps.DaemonSetStatusBuilder()
          .withObservedGeneration(d.getMetadata().getGeneration())
          .withUpdatedNumberScheduled(d.getStatus() == null || d.getStatus().getUpdatedNumberScheduled() == null ? 2
              : d.getStatus().getUpdatedNumberScheduled() - 1).build());
      return d;
    });
  }

  void report(String node, String role, String hash, Map<String, AgentReport.ServiceHealth> health) {
    AgentReport r = new AgentReport(node, "lvs", role, hash, true, Instant.now().toString(), null, health, false);
    writeReport(node, r);
  }

  void cleaned(String node) {
    writeReport(node, new AgentReport(node, "lvs", AgentReport.STANDBY, null, true, Instant.now().toString(), null,
        Map.of(), true));
  }

  void writeReport(String node, AgentReport r) {
    String name = Names.report("lvs", node);
    await().atMost(TIMEOUT).until(() -> client.configMaps().inNamespace(NS).withName(name).get() != null);
    client.configMaps().inNamespace(NS).withName(name).edit((ConfigMap cm) -> {
      cm.setData(Map.of(Names.REPORT_KEY, AgentReport.toJson(r)));
      return cm;
    });
  }

  static <T extends HasMetadata> T unused(T t) {
    return t;
  }
}
