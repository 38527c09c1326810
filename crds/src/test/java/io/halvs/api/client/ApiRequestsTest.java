package io.halvs.api.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ApiRequestsTest {
  @ParameterizedTest
  @CsvSource({
      "GET, /api/v1/namespaces/halvs-system/configmaps/halvs-plan-lvs, get, configmaps",
      "GET, /api/v1/namespaces/halvs-system/pods?labelSelector=a%3Db, list, pods",
      "GET, /api/v1/namespaces/halvs-system/configmaps?labelSelector=x&resourceVersion=5&watch=true, watch, configmaps",
      "GET, /apis/halvs.io/v1alpha1/realservers?watch=1&allowWatchBookmarks=true, watch, realservers",
      "GET, /apis/halvs.io/v1alpha1/realservers, list, realservers",
      "PUT, /apis/halvs.io/v1alpha1/namespaces/web/realservers/rs-1/status, update, realservers/status",
      "PATCH, /api/v1/namespaces/halvs-system/configmaps/halvs-report-lvs-n1, patch, configmaps",
      "POST, /api/v1/namespaces/halvs-system/configmaps, create, configmaps",
      "DELETE, /api/v1/namespaces/halvs-system/pods/agent-x, delete, pods",
      "DELETE, /api/v1/namespaces/halvs-system/pods, deletecollection, pods",
      "GET, /api/v1/nodes/lvs-01, get, nodes",
      "GET, /api/v1/namespaces/halvs-system, get, namespaces",
      "GET, /api/v1/namespaces, list, namespaces",
      "PUT, /api/v1/namespaces/halvs-system/status, update, namespaces/status",
      "PUT, /api/v1/namespaces/halvs-system/finalize, update, namespaces/finalize",
      "GET, /api/v1/namespaces/halvs-system/status/x, get, status",
      "PUT, /apis/coordination.k8s.io/v1/namespaces/halvs-system/leases/halvs-pair-lvs, update, leases",
      "GET, /apis/apps/v1/namespaces/halvs-system/daemonsets/halvs-agent-lvs/, get, daemonsets",
      "GET, /apis/halvs.io/v1alpha1, list, discovery",
      "GET, /apis, list, discovery",
      "GET, /version, list, other",
  })
  void verbAndResourceAsTheApiServerNamesThem(String method, String uri, String verb, String resource) {
    URI u = URI.create("https://10.0.1.1:6443" + uri);
    assertThat(ApiRequests.verb(method, u)).isEqualTo(verb);
    assertThat(ApiRequests.resource(u.getRawPath())).isEqualTo(resource);
  }

  @Test
  void eachRequestCountsOnceUnderItsAnswerAndNoNameBecomesALabel() {
    ApiRequests r = new ApiRequests();
    for (String rs : new String[] {"rs-1", "rs-2", "rs-3"}) {
      r.count("PUT", URI.create("https://a/apis/halvs.io/v1alpha1/namespaces/web/realservers/" + rs + "/status"),
          "200");
    }
    r.count("PUT", URI.create("https://a/apis/halvs.io/v1alpha1/namespaces/web/realservers/rs-1/status"), "409");
    r.count("GET", URI.create("https://a/api/v1/nodes/lvs-01"), ApiRequests.NO_ANSWER);
    assertThat(r.snapshot()).containsExactly(
        Map.entry(new ApiRequests.Key("get", "nodes", "error"), 1L),
        Map.entry(new ApiRequests.Key("update", "realservers/status", "200"), 3L),
        Map.entry(new ApiRequests.Key("update", "realservers/status", "409"), 1L));
  }
}
