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
  /** One object per file, named for what the API server does with it (e2e/apiserver/render-agrees.sh checks). */
  private static final Path APISERVER = Paths.get("src", "test", "resources", "render", "apiserver");

  record Run(int code, String out, String err) {}

  static Run render(Path... paths) {
    return render(false, paths);
  }

  static Run render(boolean allowEmpty, Path... paths) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Render.run(List.of(paths), allowEmpty, new PrintStream(out, true, StandardCharsets.UTF_8),
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

  static Stream<Path> apiServerFixtures() throws IOException {
    try (Stream<Path> s = Files.list(APISERVER)) {
      return s.filter(p -> !p.getFileName().toString().equals("context.yaml")).sorted().toList().stream();
    }
  }

  /** Where the API server accepts an object, render renders it; where it refuses, render refuses and says where. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("apiServerFixtures")
  void renderAcceptsWhatTheApiServerAcceptsAndRefusesWhatItRefuses(Path file) {
    Run r = render(APISERVER.resolve("context.yaml"), file);
    if (file.getFileName().toString().startsWith("accept-")) {
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.err()).isEmpty();
    } else {
      assertThat(r.code()).as(r.out()).isEqualTo(1);
      assertThat(r.out()).isEmpty();
      assertThat(r.err()).as("names the file and the object's line").contains(file + ":2: ");
    }
  }

  private static final String PAIR_AND_SERVICE = """
      apiVersion: halvs.io/v1alpha1
      kind: DirectorPair
      metadata: {name: lvs}
      spec: {nodes: [lvs-01, lvs-02], vipInterface: eth0}
      ---
      apiVersion: halvs.io/v1alpha1
      kind: VirtualService
      metadata:
        name: web
        namespace: shop
      spec:
        directorPair: lvs
        vip: 192.0.2.1
        port: 80
        realServerSelector: {matchLabels: {app: web}}
      ---
      apiVersion: halvs.io/v1alpha1
      kind: RealServer
      metadata:
        name: web-1
        namespace: shop
        labels: {ap: web}
      spec:
        address: 10.0.1.11
      """;

  /** A label typo black-holes the VIP: the pipeline must go red, naming the service and what to do. */
  @Test
  void aServiceThatSelectsNoRealServerFailsTheGate(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
    Path f = Files.writeString(dir.resolve("shop.yaml"), PAIR_AND_SERVICE);
    Run r = render(f);
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).isEqualTo("warning: " + f + ":17: RealServer shop/web-1: no VirtualService selects this real "
        + "server\n" + f + ":6: VirtualService shop/web: the selector matches no RealServer in namespace "
        + "shop: the service is programmed without destinations and refuses every connection (a label typo?); "
        + "annotate the VirtualService halvs.io/allow-empty: \"true\" if that is on purpose\n"
        + "render: 1 problem, nothing rendered\n");
  }

  @Test
  void allowEmptyMakesItAWarning(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
    Path f = Files.writeString(dir.resolve("shop.yaml"), PAIR_AND_SERVICE);
    Run r = render(true, f);
    assertThat(r.code()).isZero();
    assertThat(r.err()).contains("warning: " + f + ":6: VirtualService shop/web: the selector matches no RealServer");
    assertThat(r.out()).contains("-A -t 192.0.2.1:80 -s wlc\n").doesNotContain("-a -t");
  }

  @Test
  void aServiceAnnotatedAllowEmptyRenders(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
    Path f = Files.writeString(dir.resolve("shop.yaml"), PAIR_AND_SERVICE.replace("  namespace: shop\nspec:\n  "
        + "directorPair", "  namespace: shop\n  annotations: {halvs.io/allow-empty: \"true\"}\nspec:\n  directorPair"));
    Run r = render(f);
    assertThat(r.code()).as(r.err()).isZero();
    // Only the real server with the typo is mentioned; the service is empty on purpose.
    assertThat(r.err()).isEqualTo("warning: " + f + ":18: RealServer shop/web-1: no VirtualService selects this real "
        + "server\n");
  }

  @Test
  void aSorryServerIsNotAReasonToPass(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
    // The sorry server is for when every real server fails its check; a typo would put the site on it for good.
    Path f = Files.writeString(dir.resolve("shop.yaml"), PAIR_AND_SERVICE.replace("  port: 80\n",
        "  port: 80\n  sorryServer: {address: 10.0.9.9}\n"));
    Run r = render(f);
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("without destinations and only the sorry server answers (a label typo?)");
  }

  /** A typo on one real server's labels leaves the service with the others: said, as the operator says it. */
  @Test
  void aRealServerNoServiceSelectsIsAWarning(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
    Path f = Files.writeString(dir.resolve("shop.yaml"), PAIR_AND_SERVICE.replace("labels: {ap: web}",
        "labels: {app: web}") + """
        ---
        apiVersion: halvs.io/v1alpha1
        kind: RealServer
        metadata:
          name: web-2
          namespace: shop
          labels: {app: wbe}
        spec:
          address: 10.0.1.12
        """);
    Run r = render(f);
    assertThat(r.code()).isZero();
    assertThat(r.err()).isEqualTo("warning: " + f + ":26: RealServer shop/web-2: no VirtualService selects this real "
        + "server\n");
    assertThat(r.out()).contains("-r 10.0.1.11:80").doesNotContain("10.0.1.12");
  }

  static Run renderRealServers(Path... paths) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Render.run(List.of(paths), false, true, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void realServersOfTheDirectRoutingExampleGetTheSeedsManualSteps() {
    Run r = renderRealServers(EXAMPLES.resolve("direct-routing.yaml"));
    assertThat(r.code()).isZero();
    assertThat(r.out()).isEqualTo("""
        # real server 192.0.2.21 (RealServer default/shop-1): gate 192.0.2.120 (DirectorPair lvs-dr)
        sysctl -w net.ipv4.conf.all.arp_announce=2
        sysctl -w net.ipv4.conf.all.arp_ignore=1
        ip addr add 192.0.2.120/32 dev lo label lo:halvs

        # real server 192.0.2.22 (RealServer default/shop-2): gate 192.0.2.120 (DirectorPair lvs-dr)
        sysctl -w net.ipv4.conf.all.arp_announce=2
        sysctl -w net.ipv4.conf.all.arp_ignore=1
        ip addr add 192.0.2.120/32 dev lo label lo:halvs

        # real server 192.0.2.23 (RealServer default/shop-3): gate 192.0.2.120 (DirectorPair lvs-dr)
        sysctl -w net.ipv4.conf.all.arp_announce=2
        sysctl -w net.ipv4.conf.all.arp_ignore=1
        ip addr add 192.0.2.120/32 dev lo label lo:halvs

        # real server 192.0.2.200 (sorry server): gate 192.0.2.120 (DirectorPair lvs-dr)
        sysctl -w net.ipv4.conf.all.arp_announce=2
        sysctl -w net.ipv4.conf.all.arp_ignore=1
        ip addr add 192.0.2.120/32 dev lo label lo:halvs
        """);
    assertThat(r.err()).doesNotContain("error");
  }

  @Test
  void realServersOfTunnelsLoadTheModuleBringTheDeviceUpAndNameTheAgentsNodes(@org.junit.jupiter.api.io.TempDir
      Path dir) throws IOException {
    Path yaml = dir.resolve("tun.yaml");
    Files.writeString(yaml, """
        apiVersion: halvs.io/v1alpha1
        kind: DirectorPair
        metadata: {name: lvs}
        spec: {nodes: [d1, d2], vipInterface: eth0}
        ---
        apiVersion: halvs.io/v1alpha1
        kind: VirtualService
        metadata: {name: gue, namespace: default}
        spec:
          directorPair: lvs
          vip: 192.0.2.130
          port: 80
          forwarding: {method: ipip, tunnel: {type: gue, port: 6080}}
          realServerSelector: {matchLabels: {app: web}}
        ---
        apiVersion: halvs.io/v1alpha1
        kind: VirtualService
        metadata: {name: v6, namespace: default}
        spec:
          directorPair: lvs
          vip: 2001:db8::130
          port: 80
          forwarding: {method: ipip}
          realServerSelector: {matchLabels: {app: web6}}
        ---
        apiVersion: halvs.io/v1alpha1
        kind: RealServer
        metadata: {name: a, namespace: default, labels: {app: web}}
        spec: {address: 10.0.0.1}
        ---
        apiVersion: halvs.io/v1alpha1
        kind: RealServer
        metadata: {name: b, namespace: default, labels: {app: web}}
        spec: {address: 10.0.0.2, nodeName: worker-2}
        ---
        apiVersion: halvs.io/v1alpha1
        kind: RealServer
        metadata: {name: c, namespace: default, labels: {app: web6}}
        spec: {address: "2001:db8:1::3"}
        """);
    Run r = renderRealServers(yaml);
    assertThat(r.err()).isEmpty();
    assertThat(r.code()).isZero();
    assertThat(r.out()).isEqualTo("""
        # real server 10.0.0.1 (RealServer default/a): ipip/gue 192.0.2.130 (DirectorPair lvs)
        modprobe fou
        modprobe ipip
        ip link set tunl0 up
        sysctl -w net.ipv4.conf.all.arp_announce=2
        sysctl -w net.ipv4.conf.all.arp_ignore=1
        sysctl -w net.ipv4.conf.tunl0.rp_filter=2
        ip fou add port 6080 gue
        ip addr add 192.0.2.130/32 dev lo label lo:halvs

        # real server 2001:db8:1::3 (RealServer default/c): ipip 2001:db8::130 (DirectorPair lvs)
        modprobe ip6_tunnel
        ip link set ip6tnl0 up
        ip -6 addr add 2001:db8::130/128 dev lo nodad

        # node worker-2: configured by the halvs real-server agent (RealServer default/b)
        """);
  }

  @Test
  void realServersOfANatServiceNeedNothing() {
    Run r = renderRealServers(EXAMPLES.resolve("seed-nat.yaml"));
    assertThat(r.code()).isZero();
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains("no gate or ipip real server");
  }
}
