package io.halvs.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.javaoperatorsdk.operator.api.config.BaseConfigurationService;
import io.halvs.operator.dependent.AgentResources;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.processing.event.rate.RateLimiter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How JOSDK runs the operator's controllers, as it resolves their configuration. */
class StatusControllersTest {
  /**
   * No timer per object: JOSDK's default schedules a reconcile 10 h after each one, and the timer's queue keeps a
   * replaced task until its time (154,000 tasks with their ids at rest at full size, about 15 MiB).
   */
  @Test
  void theStatusControllersScheduleNoPeriodicReconcile() {
    BaseConfigurationService config = new BaseConfigurationService();
    List<Reconciler<?>> reconcilers = List.of(new VirtualServiceReconciler(null, null, null, null));
    for (Reconciler<?> r : reconcilers) {
      Optional<Duration> interval = config.getConfigurationFor(r).maxReconciliationInterval();
      assertThat(interval).as(r.getClass().getSimpleName()).isEmpty();
    }
  }

  /** No rate limit, and one rate limiter's state for all objects (JOSDK's default gives each its own). */
  @Test
  void noControllerKeepsARateStatePerObject() {
    BaseConfigurationService config = new BaseConfigurationService();
    List<Reconciler<?>> reconcilers = List.of(new VirtualServiceReconciler(null, null, null, null),
        new DirectorPairReconciler(null, null, new AgentResources("halvs-system", "agent:test"), null, null));
    for (Reconciler<?> r : reconcilers) {
      @SuppressWarnings("unchecked")
      RateLimiter<RateLimiter.RateLimitState> limiter = config.getConfigurationFor(r).getRateLimiter();
      RateLimiter.RateLimitState one = limiter.initState();
      assertThat(limiter.initState()).as(r.getClass().getSimpleName()).isSameAs(one);
      assertThat(limiter.isLimited(one)).as(r.getClass().getSimpleName()).isEmpty();
    }
  }
}
