package io.halvs.agent.netfilter;

import static io.halvs.agent.netlink.AddressTableNetnsTest.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.halvs.agent.kernel.FakeIpvsKernel;
import io.halvs.agent.kernel.OwnershipJournal;
import io.halvs.agent.netlink.NetNamespace;
import io.halvs.agent.netlink.NetlinkException;
import io.halvs.agent.runtime.AllUpHealthChecks;
import io.halvs.agent.runtime.Director;
import io.halvs.agent.runtime.StaticElection;
import io.halvs.agent.testing.NetnsPrivileges;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpAddress;
import io.halvs.plan.IpvsService;
import io.halvs.plan.MarkRule;
import io.halvs.plan.ServiceKey;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The marking table against this machine's real nf_tables, in two network namespaces the test makes (root only;
 * skipped otherwise, failed under CI): a director namespace whose kernel the table programs, and a client that
 * sends it traffic over a veth. A table of the test's own in the director namespace counts packets by mark in a
 * prerouting chain after mangle, so "marked" is what the kernel did to real packets. The host's own rule set is
 * never touched.
 */
class NftMarkTableNetnsTest {
  static final String D = "halvs-nft-d-" + ProcessHandle.current().pid();
  static final String C = "halvs-nft-c-" + ProcessHandle.current().pid();
  static final ObjectMapper JSON = new ObjectMapper();

  static final MarkRule UDP_RANGE = new MarkRule(7, "UDP", IpAddress.parse("192.0.2.0"), 24, 5353, 5360);
  static final MarkRule TCP_ONE = new MarkRule(8, "TCP", IpAddress.parse("192.0.2.1"), 32, 80, 80);
  static final MarkRule V6_ANY_PROTOCOL = new MarkRule(9, null, IpAddress.parse("2001:db8:7::1"), 128, 0, 0);

  @BeforeAll
  static void namespaces() throws Exception {
    NetnsPrivileges.require();
    cleanup();
    sh("ip", "netns", "add", D);
    sh("ip", "netns", "add", C);
    sh("ip", "link", "add", "hvn0", "netns", D, "type", "veth", "peer", "name", "hvn1", "netns", C);
    sh("ip", "-n", D, "addr", "add", "192.0.2.1/24", "dev", "hvn0");
    sh("ip", "-n", C, "addr", "add", "192.0.2.2/24", "dev", "hvn1");
    sh("ip", "-n", D, "addr", "add", "2001:db8:7::1/64", "dev", "hvn0", "nodad");
    sh("ip", "-n", C, "addr", "add", "2001:db8:7::2/64", "dev", "hvn1", "nodad");
    sh("ip", "-n", D, "link", "set", "hvn0", "up");
    sh("ip", "-n", C, "link", "set", "hvn1", "up");
    // the test's own counters, after mangle (-150): what the marking rules did to each packet
    nft(D, "-f", "-", """
        table inet probe {
          chain count {
            type filter hook prerouting priority 0; policy accept;
            meta l4proto udp meta mark 0x7 counter
            meta l4proto udp meta mark 0x0 counter
            meta l4proto udp meta mark 0x9 counter
            meta l4proto udp meta mark 0x17 counter
          }
        }
        """);
  }

  @AfterAll
  static void cleanup() {
    for (String ns : List.of(D, C)) {
      try {
        sh("ip", "netns", "del", ns);
      } catch (Exception ignored) {
        // not there
      }
    }
  }

