package io.halvs.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code halvs import} as typed: the subcommand, its arguments, its exit codes and streams. */
class ImportCommandTest {
  private static final Path FIXTURES = Paths.get("..", "plan", "src", "test", "resources", "migrate")
      .toAbsolutePath().normalize();

  record Run(int code, String out, String err) {}

  static Run halvs(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      CommandLine cli = new CommandLine(new Main());
      cli.setErr(new java.io.PrintWriter(System.err, true));
      int code = cli.execute(args);
      return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void importThenRenderGivesLdirectordsRules(@TempDir Path tmp) throws Exception {
    Run imported = halvs("import", "ldirectord", FIXTURES.resolve("ldirectord/seed.conf").toString());
    assertThat(imported.code()).as(imported.err()).isZero();
    assertThat(imported.err()).isEmpty();
    Path yaml = tmp.resolve("lvs.yaml");
    Files.writeString(yaml, imported.out());
    Run rendered = halvs("render", yaml.toString());
    assertThat(rendered.code()).as(rendered.err()).isZero();
    assertThat(rendered.out()).contains("""
        -A -t 192.0.2.110:80 -s wlc
        -a -t 192.0.2.110:80 -r 10.0.1.11:80 -m -w 100
        -a -t 192.0.2.110:80 -r 10.0.1.12:80 -m -w 100
        -a -t 192.0.2.110:80 -r 10.0.1.13:80 -m -w 100
        """);
  }

  @Test
  void keepalivedWarningsAndStrict() {
    String conf = FIXTURES.resolve("keepalived/fwmark.conf").toString();
    Run lax = halvs("import", "keepalived", conf);
    assertThat(lax.code()).isZero();
    assertThat(lax.out()).contains("firewallMark: 3");
    assertThat(lax.err()).startsWith(conf + ":4: warning: ");
    Run strict = halvs("import", "--strict", "keepalived", conf);
    assertThat(strict.code()).isEqualTo(1);
    assertThat(strict.out()).isEmpty();
    assertThat(strict.err()).contains(conf + ":4: warning: ").contains("--strict");
  }

  @Test
  void syntaxErrorAndUnknownFormat() {
    String conf = FIXTURES.resolve("ldirectord/invalid/no-method.conf").toString();
    Run bad = halvs("import", "ldirectord", conf);
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.out()).isEmpty();
    assertThat(bad.err()).contains(conf + ":3: error: forward method must be gate, masq or ipip");
    Run unknown = halvs("import", "haproxy", conf);
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.out()).isEmpty();
    assertThat(unknown.err()).contains("unknown format 'haproxy'");
  }
}
