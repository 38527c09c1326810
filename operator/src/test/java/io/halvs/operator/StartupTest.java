package io.halvs.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.halvs.operator.demo.CrudMockServers;
import java.net.HttpURLConnection;
import java.net.URI;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Startup before the CRDs exist, and the probes' answers. */
class StartupTest {
  @Test
  void waitsForTheCrdsInsteadOfFailing() throws Exception {
    // A mock that knows no halvs kinds answers 404, as an API server does before the CRDs are established.
    KubernetesMockServer server = new KubernetesMockServer(false);
    server.init();
    server.expect().get().withPath("/apis/halvs.io/v1alpha1/directorpairs?limit=1").andReturn(404, "").always();
    KubernetesClient client = server.createClient();
    HalvsOperator operator = new HalvsOperator(client, "halvs-system", "x");
    AtomicBoolean returned = new AtomicBoolean();
    Thread waiting = new Thread(() -> {
      try {
        operator.awaitCrds();
        returned.set(true);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    waiting.start();
    waiting.join(HalvsOperator.CRD_RETRY.toMillis() * 2);
    assertThat(waiting.isAlive()).as("still waiting, not failed").isTrue();
    assertThat(returned).isFalse();
    assertThat(operator.ready()).isFalse();
    assertThat(operator.alive()).as("waiting is not wedged").isTrue();
    operator.close();
    waiting.join();
    client.close();
    CrudMockServers.stop(server);
  }

  @Test
  void probesAnswerWhatTheOperatorSays() throws Exception {
    AtomicBoolean ready = new AtomicBoolean();
    try (HealthServer health = new HealthServer(0, ready::get, () -> true, () -> "standby")) {
      assertThat(status(health, "/readyz")).isEqualTo(503);
      assertThat(status(health, "/healthz")).isEqualTo(200);
      ready.set(true);
      assertThat(status(health, "/readyz")).isEqualTo(200);
    }
  }

  static int status(HealthServer health, String path) throws Exception {
    HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + health.port() + path).toURL()
        .openConnection();
    try {
      return c.getResponseCode();
    } finally {
      c.disconnect();
    }
  }
}
