package io.halvs.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClass;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.halvs.api.v1alpha1.AgentSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * deploy/ as `kubectl kustomize` renders it, and as a user's overlay with images: renders it: the agent image
 * the operator hands to its DaemonSets must follow that overlay like the operator's own image does. Skipped
 * where kubectl is not installed, except in CI.
 */
class DeployKustomizeTest {
  static final Path REPO = Paths.get("..").toAbsolutePath().normalize();

  static String kustomize(Path dir) throws IOException, InterruptedException {
    Process p;
    try {
      p = new ProcessBuilder("kubectl", "kustomize", dir.toString()).redirectErrorStream(true).start();
    } catch (IOException e) {
      // CI (CI=true) has kubectl (the monitoring tier needs it too): there a missing one fails, never skips
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError("CI runs the kustomize tests: kubectl not installed: " + e.getMessage(), e);
      }
      assumeTrue(false, "kubectl not installed: " + e.getMessage());
      throw e;
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("kubectl kustomize %s: %s", dir, out).isZero();
    return out;
  }

  static <T> T document(String yaml, String kind, Class<T> type) {
    return Arrays.stream(yaml.split("(?m)^---$")).filter(d -> d.contains("\nkind: " + kind + "\n"))
        .map(d -> Serialization.unmarshal(d, type)).findFirst().orElseThrow(() -> new AssertionError("no " + kind));
  }

  static String env(Deployment d, String name) {
    return d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
        .filter(e -> e.getName().equals(name) && e.getValue() != null).map(EnvVar::getValue).findFirst().orElse(null);
  }

  @Test
  void anOverlaysImagesEntryRewritesTheAgentImageTheOperatorUses() throws Exception {
    Path overlay = Paths.get("target", "kustomize-overlay").toAbsolutePath();
    Files.createDirectories(overlay);
    Files.writeString(overlay.resolve("kustomization.yaml"), String.join("\n",
        "resources:",
        "  - " + overlay.relativize(REPO.resolve("deploy")),
        "images:",
        "  - name: ghcr.io/halvs/director-agent",
        "    newName: mirror.example/halvs/director-agent",
        "    newTag: 9.9.9",
        "  - name: ghcr.io/halvs/operator",
        "    newName: mirror.example/halvs/operator",
        ""));
    Deployment operator = document(kustomize(overlay), "Deployment", Deployment.class);
    assertThat(env(operator, "HALVS_AGENT_IMAGE")).isEqualTo("mirror.example/halvs/director-agent:9.9.9");
    assertThat(operator.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("mirror.example/halvs/operator:0.1.0");
    // A changed image changes the operator's pod template: it rolls and hands the new default to the DaemonSets.
  }

  @Test
  void plainDeployNamesTheReleasedImages() throws Exception {
    String yaml = kustomize(REPO.resolve("deploy"));
    Deployment operator = document(yaml, "Deployment", Deployment.class);
    assertThat(env(operator, "HALVS_AGENT_IMAGE")).isEqualTo(HalvsOperator.DEFAULT_AGENT_IMAGE);
    var pod = operator.getSpec().getTemplate().getSpec();
    assertThat(operator.getSpec().getReplicas()).isEqualTo(2);
    assertThat(pod.getContainers().get(0).getArgs()).contains("--leader-elect");
    assertThat(pod.getContainers().get(0).getEnv()).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("POD_NAME");
      assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
    });
    assertThat(pod.getContainers().get(0).getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(pod.getContainers().get(0).getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    // One port, named for deploy/monitoring's ServiceMonitor; the probes use it by that name. No scrape annotations.
    assertThat(pod.getContainers().get(0).getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getName()).isEqualTo("metrics");
      assertThat(p.getContainerPort()).isEqualTo(8081);
    });
    assertThat(pod.getContainers().get(0).getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("metrics");
    assertThat(pod.getContainers().get(0).getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("metrics");
    assertThat(operator.getSpec().getTemplate().getMetadata().getAnnotations()).isNullOrEmpty();
    // deploy/ applies on clusters without the Prometheus operator's CRDs: deploy/monitoring/ is apart.
    assertThat(yaml).doesNotContain("monitoring.coreos.com");
    List<String> avoided = pod.getAffinity().getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution()
        .stream().filter(t -> t.getWeight() == 100)
        .map(t -> t.getPodAffinityTerm().getLabelSelector().getMatchLabels().get("app.kubernetes.io/name")).toList();
    assertThat(avoided).containsExactlyInAnyOrder("halvs-director-agent", "halvs-operator");
    assertThat(pod.getTolerations()).extracting(t -> t.getKey() + "=" + t.getTolerationSeconds())
        .contains("node.kubernetes.io/unreachable=30", "node.kubernetes.io/not-ready=30");
    PriorityClass pc = document(yaml, "PriorityClass", PriorityClass.class);
    assertThat(pc.getMetadata().getName()).isEqualTo(AgentSettings.DEFAULT_PRIORITY_CLASS);
    assertThat(pc.getValue()).isEqualTo(1_000_000_000); // the highest a user-defined class may have
    assertThat(pc.getMetadata().getNamespace()).isNull();
  }
}
