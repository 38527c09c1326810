package io.halvs.agent.runtime;

import io.halvs.agent.kernel.DestinationHealth;
import io.halvs.agent.kernel.KernelReconcilerTest;
import io.halvs.plan.Destination;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpAddress;
import io.halvs.plan.ServiceKey;
import io.halvs.plan.publish.AgentReport;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/** Health checks and an election the tests steer by hand. */
public final class TestDoubles {
  private TestDoubles() {}

  public static DirectorPlan plan(int services, int perService, DirectorPlan.SyncDaemonPlan sync) {
    return new DirectorPlan("edge", List.of("lvs-01", "lvs-02"), "eth0", List.of(IpAddress.parse("10.100.0.1")),
        null, new TreeMap<>(), sync, null, KernelReconcilerTest.plan(services, perService));
  }

  public static final class SteeredHealth implements HealthChecks {
    final Map<String, DestinationHealth.Verdict> verdicts = new ConcurrentHashMap<>();
    volatile Consumer<Set<ServiceKey>> listener;
    volatile DirectorPlan followed;
    // What the first follow adopted, "service destination-id", asked while it runs (null: no such follow yet)
    volatile Set<String> adopted;

    public void set(ServiceKey service, Destination d, DestinationHealth.Verdict v) {
      verdicts.put(service + " " + d.id(), v);
      listener.accept(Set.of(service));
    }

    @Override
    public void follow(DirectorPlan plan) {
      followed = plan;
    }

    @Override
    public void follow(DirectorPlan plan, BiPredicate<ServiceKey, Destination> inRotation) {
      adopted = plan.services().stream().flatMap(s -> s.destinations().stream()
          .filter(d -> inRotation.test(s.key(), d)).map(d -> s.key() + " " + d.id())).collect(Collectors.toSet());
      follow(plan);
    }

    @Override
    public DestinationHealth view() {
      return (s, d) -> verdicts.getOrDefault(s + " " + d.id(), DestinationHealth.Verdict.UP);
    }

    @Override
    public Map<String, AgentReport.ServiceHealth> report() {
      return Map.of();
    }

    @Override
    public void onChange(Consumer<Set<ServiceKey>> l) {
      listener = l;
    }

    @Override
    public void close() {}
  }

  public static final class RecordingElection implements Election {
    volatile DirectorPlan followed;
    volatile int released;

    @Override
    public void follow(DirectorPlan plan) {
      followed = plan;
    }

    @Override
    public State state() {
      return new State(Role.ACTIVE, Instant.EPOCH, "test", 0, null);
    }

    @Override
    public void onChange(Consumer<State> listener) {}

    @Override
    public void releaseAll() {
      released++;
    }

    @Override
    public void close() {}
  }
}
