package io.halvs.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.halvs.operator.demo.CrudMockServers;
import io.halvs.plan.publish.AgentReport;
import io.halvs.plan.publish.Names;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** On a kernel without IPVS, the in-cluster agent waits for the module and reports it missing meanwhile. */
class InClusterWithoutIpVsTest {
  static final String NS = "halvs-system";

  @Test
  void theAgentReportsTheMissingModuleAndKeepsLooking() throws Exception {
    assumeFalse(Files.exists(Path.of("/proc/net/ip_vs")) || Files.exists(Path.of("/proc/modules")),
        "this kernel has IPVS or can load it");
    KubernetesMockServer server = CrudMockServers.start();
    try (KubernetesClient client = server.createClient()) {
      client.resource(new ConfigMapBuilder().withNewMetadata().withName(Names.report("edge", "lvs-01"))
          .withNamespace(NS).endMetadata().build()).create();
      InCluster agent = new InCluster();
      agent.moduleRetrySeconds = 1;
      agent.heartbeatSeconds = 60;
      AtomicReference<Throwable> ended = new AtomicReference<>();
      Thread t = new Thread(() -> {
        try {
          agent.awaitIpvs(client, NS, "edge", "lvs-01").close();
          ended.set(new AssertionError("found IPVS"));
        } catch (InterruptedException e) {
          ended.set(e);
        }
      });
      t.start();

      await().atMost(Duration.ofSeconds(20)).until(() -> report(client) != null);
      AgentReport r = report(client);
      assertThat(r.message()).isEqualTo("kernel module ip_vs not loaded; load it at boot (/etc/modules-load.d) or "
          + "enable the load-modules init container");
      assertThat(r.role()).isEqualTo("unknown");
      assertThat(r.programmed()).isFalse();
      assertThat(t.isAlive()).as("still waiting for the module").isTrue();
      t.interrupt();
      t.join(10_000);
      assertThat(ended.get()).isInstanceOf(InterruptedException.class);
    } finally {
      CrudMockServers.stop(server);
    }
  }

  static AgentReport report(KubernetesClient client) {
    ConfigMap cm = client.configMaps().inNamespace(NS).withName(Names.report("edge", "lvs-01")).get();
    String json = cm.getData() == null ? null : cm.getData().get(Names.REPORT_KEY);
    return json == null ? null : AgentReport.fromJson(json);
  }
}
