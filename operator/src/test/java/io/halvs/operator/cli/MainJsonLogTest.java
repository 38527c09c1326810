package io.halvs.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The halvs command as a process: render keeps stderr clear, a bad level is refused clearly (JSON lines: DemoMainTest). */
class MainJsonLogTest {
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
