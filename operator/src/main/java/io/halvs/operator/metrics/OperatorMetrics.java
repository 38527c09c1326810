package io.halvs.operator.metrics;

import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.halvs.api.client.ApiRequests;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/**
 * The operator's /metrics: JOSDK's controller metrics (per controller, never per object: JOSDK's per-object
 * counters would make several series per RealServer, hundreds of thousands at full size), the JVM's, and
 * halvs_operator_* as deploy/monitoring and docs/RUNBOOK.md use them. One registry per operator instance, so
 * tests may run several in one JVM.
 */
public final class OperatorMetrics implements AutoCloseable {
  /** Prometheus text exposition format 0.0.4. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  public static final List<String> STATUS_KINDS = List.of("VirtualService", "RealServer", "DirectorPair");
  public static final String OK = "ok";
  public static final String CONFLICT = "conflict";
  public static final String ERROR = "error";
  private static final String AGREED = "agreed";
  private static final String DIFFERED = "differed";
  /** Bucket bounds of a plan build, seconds: a few ms for the seed, seconds at 100,000 destinations. */
  static final double[] BUILD_BUCKETS = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  /**
   * One pair as the last plan build saw it: what was published and when each director last reported.
   *
   * @param lastSeen per node of the pair, the last report's time (absent: never reported)
   * @param reportBound how old a report may be before it counts as stale
   */
  public record PairState(String pair, int shards, long bytes, List<String> nodes, Map<String, Instant> lastSeen,
      Duration reportBound) {}

  private final PrometheusMeterRegistry registry;
  private final MicrometerMetrics josdk;
  private final Counter planBuilds;
  private final Histogram planBuildDuration;
  private final Counter planAudits;
  private final Counter planConfigMapWrites;
  private final Counter statusWrites;
  private final JvmGcMetrics gc;
  private volatile List<PairState> pairs = List.of();
  private volatile BooleanSupplier leading = () -> false;
  private volatile IntSupplier statusWritesWaiting = () -> 0;
  private volatile ApiRequests apiRequests = new ApiRequests();

  private OperatorMetrics(boolean process) {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // Aggregated per controller (resource kind); the builder's default would tag every series with the object.
    josdk = MicrometerMetrics.newMicrometerMetricsBuilder(registry).notCollectingMetricsPerResource().build();
    PrometheusRegistry r = registry.getPrometheusRegistry();
    planBuilds = Counter.builder().name("halvs_operator_plan_builds_total")
        .help("Plan model builds (all pairs at once), by result").labelNames("result").withoutExemplars().register(r);
    planBuildDuration = Histogram.builder().name("halvs_operator_plan_build_duration_seconds")
        .help("Duration of one plan model build").classicOnly().classicUpperBounds(BUILD_BUCKETS)
        .withoutExemplars().register(r);
    planAudits = Counter.builder().name("halvs_operator_plan_audits_total")
        .help("Full plan builds that checked the incrementally kept model, by result (differed: it was built anew)")
        .labelNames("result").withoutExemplars().register(r);
    planConfigMapWrites = Counter.builder().name("halvs_operator_plan_configmap_writes_total")
        .help("Plan ConfigMaps (manifest, shards) written or deleted when publishing a pair's plan")
        .labelNames("directorpair").withoutExemplars().register(r);
    statusWrites = Counter.builder().name("halvs_operator_status_writes_total")
        .help("Status subresource writes, by kind and result (ok, conflict, error)").labelNames("kind", "result")
        .withoutExemplars().register(r);
    // Every series the alerts and the dashboard use exists from the start, at 0.
    for (String result : List.of(OK, ERROR)) {
      planBuilds.labelValues(result);
    }
    for (String result : List.of(AGREED, DIFFERED)) {
      planAudits.labelValues(result);
    }
    for (String kind : STATUS_KINDS) {
      for (String result : List.of(OK, CONFLICT, ERROR)) {
        statusWrites.labelValues(kind, result);
      }
    }
    GaugeWithCallback.builder().name("halvs_operator_plan_bytes")
        .help("Size of a pair's published plan: manifest and gzipped shards").labelNames("directorpair")
        .callback(cb -> pairs.forEach(p -> cb.call(p.bytes(), p.pair()))).register(r);
    GaugeWithCallback.builder().name("halvs_operator_plan_shards")
        .help("Shard ConfigMaps of a pair's published plan").labelNames("directorpair")
        .callback(cb -> pairs.forEach(p -> cb.call(p.shards(), p.pair()))).register(r);
    GaugeWithCallback.builder().name("halvs_operator_agent_report_stale")
        .help("1 when a director's report is missing or older than its bound (3 heartbeats of the agent)")
        .labelNames("directorpair", "node").callback(cb -> {
          Instant now = Instant.now();
          for (PairState p : pairs) {
            for (String node : p.nodes()) {
              cb.call(stale(p, node, now) ? 1 : 0, p.pair(), node);
            }
          }
        }).register(r);
    GaugeWithCallback.builder().name("halvs_operator_status_writes_waiting")
        .help("Status writes computed and waiting for a writer (one per object at most)")
        .callback(cb -> cb.call(statusWritesWaiting.getAsInt())).register(r);
    CounterWithCallback.builder().name("halvs_operator_api_requests_total")
        .help("Requests of the operator's client to the API server, by verb, resource and HTTP code (error: no "
            + "answer); a watch counts once per connection")
        .labelNames("verb", "resource", "code")
        .callback(cb -> apiRequests.snapshot().forEach((k, n) -> cb.call(n, k.verb(), k.resource(), k.code())))
        .register(r);
    GaugeWithCallback.builder().name("halvs_operator_leader")
        .help("1 on the replica that holds the Lease (the one that reconciles)")
        .callback(cb -> cb.call(leading.getAsBoolean() ? 1 : 0)).register(r);
    Info.builder().name("halvs_build_info").help("The running build").labelNames("component", "version",
        "java_version").register(r).setLabelValues("operator", version(), System.getProperty("java.version"));
    if (process) {
      new JvmMemoryMetrics().bindTo(registry);
      new JvmThreadMetrics().bindTo(registry);
      new ClassLoaderMetrics().bindTo(registry);
      new ProcessorMetrics().bindTo(registry);
      new UptimeMetrics().bindTo(registry);
      gc = new JvmGcMetrics();
      gc.bindTo(registry);
    } else {
      gc = null;
    }
  }

