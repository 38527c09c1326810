package io.halvs.operator.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * halvs-demo.jar's command line: the operator's commands plus demo; with --log-format json every line on stderr is
 * a JSON object.
 */
class DemoMainTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void demoAndTheOperatorsCommandsHaveHelp() {
    for (String sub : new String[] {"demo", "run", "render", "import"}) {
      StringWriter out = new StringWriter();
      CommandLine cli = DemoMain.commandLine();
      cli.setOut(new PrintWriter(out, true));
      assertThat(cli.execute(sub, "-h")).as(sub).isZero();
      assertThat(out.toString()).as(sub).startsWith("Usage: halvs " + sub + " ");
    }
  }

  @Test
  void theDemoAtInfoWritesOnlyJsonLinesAndNamesThePairs(@TempDir Path tmp) throws Exception {
    Path err = tmp.resolve("stderr");
    Path out = tmp.resolve("stdout");
    // the demo keeps its agents' folder for reading: under tmp, so it goes with the test's
    Process p = new ProcessBuilder(java(), "-Djava.io.tmpdir=" + tmp, "-cp", classPath(), DemoMain.class.getName(),
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

  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** surefire runs the tests from a manifest-only jar; this is the real class path. */
  static String classPath() {
    return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
  }
}
