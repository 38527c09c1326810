package io.halvs.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A scrape with only the Java modules the image's jlink'd runtime has (deploy/image/rootfs.sh), in a JVM started
 * with --limit-modules: a class the exporter needs from a module the image lacks is a NoClassDefFoundError at
 * the first scrape, after the 200 was sent (the cluster tier saw every agent answer /metrics with an empty body:
 * com.sun.management is jdk.management's).
 */
class ImageRuntimeScrapeTest {
  /** Writes one scrape of a bare exporter to stdout. */
  public static void main(String[] args) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new MetricsExporter("", "n", () -> null).write(out);
    System.out.print(out.toString(StandardCharsets.UTF_8));
  }

  /** The modules rootfs.sh gives jlink: its "modules=..." lines, "$modules" being the list so far. */
  static Set<String> imageModules() throws IOException {
    Path script = Path.of("..", "deploy", "image", "rootfs.sh");
    Set<String> modules = new LinkedHashSet<>();
    Matcher m = Pattern.compile("(?m)^modules=(\\S+)$").matcher(Files.readString(script));
    while (m.find()) {
      for (String name : m.group(1).split(",")) {
        if (!name.equals("$modules")) {
          modules.add(name);
        }
      }
    }
    return modules;
  }

  @Test
  void aScrapeInTheImagesRuntimeHasTheProcessFigures() throws Exception {
    Set<String> modules = imageModules();
    assertThat(modules).contains("java.base", "jdk.httpserver");
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--limit-modules", String.join(",", modules), "-cp", System.getProperty("java.class.path"),
        ImageRuntimeScrapeTest.class.getName()));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    assertThat(output).contains("\nhalvs_build_info{", "\nprocess_cpu_seconds_total ", "\njvm_threads_current ");
  }
}
