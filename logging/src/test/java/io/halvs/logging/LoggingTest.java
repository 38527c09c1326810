package io.halvs.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.event.Level;

class LoggingTest {
  static final ObjectMapper JSON = new ObjectMapper();
  /** Every character JSON must escape, quotes, backslashes, a line separator, an emoji and a lone surrogate. */
  static final String TRICKY = "quote \" backslash \\ nl \n cr \r tab \t nul \u0000 bell \u0007 del \u007f "
      + "ls \u2028 é 漢 \uD83D\uDE00 lone \uD800 end";

  final ByteArrayOutputStream out = new ByteArrayOutputStream();

  @BeforeEach
  void captureLines() {
    Logging.sink(out);
  }

  @AfterEach
  void reset() {
    Logging.sink(null);
    Logging.levels(null);
    Logging.commandDefault(null);
    Logging.defaults(new LogLevels(Level.INFO, Map.of()));
    Logging.format(Logging.Format.TEXT);
    Logging.brief(null);
    MDC.clear();
  }

  List<String> lines() {
    String s = out.toString(StandardCharsets.UTF_8);
    return s.isEmpty() ? List.of() : List.of(s.split("\n", -1)).subList(0, s.split("\n", -1).length - 1);
  }

  List<JsonNode> jsonLines() throws Exception {
    List<JsonNode> nodes = new ArrayList<>();
    for (String line : lines()) {
      nodes.add(JSON.readTree(line));
    }
    return nodes;
  }

  @Test
  void slf4jFindsThisProvider() {
    assertThat(LoggerFactory.getLogger("x")).isInstanceOf(HalvsLogger.class);
  }

  @Test
  void levelsAndOverridesByLongestPrefixChosenOnTopOfTheDefaults() {
    Logging.defaults(LogLevels.parse("info,io.fabric8=error,io.vertx=error"));
    Logging.levels(LogLevels.parse("debug, io.fabric8.kubernetes=warn"));
    Logger app = LoggerFactory.getLogger("io.halvs.agent.Director");
    Logger client = LoggerFactory.getLogger("io.fabric8.kubernetes.client.Watch");
    Logger fabric8 = LoggerFactory.getLogger("io.fabric8.Other");
    Logger vertx = LoggerFactory.getLogger("io.vertx.core.Net");
    Logger lookalike = LoggerFactory.getLogger("io.fabric8x.Thing"); // a prefix is whole segments
    assertThat(app.isDebugEnabled()).isTrue();
    assertThat(app.isTraceEnabled()).isFalse();
    assertThat(client.isInfoEnabled()).isFalse();
    assertThat(client.isWarnEnabled()).isTrue();
    assertThat(fabric8.isWarnEnabled()).isFalse();
    assertThat(fabric8.isErrorEnabled()).isTrue();
    assertThat(vertx.isWarnEnabled()).isFalse();
    assertThat(lookalike.isDebugEnabled()).isTrue();

    app.debug("shown");
    app.trace("hidden");
    client.info("hidden");
    client.warn("shown too");
    app.atDebug().addKeyValue("k", "v").log("fluent shown");
    app.atTrace().addKeyValue("k", "v").log("fluent hidden");
    assertThat(lines()).hasSize(3).allMatch(l -> l.contains("shown") && !l.contains("hidden"));

    // a command's default root (render: warn) yields to a chosen root, not to the library defaults
    Logging.levels(null);
    Logging.commandDefault(Level.WARN);
    assertThat(app.isInfoEnabled()).isFalse();
    assertThat(fabric8.isWarnEnabled()).isFalse();
    Logging.levels(LogLevels.parse("io.halvs=debug"));
    assertThat(app.isDebugEnabled()).isTrue();
    assertThat(lookalike.isInfoEnabled()).isFalse();
  }

  @Test
  void aDisabledLevelFormatsNothing() {
    Logging.levels(LogLevels.parse("warn"));
    AtomicInteger calls = new AtomicInteger();
    Object counted = new Object() {
      @Override
      public String toString() {
        return "n" + calls.incrementAndGet();
      }
    };
    Logger log = LoggerFactory.getLogger("cheap");
    log.info("{}", counted);
    log.debug("{} {} {}", counted, counted, counted);
    log.atInfo().addKeyValue("k", counted).log("{}", counted);
    assertThat(calls).hasValue(0);
    assertThat(lines()).isEmpty();
    log.warn("{}", counted);
    assertThat(calls).hasValue(1);
  }

