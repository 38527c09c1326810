package io.halvs.operator.dependent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.operator.model.PlanService;
import io.halvs.operator.model.Snapshot;
import io.halvs.plan.load.ManifestLoader;
import io.halvs.plan.publish.PlanCodec;
import java.net.InetAddress;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Publishing a changed plan writes the changed shard and the manifest and lists nothing: before, every publish
 * listed all of the pair's shards (megabytes at 100,000 destinations) and read the manifest.
 */
class PlanPublisherTest {
  KubernetesMockServer server;
  KubernetesClient client;

  @BeforeEach
  void start() {
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
        new KubernetesCrudDispatcher(List.of()), false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    client = server.createClient();
  }

  @AfterEach
  void stop() {
    client.close();
    server.destroy();
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
    List<String> requests = requests();
    // createOr(update): POST, then on the conflict GET and PUT the one object; no list of the shards
    assertThat(requests).as("writes only").isNotEmpty().noneMatch(r -> r.contains("labelSelector"))
        .filteredOn(r -> r.startsWith("POST")).hasSize(2);
    assertThat(publisher.publish(dp, second.published().get(pair))).isZero();
    assertThat(requests()).isEmpty();

    PlanCodec.Manifest manifest = publisher.readManifest(pair);
    assertThat(manifest).isEqualTo(second.published().get(pair).manifest());
    assertThat(PlanCodec.assemble(manifest, publisher.readShards(pair))).isEqualTo(second.result().plans().get(pair));
  }
}
