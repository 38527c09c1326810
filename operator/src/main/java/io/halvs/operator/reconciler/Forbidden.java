package io.halvs.operator.reconciler;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.halvs.operator.ApiAnswers;
import io.halvs.operator.Logs;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An operator missing a permission (RBAC edited by hand, an upgrade that forgot a rule) must say so plainly and
 * keep going, not throw into JOSDK's retry loop where every attempt prints a stack trace. A 403 becomes one log
 * line naming the denied request, repeated at most once a minute per reconciler, and the object is looked at
 * again after {@link #RETRY}; the line "allowed again" closes the episode.
 */
final class Forbidden {
  static final Duration RETRY = Duration.ofSeconds(10);
  private static final Duration QUIET = Duration.ofMinutes(1);
  private static final Logger LOG = LoggerFactory.getLogger("io.halvs.operator.rbac");
  private static final Map<String, Long> LAST_LOGGED = new ConcurrentHashMap<>();

  private Forbidden() {}

  static boolean is(RuntimeException e) {
    return e instanceof KubernetesClientException k && k.getCode() == 403;
  }

  /** Logs the denial (rate-limited per reconciler). */
  static void report(String reconciler, String object, RuntimeException e) {
    long now = System.nanoTime();
    Long last = LAST_LOGGED.get(reconciler);
    if (last == null || now - last > QUIET.toNanos()) {
      LAST_LOGGED.put(reconciler, now);
      Logs.about(LOG.atWarn(), reconciler, object).log("forbidden: {} reconciling {}: {} — the operator's RBAC "
          + "lacks this permission (compare its "
          + "ClusterRole with deploy/base/operator-rbac.yaml); retrying every {} s", reconciler, object,
          ApiAnswers.firstLine(e.getMessage(), "403"), RETRY.toSeconds());
    }
  }

  /** Called after a reconcile that went through: ends a denial episode with one line. */
  static void cleared(String reconciler) {
    if (LAST_LOGGED.remove(reconciler) != null) {
      LOG.info("allowed again: {} reconciles normally", reconciler);
    }
  }
}
