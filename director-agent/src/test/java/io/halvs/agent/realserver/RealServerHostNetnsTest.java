package io.halvs.agent.realserver;

import static io.halvs.agent.netlink.AddressTableNetnsTest.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.halvs.agent.netlink.AddressTable;
import io.halvs.agent.netlink.LinkTable;
import io.halvs.agent.netlink.NetNamespace;
import io.halvs.agent.sysctl.Sysctls;
import io.halvs.agent.testing.NetnsPrivileges;
import io.halvs.api.v1alpha1.ForwardingMethod;
import io.halvs.api.v1alpha1.TunnelType;
import io.halvs.plan.IpAddress;
import io.halvs.plan.ObjectRef;
import io.halvs.plan.RealServerNodePlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real server's side of LVS-DR against this machine's kernel, in namespaces the test makes (root only):
 * a client, a director holding the VIP and a real server the agent code configures, on one bridge. The client's
 * neighbour table must learn only the director's MAC for the VIP, the real server must still take the VIP's
 * packets as its own, and removal must leave the real server as it was, including what halvs did not add.
 */
class RealServerHostNetnsTest {
  static final String P = "hv-rsm-" + ProcessHandle.current().pid() + "-";
  static final String CLIENT = P + "c";
  static final String DIRECTOR = P + "d";
  static final String REAL = P + "r";
  static final String SWITCH = P + "s";
  static final String VIP = "192.0.2.100";

  @TempDir
  Path state;

  @BeforeAll
  static void topology() throws Exception {
    NetnsPrivileges.require();
    assumeTrue(new java.io.File("/usr/sbin/ip").exists() || new java.io.File("/sbin/ip").exists(), "needs iproute2");
    cleanup();
    for (String ns : List.of(CLIENT, DIRECTOR, REAL, SWITCH)) {
      sh("ip", "netns", "add", ns);
      sh("ip", "-n", ns, "link", "set", "lo", "up");
    }
    sh("ip", "-n", SWITCH, "link", "add", "hvbr", "type", "bridge");
    sh("ip", "-n", SWITCH, "link", "set", "hvbr", "up");
    String[][] hosts = {{CLIENT, "hvc", "192.0.2.1/24"}, {DIRECTOR, "hvd", "192.0.2.2/24"},
        {REAL, "hvr", "192.0.2.3/24"}};
    for (String[] h : hosts) {
      sh("ip", "link", "add", "hv0", "netns", h[0], "type", "veth", "peer", "name", h[1], "netns", SWITCH);
      sh("ip", "-n", SWITCH, "link", "set", h[1], "master", "hvbr", "up");
      sh("ip", "-n", h[0], "addr", "add", h[2], "dev", "hv0");
      sh("ip", "-n", h[0], "link", "set", "hv0", "up");
    }
  }

  @AfterAll
  static void cleanup() {
    for (String ns : List.of(CLIENT, DIRECTOR, REAL, SWITCH)) {
      try {
        sh("ip", "netns", "del", ns);
      } catch (Exception ignored) {
        // not there
      }
    }
  }

  /** One test's failure must not leave the real server configured for the next. */
  @AfterEach
  void resetRealServer() throws Exception {
    reconcile(null);
    for (String a : List.of("198.51.100.7/32", VIP + "/32")) {
      try {
        sh("ip", "-n", REAL, "addr", "del", a, "dev", "lo");
      } catch (IllegalStateException notThere) {
        // fine
      }
    }
    sh("ip", "netns", "exec", REAL, "sysctl", "-qw", "net.ipv4.conf.all.arp_ignore=0",
        "net.ipv4.conf.all.arp_announce=0");
  }

  static RealServerNodePlan plan(RealServerNodePlan.Need... needs) {
    return new RealServerNodePlan("rs1", List.of(needs), List.of(new ObjectRef("RealServer", "default", "a")));
  }

  static RealServerNodePlan.Need gate(String vip) {
    return new RealServerNodePlan.Need(IpAddress.parse(vip), ForwardingMethod.GATE, null, 0, null, "lvs");
  }

  RealServerHost.Pass reconcile(RealServerNodePlan plan) throws Exception {
    return NetNamespace.run(REAL, () -> {
      try (AddressTable addresses = new AddressTable(); LinkTable links = new LinkTable()) {
        // A new host and journal each pass: the agent after a restart adopts what it added.
        return new RealServerHost(addresses, links, new Sysctls(Path.of("/proc/sys")),
            new RealServerJournal(state.resolve("owned"))).reconcile(plan);
      }
    });
  }

  static String mac(String ns) throws Exception {
    String out = sh("ip", "-n", ns, "-o", "link", "show", "hv0");
    return out.replaceAll(".*link/ether ([0-9a-f:]+).*", "$1");
  }

