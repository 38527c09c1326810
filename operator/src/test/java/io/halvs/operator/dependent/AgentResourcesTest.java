package io.halvs.operator.dependent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.halvs.api.v1alpha1.AgentSettings;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.DirectorPairSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The agent DaemonSet as the template and a pair's spec.agent make it. */
class AgentResourcesTest {
  /** The template's heap and collector flags, which spec.agent.jvmOptions follow. */
  static final String TEMPLATE_JAVA_TOOL_OPTIONS =
      "-Xmx192m -XX:MetaspaceSize=48m -XX:+UnlockExperimentalVMOptions -XX:ShenandoahAllocationThreshold=3 "
          + "-XX:ShenandoahUncommitDelay=10000";
  final AgentResources resources = new AgentResources("halvs-system", "ghcr.io/halvs/director-agent:0.1.0");

  static DirectorPair pair(AgentSettings agent) {
    DirectorPair dp = new DirectorPair();
    dp.setMetadata(new ObjectMetaBuilder().withName("lvs").withUid("u-1").build());
    DirectorPairSpec spec = new DirectorPairSpec();
    spec.setNodes(List.of("node-a.example", "node-b.example"));
    spec.setVipInterface("eth0");
    spec.setAgent(agent);
    dp.setSpec(spec);
    return dp;
  }

  PodSpec pod(AgentSettings agent) {
    return resources.daemonSet(pair(agent)).getSpec().getTemplate().getSpec();
  }

