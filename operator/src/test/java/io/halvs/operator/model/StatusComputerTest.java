package io.halvs.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.DirectorPairSpec;
import io.halvs.api.v1alpha1.DirectorPairStatus;
import io.halvs.plan.PlanResult;
import io.halvs.plan.publish.AgentReport;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class StatusComputerTest {
  // What the agent reports when ip_vs is not loaded (director-agent KernelModuleMissing.problem("ip_vs")).
  static final String IP_VS_MISSING = "kernel module ip_vs not loaded; load it at boot (/etc/modules-load.d) or "
      + "enable the load-modules init container";

  static DirectorPair pair() {
    DirectorPair dp = new DirectorPair();
    dp.setMetadata(new ObjectMetaBuilder().withName("edge").withGeneration(3L).build());
    DirectorPairSpec spec = new DirectorPairSpec();
    spec.setNodes(List.of("lvs-01", "lvs-02"));
    dp.setSpec(spec);
    return dp;
  }

  static DirectorPairStatus status(AgentReport... reports) {
    Map<String, AgentReport> byNode = new TreeMap<>();
    for (AgentReport r : reports) {
      byNode.put(r.node(), r);
    }
    Snapshot s = new Snapshot(new PlanResult(new TreeMap<>(), List.of()), Map.of(), Map.of("edge", byNode), Map.of(),
        Map.of());
    return StatusComputer.directorPair(pair(), s, "2026-11-30T05:00:00Z");
  }

  static AgentReport report(String node, String role, String message) {
    return new AgentReport(node, "edge", role, null, false, "2026-11-30T05:00:00Z", message, Map.of(), false);
  }

  static Condition condition(DirectorPairStatus st, String type) {
    return st.getConditions().stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow();
  }

  @Test
  void aNodeWithoutIpVsIsOneConditionNamingTheNodeAndTheModule() {
    DirectorPairStatus st = status(report("lvs-01", "unknown", IP_VS_MISSING),
        report("lvs-02", AgentReport.STANDBY, null));

    Condition degraded = condition(st, Conditions.DEGRADED);
    assertThat(degraded.getStatus()).isEqualTo("True");
    assertThat(degraded.getReason()).isEqualTo("KernelModuleMissing");
    assertThat(degraded.getMessage()).isEqualTo("lvs-01: " + IP_VS_MISSING);
    assertThat(st.getConditions()).filteredOn(c -> c.getMessage().contains("ip_vs")).hasSize(1);
    assertThat(st.getAgents()).filteredOn(a -> a.getNode().equals("lvs-01")).singleElement()
        .satisfies(a -> assertThat(a.getMessage()).isEqualTo(IP_VS_MISSING));
  }

  @Test
  void otherAgentProblemsKeepTheirReason() {
    DirectorPairStatus st = status(report("lvs-01", AgentReport.STANDBY, "add service TCP 192.0.2.1:80: EINVAL"),
        report("lvs-02", AgentReport.STANDBY, null));
    assertThat(condition(st, Conditions.DEGRADED).getReason()).isEqualTo("AgentProblems");
  }
}
