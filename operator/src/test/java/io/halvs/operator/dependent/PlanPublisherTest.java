package io.halvs.operator.dependent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.operator.demo.CrudMockServers;
import io.halvs.operator.model.PlanService;
import io.halvs.operator.model.Snapshot;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.load.ManifestLoader;
import io.halvs.plan.publish.Names;
import io.halvs.plan.publish.PlanCodec;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The plan's ConfigMaps against fabric8's CRUD mock: what a publish writes, and what it repairs. Publishing a
 * changed plan writes the changed shard and the manifest and lists nothing (before, every publish listed all of
 * the pair's shards, megabytes at 100,000 destinations, and read the manifest); a ConfigMap changed by hand (a
 * watch event it did not write) makes the next publish read them back.
 */
class PlanPublisherTest {
  static final String NS = "halvs-system";

  KubernetesMockServer server;
  KubernetesClient client;
  PlanPublisher publisher;
  DirectorPair dp;
  PlanCodec.Published published;

  @BeforeEach
  void start() {
    server = CrudMockServers.start();
    client = server.createClient();
    publisher = new PlanPublisher(client, NS);
    DirectorPlan plan = new DirectorPlan("lvs", List.of("lvs-01", "lvs-02"), "eth0", List.of(), null, new java.util.TreeMap<>(),
        null, null, List.of());
    dp = new DirectorPair();
    dp.getMetadata().setName(plan.pair());
    dp.getMetadata().setUid("uid-1");
    published = PlanCodec.split(plan, PlanCodec.Manifest.ACTIVE);
  }

  @AfterEach
  void stop() {
    client.close();
    CrudMockServers.stop(server);
  }

  ConfigMap shard(int index) {
    return client.configMaps().inNamespace(NS).withName(Names.shard(dp.getMetadata().getName(), index)).get();
  }

  @Test
  void aCurrentPlanIsNotRewritten() {
    int parts = published.shards().size() + 1;
    assertThat(publisher.publish(dp, published)).isEqualTo(parts);
    assertThat(publisher.publish(dp, published)).isZero();
    assertThat(publisher.observed(shard(0))).as("its own write").isFalse();
  }

  /** Without a watch event saying so, a hand edit is found when the trust in what it wrote runs out. */
  @Test
  void aHandEditWithoutItsEventWaitsForTheReread() {
    publisher.publish(dp, published);
    ConfigMap damaged = shard(0);
    damaged.setBinaryData(Map.of(Names.SHARD_KEY, Base64.getEncoder().encodeToString("not gzip".getBytes())));
    client.resource(damaged).update();
    assertThat(publisher.publish(dp, published)).as("trusts what it wrote").isZero();
    assertThat(publisher.observed(shard(0))).isTrue();
    assertThat(publisher.publish(dp, published)).isEqualTo(1);
  }

  /** A shard edited by hand keeps its hash label: the next publish must still put the content back. */
  @Test
  void aShardEditedByHandUnderItsHashLabelIsRewritten() {
    publisher.publish(dp, published);
    ConfigMap damaged = shard(0);
    damaged.setBinaryData(Map.of(Names.SHARD_KEY, Base64.getEncoder().encodeToString("not gzip".getBytes())));
    assertThat(publisher.observed(client.resource(damaged).update())).as("a change it did not write").isTrue();

    assertThat(publisher.publish(dp, published)).isEqualTo(1);
    assertThat(shard(0).getBinaryData().get(Names.SHARD_KEY))
        .isEqualTo(Base64.getEncoder().encodeToString(published.shards().get(0).gzipJson()));
    String pair = dp.getMetadata().getName();
    assertThat(PlanCodec.assemble(publisher.readManifest(pair), publisher.readShards(pair)))
        .as("the plan reads back whole").isNotNull();
  }

  @Test
  void aManifestEditedByHandIsRewritten() {
    publisher.publish(dp, published);
    ConfigMap m = client.configMaps().inNamespace(NS).withName(Names.manifest(dp.getMetadata().getName())).get();
    m.setData(Map.of(Names.MANIFEST_KEY, "{not json"));
    assertThat(publisher.observed(client.resource(m).update())).as("a change it did not write").isTrue();

    assertThat(publisher.publish(dp, published)).isEqualTo(1);
    assertThat(publisher.readManifest(dp.getMetadata().getName())).isEqualTo(published.manifest());
  }

