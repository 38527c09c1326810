package io.halvs.agent.runtime;

import io.halvs.agent.vip.VipManager;
import io.halvs.plan.DirectorPlan;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The no-HA fallback: no heartbeats, the role follows from configuration alone. Either always active
 * (standalone), or active on the first of the pair's nodes and standby on the other (in-cluster without an
 * election plugged in, so that exactly one director of the pair holds the VIPs). Without a VipManager it never
 * touches addresses; with one, the active director holds the plan's VIPs and the standby makes sure it holds none.
 */
public final class StaticElection implements Election {
  private final String node;
  private final VipManager vips;
  private final Consumer<String> changes;
  private final List<Consumer<State>> listeners = new CopyOnWriteArrayList<>();
  private volatile State state = new State(Role.UNKNOWN, Instant.now(), "no plan yet", 0, null);
  private DirectorPlan last;

  private StaticElection(String node, VipManager vips, Consumer<String> changes) {
    this.node = node;
    this.vips = vips;
    this.changes = changes;
  }

  /** Always active. vips null: addresses are left alone. changes: each address added or removed. */
  public static StaticElection alwaysActive(VipManager vips, Consumer<String> changes) {
    return new StaticElection(null, vips, changes);
  }

  /** Active when node is the first of the plan's nodes, standby otherwise. */
  public static StaticElection firstNodeActive(String node, VipManager vips, Consumer<String> changes) {
    return new StaticElection(node, vips, changes);
  }

  @Override
  public synchronized void follow(DirectorPlan plan) {
    last = plan;
    boolean active = node == null || (!plan.nodes().isEmpty() && plan.nodes().get(0).equals(node));
    String peer = plan.nodes().stream().filter(n -> !n.equals(node)).findFirst().orElse(null);
    Role role = active ? Role.ACTIVE : Role.STANDBY;
    if (role != state.role()) {
      state = new State(role, Instant.now(), node == null ? "no election (always active)"
          : "no election: the first node of the pair is active", state.transitions() + 1, peer);
      listeners.forEach(l -> l.accept(state));
    }
    if (vips != null) {
      try {
        (active ? vips.hold(plan) : vips.release(plan)).forEach(changes);
      } catch (VipManager.Refused e) {
        e.changes().forEach(changes); // what it did change, besides what it could not
        throw e;
      }
    }
  }

  @Override
  public State state() {
    return state;
  }

  @Override
  public void onChange(Consumer<State> listener) {
    listeners.add(listener);
  }

  @Override
  public synchronized void releaseAll() {
    if (vips != null && last != null) {
      vips.release(last).forEach(changes);
    }
  }

  @Override
  public void close() {}
}
