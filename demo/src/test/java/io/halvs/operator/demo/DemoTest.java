package io.halvs.operator.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command, minus the operator's JVM start: the embedded API server, the operator and two real
 * agents (child JVMs of director-agent's jar, which the reactor builds first) show each step of the loop.
 */
class DemoTest {
  static final Path AGENT_JAR = Paths.get("..", "director-agent", "target", "halvs-agent.jar");

  @Test
  void demoShowsTheLoop(@TempDir Path work) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int code = new Demo(new PrintStream(bytes, true, StandardCharsets.UTF_8), AGENT_JAR, work)
        .run(Duration.ofSeconds(30));
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertThat(code).as(out).isZero();
    String[] steps = out.split("\n== (?=\\d\\. )");
    assertThat(steps).as(out).hasSize(5);

    // 1: all three in, one director active with the VIP, the other standby without it
    assertThat(steps[1]).as(out).startsWith("1. every real server passes")
        .containsPattern("default +web +192\\.0\\.2\\.110:80/TCP +wlc +lvs-0[12] +3/3")
        .containsPattern("\\(active\\): VIPs: 10\\.0\\.1\\.254/24 on eth1, 192\\.0\\.2\\.110/32 on eth0")
        .contains("(standby): VIPs: none")
        .contains("TCP  192.0.2.110:80 wlc");
    assertThat(destinations(steps[1], "100")).isEqualTo(6); // three on each director
    String first = active(steps[1]);

    // 2: web-2 out, with the check's message
    Matcher web2 = Pattern.compile("  web-2 127\\.0\\.0\\.1:(\\d+): (\\w+), (.+)").matcher(steps[2]);
    assertThat(web2.find()).as(out).isTrue();
    assertThat(web2.group(3)).as(out).isNotBlank();
    assertThat(steps[2]).as(out).containsPattern("web +192\\.0\\.2\\.110:80/TCP +wlc +lvs-0[12] +2/3")
        .doesNotContainPattern("-> 127\\.0\\.0\\.1:" + web2.group(1) + " +Masq +[1-9]");

    // 3: back in
    assertThat(steps[3]).as(out).containsPattern("web +192\\.0\\.2\\.110:80/TCP +wlc +lvs-0[12] +3/3")
        .containsPattern("-> 127\\.0\\.0\\.1:" + web2.group(1) + " +Masq +100 ")
        .doesNotContain("web-2 127.0.0.1");

    // 4: the standby took over: ACTIVE moved, it holds the VIP, a Failover Event says why
    String second = active(steps[4]);
    assertThat(second).as(out).isNotEqualTo(first);
    assertThat(steps[4]).as(out).contains("== director " + first + ": agent stopped")
        .containsPattern("lvs +" + second + " +" + first + " ")
        .containsPattern(second + " \\(active\\): VIPs: 10\\.0\\.1\\.254/24 on eth1, 192\\.0\\.2\\.110/32 on eth0")
        .containsPattern("Normal +Failover +directorpair/lvs +\\S");
    assertThat(destinations(steps[4], "100")).isEqualTo(3);

    assertThat(out).doesNotContain("WARN").doesNotContain("SLF4J").doesNotContain("Exception")
        .doesNotContain("\tat ");

    // the agents' own logs: the loop ran without a warning either
    Matcher logs = Pattern.compile("Agent logs: (\\S+)").matcher(out);
    assertThat(logs.find()).as(out).isTrue();
    for (String node : new String[] {"lvs-01", "lvs-02"}) {
      String log = Files.readString(Path.of(logs.group(1), node + ".log"));
      assertThat(log).as(log).contains("role ACTIVE").doesNotContain("WARN").doesNotContain("ERROR")
          .doesNotContain("Exception");
    }
  }

  @Test
  void aMissingAgentJarIsSaidClearly() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int code = new Demo(new PrintStream(bytes, true, StandardCharsets.UTF_8), Paths.get("no-such.jar"))
        .run(Duration.ofSeconds(5));
    assertThat(code).isEqualTo(1);
    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("no-such.jar is missing; build it with");
  }

  private static String active(String step) {
    Matcher m = Pattern.compile("== director (\\S+) \\(active\\)").matcher(step);
    assertThat(m.find()).as(step).isTrue();
    return m.group(1);
  }

  private static int destinations(String step, String weight) {
    Matcher m = Pattern.compile("-> 127\\.0\\.0\\.1:\\d+ +Masq +" + weight + " ").matcher(step);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }
}