  /** Trusted: published from this publisher, for this uid, with no change it did not write seen since. */
  @Test
  void itTrustsOnlyWhatItWroteForTheSameUid() {
    String pair = dp.getMetadata().getName();
    assertThat(publisher.trusts(pair, "uid-1")).as("nothing written yet").isFalse();
    publisher.publish(dp, published);
    assertThat(publisher.trusts(pair, "uid-1")).isTrue();
    assertThat(publisher.trusts(pair, "uid-2")).as("a pair of that name created again").isFalse();
    ConfigMap edited = shard(0);
    edited.getMetadata().getLabels().put("by", "hand");
    publisher.observed(client.resource(edited).update());
    assertThat(publisher.trusts(pair, "uid-1")).as("a change it did not write").isFalse();
  }

  /**
   * A publish in flight (the reconcile's, reading the shards back) keeps no record of what it wrote until it ends:
   * the prompt path asking meanwhile must wait for it, not be told "not trusted" and leave an edit to the next
   * reconcile, a second or more later under load.
   */
  @Test
  void aPublishInFlightIsWaitedForNotDistrusted() throws Exception {
    try (io.halvs.operator.demo.EmbeddedApiServer api = new io.halvs.operator.demo.EmbeddedApiServer()) {
      PlanPublisher slow = new PlanPublisher(api.client(), NS);
      String pair = dp.getMetadata().getName();
      slow.publish(dp, published);
      api.delay(r -> r.getPath().contains("/configmaps"), java.time.Duration.ofMillis(800));
      var inFlight = java.util.concurrent.CompletableFuture.runAsync(() -> slow.publish(dp, PlanCodec.split(
          new DirectorPlan("lvs", List.of("lvs-01", "lvs-02"), "eth1", List.of(), null, new java.util.TreeMap<>(),
              null, null, List.of()), PlanCodec.Manifest.ACTIVE)));
      Thread.sleep(300); // the publish is waiting for its writes
      assertThat(inFlight).isNotDone();
      long asked = System.nanoTime();
      assertThat(slow.trusts(pair, "uid-1")).as("asked while a publish is in flight").isTrue();
      // answered once the publish's writes (800 ms each, the first 300 ms gone) were done
      assertThat((System.nanoTime() - asked) / 1_000_000).as("ms waited for it").isGreaterThan(200);
      inFlight.get(10, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  /**
   * Past REREAD, a publish lists the shards back first; the prompt path's (publishTrusting) does not: an edit's
   * plan goes out without that list, and the next ordinary publish does it. A change it was told of still makes
   * the trusting publish read back and repair.
   */
  @Test
  void aTrustingPublishSkipsTheDueReadBackButNotARepair() throws Exception {
    long[] now = {0};
    publisher.nanoTime = () -> now[0];
    publisher.publish(dp, published);
    long readBacks = publisher.readBacks();
    now[0] += PlanPublisher.REREAD.toNanos() + 1;
    requests();

    assertThat(publisher.publishTrusting(dp, published)).isZero();
    assertThat(publisher.readBacks()).isEqualTo(readBacks);
    assertThat(requests()).as("no request at all").isEmpty();

    assertThat(publisher.publish(dp, published)).isZero();
    assertThat(publisher.readBacks()).as("the ordinary publish reads back once due").isEqualTo(readBacks + 1);
    assertThat(requests()).anyMatch(r -> r.startsWith("GET") && r.contains("labelSelector"));

    ConfigMap damaged = shard(0);
    damaged.setBinaryData(Map.of(Names.SHARD_KEY, Base64.getEncoder().encodeToString("not gzip".getBytes())));
    publisher.observed(client.resource(damaged).update());
    assertThat(publisher.publishTrusting(dp, published)).as("repaired").isEqualTo(1);
    assertThat(publisher.readBacks()).isEqualTo(readBacks + 2);
  }

  /** Method and path of each request the server got since the last call. */
  List<String> requests() throws InterruptedException {
    List<String> out = new ArrayList<>();
    RecordedRequest r;
    while ((r = server.takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
      out.add(r.getMethod() + " " + r.getPath());
    }
    return out;
  }

  @Test
  void aSecondPublishWritesWhatChangedAndReadsNothing() throws Exception {
    ManifestLoader.Result seed = new ManifestLoader().load(List.of(Paths.get("..", "deploy", "examples",
        "seed-nat.yaml")));
    var in = seed.input();
    DirectorPair dp = in.directorPairs().get(0);
    String pair = dp.getMetadata().getName();
    Snapshot first = PlanService.build(in.directorPairs(), in.virtualServices(), in.realServers(), List.of());
    PlanPublisher publisher = new PlanPublisher(client, "halvs-system");
    assertThat(publisher.publish(dp, first.published().get(pair))).isEqualTo(2); // one shard and the manifest
    assertThat(requests()).anyMatch(r -> r.startsWith("GET") && r.contains("labelSelector"));

    in.realServers().get(0).getSpec().setWeight(7);
    Snapshot second = PlanService.build(in.directorPairs(), in.virtualServices(), in.realServers(), List.of());
    assertThat(second.planHash(pair)).isNotEqualTo(first.planHash(pair));
    assertThat(publisher.publish(dp, second.published().get(pair))).isEqualTo(2);
    // one PUT each at the resourceVersion it wrote: no list of the shards, no create that conflicts, no read
    assertThat(requests()).as("writes only").containsExactlyInAnyOrder(
        "PUT /api/v1/namespaces/halvs-system/configmaps/" + Names.shard(pair, 0),
        "PUT /api/v1/namespaces/halvs-system/configmaps/" + Names.manifest(pair));
    assertThat(publisher.publish(dp, second.published().get(pair))).isZero();
    assertThat(requests()).isEmpty();

    PlanCodec.Manifest manifest = publisher.readManifest(pair);
    assertThat(manifest).isEqualTo(second.published().get(pair).manifest());
    assertThat(PlanCodec.assemble(manifest, publisher.readShards(pair))).isEqualTo(second.result().plans().get(pair));
  }

  /** The seed example's plan, and the same with one weight changed: one shard and the manifest differ. */
  record TwoPlans(DirectorPair dp, PlanCodec.Published first, PlanCodec.Published second, DirectorPlan secondPlan) {}

  static TwoPlans twoPlans() throws Exception {
    var in = new ManifestLoader().load(List.of(Paths.get("..", "deploy", "examples", "seed-nat.yaml"))).input();
    DirectorPair dp = in.directorPairs().get(0);
    String pair = dp.getMetadata().getName();
    Snapshot first = PlanService.build(in.directorPairs(), in.virtualServices(), in.realServers(), List.of());
    in.realServers().get(0).getSpec().setWeight(7);
    Snapshot second = PlanService.build(in.directorPairs(), in.virtualServices(), in.realServers(), List.of());
    return new TwoPlans(dp, first.published().get(pair), second.published().get(pair),
        second.result().plans().get(pair));
  }

  /**
   * Its PUT names the resourceVersion it wrote: a ConfigMap changed (409) or deleted (404) behind its back, with
   * no event seen yet, is still replaced by the next publish, created again if need be.
   */
  @Test
  void aConfigMapChangedOrDeletedBehindItsBackIsStillReplaced() throws Exception {
    TwoPlans plans = twoPlans();
    String pair = plans.dp().getMetadata().getName();
    publisher.publish(plans.dp(), plans.first());
    ConfigMap edited = client.configMaps().inNamespace(NS).withName(Names.shard(pair, 0)).get();
    edited.getMetadata().getLabels().put("by", "hand");
    client.resource(edited).update();
    client.configMaps().inNamespace(NS).withName(Names.manifest(pair)).delete();
    requests(); // what came before

    assertThat(publisher.publish(plans.dp(), plans.second())).isEqualTo(2);
    assertThat(requests()).as("the PUTs at the versions it wrote, refused, then a create or replace")
        .contains("PUT /api/v1/namespaces/halvs-system/configmaps/" + Names.shard(pair, 0),
            "PUT /api/v1/namespaces/halvs-system/configmaps/" + Names.manifest(pair),
            "POST /api/v1/namespaces/halvs-system/configmaps");
    assertThat(publisher.readManifest(pair)).isEqualTo(plans.second().manifest());
    assertThat(PlanCodec.assemble(publisher.readManifest(pair), publisher.readShards(pair)))
        .isEqualTo(plans.secondPlan());
  }

  /**
   * An edit's shard and manifest go out side by side, not one after the other: with the shard's PUT answered only
   * after 5 s, the manifest is already written while the publish waits for it. (An agent skips the half-seen
   * plan either way round: PlanSource.)
   */
  @Test
  void theShardAndTheManifestAreWrittenSideBySide() throws Exception {
    TwoPlans plans = twoPlans();
    String pair = plans.dp().getMetadata().getName();
    try (var api = new io.halvs.operator.demo.EmbeddedApiServer()) {
      PlanPublisher publisher = new PlanPublisher(api.client(), NS);
      publisher.publish(plans.dp(), plans.first());
      api.delay(r -> "PUT".equals(r.getMethod()) && r.getPath().endsWith("/configmaps/" + Names.shard(pair, 0)),
          java.time.Duration.ofSeconds(5));
      var publish = java.util.concurrent.CompletableFuture.supplyAsync(
          () -> publisher.publish(plans.dp(), plans.second()));
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(4))
          .until(() -> plans.second().manifest().equals(publisher.readManifest(pair)));
      assertThat(publish).as("still waiting for the shard's answer").isNotDone();
      assertThat(publish.get(30, TimeUnit.SECONDS)).isEqualTo(2);
    }
  }
}
