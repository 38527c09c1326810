package io.halvs.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.halvs.api.client.WatchRestart;
import io.halvs.operator.demo.CrudMockServers;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The agents' client reads the kinds they watch as their own types, and registers no other kind. */
class AgentClientTest {
  static String event(String apiVersion, String kind) {
    return "{\"type\":\"MODIFIED\",\"object\":{\"apiVersion\":\"" + apiVersion + "\",\"kind\":\"" + kind
        + "\",\"metadata\":{\"name\":\"x\",\"namespace\":\"halvs-system\",\"resourceVersion\":\"7\"}}}";
  }

  @Test
  void watchEventsOfTheAgentsKindsReadAsTheirTypes() {
    KubernetesSerialization s = AgentClient.serialization();
    assertThat(s.unmarshal(event("v1", "ConfigMap"), WatchEvent.class).getObject()).isInstanceOf(ConfigMap.class);
    assertThat(s.unmarshal(event("v1", "Secret"), WatchEvent.class).getObject()).isInstanceOf(Secret.class);
    assertThat(s.unmarshal(event("v1", "Node"), WatchEvent.class).getObject()).isInstanceOf(Node.class);
    assertThat(s.unmarshal(event("coordination.k8s.io/v1", "Lease"), WatchEvent.class).getObject())
        .isInstanceOf(Lease.class);
  }

  /** A watch's 410 Gone: read as anything but a Status, the client would not see it and would not list again. */
  @Test
  void aWatchErrorReadsAsItsStatus() {
    assertThat(AgentClient.serialization().unmarshal(GONE, WatchEvent.class).getObject())
        .isInstanceOfSatisfying(Status.class, st -> assertThat(st.getCode()).isEqualTo(410));
  }

  static final String GONE = "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\","
      + "\"metadata\":{},\"status\":\"Failure\",\"message\":\"too old resource version: 502 (536)\","
      + "\"reason\":\"Expired\",\"code\":410}}";

  /** The default reader would make this a DaemonSet, having registered every model jar's kinds at its first use. */
  @Test
  void anyOtherKindIsNotLookedUpButReadGeneric() {
    assertThat(AgentClient.serialization().unmarshal(event("apps/v1", "DaemonSet"), WatchEvent.class).getObject())
        .isInstanceOf(GenericKubernetesResource.class);
  }

  /** A watch through the client with this reader, end to end against the CRUD mock: typed events. */
  @Test
  void aWatchDeliversTypedObjects() throws Exception {
    KubernetesMockServer server = CrudMockServers.start();
    try (KubernetesClient mock = server.createClient();
        KubernetesClient client = new KubernetesClientBuilder().withConfig(mock.getConfiguration())
            .withKubernetesSerialization(AgentClient.serialization()).build()) {
      var seen = new CopyOnWriteArrayList<Object>();
      try (var watch = client.configMaps().inNamespace("halvs-system").watch(new Watcher<ConfigMap>() {
        @Override
        public void eventReceived(Action action, ConfigMap resource) {
          seen.add(resource);
        }

        @Override
        public void onClose(WatcherException cause) {}
      })) {
        client.configMaps().inNamespace("halvs-system").resource(new ConfigMapBuilder().withNewMetadata()
            .withName("halvs-plan-lvs").endMetadata().addToData("k", "v").build()).create();
        Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> !seen.isEmpty());
      }
      assertThat(seen.get(0)).isInstanceOfSatisfying(ConfigMap.class,
          c -> assertThat(c.getData()).containsEntry("k", "v"));
    } finally {
      CrudMockServers.stop(server);
    }
  }

  /** Its watches start again a tenth of a second after they end, not fabric8's second; the rest its default. */
  @Test
  void itsWatchesStartAgainWithinATenthOfASecond() {
    try (KubernetesClient client = AgentClient.build()) {
      assertThat(client.getConfiguration().getWatchReconnectInterval()).isEqualTo(WatchRestart.RECONNECT_MILLIS)
          .isLessThanOrEqualTo(100);
      assertThat(client.getConfiguration().getMasterUrl()).isEqualTo(new ConfigBuilder().build().getMasterUrl());
    }
  }
}
