package io.halvs.agent.runtime;

import io.halvs.agent.kernel.DestinationHealth;
import io.halvs.plan.Destination;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.ServiceKey;
import io.halvs.plan.publish.AgentReport;
import java.util.Map;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.function.Consumer;

/**
 * The director's health checks: they follow the plan, decide locally, and tell the director loop at once which
 * services' verdicts changed so it can fix the kernel without waiting for anyone (least of all the API server).
 */
public interface HealthChecks extends AutoCloseable {

  /** Starts, stops or retimes checks so that they match this plan. Checks of unchanged targets keep their state. */
  void follow(DirectorPlan plan);

  /**
   * As {@link #follow(DirectorPlan)}, without waiting for the checks to take the plan in: a director pass does not
   * wait behind a checker that is busy or short of CPU (its wait was 20-40 ms of a pass on a busy CPU, and 30 s
   * before failing on a stuck checker; docs/PERFORMANCE.md fsAV). Until then the verdicts are the previous plan's:
   * a new target counts as up until its first result either way, and a verdict the plan changes (a down target
   * dropped, its failure action changed) comes back through {@link #onChange}.
   */
  default void followLater(DirectorPlan plan) {
    follow(plan);
  }

  /**
   * The first follow of a (re)started agent: as {@link #follow(DirectorPlan)}, and the new targets the kernel
   * already held in rotation at their planned weight are adopted, confirmed up (a previous agent's verdict), so
   * one failed first check does not drain a real server that serves. Without this, a restart under load (one
   * check timing out) re-programmed the kernel twice: weight 0, then back (e2e/vm/suites/agent-restarts.sh).
   */
  default void follow(DirectorPlan plan, BiPredicate<ServiceKey, Destination> inRotation) {
    follow(plan);
  }

  /** Current verdicts; safe to read from any thread while checks run. */
  DestinationHealth view();

  /** Per VirtualService (namespace/name) as the agent reports it. */
  Map<String, AgentReport.ServiceHealth> report();

  /** Called from checker threads with the services whose verdicts just changed; must return quickly. */
  void onChange(Consumer<Set<ServiceKey>> listener);

  @Override
  void close();
}
