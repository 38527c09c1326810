package io.halvs.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every agent metric that deploy/monitoring's alerts and dashboards use (the halvs_ names in its YAML and JSON,
 * halvs_operator_ ones aside) is one the agent exports: a renamed or forgotten family fails here, not silently in
 * an alert that never fires. The exposition is rendered from a sample state with every family holding samples.
 */
class MonitoringNamesTest {
  static final Pattern NAME = Pattern.compile("halvs_[a-zA-Z0-9_]*[a-zA-Z0-9]");
  static Map<String, String> exported;

  @BeforeAll
  static void render() throws IOException {
    exported = Scraped.parse(MetricsExporterTest.everyFamily()).types;
  }

  /** The agent metric names the files under dir use. */
  static Set<String> used(Path dir) {
    Set<String> names = new TreeSet<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(p -> p.toString().matches(".*\\.(yaml|yml|json)$")).toList()) {
        Matcher m = NAME.matcher(Files.readString(f));
        while (m.find()) {
          if (!m.group().startsWith("halvs_operator_")) {
            names.add(m.group());
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return names;
  }

  /** Those of names the agent does not export (a histogram's _bucket, _sum and _count count as its family). */
  static Set<String> missing(Set<String> names) {
    Set<String> out = new TreeSet<>();
    for (String n : names) {
      String family = n.replaceAll("_(bucket|sum|count)$", "");
      boolean found = exported.containsKey(n) || !family.equals(n) && "histogram".equals(exported.get(family));
      if (!found) {
        out.add(n);
      }
    }
    return out;
  }

  @Test
  void theFixturesNamesAreReadAndExported() throws Exception {
    Path fixture = Path.of(getClass().getResource("/monitoring-fixture").toURI());
    Set<String> names = used(fixture);
    assertThat(names).contains("halvs_vip_held", "halvs_realserver_up", "halvs_reconcile_duration_seconds_bucket",
        "halvs_ipvs_service_incoming_bytes_total", "halvs_director_transitions_total", "halvs_build_info")
        .doesNotContain("halvs_operator_plan_builds_total");
    assertThat(missing(names)).isEmpty();
  }

  @Test
  void aNameTheAgentDoesNotExportIsCaught() {
    assertThat(missing(Set.of("halvs_vip_held", "halvs_vip_holders", "halvs_realserver_up_bucket",
        "halvs_reconcile_duration_seconds_count"))).containsExactly("halvs_realserver_up_bucket", "halvs_vip_holders");
  }

  @Test
  void deployMonitoringUsesOnlyNamesTheAgentExports() {
    Path dir = Path.of("").toAbsolutePath().getParent().resolve("deploy/monitoring");
    assumeTrue(Files.isDirectory(dir), "no deploy/monitoring in this checkout");
    Set<String> names = used(dir);
    assertThat(names).as("agent metric names in " + dir).isNotEmpty();
    assertThat(missing(names)).as("used in " + dir + " but not exported by the agent").isEmpty();
  }
}
