package io.halvs.operator.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.HashMap;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

class CrudMockServersTest {
  /**
   * A started server whose shutdown closes it and then fails as {@code failure} says, as mockwebserver 7.5.2's
   * sometimes does.
   */
  static KubernetesMockServer failingToStop(RuntimeException failure) {
    KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
        new KubernetesCrudDispatcher(), false) {
      @Override
      public void destroy() {
        super.destroy();
        throw failure;
      }
    };
    server.init(InetAddress.getLoopbackAddress(), 0);
    return server;
  }

  static void assertRefused(int port) {
    assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close())
        .isInstanceOf(IOException.class);
  }

  @Test
  void aStartedServerStoresObjectsAndAStoppedOneNoLongerListens() {
    KubernetesMockServer server = CrudMockServers.start();
    int port = server.getPort();
    try (KubernetesClient client = server.createClient()) {
      client.resource(new ConfigMapBuilder().withNewMetadata().withName("plan").withNamespace("halvs-system")
          .endMetadata().addToData("k", "v").build()).create();
      assertThat(client.configMaps().inNamespace("halvs-system").withName("plan").get().getData())
          .containsEntry("k", "v");
    }
    CrudMockServers.stop(server);
    assertRefused(port);
  }

  @Test
  void stoppingForgivesOnlyTheShutdownsRaceWithItsOwnEventLoop() {
    KubernetesMockServer raced = failingToStop(new RejectedExecutionException("event executor terminated"));
    int port = raced.getPort();
    assertThatCode(() -> CrudMockServers.stop(raced)).doesNotThrowAnyException();
    assertRefused(port);
    assertThatThrownBy(() -> CrudMockServers.stop(failingToStop(new IllegalStateException("shutdown() before start()"))))
        .isInstanceOf(IllegalStateException.class);
  }
}
