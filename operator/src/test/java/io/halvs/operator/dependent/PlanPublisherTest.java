package io.halvs.operator.dependent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.publish.Names;
import io.halvs.plan.publish.PlanCodec;
import java.net.InetAddress;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The plan's ConfigMaps against fabric8's CRUD mock: what a publish writes, and what it repairs. */
class PlanPublisherTest {
  static final String NS = "halvs-system";

  KubernetesMockServer server;
  KubernetesClient client;
  PlanPublisher publisher;
  DirectorPair dp;
  PlanCodec.Published published;

  @BeforeEach
  void start() {
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
        new KubernetesCrudDispatcher(), false);
    server.init(InetAddress.getLoopbackAddress(), 0);
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
    server.destroy();
  }

  ConfigMap shard(int index) {
    return client.configMaps().inNamespace(NS).withName(Names.shard(dp.getMetadata().getName(), index)).get();
  }

  @Test
  void aCurrentPlanIsNotRewritten() {
    int parts = published.shards().size() + 1;
    assertThat(publisher.publish(dp, published)).isEqualTo(parts);
    assertThat(publisher.publish(dp, published)).isZero();
  }

  /** A shard edited by hand keeps its hash label: the next publish must still put the content back. */
  @Test
  void aShardEditedByHandUnderItsHashLabelIsRewritten() {
    publisher.publish(dp, published);
    ConfigMap damaged = shard(0);
    damaged.setBinaryData(Map.of(Names.SHARD_KEY, Base64.getEncoder().encodeToString("not gzip".getBytes())));
    client.resource(damaged).update();

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
    client.resource(m).update();

    assertThat(publisher.publish(dp, published)).isEqualTo(1);
    assertThat(publisher.readManifest(dp.getMetadata().getName())).isEqualTo(published.manifest());
  }
}