  /** Sends one datagram to the VIP (which makes the client ARP for it) and waits until the entry settles. */
  static String clientNeighbour() throws Exception {
    sh("ip", "-n", CLIENT, "neigh", "flush", "dev", "hv0");
    sh("ip", "netns", "exec", CLIENT, "bash", "-c", "echo probe > /dev/udp/" + VIP + "/9");
    String entry = "";
    for (int i = 0; i < 200; i++) { // settles within 3 s (3 solicitations 1 s apart); the bound only stops a hang
      entry = sh("ip", "-n", CLIENT, "neigh", "show", VIP, "dev", "hv0");
      if (entry.contains("lladdr") || entry.contains("FAILED")) {
        return entry;
      }
      Thread.sleep(50);
    }
    return entry;
  }

  static String sysctl(String key) throws Exception {
    return sh("ip", "netns", "exec", REAL, "sysctl", "-n", key);
  }

  static String loopback() throws Exception {
    return sh("ip", "-n", REAL, "-o", "addr", "show", "dev", "lo");
  }

  @Test
  void onlyTheDirectorAnswersArpForTheVipAndRemovalRestoresTheRealServer() throws Exception {
    // What halvs must leave alone: an address someone put on lo, and arp_announce already set to 1.
    sh("ip", "-n", REAL, "addr", "add", "198.51.100.7/32", "dev", "lo");
    sh("ip", "netns", "exec", REAL, "sysctl", "-qw", "net.ipv4.conf.all.arp_announce=1");
    String loBefore = loopback();

    // Control: the VIP on lo without arp_ignore, as a forgotten manual step leaves it: the real server answers.
    sh("ip", "-n", REAL, "addr", "add", VIP + "/32", "dev", "lo");
    assertThat(clientNeighbour()).as("weak host model: lo addresses are answered on hv0").contains(mac(REAL));
    sh("ip", "-n", REAL, "addr", "del", VIP + "/32", "dev", "lo");

    RealServerHost.Pass pass = reconcile(plan(gate(VIP)));
    assertThat(pass.problems()).isEmpty();
    assertThat(pass.changes()).containsExactly("sysctl net.ipv4.conf.all.arp_announce 1 -> 2",
        "sysctl net.ipv4.conf.all.arp_ignore 0 -> 1", "added vip 192.0.2.100/32 on lo label lo:halvs");
    assertThat(sh("ip", "-n", REAL, "-o", "addr", "show", "dev", "lo", "label", "lo:halvs")).contains(VIP + "/32");
    assertThat(sh("ip", "-n", REAL, "route", "get", VIP)).as("the real server takes the VIP's packets")
        .startsWith("local");
    assertThat(reconcile(plan(gate(VIP))).changes()).as("level-triggered: nothing left to do").isEmpty();

    // No director holds the VIP yet: nobody answers, least of all the real server.
    assertThat(clientNeighbour()).contains("FAILED").doesNotContain("lladdr");

    sh("ip", "-n", DIRECTOR, "addr", "add", VIP + "/32", "dev", "hv0");
    try {
      assertThat(clientNeighbour()).contains("lladdr " + mac(DIRECTOR)).doesNotContain(mac(REAL));
    } finally {
      sh("ip", "-n", DIRECTOR, "addr", "del", VIP + "/32", "dev", "hv0");
    }

    // A plan without the node: everything halvs added goes, everything else stays.
    RealServerHost.Pass removal = reconcile(null);
    assertThat(removal.problems()).isEmpty();
    assertThat(removal.changes()).contains("removed vip 192.0.2.100/32 from lo");
    assertThat(loopback()).isEqualTo(loBefore).contains("198.51.100.7/32");
    assertThat(sysctl("net.ipv4.conf.all.arp_ignore")).isEqualTo("0");
    assertThat(sysctl("net.ipv4.conf.all.arp_announce")).as("the value from before, not the default").isEqualTo("1");
    assertThat(Files.readAllLines(state.resolve("owned"))).isEmpty();
  }

  @Test
  void aVipSomeoneElsePutOnLoopbackIsNotRemoved() throws Exception {
    String vip = "192.0.2.101";
    sh("ip", "-n", REAL, "addr", "add", vip + "/32", "dev", "lo");
    try {
      RealServerHost.Pass pass = reconcile(plan(gate(vip)));
      assertThat(pass.problems()).isEmpty();
      assertThat(pass.configured()).contains("vip 192.0.2.101/32 on lo");
      reconcile(null);
      assertThat(loopback()).contains(vip + "/32");
    } finally {
      sh("ip", "-n", REAL, "addr", "del", vip + "/32", "dev", "lo");
    }
  }

