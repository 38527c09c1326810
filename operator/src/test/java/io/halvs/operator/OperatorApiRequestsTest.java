package io.halvs.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.halvs.api.client.ApiRequests;
import io.halvs.operator.demo.EmbeddedApiServer;
import io.halvs.operator.dependent.PlanPublisher;
import io.halvs.operator.metrics.Exposition;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The operator's halvs_operator_api_requests_total against what the API server received: its client's counter,
 * read through its /metrics, agrees with the (mock) API server's own count of the same requests.
 */
class OperatorApiRequestsTest {
  /** A client of the embedded API server, as the operator's (its reader), its requests counted in {@code requests}. */
  static KubernetesClient counted(EmbeddedApiServer api, ApiRequests requests) {
    return requests.install(new KubernetesClientBuilder().withConfig(api.client().getConfiguration())
        .withKubernetesSerialization(OperatorClient.serialization())).build();
  }

  @Test
  void theOperatorsRequestsCountAsTheApiServerReceivedThem() throws Exception {
    ApiRequests requests = new ApiRequests();
    try (EmbeddedApiServer api = new EmbeddedApiServer(); KubernetesClient client = counted(api, requests)) {
      // the seed through the server's own client: not the operator's, not counted
      OperatorTest.createSeed(api.client());
      for (String node : List.of("lvs-01", "lvs-02")) {
        api.client().nodes().resource(new NodeBuilder().withNewMetadata().withName(node).endMetadata().build())
            .create();
      }
      try (HalvsOperator operator = new HalvsOperator(client, OperatorTest.NS, "example.org/agent:test")) {
        operator.metrics().apiRequests(requests);
        operator.start();
        PlanPublisher publisher = new PlanPublisher(api.client(), OperatorTest.NS);
        await().atMost(OperatorTest.TIMEOUT).until(() -> publisher.readManifest("lvs") != null);
        assertThat(client.configMaps().inNamespace(OperatorTest.NS).withName("no-such-map").get()).isNull();
        await().atMost(OperatorTest.TIMEOUT).untilAsserted(() -> {
          Exposition e = new Exposition(operator.metrics().scrape());
          // every ConfigMap the operator created (the plan's, the reports'), as the server counted the POSTs
          assertThat(sum(e, "create", "configmaps", "201")).isPositive()
              .isEqualTo(api.requests("POST", "/configmaps"));
          // status writes: each PUT to a VirtualService's status once, under its subresource
          assertThat(sum(e, "update", "virtualservices/status", null)).isPositive()
              .isEqualTo(api.requests("PUT", "/status") - statusPutsOfOtherKinds(api));
          assertThat(sum(e, "watch", "virtualservices", null)).isPositive(); // 101 over a WebSocket, else 200
          assertThat(sum(e, "get", "configmaps", "404")).isGreaterThanOrEqualTo(1);
          // names never become labels
          assertThat(e.samples("halvs_operator_api_requests_total"))
              .allSatisfy(x -> assertThat(x.labels().get("resource")).doesNotContain("lvs", "web", "no-such"));
        });
      }
    }
  }

  private static long statusPutsOfOtherKinds(EmbeddedApiServer api) {
    return api.requests("PUT", "/realservers/") + api.requests("PUT", "/directorpairs/");
  }

  private static double sum(Exposition e, String verb, String resource, String code) {
    return e.samples("halvs_operator_api_requests_total").stream()
        .filter(x -> x.labels().get("verb").equals(verb) && x.labels().get("resource").equals(resource)
            && (code == null || x.labels().get("code").equals(code)))
        .mapToDouble(Exposition.Sample::value).sum();
  }
}