  static String env(Container c, String name) {
    return c.getEnv().stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue).findFirst().orElse(null);
  }

  @Test
  void defaults() {
    var ds = resources.daemonSet(pair(null));
    PodSpec pod = ds.getSpec().getTemplate().getSpec();
    Container agent = pod.getContainers().get(0);
    // Placement by the Node's name, which the kubernetes.io/hostname label need not equal.
    // One term per node: the API server takes one value per In on a field (the terms are ORed).
    var terms = pod.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
        .getNodeSelectorTerms();
    assertThat(terms).allSatisfy(t -> {
      assertThat(t.getMatchExpressions()).isEmpty();
      assertThat(t.getMatchFields()).singleElement().satisfies(r -> {
        assertThat(r.getKey()).isEqualTo("metadata.name");
        assertThat(r.getOperator()).isEqualTo("In");
        assertThat(r.getValues()).hasSize(1);
      });
    });
    assertThat(terms).extracting(t -> t.getMatchFields().get(0).getValues().get(0))
        .containsExactly("node-a.example", "node-b.example");
    assertThat(pod.getPriorityClassName()).isEqualTo(AgentSettings.DEFAULT_PRIORITY_CLASS);
    assertThat(agent.getImage()).isEqualTo("ghcr.io/halvs/director-agent:0.1.0");
    assertThat(agent.getArgs()).containsExactly("in-cluster", "--health-port=8850");
    assertThat(agent.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(agent.getReadinessProbe().getHttpGet().getPort().getIntVal()).isEqualTo(8850);
    assertThat(agent.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(agent.getLivenessProbe().getHttpGet().getPort().getIntVal()).isEqualTo(8850);
    // Generous: a minute of failed probes before a restart, never one GC pause.
    assertThat(agent.getLivenessProbe().getPeriodSeconds() * agent.getLivenessProbe().getFailureThreshold())
        .isGreaterThanOrEqualTo(60);
    assertThat(agent.getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getContainerPort()).isEqualTo(8850);
      // deploy/monitoring/'s PodMonitor selects it by name
      assertThat(p.getName()).isEqualTo("metrics");
    });
    assertThat(env(agent, "JAVA_TOOL_OPTIONS")).isEqualTo(TEMPLATE_JAVA_TOOL_OPTIONS);
    assertThat(env(agent, "HALVS_DIRECTOR_PAIR")).isEqualTo("lvs");
    // No CPU limit (throttling longer than the dead interval is a false takeover); a memory limit.
    assertThat(agent.getResources().getLimits()).containsOnlyKeys("memory");
    assertThat(agent.getResources().getRequests()).containsKeys("cpu", "memory");
    // The in-memory /tmp would count against that limit: on the node's disk instead.
    Volume tmp = pod.getVolumes().stream().filter(v -> v.getName().equals("tmp")).findFirst().orElseThrow();
    assertThat(tmp.getEmptyDir().getMedium()).isNull();
    // The operator replaces the pods (standby first, AgentRollout), each available only after staying ready.
    assertThat(ds.getSpec().getUpdateStrategy().getType()).isEqualTo("OnDelete");
    assertThat(ds.getSpec().getUpdateStrategy().getRollingUpdate()).isNull();
    assertThat(ds.getSpec().getMinReadySeconds()).isEqualTo(10);
  }

  @Test
  void loadsTheKernelModulesWithSysModuleOnlyByDefault() {
    PodSpec pod = pod(null);
    assertThat(pod.getInitContainers()).singleElement().satisfies(init -> {
      assertThat(init.getName()).isEqualTo("load-modules");
      assertThat(init.getImage()).isEqualTo("ghcr.io/halvs/director-agent:0.1.0");
      assertThat(init.getArgs()).containsExactly("load-modules", "ip_vs");
      assertThat(init.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
      assertThat(init.getSecurityContext().getCapabilities().getAdd()).containsExactly("SYS_MODULE");
      assertThat(init.getSecurityContext().getPrivileged()).isFalse();
      assertThat(init.getVolumeMounts()).anySatisfy(m -> {
        assertThat(m.getMountPath()).isEqualTo("/lib/modules");
        assertThat(m.getReadOnly()).isTrue();
      });
    });
    assertThat(pod.getVolumes()).anySatisfy(v -> {
      assertThat(v.getName()).isEqualTo(AgentResources.LIB_MODULES);
      assertThat(v.getHostPath().getPath()).isEqualTo("/lib/modules");
    });
  }

  @Test
  void theAgentSettingsOverrideTheDefaults() {
    AgentSettings a = new AgentSettings();
    a.setImage("mirror.example/halvs/director-agent:9");
    a.setImagePullPolicy(AgentSettings.PullPolicy.Always);
    a.setArgs(List.of("--fake-ipvs", "--log-level=debug"));
    a.setJvmOptions("-Xmx300m");
    a.setPriorityClassName("system-node-critical");
    a.setPort(9850);
    a.setLoadKernelModules(false);
    AgentSettings.ComputeResources r = new AgentSettings.ComputeResources();
    AgentSettings.ResourceList limits = new AgentSettings.ResourceList();
    limits.setMemory("1Gi");
    limits.setCpu("2");
    r.setLimits(limits);
    a.setResources(r);
    PodSpec pod = pod(a);
    Container agent = pod.getContainers().get(0);
    assertThat(agent.getImage()).isEqualTo("mirror.example/halvs/director-agent:9");
    assertThat(agent.getImagePullPolicy()).isEqualTo("Always");
    assertThat(agent.getArgs()).containsExactly("in-cluster", "--health-port=9850", "--fake-ipvs", "--log-level=debug");
    assertThat(env(agent, "JAVA_TOOL_OPTIONS")).isEqualTo(TEMPLATE_JAVA_TOOL_OPTIONS + " -Xmx300m");
    assertThat(pod.getPriorityClassName()).isEqualTo("system-node-critical");
    assertThat(agent.getReadinessProbe().getHttpGet().getPort().getIntVal()).isEqualTo(9850);
    assertThat(agent.getLivenessProbe().getHttpGet().getPort().getIntVal()).isEqualTo(9850);
    assertThat(agent.getPorts().get(0).getContainerPort()).isEqualTo(9850);
    assertThat(pod.getInitContainers()).isEmpty();
    assertThat(pod.getVolumes()).noneMatch(v -> v.getName().equals(AgentResources.LIB_MODULES));
    assertThat(agent.getResources().getLimits()).containsEntry("memory", new Quantity("1Gi"))
        .containsEntry("cpu", new Quantity("2"));
    // A request the pair does not set keeps the default.
    assertThat(agent.getResources().getRequests()).containsKeys("cpu", "memory");
  }

  @Test
  void theInitContainerFollowsTheImageAndPullPolicy() {
    AgentSettings a = new AgentSettings();
    a.setImage("mirror.example/agent:1");
    a.setImagePullPolicy(AgentSettings.PullPolicy.Never);
    Container init = pod(a).getInitContainers().get(0);
    assertThat(init.getImage()).isEqualTo("mirror.example/agent:1");
    assertThat(init.getImagePullPolicy()).isEqualTo("Never");
  }
}
