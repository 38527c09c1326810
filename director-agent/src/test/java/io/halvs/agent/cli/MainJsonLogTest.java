package io.halvs.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.halvs.operator.demo.CrudMockServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent as the DaemonSet runs it (in-cluster, here with the in-memory IPVS table against a mock API server),
 * its format from HALVS_LOG_FORMAT as a pod's env would set it: every line on stderr is a JSON object, through
 * startup and the SIGTERM shutdown.
 */
class MainJsonLogTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void inClusterWithHalvsLogFormatJsonWritesOnlyJsonLines(@TempDir Path tmp) throws Exception {
    KubernetesMockServer server = CrudMockServers.start();
    Process p = null;
    try (KubernetesClient client = server.createClient()) {
      Path err = tmp.resolve("stderr");
      ProcessBuilder b = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
          Main.class.getName(), "in-cluster", "--fake-ipvs", "--no-health-checks", "--health-port", "0",
          "--state-dir", tmp.resolve("state").toString(), "--log-level", "warn,io.halvs.agent.cluster=info")
          .redirectError(err.toFile()).redirectOutput(tmp.resolve("stdout").toFile());
      Map<String, String> env = b.environment();
      env.put("HALVS_LOG_FORMAT", "json");
      env.put("NODE_NAME", "lvs-01");
      env.put("POD_NAMESPACE", "halvs-system");
      env.put("HALVS_DIRECTOR_PAIR", "edge");
      env.put("KUBERNETES_MASTER", client.getMasterUrl().toString());
      env.put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
      env.put("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false");
      env.put("KUBECONFIG", tmp.resolve("no-kubeconfig").toString());
      p = b.start();
      Process agent = p;
      // started: it follows its pair's plan (none is published here)
      try {
        await().atMost(Duration.ofSeconds(60)).until(() -> !agent.isAlive()
            || Files.readString(err).contains("following the plan of DirectorPair edge"));
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        throw new AssertionError("no such line in:\n" + Files.readString(err), e);
      }
      assertThat(p.isAlive()).as("agent running").isTrue();
      p.destroy(); // SIGTERM: the shutdown hook's lines too
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();

      List<JsonNode> lines = new ArrayList<>();
      for (String line : Files.readAllLines(err, StandardCharsets.UTF_8)) {
        JsonNode n = JSON.readTree(line); // throws on anything that is not JSON
        assertThat(n.isObject() && n.has("time") && n.has("level") && n.has("logger") && n.has("msg"))
            .as(line).isTrue();
        lines.add(n);
      }
      assertThat(lines).anyMatch(n -> n.get("msg").asText().startsWith("--fake-ipvs: programming an in-memory"));
      assertThat(lines).anyMatch(n -> n.get("msg").asText().startsWith("following the plan of DirectorPair edge")
          && n.path("directorpair").asText().equals("edge"));
      // --log-level warn,io.halvs.agent.cluster=info: PlanSource's info above, none from elsewhere
      assertThat(lines).noneMatch(n -> n.get("level").asText().equals("info")
          && !n.get("logger").asText().startsWith("io.halvs.agent.cluster."));
    } finally {
      if (p != null) {
        p.destroyForcibly();
      }
      CrudMockServers.stop(server);
    }
  }
}
