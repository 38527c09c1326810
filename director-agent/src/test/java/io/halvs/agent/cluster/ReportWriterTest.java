package io.halvs.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.halvs.plan.publish.AgentReport;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The report writer's retries: a failed write is written again, whatever failed and whatever the report says. */
class ReportWriterTest {
  static final Duration INTERVAL = Duration.ofMillis(10);
  static final Duration NO_HEARTBEAT = Duration.ofHours(1);
  final AtomicReference<String> message = new AtomicReference<>("all up");
  final AtomicReference<AgentReport> stored = new AtomicReference<>();

  AgentReport compose() {
    return new AgentReport("lvs-01", "lvs", AgentReport.ACTIVE, "p1", true, "2026-12-07T14:06:13Z", message.get(),
        Map.of(), false);
  }

  String storedMessage() {
    AgentReport r = stored.get();
    return r == null ? null : r.message();
  }

  /**
   * A write that times out may land all the same (an API server that answers late, or after a restart). Its report
   * went back to the one written before it meanwhile (a real server down and up again): the retry must write it,
   * though it is the last one known written, or the API server keeps the one that "failed".
   */
  @Test
  void aFailedWriteIsWrittenAgainWhenTheReportWentBackToTheLastOneWritten() {
    AtomicInteger failures = new AtomicInteger();
    AtomicReference<String> failOn = new AtomicReference<>();
    ReportWriter w = new ReportWriter(r -> {
      stored.set(r); // the API server took it...
      if (r.message().equals(failOn.get())) {
        failOn.set(null);
        message.set("all up"); // ...the real server is back meanwhile...
        failures.incrementAndGet();
        throw new KubernetesClientException("timeout"); // ...and the answer never came
      }
    }, this::compose, "lvs", "lvs-01", null, INTERVAL, NO_HEARTBEAT);
    try {
      w.request();
      await().atMost(Duration.ofSeconds(10)).until(() -> "all up".equals(storedMessage()));
      failOn.set("web-3 down");
      message.set("web-3 down");
      w.request();
      await().atMost(Duration.ofSeconds(10)).until(() -> failures.get() == 1);
      await().atMost(Duration.ofSeconds(10)).until(() -> "all up".equals(storedMessage()));
    } finally {
      w.close();
    }
  }

  @Test
  void aWriteThatFailsOtherwiseThanAtTheApiServerIsRetried() {
    AtomicInteger composed = new AtomicInteger();
    AtomicInteger puts = new AtomicInteger();
    ReportWriter w = new ReportWriter(r -> {
      if (puts.incrementAndGet() == 1) {
        throw new IllegalStateException("a bug in the client");
      }
      stored.set(r);
    }, () -> {
      if (composed.incrementAndGet() == 1) {
        throw new IllegalStateException("health checker thread did not answer in 10 s");
      }
      return compose();
    }, "lvs", "lvs-01", null, INTERVAL, NO_HEARTBEAT);
    try {
      w.request(); // once: the retries alone must bring it
      await().atMost(Duration.ofSeconds(10)).until(() -> "all up".equals(storedMessage()));
      assertThat(composed.get()).isGreaterThanOrEqualTo(3);
      assertThat(puts.get()).isGreaterThanOrEqualTo(2);
    } finally {
      w.close();
    }
  }
}
