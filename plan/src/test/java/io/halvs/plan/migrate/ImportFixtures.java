package io.halvs.plan.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import io.halvs.plan.render.Render;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The fixtures of one format: FORMAT/NAME.conf (the config), NAME.ipvsadm (the IPVS rules the original tool
 * programs once every check passes, written by hand from its documentation and source, in ipvsadm-save form;
 * "# sorry-server" lines for the fallback it adds when none is healthy; lines starting "##" explain),
 * NAME.warnings (optional, "LINE: text" per expected warning), NAME.checks (optional: the health checks
 * imported, "KIND NAME: JSON" for each VirtualService and each RealServer with one of its own, "(allow-empty)"
 * after a VirtualService annotated meant to be empty), and FORMAT/invalid/NAME.conf whose first line
 * "# error: LINE: text" names the syntax error.
 */
final class ImportFixtures {
  static final Path ROOT = Paths.get("src", "test", "resources", "migrate");

  private ImportFixtures() {}

  static Stream<String> valid(String format) {
    return names(ROOT.resolve(format));
  }

  static Stream<String> invalid(String format) {
    return names(ROOT.resolve(format).resolve("invalid"));
  }

  private static Stream<String> names(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".conf"))
          .map(n -> n.substring(0, n.length() - 5)).sorted().toList().stream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  record Run(int code, String out, String err) {}

  static Run importRun(Import.Format format, Path file, boolean strict) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Import.run(format, file, strict, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static Run render(Path yaml) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Render.run(List.of(yaml), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** Imports, renders what was imported, and compares the IPVS rules and warnings with the fixture's. */
  static void check(Import.Format format, String dir, String name, Path tmp) throws IOException {
    Path conf = ROOT.resolve(dir).resolve(name + ".conf");
    Run imported = importRun(format, conf, false);
    assertThat(imported.code()).as(imported.err()).isZero();
    List<String> expectedWarnings = lines(ROOT.resolve(dir).resolve(name + ".warnings"));
    List<String> warnings = imported.err().lines().toList();
    assertThat(warnings).as(imported.err()).hasSameSizeAs(expectedWarnings);
    for (int i = 0; i < warnings.size(); i++) {
      String[] lineAndText = expectedWarnings.get(i).split(": ", 2);
      assertThat(warnings.get(i)).startsWith(conf + ":" + lineAndText[0] + ": warning: ").contains(lineAndText[1]);
    }
    Path checksFile = ROOT.resolve(dir).resolve(name + ".checks");
    if (Files.exists(checksFile)) {
      assertThat(checks(imported.out())).as(imported.out()).isEqualTo(lines(checksFile));
    }
    Path yaml = tmp.resolve(name + ".yaml");
    Files.writeString(yaml, imported.out());
    Run rendered = render(yaml);
    assertThat(rendered.code()).as(rendered.err() + "\n" + imported.out()).isZero();
    List<String> rules = new ArrayList<>(rendered.out().lines()
        .filter(l -> l.startsWith("-A ") || l.startsWith("-a ") || l.startsWith("# sorry-server ")).sorted().toList());
    List<String> expected = new ArrayList<>(lines(ROOT.resolve(dir).resolve(name + ".ipvsadm")));
    expected.sort(null);
    assertThat(rules).as(imported.out()).isEqualTo(expected);
    // Strict: the same warnings are fatal, nothing on stdout.
    Run strict = importRun(format, conf, true);
    if (expectedWarnings.isEmpty()) {
      assertThat(strict.code()).isZero();
      assertThat(strict.out()).isEqualTo(imported.out());
    } else {
      assertThat(strict.code()).isEqualTo(1);
      assertThat(strict.out()).isEmpty();
      assertThat(strict.err()).contains("--strict");
    }
  }

  static void checkInvalid(Import.Format format, String dir, String name) throws IOException {
    Path conf = ROOT.resolve(dir).resolve("invalid").resolve(name + ".conf");
    String first = Files.readAllLines(conf).get(0);
    assertThat(first).startsWith("# error: ");
    String[] lineAndText = first.substring("# error: ".length()).split(": ", 2);
    Run r = importRun(format, conf, false);
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains(conf + ":" + lineAndText[0] + ": error: ").contains(lineAndText[1]);
  }

  /** The health checks of an imported manifest, one line per object that has one (see the class comment). */
  static List<String> checks(String manifest) throws IOException {
    com.fasterxml.jackson.databind.ObjectMapper yaml = new com.fasterxml.jackson.databind.ObjectMapper(
        new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    List<String> out = new ArrayList<>();
    try (var docs = yaml.readerFor(com.fasterxml.jackson.databind.JsonNode.class).readValues(manifest)) {
      while (docs.hasNext()) {
        com.fasterxml.jackson.databind.JsonNode d = (com.fasterxml.jackson.databind.JsonNode) docs.next();
        if (d == null || d.isMissingNode() || d.path("spec").path("healthCheck").isMissingNode()) {
          continue;
        }
        boolean empty = "true".equals(d.path("metadata").path("annotations").path("halvs.io/allow-empty").asText());
        out.add(d.path("kind").asText() + " " + d.path("metadata").path("name").asText() + ": "
            + json.writeValueAsString(d.path("spec").path("healthCheck")) + (empty ? " (allow-empty)" : ""));
      }
    }
    return out;
  }

  private static List<String> lines(Path p) throws IOException {
    if (!Files.exists(p)) {
      return List.of();
    }
    return Files.readAllLines(p).stream().filter(l -> !l.isBlank() && !l.startsWith("##")).toList();
  }
}
