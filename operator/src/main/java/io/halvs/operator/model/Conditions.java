package io.halvs.operator.model;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Conditions per the Kubernetes API conventions: lastTransitionTime moves only when status flips. */
public final class Conditions {
  public static final String READY = "Ready";
  public static final String PROGRAMMED = "Programmed";
  public static final String DEGRADED = "Degraded";
  /** RealServer with spec.nodeName: the node holds what a DR/TUN real server needs. */
  public static final String NODE_CONFIGURED = "NodeConfigured";

  private Conditions() {}

  /**
   * A lastTransitionTime for now, in whole seconds as Kubernetes writes its own (metav1.Time). Nanoseconds would
   * make every written condition's time a string of its own: at 100,000 RealServers, 7 MiB of the operator's heap
   * that LeanStore could not share.
   */
  public static String now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  public static Condition of(String type, boolean status, String reason, String message, Long generation) {
    return new ConditionBuilder().withType(type).withStatus(status ? "True" : "False").withReason(reason)
        .withMessage(message == null ? "" : message).withObservedGeneration(generation).build();
  }

  /** The desired conditions, keeping each old lastTransitionTime whose status did not change. */
  public static List<Condition> merge(List<Condition> old, List<Condition> desired, String now) {
    List<Condition> out = new ArrayList<>();
    for (Condition d : desired) {
      Condition prev = old == null ? null
          : old.stream().filter(o -> Objects.equals(o.getType(), d.getType())).findFirst().orElse(null);
      d.setLastTransitionTime(prev != null && Objects.equals(prev.getStatus(), d.getStatus())
          && prev.getLastTransitionTime() != null ? prev.getLastTransitionTime() : now);
      out.add(d);
    }
    return out;
  }
}
