package io.halvs.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The halvs command as a process: with --log-format json every line on stderr is a JSON object. */
class MainJsonLogTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void theDemoAtInfoWritesOnlyJsonLinesAndNamesThePairs(@TempDir Path tmp) throws Exception {
    Path err = tmp.resolve("stderr");
    Path out = tmp.resolve("stdout");
    Process p = new ProcessBuilder(java(), "-cp", classPath(), Main.class.getName(),
        "demo", "--agent-jar", Path.of("..", "director-agent", "target", "halvs-agent.jar").toString(),
        "--log-level", "info", "--log-format", "json")
        .redirectError(err.toFile()).redirectOutput(out.toFile()).start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("demo finished").isTrue();
    String stdout = Files.readString(out);
    assertThat(p.exitValue()).as(stdout).isZero();
    assertThat(stdout).contains("== operator started"); // the demo's story is on stdout, untouched

    List<JsonNode> lines = new ArrayList<>();
    for (String line : Files.readAllLines(err, StandardCharsets.UTF_8)) {
      lines.add(JSON.readTree(line)); // throws on anything that is not one JSON value
      assertThat(lines.get(lines.size() - 1).isObject()).as(line).isTrue();
    }
    assertThat(lines).isNotEmpty().allSatisfy(n -> assertThat(n.has("time") && n.has("level") && n.has("logger")
        && n.has("thread") && n.has("msg")).as(n.toString()).isTrue());
    assertThat(lines).anyMatch(n -> n.get("logger").asText().startsWith("io.javaoperatorsdk"));
    assertThat(lines).anyMatch(n -> n.path("directorpair").asText().equals("lvs")
        && n.get("msg").asText().startsWith("published plan "));
  }

  @Test
  void renderKeepsStderrClearAndBadLevelsAreRefusedClearly(@TempDir Path tmp) throws Exception {
    Path err = tmp.resolve("stderr");
    Process p = new ProcessBuilder(java(), "-cp", classPath(), Main.class.getName(), "render",
        Path.of("..", "deploy", "examples", "seed-nat.yaml").toString())
        .redirectError(err.toFile()).redirectOutput(tmp.resolve("stdout").toFile()).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
    assertThat(Files.readString(tmp.resolve("stdout"))).contains("-a -t 192.0.2.110:80 -r 10.0.1.13:80 -m -w 100");
    assertThat(Files.readString(err)).isEmpty();

    p = new ProcessBuilder(java(), "-cp", classPath(), Main.class.getName(), "render", "--log-level", "loud", "x")
        .redirectError(err.toFile()).redirectOutput(tmp.resolve("stdout").toFile()).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(Files.readString(err)).startsWith("Invalid value for option '--log-level': unknown log level 'loud' "
        + "in 'loud': expected trace, debug, info, warn or error");
  }

  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** surefire runs the tests from a manifest-only jar; this is the real class path. */
  static String classPath() {
    return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
  }
}
