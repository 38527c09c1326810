package io.halvs.plan.render;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RenderTest {
  private static final Path EXAMPLES = Paths.get("..", "deploy", "examples").toAbsolutePath().normalize();
  private static final Path INVALID = Paths.get("src", "test", "resources", "render", "invalid");

  record Run(int code, String out, String err) {}

  static Run render(Path... paths) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Render.run(List.of(paths), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** The seed's ldirectord.cf: virtual=VIP:80, three "real= masq 100", scheduler=wlc. */
  @Test
  void seedExampleRendersExactlyTheSeedsRules() {
    Run r = render(EXAMPLES.resolve("seed-nat.yaml"));
    assertThat(r.err()).isEmpty();
    assertThat(r.code()).isZero();
    assertThat(r.out()).isEqualTo("""
        # DirectorPair lvs (nodes lvs-01, lvs-02)
        # vip 192.0.2.110/32 dev eth0
        # gateway 10.0.1.254/24 dev eth1
        # sysctl net.ipv4.ip_forward=1
        # sysctl net.ipv4.vs.expire_nodest_conn=1
        # sysctl net.ipv4.vs.expire_quiescent_template=1
        # sync-daemon master+backup syncid 0 dev eth0 group 224.0.0.81 port 8848 ttl 1
        -A -t 192.0.2.110:80 -s wlc
        -a -t 192.0.2.110:80 -r 10.0.1.11:80 -m -w 100
        -a -t 192.0.2.110:80 -r 10.0.1.12:80 -m -w 100
        -a -t 192.0.2.110:80 -r 10.0.1.13:80 -m -w 100
        """);
  }

  @Test
  void directRoutingExample() {
    Run r = render(EXAMPLES.resolve("direct-routing.yaml"));
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("""
        # sorry-server -a -t 192.0.2.120:443 -r 192.0.2.200:443 -g -w 1
        -A -t 192.0.2.120:443 -s wrr -p 600 -M 255.255.255.0
        -a -t 192.0.2.120:443 -r 192.0.2.21:443 -g -w 200
        -a -t 192.0.2.120:443 -r 192.0.2.22:443 -g -w 100
        -a -t 192.0.2.120:443 -r 192.0.2.23:443 -g -w 0
        """);
  }

  @Test
  void aWholeFolderRendersEveryPairInNameOrder() {
    Run r = render(EXAMPLES);
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out().indexOf("# DirectorPair lvs ")).isLessThan(r.out().indexOf("# DirectorPair lvs-dr "));
  }

  @Test
  void renderIsDeterministic() {
    assertThat(render(EXAMPLES).out()).isEqualTo(render(EXAMPLES).out());
  }

  static Stream<Path> invalidInputs() throws IOException {
    try (Stream<Path> s = Files.list(INVALID)) {
      return s.sorted().toList().stream();
    }
  }

  @Test
  void thereAreAtLeastFifteenInvalidInputs() throws IOException {
    assertThat(invalidInputs().count()).isGreaterThanOrEqualTo(15);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidInputs")
  void invalidInputFailsClearlyAndRendersNothing(Path file) throws IOException {
    Run r = render(file);
    assertThat(r.code()).as("exit code; stderr: %s", r.err()).isEqualTo(1);
    assertThat(r.out()).as("nothing printed as if valid").isEmpty();
    assertThat(r.err()).as("names the file").contains(file.toString());
    for (String line : Files.readAllLines(file)) {
      if (line.startsWith("# expect: ")) {
        assertThat(r.err()).contains(line.substring("# expect: ".length()));
      }
    }
  }

  @Test
  void missingFileIsAProblemNotACrash() {
    Run r = render(Paths.get("no/such/file.yaml"));
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains("no/such/file.yaml: no such file or folder");
  }
}