  /** The operator process's metrics, JVM and process included. */
  public static OperatorMetrics forProcess() {
    return new OperatorMetrics(true);
  }

  /** Metrics nobody scrapes (a plan reader in the demo or a test). */
  public static OperatorMetrics unexported() {
    return new OperatorMetrics(false);
  }

  static boolean stale(PairState p, String node, Instant now) {
    Instant seen = p.lastSeen().get(node);
    return seen == null || seen.plus(p.reportBound()).isBefore(now);
  }

  /** The version this build was made from (Maven's project.version), "unknown" outside a build. */
  static String version() {
    try (InputStream in = OperatorMetrics.class.getResourceAsStream("/io/halvs/operator/version.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** For JOSDK's ConfigurationServiceOverrider.withMetrics. */
  public MicrometerMetrics josdk() {
    return josdk;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Whether this replica leads: read at every scrape. */
  public void leading(BooleanSupplier leading) {
    this.leading = leading;
  }

  public void planBuilt(long nanos, boolean ok) {
    planBuilds.labelValues(ok ? OK : ERROR).inc();
    if (ok) {
      planBuildDuration.observe(nanos / 1e9);
    }
  }

  /** A full build checked the kept plan model: it agreed, or it differed (and the model is built anew). */
  public void planAudited(boolean agreed) {
    planAudits.labelValues(agreed ? AGREED : DIFFERED).inc();
  }

  /** The pairs of the last good build: replaces the previous ones (a deleted pair's series go). */
  public void pairs(List<PairState> pairs) {
    this.pairs = List.copyOf(pairs);
  }

  public void planConfigMapsWritten(String pair, int count) {
    if (count > 0) {
      planConfigMapWrites.labelValues(pair).inc(count);
    }
  }

  /** Where halvs_operator_status_writes_waiting comes from (the operator's status writer). */
  public void statusWritesWaiting(IntSupplier waiting) {
    this.statusWritesWaiting = waiting;
  }

  /** The operator's client's requests (its interceptor), exported as halvs_operator_api_requests_total. */
  public void apiRequests(ApiRequests requests) {
    apiRequests = requests;
  }

  /** One status PUT: kind VirtualService, RealServer or DirectorPair; result ok, conflict or error. */
  public void statusWrite(String kind, String result) {
    statusWrites.labelValues(kind, result).inc();
  }

  /** The text exposition of everything above. */
  public String scrape() {
    return registry.scrape(CONTENT_TYPE);
  }

  @Override
  public void close() {
    if (gc != null) {
      gc.close();
    }
    registry.close();
  }
}
