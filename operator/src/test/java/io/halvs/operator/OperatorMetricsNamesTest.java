package io.halvs.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.halvs.api.client.ApiRequests;
import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.operator.demo.EmbeddedApiServer;
import io.halvs.operator.dependent.PlanPublisher;
import io.halvs.operator.metrics.Exposition;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every metric the alerts (deploy/monitoring/prometheusrule.yaml) and the dashboard (dashboards/halvs.json) use
 * that the operator exports (halvs_operator_*, JOSDK's operator_sdk_*, the JVM's, halvs_build_info) is in a real
 * operator's /metrics. The agent's names are checked against the agent's exporter in director-agent.
 */
class OperatorMetricsNamesTest {
  static final Path MONITORING = DeployKustomizeTest.REPO.resolve("deploy").resolve("monitoring");
  /** A PromQL identifier; keywords, functions and label names are filtered out by the prefixes below. */
  static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

  static boolean operatorExported(String name) {
    return name.startsWith("halvs_operator_") || name.startsWith("operator_sdk_") || name.startsWith("jvm_")
        || name.startsWith("process_") || name.equals("halvs_build_info");
  }

  /** The PromQL of every alert and recording rule, and of every dashboard query and variable. */
  static List<String> queries() throws Exception {
    List<String> queries = new ArrayList<>();
    Map<?, ?> rule = Serialization.unmarshal(Files.readString(MONITORING.resolve("prometheusrule.yaml")), Map.class);
    for (Object group : (List<?>) ((Map<?, ?>) rule.get("spec")).get("groups")) {
      for (Object r : (List<?>) ((Map<?, ?>) group).get("rules")) {
        queries.add(String.valueOf(((Map<?, ?>) r).get("expr")));
      }
    }
    JsonNode dashboard = new ObjectMapper().readTree(MONITORING.resolve("dashboards").resolve("halvs.json").toFile());
    for (JsonNode panel : dashboard.get("panels")) {
      for (JsonNode target : panel.path("targets")) {
        queries.add(target.path("expr").asText());
      }
    }
    for (JsonNode variable : dashboard.path("templating").path("list")) {
      queries.add(variable.path("definition").asText());
    }
    return queries;
  }

  static Set<String> names(List<String> queries) {
    Set<String> names = new TreeSet<>();
    for (String q : queries) {
      // label values in quotes are not names
      Matcher m = NAME.matcher(q.replaceAll("\"[^\"]*\"", "\"\""));
      while (m.find()) {
        names.add(m.group());
      }
    }
    return names;
  }

  @Test
  void everyOperatorMetricTheAlertsAndTheDashboardUseIsExported() throws Exception {
    Set<String> used = new TreeSet<>(names(queries()).stream().filter(OperatorMetricsNamesTest::operatorExported)
        .toList());
    // The extraction finds what it should (a broken regex would pass everything).
    assertThat(used).contains("halvs_operator_agent_report_stale", "halvs_operator_leader",
        "halvs_operator_plan_builds_total", "halvs_operator_status_writes_total", "halvs_operator_api_requests_total",
        "halvs_operator_plan_build_duration_seconds_bucket",
        "operator_sdk_controllers_execution_reconcile_seconds_bucket");

    ApiRequests requests = new ApiRequests();
    try (EmbeddedApiServer api = new EmbeddedApiServer();
        KubernetesClient client = OperatorApiRequestsTest.counted(api, requests)) {
      OperatorTest.createSeed(client);
      for (String node : List.of("lvs-01", "lvs-02")) {
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName(node).endMetadata().build()).create();
      }
      try (HalvsOperator operator = new HalvsOperator(client, OperatorTest.NS, "example.org/agent:test")) {
        operator.metrics().apiRequests(requests);
        operator.start();
        PlanPublisher publisher = new PlanPublisher(client, OperatorTest.NS);
        await().atMost(OperatorTest.TIMEOUT).until(() -> publisher.readManifest("lvs") != null);
        // JOSDK creates its failure series at the first failure: one failed reconcile, through the operator's
        // own metrics, so they are exported as a failing operator would.
        failOneReconcile(operator, client.resources(VirtualService.class).inNamespace("default").withName("web")
            .get());
        Set<String> exported = new Exposition(operator.metrics().scrape()).names();
        assertThat(used).allSatisfy(name -> assertThat(exported).as("exported by the operator").contains(name));
      }
    }
  }

  static void failOneReconcile(HalvsOperator operator, VirtualService vs) {
    Metrics josdk = operator.metrics().josdk();
    Map<String, Object> metadata = Map.of();
    josdk.failedReconciliation(vs, new IllegalStateException("test"), metadata);
    try {
      josdk.timeControllerExecution(new Metrics.ControllerExecution<Object>() {
        @Override
        public String name() {
          return "reconcile";
        }

        @Override
        public String controllerName() {
          return "virtualservice";
        }

        @Override
        public String successTypeName(Object result) {
          return "resource";
        }

        @Override
        public ResourceID resourceID() {
          return ResourceID.fromResource(vs);
        }

        @Override
        public Map<String, Object> metadata() {
          return metadata;
        }

        @Override
        public Object execute() {
          throw new IllegalStateException("test");
        }
      });
    } catch (Exception expected) {
      // the failure it records
    }
  }
}
