package io.halvs.plan.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpAddress;
import io.halvs.plan.MarkRule;
import io.halvs.plan.PlanBuilder;
import io.halvs.plan.load.ManifestLoader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code halvs render} of marking: the comment lines, the {@code nft -f} script, and that script in a real kernel. */
class NftScriptTest {
  private static final Path EXAMPLE = Paths.get("..", "deploy", "examples", "firewall-mark.yaml").toAbsolutePath()
      .normalize();

  record Run(int code, String out, String err) {}

  static Run render(boolean nft, Path... paths) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Render.run(List.of(paths), false, false, nft, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static final String EXAMPLE_RULES = """
      ip daddr 192.0.2.130 tcp dport 80 meta mark set 10
      ip daddr 192.0.2.130 tcp dport 443 meta mark set 10
      ip daddr 192.0.2.131 tcp dport 80 meta mark set 10
      ip daddr 192.0.2.131 tcp dport 443 meta mark set 10
      ip daddr 192.0.2.131 tcp dport 8000-8099 meta mark set 10
      """;

  @Test
  void theExampleRendersItsMarkingBesideTheIpvsadmLines() {
    Run r = render(false, EXAMPLE);
    assertThat(r.err()).isEmpty();
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("""
        # marking: table inet halvs chain marking, 5 rules (render --nft prints the nft -f script)
        """ + EXAMPLE_RULES.lines().map(l -> "# mark " + l + "\n").collect(java.util.stream.Collectors.joining())
        + "-A -f 10 -s wlc -p 300\n");
  }

  @Test
  void nftPrintsTheScript() {
    Run r = render(true, EXAMPLE);
    assertThat(r.err()).isEmpty();
    assertThat(r.code()).isZero();
    assertThat(r.out()).isEqualTo("# DirectorPair lvs-fwm: firewall marking (nft -f)\n"
        + "table inet halvs\ndelete table inet halvs\ntable inet halvs {\n\tchain marking {\n"
        + "\t\ttype filter hook prerouting priority mangle; policy accept;\n"
        + EXAMPLE_RULES.lines().map(l -> "\t\t" + l + "\n").collect(java.util.stream.Collectors.joining()) + "\t}\n}\n");
  }

  @Test
  void everyShapeOfRule() {
    assertThat(NftScript.rule(rule(10, "TCP", "192.0.2.10", 32, 80, 80)))
        .isEqualTo("ip daddr 192.0.2.10 tcp dport 80 meta mark set 10");
    assertThat(NftScript.rule(rule(11, "UDP", "198.51.100.0", 24, 0, 0)))
        .isEqualTo("ip daddr 198.51.100.0/24 meta l4proto udp meta mark set 11");
    assertThat(NftScript.rule(rule(12, null, "198.51.100.0", 24, 0, 0)))
        .isEqualTo("ip daddr 198.51.100.0/24 meta mark set 12");
    assertThat(NftScript.rule(rule(4294967295L, "SCTP", "2001:db8::", 64, 3868, 3870)))
        .isEqualTo("ip6 daddr 2001:db8::/64 sctp dport 3868-3870 meta mark set 4294967295");
    assertThat(NftScript.rule(rule(13, "TCP", "0.0.0.0", 0, 25, 25)))
        .isEqualTo("ip daddr 0.0.0.0/0 tcp dport 25 meta mark set 13");
  }

  /** A pair without marking: the script deletes the table (and creates nothing). */
  @Test
  void withoutRulesTheScriptOnlyDeletesTheTable() {
    DirectorPlan plan = PlanBuilder.build(new ManifestLoader().load(
        List.of(EXAMPLE.resolveSibling("seed-nat.yaml"))).input()).plans().get("lvs");
    assertThat(NftScript.script(plan)).isEqualTo(
        "# DirectorPair lvs: firewall marking (nft -f)\ntable inet halvs\ndelete table inet halvs\n");
  }

  /**
   * The script in a real kernel, inside a network namespace of this test's own (nf_tables is per namespace: the
   * host's ruleset is never touched): applied twice (a replacement, not an addition), nft lists back exactly the
   * rules render wrote; the empty script then removes the table.
   */
  @Test
  void nftTakesTheScriptAndListsTheSameRules() throws Exception {
    assumeTrue(Files.isExecutable(Paths.get("/usr/sbin/nft")) && Files.isExecutable(Paths.get("/usr/sbin/ip"))
        && "root".equals(System.getProperty("user.name")), "needs root, nft and iproute2");
    List<MarkRule> rules = List.of(rule(10, "TCP", "192.0.2.10", 32, 80, 80),
        rule(10, "TCP", "192.0.2.0", 28, 8000, 8099), rule(11, "UDP", "198.51.100.0", 24, 0, 0),
        rule(12, null, "203.0.113.0", 24, 0, 0), rule(4294967295L, "SCTP", "2001:db8::", 64, 3868, 3868),
        rule(13, "TCP", "0.0.0.0", 0, 25, 25));
    DirectorPlan plan = planWith(rules);
    DirectorPlan none = planWith(List.of());
    String ns = "halvs-markapi-" + ProcessHandle.current().pid();
    Path dir = Files.createTempDirectory("halvs-nft");
    Path script = dir.resolve("marking.nft");
    Path empty = dir.resolve("none.nft");
    Files.writeString(script, NftScript.script(plan));
    Files.writeString(empty, NftScript.script(none));
    sh("ip", "netns", "add", ns);
    try {
      sh("ip", "netns", "exec", ns, "nft", "-f", script.toString());
      sh("ip", "netns", "exec", ns, "nft", "-f", script.toString());
      String listed = sh("ip", "netns", "exec", ns, "nft", "list", "table", "inet", "halvs");
      assertThat(listed).contains("chain marking {", "type filter hook prerouting priority mangle; policy accept;");
      List<String> back = new ArrayList<>();
      for (String line : listed.split("\n")) {
        if (line.contains("meta mark set")) {
          back.add(decimalMark(line.strip()));
        }
      }
      assertThat(back).containsExactlyElementsOf(rules.stream().map(NftScript::rule).toList());
      sh("ip", "netns", "exec", ns, "nft", "-f", empty.toString());
      assertThat(sh("ip", "netns", "exec", ns, "nft", "list", "tables")).doesNotContain("halvs");
    } finally {
      sh("ip", "netns", "del", ns);
      Files.deleteIfExists(script);
      Files.deleteIfExists(empty);
      Files.deleteIfExists(dir);
    }
  }

  /** nft lists marks in hex (0x0000000a): back to the decimal render writes. */
  private static String decimalMark(String line) {
    Matcher m = Pattern.compile("meta mark set 0x([0-9a-f]+)$").matcher(line);
    return m.find() ? line.substring(0, m.start()) + "meta mark set " + Long.parseLong(m.group(1), 16) : line;
  }

  private static DirectorPlan planWith(List<MarkRule> rules) {
    return new DirectorPlan("lvs", List.of("a", "b"), "eth0", List.of(), null, new java.util.TreeMap<>(), null, null,
        List.of(), null, List.of(), List.of(), rules);
  }

  private static MarkRule rule(long mark, String protocol, String address, int prefix, int from, int to) {
    return new MarkRule(mark, protocol, IpAddress.parse(address), prefix, from, to);
  }

  private static String sh(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int code = p.waitFor();
    if (code != 0) {
      throw new IOException(String.join(" ", command) + " exited " + code + ": " + out);
    }
    return out;
  }
}