  @Test
  void badSpecificationsSayWhatIsExpected() {
    assertThatThrownBy(() -> LogLevels.parse("verbose")).hasMessage(
        "unknown log level 'verbose' in 'verbose': expected trace, debug, info, warn or error");
    assertThatThrownBy(() -> LogLevels.parse("info,io.fabric8=loud")).hasMessageContaining("unknown log level 'loud'");
    assertThatThrownBy(() -> LogLevels.parse("info,debug")).hasMessageContaining("two root levels");
    assertThatThrownBy(() -> LogLevels.parse("=info")).hasMessageContaining("no logger name");
    assertThatThrownBy(() -> LogLevels.parse(" ")).hasMessageContaining("empty log level");
    assertThatThrownBy(() -> Logging.Format.parse("xml")).hasMessage(
        "unknown log format 'xml': expected text or json");
    assertThat(Logging.Format.parse("JSON")).isEqualTo(Logging.Format.JSON);
    assertThat(LogLevels.parse("WARN").root()).isEqualTo(Level.WARN);
  }

  @Test
  void textLineTimeLevelThreadShortNameMessageAndPairs() {
    Logger log = LoggerFactory.getLogger("io.halvs.agent.health.HealthMonitor");
    MDC.put("node", "lvs-01");
    log.atInfo().addKeyValue("realserver", "web/web-1").addKeyValue("reason", "connect refused")
        .addKeyValue("empty", "").log("real server {} down", "10.0.1.11:80");
    assertThat(lines()).singleElement().asString().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z "
        + "INFO  \\[main\\] HealthMonitor: real server 10\\.0\\.1\\.11:80 down realserver=web/web-1 "
        + "reason=\"connect refused\" empty=\"\"");
  }

  @Test
  void textStaysOneLinePerEventWithAStackTraceBelow() {
    Logger log = LoggerFactory.getLogger("T");
    log.atWarn().addKeyValue("k", "a\"b\nc").log("two\nlines\u0000");
    log.error("failed {}", "here", new IllegalStateException("boom", new RuntimeException("cause")));
    List<String> l = lines();
    assertThat(l.get(0)).endsWith("T: two\\nlines\\u0000 k=\"a\\\"b\\nc\"");
    assertThat(l.get(1)).endsWith("ERROR [main] T: failed here");
    assertThat(l.get(2)).isEqualTo("java.lang.IllegalStateException: boom");
    assertThat(l.get(3)).startsWith("\tat io.halvs.logging.LoggingTest.textStaysOneLinePerEventWithAStackTraceBelow");
    assertThat(l).anyMatch(s -> s.equals("Caused by: java.lang.RuntimeException: cause"));
  }

  /** A stand-in for an API server's answer (the operator names fabric8's); found anywhere in the cause chain. */
  static final class Answer extends RuntimeException {
    Answer(String m) {
      super(m);
    }
  }

  static String answers(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof Answer a) {
        return "HTTP 403: " + a.getMessage();
      }
    }
    return null;
  }

  @Test
  void anExpectedFailureAtWarnIsOneLineItsErrorAndAnErrorKeepsItsStack() throws Exception {
    Logging.brief(LoggingTest::answers);
    Logger log = LoggerFactory.getLogger("io.fabric8.Reflector");
    log.warn("listSyncAndWatch failed, will retry", new RuntimeException("wrapped", new Answer("forbidden \"x\"")));
    log.info("at info too", new Answer("denied"));
    log.warn("not an answer", new IllegalStateException("a bug"));
    log.error("an answer at error", new Answer("still a stack"));
    List<String> l = lines();
    assertThat(l.get(0)).endsWith("WARN  [main] Reflector: listSyncAndWatch failed, will retry "
        + "error=\"HTTP 403: forbidden \\\"x\\\"\"");
    assertThat(l.get(1)).endsWith("INFO  [main] Reflector: at info too error=\"HTTP 403: denied\"");
    assertThat(l.get(2)).endsWith("WARN  [main] Reflector: not an answer");
    assertThat(l.get(3)).isEqualTo("java.lang.IllegalStateException: a bug");
    assertThat(l.get(4)).startsWith("\tat io.halvs.logging.LoggingTest.");
    int error = l.indexOf(l.stream().filter(s -> s.endsWith("ERROR [main] Reflector: an answer at error")).findFirst()
        .orElseThrow());
    assertThat(l.get(error + 1)).isEqualTo("io.halvs.logging.LoggingTest$Answer: still a stack");
    assertThat(l.stream().filter(s -> s.startsWith("\tat ")).count()).isGreaterThan(2);

    out.reset();
    Logging.format(Logging.Format.JSON);
    log.warn("retry", new RuntimeException("wrapped", new Answer("denied")));
    Logging.brief(t -> {
      throw new IllegalStateException("a summary that fails");
    });
    log.warn("retry", new Answer("denied"));
    List<JsonNode> n = jsonLines();
    assertThat(n.get(0).get("error").asText()).isEqualTo("HTTP 403: denied");
    assertThat(n.get(0).has("stack")).isFalse();
    assertThat(n.get(1).get("error").asText()).isEqualTo("io.halvs.logging.LoggingTest$Answer: denied");
    assertThat(n.get(1).get("stack").asText()).contains("\tat io.halvs.logging.LoggingTest.");
  }

  @Test
  void jsonLinesEscapeEverythingAndCarryEveryPairAsAField() throws Exception {
    Logging.format(Logging.Format.JSON);
    Logger log = LoggerFactory.getLogger("io.halvs.operator.reconciler.DirectorPairReconciler");
    MDC.put("node", "lvs-01");
    log.atInfo().addKeyValue("virtualservice", "web/" + TRICKY).addKeyValue("weight", 100)
        .addKeyValue("ratio", 0.5).addKeyValue("up", true).addKeyValue("nan", Double.NaN).addKeyValue("none", (Object) null)
        .addKeyValue("msg", "a pair named like a field").addKeyValue("weight", 7)
        .log("message {}", TRICKY);
    String raw = lines().get(0);
    assertThat(raw).doesNotContain("\n", "\r", "\u2028").contains("\\u0000", "\\u007f", "\\u2028", "\\ud800");
    JsonNode n = jsonLines().get(0);
    assertThat(n.get("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
    assertThat(n.get("level").asText()).isEqualTo("info");
    assertThat(n.get("logger").asText()).isEqualTo("io.halvs.operator.reconciler.DirectorPairReconciler");
    assertThat(n.get("thread").asText()).isEqualTo("main");
    assertThat(n.get("msg").asText()).isEqualTo("message " + TRICKY);
    assertThat(n.get("node").asText()).isEqualTo("lvs-01");
    assertThat(n.get("virtualservice").asText()).isEqualTo("web/" + TRICKY);
    assertThat(n.get("weight").isInt()).isTrue();
    assertThat(n.get("weight").asInt()).isEqualTo(100);
    assertThat(n.get("weight_").asInt()).isEqualTo(7);
    assertThat(n.get("ratio").asDouble()).isEqualTo(0.5);
    assertThat(n.get("up").asBoolean()).isTrue();
    assertThat(n.get("nan").asText()).isEqualTo("NaN");
    assertThat(n.get("none").isNull()).isTrue();
    assertThat(n.get("msg_").asText()).isEqualTo("a pair named like a field");
    assertThat(n.has("error")).isFalse();
  }

  @Test
  void jsonThrowableAsErrorAndStackFields() throws Exception {
    Logging.format(Logging.Format.JSON);
    Logger log = LoggerFactory.getLogger("J");
    log.error("pass failed", new IllegalStateException("boom \"quoted\"\nsecond line"));
    log.atWarn().setCause(new RuntimeException("fluent")).log("with a cause");
    log.atWarn().log("trailing {}", "arg", new RuntimeException("trailing"));
    List<JsonNode> n = jsonLines();
    assertThat(n).hasSize(3);
    assertThat(n.get(0).get("error").asText()).isEqualTo("java.lang.IllegalStateException: boom \"quoted\"\nsecond line");
    assertThat(n.get(0).get("stack").asText()).startsWith("java.lang.IllegalStateException: boom")
        .contains("\tat io.halvs.logging.LoggingTest.jsonThrowableAsErrorAndStackFields");
    assertThat(n.get(1).get("error").asText()).isEqualTo("java.lang.RuntimeException: fluent");
    assertThat(n.get(2).get("msg").asText()).isEqualTo("trailing arg");
    assertThat(n.get(2).get("error").asText()).isEqualTo("java.lang.RuntimeException: trailing");
  }

  @Test
  void aThrowingToStringPrintsAMarkerNotAnException() throws Exception {
    Object bad = new Object() {
      @Override
      public String toString() {
        throw new IllegalStateException("no");
      }
    };
    Throwable badThrowable = new RuntimeException() {
      @Override
      public String toString() {
        throw new IllegalStateException("no");
      }
    };
    Logger log = LoggerFactory.getLogger("B");
    log.info("arg {} and {}", bad, "fine");
    log.atInfo().addKeyValue("k", bad).log("pair");
    log.error("throwable", badThrowable);
    Logging.format(Logging.Format.JSON);
    log.atInfo().addKeyValue("k", bad).log("json {}", bad);
    log.error("throwable", badThrowable);
    List<String> l = lines();
    String marker = "[toString() of io.halvs.logging.LoggingTest$";
    assertThat(l.get(0)).contains("B: arg " + marker).contains("failed: java.lang.IllegalStateException] and fine");
    assertThat(l.get(1)).contains("pair k=\"" + marker);
    assertThat(l).anyMatch(s -> s.contains("B: throwable"));
    List<JsonNode> json = new ArrayList<>();
    for (String s : l.subList(l.size() - 2, l.size())) {
      json.add(JSON.readTree(s));
    }
    assertThat(json.get(0).get("msg").asText()).startsWith("json " + marker);
    assertThat(json.get(0).get("k").asText()).startsWith(marker);
    assertThat(json.get(1).get("msg").asText()).isEqualTo("throwable");
    assertThat(json.get(1).get("error").asText()).startsWith(marker);
  }

  @Test
  void placeholdersLikeSlf4j() {
    assertThat(Messages.format("a {} b {} c", new Object[] {1, null})).isEqualTo("a 1 b null c");
    assertThat(Messages.format("a \\{} b {}", new Object[] {1})).isEqualTo("a {} b 1");
    assertThat(Messages.format("a \\\\{} b", new Object[] {1})).isEqualTo("a \\1 b");
    assertThat(Messages.format("{} {}", new Object[] {"only"})).isEqualTo("only {}");
    assertThat(Messages.format("{}", new Object[] {new int[] {1, 2}})).isEqualTo("[1, 2]");
    assertThat(Messages.format("{}", new Object[] {new Object[] {"a", new String[] {"b"}}})).isEqualTo("[a, [b]]");
    assertThat(Messages.format(null, new Object[] {1})).isEqualTo("null");
  }

  @Test
  void badEnvironmentValuesAreSaidAndIgnored() throws Exception {
    Logging.fromEnvironment(Map.of(Logging.FORMAT_ENV, "json", Logging.LEVEL_ENV, "loud"));
    assertThat(Logging.format()).isEqualTo(Logging.Format.JSON);
    assertThat(LoggerFactory.getLogger("E").isInfoEnabled()).isTrue();
    assertThat(jsonLines()).singleElement().satisfies(n -> {
      assertThat(n.get("level").asText()).isEqualTo("warn");
      assertThat(n.get("msg").asText()).isEqualTo("HALVS_LOG_LEVEL: unknown log level 'loud' in 'loud': expected "
          + "trace, debug, info, warn or error; ignored");
    });
    Logging.fromEnvironment(Map.of(Logging.LEVEL_ENV, "error,io.halvs=debug"));
    assertThat(LoggerFactory.getLogger("E").isWarnEnabled()).isFalse();
    assertThat(LoggerFactory.getLogger("io.halvs.X").isDebugEnabled()).isTrue();
  }

  @Test
  void linesFromManyThreadsNeverInterleave() throws Exception {
    Logging.format(Logging.Format.JSON);
    int threads = 8;
    int each = 400;
    String filler = "x".repeat(2000); // longer than any buffer a torn write would split at
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> ts = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      Thread th = new Thread(() -> {
        Logger log = LoggerFactory.getLogger("io.halvs.Concurrent" + id);
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < each; i++) {
          if (i % 2 == 0) {
            log.atInfo().addKeyValue("thread", id).addKeyValue("i", i).log("{} {}", id, filler);
          } else {
            log.info("{} {}", id, filler);
          }
        }
      }, "writer-" + t);
      th.start();
      ts.add(th);
    }
    start.countDown();
    for (Thread th : ts) {
      th.join();
    }
    Map<String, Integer> perThread = new HashMap<>();
    for (JsonNode n : jsonLines()) {
      String thread = n.get("thread").asText();
      assertThat(n.get("msg").asText()).isEqualTo(thread.substring("writer-".length()) + " " + filler);
      assertThat(n.get("logger").asText()).isEqualTo("io.halvs.Concurrent" + thread.substring("writer-".length()));
      perThread.merge(thread, 1, Integer::sum);
    }
    assertThat(perThread).hasSize(threads).allSatisfy((t, count) -> assertThat(count).isEqualTo(each));
  }
}
