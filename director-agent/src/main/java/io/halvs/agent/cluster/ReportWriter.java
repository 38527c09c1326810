package io.halvs.agent.cluster;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.halvs.agent.Logs;
import io.halvs.agent.runtime.Director;
import io.halvs.agent.runtime.Election;
import io.halvs.plan.publish.AgentReport;
import io.halvs.plan.publish.Names;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes this node's report ConfigMap (pre-created by the operator; the agent may only patch it) from its own
 * thread: {@link #request()} only marks the report stale, so the director loop and the checkers never wait for
 * the API server. Writes are at most one per interval, only when the content changed or a heartbeat is due, and
 * a failed write (whatever failed: the API server, or composing the report) is retried with backoff (at most 5 s),
 * logged once per outage.
 */
public final class ReportWriter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReportWriter.class);
  private static final int MAX_MESSAGE_FAILURES = 5;
  /**
   * The longest wait between failed writes. Not the heartbeat (60 s): an API server that was frozen, not gone,
   * keeps the watch connections open, so nothing says when it is back, and the status would lag that long
   * (e2e/faults: 36-78 s after a pause). One PATCH per 5 s per agent during an outage costs nothing.
   */
  static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
  /** close(): how long the last report (the handover's STANDBY) may take before the agent exits without it. */
  static final Duration FINAL_WRITE = Duration.ofSeconds(1);
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

  /** Puts a report in this node's ConfigMap; throws when it is not known to be there. */
  @FunctionalInterface
  interface Put {
    void put(AgentReport r) throws com.fasterxml.jackson.core.JsonProcessingException;
  }

  private final Put put;
  private final java.util.function.Supplier<AgentReport> compose;
  private final String pair;
  private final String node;
  private final Director director;
  private final Duration interval;
  private final Duration heartbeat;
  private final ScheduledExecutorService worker;
  private final AtomicBoolean queued = new AtomicBoolean();
  private String written; // the last written report without lastSeen; worker thread only
  private long writtenAt; // worker thread only
  private long failingSince; // worker thread only
  private Duration backoff; // worker thread only
  private volatile boolean closed;
  private volatile java.util.function.Supplier<String> planDamage = () -> null;

  public ReportWriter(KubernetesClient client, String namespace, String pair, String node, Director director,
      Duration interval, Duration heartbeat) {
    this(r -> patch(client, namespace, r), null, pair, node, director, interval, heartbeat);
  }

  /** Tests: reports from {@code compose} (null: from the director), put by {@code put}. */
  ReportWriter(Put put, java.util.function.Supplier<AgentReport> compose, String pair, String node,
      Director director, Duration interval, Duration heartbeat) {
    this.put = put;
    this.compose = compose != null ? compose : this::report;
    this.pair = pair;
    this.node = node;
    this.director = director;
    this.interval = interval;
    this.heartbeat = heartbeat;
    this.backoff = interval;
    this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "halvs-report-writer");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Wires itself to the director's passes (a health change ends in a fast pass, so it is covered) and the
   * election, and starts the heartbeat. The health checks' one listener is the director's.
   */
  public void start() {
    director.onPass(p -> request());
    director.election().onChange(s -> request());
    worker.scheduleWithFixedDelay(this::request, heartbeat.toMillis(), heartbeat.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** What is wrong with the published plan (PlanSource#damage), first in the report's message. */
  public void planDamage(java.util.function.Supplier<String> damage) {
    this.planDamage = damage;
  }

  /**
   * The API server answers again: write now rather than at the end of the failed writes' backoff, which after a
   * long outage has grown to the heartbeat (the status would lag that long behind the director).
   */
  public void retryNow() {
    try {
      worker.execute(() -> {
        if (failingSince != 0) { // on the worker thread, like every write
          queued.set(false);
          write();
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed: nothing to write any more
    }
  }

    /** Non-blocking: the report is rewritten within the interval. */
  public void request() {
    if (queued.compareAndSet(false, true)) {
      worker.schedule(this::write, interval.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  public AgentReport report() {
    Director.Status s = director.status();
    Election.State e = director.election().state();
    Map<String, AgentReport.ServiceHealth> health = director.healthChecks().report();
    return new AgentReport(node, pair, role(e.role()), s.programmedPlanHash(), s.programmed(),
        Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), message(planDamage.get(), s.failures()), health,
        s.cleaned());
  }

  static String message(String planDamage, List<String> failures) {
    String m = message(failures);
    return planDamage == null ? m : m == null ? planDamage : planDamage + "; " + m;
  }

  static String role(Election.Role r) {
    return switch (r) {
      case ACTIVE -> AgentReport.ACTIVE;
      case STANDBY -> AgentReport.STANDBY;
      case UNKNOWN -> "unknown";
    };
  }

  static String message(List<String> failures) {
    if (failures.isEmpty()) {
      return null;
    }
    String m = String.join("; ", failures.subList(0, Math.min(MAX_MESSAGE_FAILURES, failures.size())));
    return failures.size() > MAX_MESSAGE_FAILURES ? m + "; and " + (failures.size() - MAX_MESSAGE_FAILURES) + " more" : m;
  }

  private void write() {
    queued.set(false);
    long now = System.currentTimeMillis();
    try {
      AgentReport r = compose.get();
      String content = AgentReport.toJson(new AgentReport(r.node(), r.pair(), r.role(), r.programmedPlanHash(),
          r.programmed(), null, r.message(), r.health(), r.cleaned()));
      if (content.equals(written) && now - writtenAt < heartbeat.toMillis() - interval.toMillis()) {
        return;
      }
      // Unknown until the API server says: a write that timed out may still land. Were a failed write's report
      // to go back to the last one written before the retry, the retry would skip it, and the API server keep
      // the one that failed.
      written = null;
      put.put(r);
      written = content;
      writtenAt = now;
      if (failingSince != 0) {
        Logs.pair(LOG.atInfo(), pair).log("report {} written again after {} s", Names.report(pair, node),
            (now - failingSince) / 1000);
        failingSince = 0;
      }
      backoff = interval;
    } catch (RuntimeException | com.fasterxml.jackson.core.JsonProcessingException e) {
      // Any failure, not only the API server's: a write that ends in an exception the worker swallows is never
      // retried, and the report stays behind the director until its next change or the heartbeat.
      if (closed) {
        return; // close() interrupted this write: the agent is stopping, there is no outage to report
      }
      if (failingSince == 0) {
        failingSince = now;
        Logs.pair(LOG.atWarn(), pair).log("cannot write report {}: {}; retrying (the data plane does not wait for it)",
            Names.report(pair, node), why(e));
      }
      Duration cap = heartbeat.compareTo(MAX_BACKOFF) < 0 ? heartbeat : MAX_BACKOFF;
      backoff = backoff.multipliedBy(2).compareTo(cap) > 0 ? cap : backoff.multipliedBy(2);
      if (queued.compareAndSet(false, true)) {
        worker.schedule(this::write, backoff.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }

  private static void patch(KubernetesClient client, String namespace, AgentReport r)
      throws com.fasterxml.jackson.core.JsonProcessingException {
    String patch = JSON.writeValueAsString(Map.of("data", Map.of(Names.REPORT_KEY, AgentReport.toJson(r))));
    // Through resource(): a patch of withName() reads the object first, a GET before every report's PATCH.
    client.configMaps().inNamespace(namespace).resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
        .withNewMetadata().withName(Names.report(r.pair(), r.node())).withNamespace(namespace).endMetadata().build())
        .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
  }

  /**
   * The report of an agent that cannot start its director (no IPVS in the kernel): role unknown, nothing
   * programmed, and the problem as its message, which the operator shows on the DirectorPair. Written from the
   * caller's thread, before there is a director; false when the API server did not take it (say why once).
   */
  public static boolean writeProblem(KubernetesClient client, String namespace, String pair, String node,
      String problem) {
    AgentReport r = problemReport(pair, node, problem);
    try {
      patch(client, namespace, r);
      return true;
    } catch (KubernetesClientException | com.fasterxml.jackson.core.JsonProcessingException e) {
      Logs.pair(LOG.atWarn(), pair).log("cannot write report {}: {}", Names.report(pair, node), why(e));
      return false;
    }
  }

  static AgentReport problemReport(String pair, String node, String problem) {
    return new AgentReport(node, pair, role(Election.Role.UNKNOWN), null, false,
        Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), problem, Map.of(), false);
  }

  static String why(Exception e) {
    if (!(e instanceof KubernetesClientException k)) {
      return e.toString(); // not the API server's answer: composing or encoding the report failed
    }
    if (k.getCode() == 404) {
      return "it does not exist (the operator creates it)";
    }
    if (k.getCode() > 0) {
      return "HTTP " + k.getCode() + (k.getStatus() != null ? " " + k.getStatus().getMessage() : "");
    }
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return "API server unreachable (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
  }

  @Override
  public void close() {
    // The last word, after a SIGTERM handover: STANDBY. Without it the pair's status can show this director
    // active until the peer's next write (the operator tells two ACTIVE reports apart by their lastSeen, whole
    // seconds, and a handover happens within one). Bounded: an unreachable API server must not hold the exit.
    try {
      worker.submit(() -> {
        queued.set(false);
        write();
      }).get(FINAL_WRITE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException
        | java.util.concurrent.RejectedExecutionException e) {
      // not written: the operator goes by the peer's report
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closed = true;
    worker.shutdownNow();
  }
}
