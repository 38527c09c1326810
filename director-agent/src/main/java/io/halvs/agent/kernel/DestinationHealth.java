package io.halvs.agent.kernel;

import io.halvs.plan.Destination;
import io.halvs.plan.ServiceKey;

/** What the health checks say about one destination, as the reconciler applies it. */
public interface DestinationHealth {
  /** UP: configured weight; QUIESCE: weight 0, established connections live on; REMOVE: not in the table. */
  enum Verdict { UP, QUIESCE, REMOVE }

  Verdict verdict(ServiceKey service, Destination destination);

  /** Every destination up: no health checks (yet), or checks of type none. */
  static DestinationHealth allUp() {
    return (s, d) -> Verdict.UP;
  }
}
