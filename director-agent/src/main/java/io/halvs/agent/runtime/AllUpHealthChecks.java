package io.halvs.agent.runtime;

import io.halvs.agent.kernel.DestinationHealth;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpvsService;
import io.halvs.plan.ServiceKey;
import io.halvs.plan.publish.AgentReport;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/** No checks run: every destination is up. What the agent uses until real health checks are plugged in. */
public final class AllUpHealthChecks implements HealthChecks {
  private volatile DirectorPlan plan;

  @Override
  public void follow(DirectorPlan plan) {
    this.plan = plan;
  }

  @Override
  public DestinationHealth view() {
    return DestinationHealth.allUp();
  }

  @Override
  public Map<String, AgentReport.ServiceHealth> report() {
    DirectorPlan p = plan;
    Map<String, Integer> totals = new TreeMap<>();
    if (p != null) {
      for (IpvsService s : p.services()) {
        if (s.owner() != null) {
          totals.merge(s.owner().key(), s.destinations().size(), Integer::sum);
        }
      }
    }
    Map<String, AgentReport.ServiceHealth> out = new TreeMap<>();
    totals.forEach((k, n) -> out.put(k, new AgentReport.ServiceHealth(n, n, List.of())));
    return out;
  }

  @Override
  public void onChange(Consumer<Set<ServiceKey>> listener) {
    // verdicts never change
  }

  @Override
  public void close() {}
}
