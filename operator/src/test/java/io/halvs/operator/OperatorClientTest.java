package io.halvs.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.halvs.api.client.ApiRequests;
import io.halvs.api.client.WatchRestart;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.RealServerSpec;
import io.halvs.operator.demo.CrudMockServers;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The operator's client reads the watch events of the kinds it watches as their classes, halvs' kinds included. */
class OperatorClientTest {
  static String event(HasMetadata o) {
    return "{\"type\":\"MODIFIED\",\"object\":{\"apiVersion\":\"" + o.getApiVersion() + "\",\"kind\":\"" + o.getKind()
        + "\",\"metadata\":{\"name\":\"x\",\"namespace\":\"default\",\"resourceVersion\":\"7\"}}}";
  }

  @Test
  void everyWatchedKindReadsAsItsClass() throws Exception {
    KubernetesSerialization s = OperatorClient.serialization();
    for (var kind : OperatorClient.WATCHED) {
      HasMetadata o = (HasMetadata) kind.getDeclaredConstructor().newInstance();
      assertThat(s.unmarshal(event(o), WatchEvent.class).getObject()).as(o.getKind()).isInstanceOf(kind);
    }
  }

  /** A watch's 410 Gone: read as anything but a Status, the informers would not see it and would not list again. */
  @Test
  void aWatchErrorReadsAsItsStatus() {
    String gone = "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
        + "\"status\":\"Failure\",\"message\":\"too old resource version: 502 (536)\",\"reason\":\"Expired\","
        + "\"code\":410}}";
    assertThat(OperatorClient.serialization().unmarshal(gone, WatchEvent.class).getObject())
        .isInstanceOfSatisfying(Status.class, st -> assertThat(st.getCode()).isEqualTo(410));
  }

  /** What the client's default reader did with every VirtualService and RealServer event: a generic map tree. */
  @Test
  void theDefaultReaderDoesNotKnowHalvsKinds() {
    assertThat(new KubernetesSerialization().unmarshal(event(new RealServer()), WatchEvent.class).getObject())
        .isInstanceOf(GenericKubernetesResource.class);
  }

  /** A RealServer watch through a client with this reader, against the CRUD mock: RealServers, spec and all. */
  @Test
  void aRealServerWatchDeliversRealServers() {
    KubernetesMockServer server = CrudMockServers.start();
    try (KubernetesClient mock = server.createClient();
        KubernetesClient client = new KubernetesClientBuilder().withConfig(mock.getConfiguration())
            .withKubernetesSerialization(OperatorClient.serialization()).build()) {
      var seen = new CopyOnWriteArrayList<RealServer>();
      var rss = client.resources(RealServer.class).inNamespace("default");
      try (var watch = rss.watch(new Watcher<RealServer>() {
        @Override
        public void eventReceived(Action action, RealServer resource) {
          seen.add(resource);
        }

        @Override
        public void onClose(WatcherException cause) {}
      })) {
        RealServer rs = new RealServer();
        rs.getMetadata().setName("rs-1");
        rs.setSpec(new RealServerSpec());
        rs.getSpec().setAddress("10.0.1.11");
        rs.getSpec().setWeight(50);
        rss.resource(rs).create();
        Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> !seen.isEmpty());
      }
      assertThat(seen.get(0).getSpec().getAddress()).isEqualTo("10.0.1.11");
      assertThat(seen.get(0).getSpec().getWeight()).isEqualTo(50);
    } finally {
      CrudMockServers.stop(server);
    }
  }

  /** Its watches start again a tenth of a second after they end, not fabric8's second; the rest its default. */
  @Test
  void itsWatchesStartAgainWithinATenthOfASecond() {
    try (KubernetesClient client = OperatorClient.build(new ApiRequests())) {
      assertThat(client.getConfiguration().getWatchReconnectInterval()).isEqualTo(WatchRestart.RECONNECT_MILLIS)
          .isLessThanOrEqualTo(100);
      assertThat(client.getConfiguration().getMasterUrl()).isEqualTo(new ConfigBuilder().build().getMasterUrl());
    }
  }
}
