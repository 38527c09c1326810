package io.halvs.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.halvs.operator.demo.Demo;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The README's first command, minus the JVM start: examples in, director rules out, via the published plan. */
class DemoTest {
  @Test
  void demoPrintsWhatTheDirectorsProgram() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int code = new Demo(new PrintStream(bytes, true, StandardCharsets.UTF_8))
        .run(Paths.get("..", "deploy", "examples"), Duration.ofSeconds(60));
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertThat(code).as(out).isZero();
    assertThat(out).contains("read back from ConfigMaps")
        .contains("-A -t 192.0.2.110:80 -s wlc\n-a -t 192.0.2.110:80 -r 10.0.1.11:80 -m -w 100\n")
        .contains("-A -t 192.0.2.120:443 -s wrr -p 600 -M 255.255.255.0")
        .contains("capabilities [NET_ADMIN, NET_RAW]")
        .containsPattern("web +192\\.0\\.2\\.110:80/TCP +wlc +- +\\?/3");
  }

  @Test
  void invalidExamplesFailTheDemoClearly() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int code = new Demo(new PrintStream(bytes, true, StandardCharsets.UTF_8))
        .run(Paths.get("no-such-folder"), Duration.ofSeconds(5));
    assertThat(code).isEqualTo(1);
    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("no-such-folder: no such file or folder");
  }
}
