package io.halvs.agent.health;

import static io.halvs.agent.health.Plans.dest;
import static io.halvs.agent.health.Plans.plan;
import static io.halvs.agent.health.Plans.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.halvs.agent.netlink.NetNamespace;
import io.halvs.agent.testing.NetnsPrivileges;
import io.halvs.api.v1alpha1.FailureAction;
import io.halvs.api.v1alpha1.HealthCheckType;
import io.halvs.plan.HealthCheckPlan;
import io.halvs.plan.IpvsService;
import io.halvs.plan.publish.AgentReport;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * icmp checks in network namespaces of their own (root only; skipped otherwise): the monitor is made inside the
 * namespace, so its checker thread and the pinger's sockets live there. Up: an address of the namespace; no
 * answer: an address behind a veth whose far end drops it; unreachable: an unreachable route. One
 * namespace keeps the default ping_group_range (a raw socket), the other admits root to datagram ICMP sockets.
 */
class IcmpNetnsTest {
  static final String RAW_NS = "halvs-ck" + ProcessHandle.current().pid() + "r";
  static final String DGRAM_NS = "halvs-ck" + ProcessHandle.current().pid() + "d";

  static String sh(String... cmd) throws Exception {
    return io.halvs.agent.netlink.AddressTableNetnsTest.sh(cmd);
  }

  @BeforeAll
  static void namespaces() throws Exception {
    NetnsPrivileges.require();
    assumeTrue(new java.io.File("/usr/sbin/ip").exists() || new java.io.File("/sbin/ip").exists(), "needs iproute2");
    removeNamespaces();
    for (String ns : new String[] {RAW_NS, DGRAM_NS}) {
      sh("ip", "netns", "add", ns);
      sh("ip", "-n", ns, "link", "set", "lo", "up");
      sh("ip", "-n", ns, "addr", "add", "10.251.0.1/32", "dev", "lo");
      sh("ip", "-n", ns, "addr", "add", "fd00:251::1/128", "dev", "lo", "nodad");
      // 10.251.1.2 sits behind a veth whose other end has no address and a foreign MAC: the echo goes out, and
      // vanishes there (a blackhole route would fail the send itself, EINVAL).
      sh("ip", "-n", ns, "link", "add", "hck0", "type", "veth", "peer", "name", "hck1");
      sh("ip", "-n", ns, "link", "set", "hck0", "up");
      sh("ip", "-n", ns, "link", "set", "hck1", "up");
      sh("ip", "-n", ns, "addr", "add", "10.251.1.1/24", "dev", "hck0");
      sh("ip", "-n", ns, "neigh", "add", "10.251.1.2", "lladdr", "02:00:00:00:00:02", "dev", "hck0", "nud",
          "permanent");
      sh("ip", "-n", ns, "route", "add", "unreachable", "10.252.0.0/24");
    }
    sh("ip", "netns", "exec", DGRAM_NS, "sysctl", "-q", "-w", "net.ipv4.ping_group_range=0 0");
  }

  @AfterAll
  static void removeNamespaces() {
    for (String ns : new String[] {RAW_NS, DGRAM_NS}) {
      try {
        sh("ip", "netns", "del", ns);
      } catch (Exception ignored) {
        // not there
      }
    }
  }

  static HealthCheckPlan icmp() {
    return new HealthCheckPlan(HealthCheckType.ICMP, 0, 100, 300, 1, 1, 0, FailureAction.QUIESCENT, null, null,
        null);
  }

  /** destination -> its message, "" when up. */
  static Map<String, String> verdicts(HealthMonitor m, IpvsService s) {
    AgentReport.ServiceHealth h = m.report().get(s.owner().key());
    Map<String, String> out = new TreeMap<>(s.destinations().stream()
        .collect(Collectors.toMap(d -> d.address().toString(), d -> "")));
    for (AgentReport.Unavailable u : h.unavailable()) {
      out.put(u.destination().replaceFirst(":\\d+$", "").replaceAll("[\\[\\]]", ""), u.message());
    }
    return out;
  }

  void pingsIn(String ns, Pinger.Kind expected) throws Exception {
    HealthMonitor m = NetNamespace.run(ns, HealthMonitor::new);
    try {
      IpvsService v4 = service("192.0.2.80", 80, icmp(), null, dest("10.251.0.1", 80, "up"),
          dest("10.251.1.2", 80, "silent"), dest("10.252.0.7", 80, "unreachable"));
      IpvsService v6 = service("2001:db8::80", 80, icmp(), null, dest("fd00:251::1", 80, "up6"),
          dest("::1", 80, "lo6"));
      m.follow(plan(v4, v6));
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        Map<String, String> got = verdicts(m, v4);
        assertThat(got.get("10.251.0.1")).isEmpty();
        assertThat(got.get("10.251.1.2")).startsWith("no ICMP echo reply within 300 ms");
        assertThat(got.get("10.252.0.7")).startsWith("no route to host");
        assertThat(verdicts(m, v6).values()).containsOnly("");
      });
      assertThat(m.metrics().stream().mapToLong(t -> t.failures(FailureReason.TIMEOUT)).sum()).isPositive();
      assertThat(m.metrics().stream().mapToLong(t -> t.failures(FailureReason.UNREACHABLE)).sum()).isPositive();
      // net.ipv4.ping_group_range admits datagram ICMP sockets of both families.
      assertThat(m.pingerKind(false)).isEqualTo(expected);
      assertThat(m.pingerKind(true)).isEqualTo(expected);
    } finally {
      m.close();
    }
  }

  @Test
  void rawSocketWhenDatagramSocketsAreNotAllowed() throws Exception {
    pingsIn(RAW_NS, Pinger.Kind.RAW);
  }

  @Test
  void datagramSocketWhenPingGroupRangeAdmitsTheAgent() throws Exception {
    pingsIn(DGRAM_NS, Pinger.Kind.DATAGRAM);
  }
}