  /** nft in a namespace; with "-f -" the last argument is the script on stdin. */
  static String nft(String ns, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns, "nft"));
    String stdin = null;
    if (args.length >= 2 && args[args.length - 2].equals("-")) {
      cmd.addAll(List.of(args).subList(0, args.length - 1));
      stdin = args[args.length - 1];
    } else {
      cmd.addAll(List.of(args));
    }
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try (OutputStream in = p.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + ": " + out);
    }
    return out.trim();
  }

  static <T> T inD(java.util.concurrent.Callable<T> body) throws Exception {
    return NetNamespace.run(D, body);
  }

  static List<String> apply(MarkTable t, List<MarkRule> rules) throws Exception {
    return inD(() -> t.apply(rules));
  }

  static long generation() throws Exception {
    return inD(() -> {
      try (NfTables n = new NfTables()) {
        return n.generation();
      }
    });
  }

  /** Packets the probe chain counted for one mark (UDP only). */
  static long counted(int mark) throws Exception {
    Matcher m = Pattern.compile("meta mark 0x0*" + Integer.toHexString(mark) + " counter packets (\\d+)")
        .matcher(nft(D, "list", "table", "inet", "probe"));
    assertThat(m.find()).as("probe counter for mark " + mark).isTrue();
    return Long.parseLong(m.group(1));
  }

  /**
   * Sends n datagrams from the client to address:port and returns once the director's socket received all of
   * them, i.e. once they went through its prerouting hook.
   */
  static void send(String address, int port, int n) throws Exception {
    try (DatagramSocket server = inD(() -> new DatagramSocket(new InetSocketAddress(address, port)))) {
      server.setSoTimeout(10_000);
      NetNamespace.run(C, () -> {
        try (DatagramSocket client = new DatagramSocket()) {
          for (int i = 0; i < n; i++) {
            byte[] b = ("probe " + i).getBytes(StandardCharsets.UTF_8);
            client.send(new DatagramPacket(b, b.length, new InetSocketAddress(address, port)));
          }
        }
        return null;
      });
      for (int i = 0; i < n; i++) {
        server.receive(new DatagramPacket(new byte[64], 64));
      }
    }
  }

  static JsonNode table() throws Exception {
    return JSON.readTree(nft(D, "-j", "list", "table", "inet", "halvs")).get("nftables");
  }

  static List<String> comments(JsonNode table) {
    List<String> c = new ArrayList<>();
    table.forEach(n -> {
      if (n.has("rule")) {
        c.add(n.get("rule").path("comment").asText(null));
      }
    });
    return c;
  }

  @Test
  void rulesMarkRealPacketsAreAdoptedReplacedAtomicallyAndOnlyTheirTableIsRemoved() throws Exception {
    // a foreign rule set: a table of another name, and one of the same name in another family
    nft(D, "-f", "-", """
        table inet foreign {
          chain input {
            type filter hook input priority 0; policy accept;
            udp dport 9 counter
          }
        }
        table ip halvs {
          chain c {
            udp dport 9 counter
          }
        }
        """);
    String foreignBefore = nft(D, "list", "table", "inet", "foreign") + nft(D, "list", "table", "ip", "halvs");

    try (NftMarkTable t = new NftMarkTable()) {
      List<MarkRule> rules = List.of(UDP_RANGE, TCP_ONE, V6_ANY_PROTOCOL);
      assertThat(apply(t, rules)).containsExactly("create table inet halvs with 3 marking rule(s) (one transaction)");

      JsonNode table = table();
      JsonNode chain = null;
      for (JsonNode n : table) {
        if (n.has("chain")) {
          chain = n.get("chain");
        }
      }
      assertThat(chain).isNotNull();
      assertThat(chain.get("name").asText()).isEqualTo("marking");
      assertThat(chain.get("type").asText()).isEqualTo("filter");
      assertThat(chain.get("hook").asText()).isEqualTo("prerouting");
      assertThat(chain.get("prio").asInt()).isEqualTo(-150);
      assertThat(chain.get("policy").asText()).isEqualTo("accept");
      assertThat(comments(table)).containsExactly(MarkRules.comment(UDP_RANGE), MarkRules.comment(TCP_ONE),
          MarkRules.comment(V6_ANY_PROTOCOL));
      // nft reads the rules back as it would have written them
      String listed = nft(D, "list", "chain", "inet", "halvs", "marking");
      assertThat(listed).contains("ip daddr 192.0.2.0/24 udp dport 5353-5360 meta mark set 0x00000007")
          .contains("ip daddr 192.0.2.1 tcp dport 80 meta mark set 0x00000008")
          .contains("ip6 daddr 2001:db8:7::1 meta mark set 0x00000009");

      // real packets: in the range marked 7, out of it unmarked, IPv6 by address alone marked 9
      long marked = counted(7);
      long unmarked = counted(0);
      send("192.0.2.1", 5353, 5);
      send("192.0.2.1", 5360, 2);
      send("192.0.2.1", 5361, 3);
      assertThat(counted(7) - marked).isEqualTo(7);
      assertThat(counted(0) - unmarked).isEqualTo(3);
      long v6 = counted(9);
      send("2001:db8:7::1", 4000, 4);
      assertThat(counted(9) - v6).isEqualTo(4);

      // the same rules again: nothing sent, and after a restart (a new table object) adopted as they are
      long gen = generation();
      assertThat(apply(t, rules)).isEmpty();
      try (NftMarkTable restarted = new NftMarkTable()) {
        assertThat(apply(restarted, rules)).isEmpty();
      }
      assertThat(generation()).as("no transaction: the kernel's generation did not move").isEqualTo(gen);

      // a change: the chain's rules replaced in one transaction (the generation moves by exactly one)
      MarkRule moved = new MarkRule(0x17, "UDP", IpAddress.parse("192.0.2.1"), 32, 5361, 5361);
      List<MarkRule> changed = List.of(TCP_ONE, moved);
      assertThat(apply(t, changed))
          .containsExactly("replace the 3 marking rule(s) of table inet halvs with 2 (one transaction)");
      assertThat(generation()).isEqualTo(gen + 1);
      assertThat(comments(table())).containsExactly(MarkRules.comment(TCP_ONE), MarkRules.comment(moved));
      long was7 = counted(7);
      long was17 = counted(0x17);
      send("192.0.2.1", 5361, 2);
      send("192.0.2.1", 5353, 1);
      assertThat(counted(0x17) - was17).isEqualTo(2);
      assertThat(counted(7)).as("the old rule is gone").isEqualTo(was7);

      // someone deleted a rule and changed the chain: the resync (forget) rebuilds the table as halvs makes it
      nft(D, "flush", "chain", "inet", "halvs", "marking");
      nft(D, "delete", "chain", "inet", "halvs", "marking");
      nft(D, "add", "chain", "inet", "halvs", "marking", "{ type filter hook prerouting priority 10; }");
      assertThat(apply(t, changed)).as("kept: no look at the kernel between resyncs").isEmpty();
      t.forget();
      assertThat(apply(t, changed))
          .containsExactly("recreate table inet halvs with 2 marking rule(s) (one transaction)");
      assertThat(nft(D, "list", "chain", "inet", "halvs", "marking")).contains("priority mangle");

      // no rules: our table goes, the foreign ones stay exactly as they were
      assertThat(apply(t, List.of())).containsExactly("delete table inet halvs (no marking rules planned)");
      String tables = nft(D, "list", "tables");
      assertThat(tables).doesNotContain("table inet halvs").contains("table inet foreign", "table ip halvs",
          "table inet probe");
      assertThat(nft(D, "list", "table", "inet", "foreign") + nft(D, "list", "table", "ip", "halvs"))
          .isEqualTo(foreignBefore);
      long after = generation();
      try (NftMarkTable restarted = new NftMarkTable()) {
        assertThat(apply(restarted, List.of())).as("nothing to delete").isEmpty();
      }
      assertThat(generation()).isEqualTo(after);
    } finally {
      nft(D, "delete", "table", "inet", "foreign");
      nft(D, "delete", "table", "ip", "halvs");
    }
  }

  @Test
  void theDirectorsPassInstallsThemWithItsFwmarkServiceAndTheDeletedPairTakesThemAway() throws Exception {
    FakeIpvsKernel ipvs = new FakeIpvsKernel(); // the host kernel has no IPVS: the services stay in memory
    ServiceKey key = ServiceKey.ofFirewallMark(IpAddress.AF_INET, 7);
    IpvsService service = new IpvsService(key, IpAddress.parse("192.0.2.1"), "rr", 0, 0, 0xffffffffL, List.of(), null,
        null, null);
    DirectorPlan plan = new DirectorPlan("pair", List.of("a", "b"), "hvn0", List.of(), null, new TreeMap<>(), null,
        null, List.of(service), null, List.of(), List.of(), List.of(UDP_RANGE));
    try (NftMarkTable marks = new NftMarkTable();
        Director d = new Director(ipvs, new OwnershipJournal(null), new AllUpHealthChecks(),
            StaticElection.alwaysActive(null, c -> {}), null, Duration.ofHours(1))) {
      d.marking(marks);
      d.offer(new Director.Target(plan, "h1", false));
      Director.Pass first = inD(d::runPending);
      assertThat(first.converged()).as("%s", first.failures()).isTrue();
      assertThat(first.changes()).contains("create table inet halvs with 1 marking rule(s) (one transaction)");
      assertThat(comments(table())).containsExactly(MarkRules.comment(UDP_RANGE));
      long marked = counted(7);
      send("192.0.2.1", 5355, 3);
      assertThat(counted(7) - marked).isEqualTo(3);

      d.offer(new Director.Target(plan, "h1", false));
      long gen = generation();
      Director.Pass again = inD(d::runPending);
      assertThat(again.changes()).isEmpty();
      assertThat(generation()).isEqualTo(gen);

      d.offer(new Director.Target(plan, "h2", true));
      Director.Pass deleted = inD(d::runPending);
      assertThat(deleted.converged()).as("%s", deleted.failures()).isTrue();
      assertThat(deleted.changes()).contains("delete table inet halvs (no marking rules planned)");
      assertThat(nft(D, "list", "tables")).doesNotContain("table inet halvs").contains("table inet probe");
    }
  }

  @Test
  void aThousandRulesGoInOneTransactionLargerThanTheDefaultSendBuffer() throws Exception {
    List<MarkRule> many = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      many.add(new MarkRule(0x100 + i, "TCP", IpAddress.parse("198.51.100." + (i % 250)), 32, 1000 + i, 2000 + i));
    }
    try (NftMarkTable t = new NftMarkTable()) {
      long gen = generation();
      long start = System.nanoTime();
      assertThat(apply(t, many)).containsExactly("create table inet halvs with 1000 marking rule(s) (one transaction)");
      System.out.printf("1000 marking rules installed in one batch in %.1f ms%n", (System.nanoTime() - start) / 1e6);
      assertThat(generation()).as("one transaction").isEqualTo(gen + 1);
      assertThat(comments(table())).hasSize(1000).first().isEqualTo(MarkRules.comment(many.get(0)));
      try (NftMarkTable restarted = new NftMarkTable()) {
        start = System.nanoTime();
        assertThat(apply(restarted, many)).isEmpty();
        System.out.printf("1000 marking rules adopted (read and compared) in %.1f ms%n",
            (System.nanoTime() - start) / 1e6);
      }
      assertThat(apply(t, List.of())).hasSize(1);
    }
  }

  @Test
  void aTableTheKernelWillNotLetUsChangeFailsWithAClearErrorUntilItIsGone() throws Exception {
    // another process owns a table inet halvs (nft's "flags owner"): the kernel refuses every change to it
    Process owner = new ProcessBuilder("ip", "netns", "exec", D, "nft", "-i").redirectErrorStream(true).start();
    try (NftMarkTable t = new NftMarkTable()) {
      OutputStream in = owner.getOutputStream();
      in.write("add table inet halvs { flags owner; }\nlist tables\n".getBytes(StandardCharsets.UTF_8));
      in.flush();
      BufferedReader out = new BufferedReader(new InputStreamReader(owner.getInputStream(), StandardCharsets.UTF_8));
      String line;
      while ((line = out.readLine()) != null && !line.contains("table inet halvs")) {
        // until nft says it holds the table
      }
      assertThat(line).as("nft -i created its table").isNotNull();

      assertThatThrownBy(() -> apply(t, List.of(UDP_RANGE))).isInstanceOf(NetlinkException.class)
          .hasMessageContaining("install firewall-marking rules in table inet halvs")
          .hasMessageContaining("EPERM");
      assertThatThrownBy(() -> apply(t, List.of())).as("nor may it delete it").isInstanceOf(NetlinkException.class)
          .hasMessageContaining("delete table inet halvs").hasMessageContaining("EPERM");

      in.close(); // nft exits, and its table with it
      owner.waitFor();
      assertThat(apply(t, List.of(UDP_RANGE))).as("the failure left nothing kept: the next pass looks again")
          .containsExactly("create table inet halvs with 1 marking rule(s) (one transaction)");
      assertThat(apply(t, List.of())).hasSize(1);
    } finally {
      owner.destroy();
    }
  }
}