  @Test
  void aMissingTunnelModuleIsAClearProblemAndTheRestIsStillConfigured() throws Exception {
    // This machine's kernel has no ipip (ip link add type ipip: "Unknown device type"), so tunl0 never exists
    // here; a kernel with it gets tunl0 up and rp_filter=2 on it, which the VM tier checks.
    assumeTrue(!sh("ip", "-n", REAL, "-o", "link", "show").contains("tunl0"), "this kernel has tunl0");
    RealServerHost.Pass pass = reconcile(plan(new RealServerNodePlan.Need(IpAddress.parse("192.0.2.102"),
        ForwardingMethod.IPIP, TunnelType.IPIP, 0, "tunl0", "lvs")));
    assertThat(pass.problems()).contains("tunl0 does not exist: the ipip kernel module is not loaded on this node "
        + "(modprobe ipip)");
    assertThat(pass.configured()).contains("vip 192.0.2.102/32 on lo", "sysctl net.ipv4.conf.all.arp_ignore=1");
    RealServerHost.Pass removal = reconcile(null);
    assertThat(removal.problems()).isEmpty();
    assertThat(loopback()).doesNotContain("192.0.2.102");
  }

  /** What a real server's configuration looks like from outside: lo's addresses and the ARP sysctls. */
  static String realServerState() throws Exception {
    return loopback().replaceAll("\\s+valid_lft.*", "") + "\n" + sysctl("net.ipv4.conf.all.arp_ignore") + " "
        + sysctl("net.ipv4.conf.all.arp_announce");
  }

  @Test
  void renderRealServersRecipeGivesWhatTheAgentGives() throws Exception {
    RealServerNodePlan plan = plan(gate("192.0.2.103"), new RealServerNodePlan.Need(
        IpAddress.parse("2001:db8::103"), ForwardingMethod.GATE, null, 0, null, "lvs"));
    String before = realServerState();
    List<String> recipe = io.halvs.plan.render.RealServerRecipe.lines(plan);
    for (String line : recipe) {
      if (!line.startsWith("#")) {
        sh("ip", "netns", "exec", REAL, "sh", "-c", line + " >/dev/null");
      }
    }
    String byRecipe = realServerState();
    assertThat(byRecipe).contains("192.0.2.103/32", "lo:halvs", "2001:db8::103/128").endsWith("1 2");
    // Undo the recipe by hand, then let the agent do the same.
    sh("ip", "-n", REAL, "addr", "del", "192.0.2.103/32", "dev", "lo");
    sh("ip", "-n", REAL, "addr", "del", "2001:db8::103/128", "dev", "lo");
    sh("ip", "netns", "exec", REAL, "sysctl", "-qw", "net.ipv4.conf.all.arp_ignore=" + before.substring(
        before.lastIndexOf('\n') + 1).split(" ")[0], "net.ipv4.conf.all.arp_announce=" + before.substring(
        before.lastIndexOf('\n') + 1).split(" ")[1]);
    assertThat(realServerState()).isEqualTo(before);
    try {
      assertThat(reconcile(plan).problems()).isEmpty();
      assertThat(realServerState()).isEqualTo(byRecipe);
    } finally {
      reconcile(null);
    }
    assertThat(realServerState()).isEqualTo(before);
  }

  /** The command line a host outside Kubernetes (or the VM tier) runs: halvs-agent real-server --plan YAML. */
  @Test
  void theRealServerCommandConfiguresTheNodeFromYamlAndRemoveUndoesIt(@TempDir Path dir) throws Exception {
    Path yaml = dir.resolve("dr.yaml");
    Files.writeString(yaml, """
        apiVersion: halvs.io/v1alpha1
        kind: DirectorPair
        metadata: {name: lvs}
        spec: {nodes: [d1, d2], vipInterface: eth0}
        ---
        apiVersion: halvs.io/v1alpha1
        kind: VirtualService
        metadata: {name: web, namespace: default}
        spec:
          directorPair: lvs
          vip: 192.0.2.104
          port: 80
          forwarding: {method: gate}
          realServerSelector: {matchLabels: {app: web}}
        ---
        apiVersion: halvs.io/v1alpha1
        kind: RealServer
        metadata: {name: a, namespace: default, labels: {app: web}}
        spec: {address: 192.0.2.3, nodeName: rs1}
        """);
    String before = realServerState();
    String java = ProcessHandle.current().info().command().orElse("java");
    String cp = System.getProperty("java.class.path");
    String state = dir.resolve("state").toString();
    String out = sh("ip", "netns", "exec", REAL, java, "-cp", cp, "io.halvs.agent.cli.Main", "real-server",
        "--plan", yaml.toString(), "--node", "rs1", "--once", "--state-dir", state);
    assertThat(out).contains("added vip 192.0.2.104/32 on lo label lo:halvs");
    assertThat(realServerState()).contains("192.0.2.104/32", "lo:halvs").endsWith("1 2");
    assertThat(Files.readString(dir.resolve("state/real-server/owned"))).contains("addr lo 192.0.2.104/32",
        "sysctl net.ipv4.conf.all.arp_ignore 0");
    out = sh("ip", "netns", "exec", REAL, java, "-cp", cp, "io.halvs.agent.cli.Main", "real-server", "--remove",
        "--state-dir", state);
    assertThat(out).contains("removed vip 192.0.2.104/32 from lo");
    assertThat(realServerState()).isEqualTo(before);
  }
}
