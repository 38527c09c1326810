package io.halvs.operator.model;

import io.halvs.plan.ObjectRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Holds back the VirtualServices' and RealServers' status events of a rebuild that changed a pair's plan until
 * that plan is published (or {@link PlanService#HOLD_MILLIS} passed). Their reconciles write status: after a
 * selector change, 200 RealServers' counts, each a GET and a PUT. Handed on with the pair's, they ran beside the
 * pair's reconcile and the API server served them first: the plan reached the agents 1-2 s after the rebuild,
 * against 0.2 s for a weight. Their statuses say "waiting for the directors" until the agents program the plan
 * anyway. Thread-safe.
 */
final class StatusHold {
  private final Map<String, String> awaited = new HashMap<>();
  private final Set<ObjectRef> held = new LinkedHashSet<>();
  private long episode;

  /**
   * A rebuild's changed objects; returns those to hand on now (all of them when no plan is awaited).
   *
   * @param newPlans pair -> the plan hash to publish, for the pairs whose plan this rebuild changed
   */
  synchronized List<ObjectRef> changed(List<ObjectRef> changed, Map<String, String> newPlans) {
    if (awaited.isEmpty() && !newPlans.isEmpty()) {
      episode++;
    }
    awaited.putAll(newPlans);
    if (awaited.isEmpty()) {
      return changed;
    }
    List<ObjectRef> now = new ArrayList<>();
    for (ObjectRef ref : changed) {
      if ("VirtualService".equals(ref.kind()) || "RealServer".equals(ref.kind())) {
        held.add(ref);
      } else {
        now.add(ref);
      }
    }
    return now;
  }

  /** The current (or last) hold: it starts when a rebuild changed a plan while none was awaited. */
  synchronized long episode() {
    return episode;
  }

  /** Every held object when the hold is still this one (its time is up), else nothing. */
  synchronized List<ObjectRef> expire(long episode) {
    return episode == this.episode && !awaited.isEmpty() ? release() : List.of();
  }

  /** Whether objects are held. */
  synchronized boolean holding() {
    return !awaited.isEmpty();
  }

  /** A pair's plan published; returns the objects to hand on now (when no other plan is awaited). */
  synchronized List<ObjectRef> published(String pair, String planHash) {
    if (planHash != null && planHash.equals(awaited.get(pair))) {
      awaited.remove(pair);
    }
    return awaited.isEmpty() ? release() : List.of();
  }

  /** Every held object, the wait over (it took too long, or the rebuild failed). */
  synchronized List<ObjectRef> release() {
    awaited.clear();
    List<ObjectRef> out = new ArrayList<>(held);
    held.clear();
    return out;
  }
}
