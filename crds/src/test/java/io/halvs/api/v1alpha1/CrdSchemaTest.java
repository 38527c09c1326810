package io.halvs.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The generated schema holds every admission rule the API promises. Whether the API server then rejects bad
 * objects with these rules is proven against a real kube-apiserver in e2e/apiserver.
 */
class CrdSchemaTest {
  private static final CustomResourceDefinition VS = CrdManifests.generated(VirtualService.class);
  private static final CustomResourceDefinition RS = CrdManifests.generated(RealServer.class);
  private static final CustomResourceDefinition DP = CrdManifests.generated(DirectorPair.class);

  static CustomResourceDefinitionVersion version(CustomResourceDefinition crd) {
    return crd.getSpec().getVersions().get(0);
  }

  /** Walks a dotted path of properties from the root schema, e.g. "spec.persistence.netmask". */
  static JSONSchemaProps prop(CustomResourceDefinition crd, String path) {
    JSONSchemaProps p = version(crd).getSchema().getOpenAPIV3Schema();
    for (String part : path.split("\\.")) {
      if (part.equals("items")) { // into a list's item schema
        p = p.getItems().getSchema();
        continue;
      }
      assertThat(p.getProperties()).as("property %s of %s", part, path).containsKey(part);
      p = p.getProperties().get(part);
    }
    return p;
  }

  static List<String> rules(JSONSchemaProps p) {
    List<ValidationRule> rules = p.getXKubernetesValidations();
    return rules == null ? List.of() : rules.stream().map(ValidationRule::getRule).toList();
  }

  static List<String> messages(JSONSchemaProps p) {
    List<ValidationRule> rules = p.getXKubernetesValidations();
    return rules == null ? List.of() : rules.stream().map(ValidationRule::getMessage).toList();
  }

  @Test
  void namesScopeAndVersion() {
    assertThat(VS.getSpec().getGroup()).isEqualTo("halvs.io");
    assertThat(version(VS).getName()).isEqualTo("v1alpha1");
    assertThat(version(VS).getServed()).isTrue();
    assertThat(version(VS).getStorage()).isTrue();
    assertThat(VS.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(RS.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(DP.getSpec().getScope()).isEqualTo("Cluster");
    // Short names that collide with nothing common: not vs (Istio), not rs (ReplicaSet).
    assertThat(VS.getSpec().getNames().getShortNames()).containsExactly("hvs");
    assertThat(RS.getSpec().getNames().getShortNames()).containsExactly("hrs");
    assertThat(DP.getSpec().getNames().getShortNames()).containsExactly("hdp");
    for (CustomResourceDefinition crd : List.of(VS, RS, DP)) {
      assertThat(crd.getSpec().getNames().getCategories()).containsExactly("halvs");
      assertThat(version(crd).getSubresources().getStatus()).as("status subresource").isNotNull();
    }
  }

  @Test
  void printerColumns() {
    assertThat(CrdManifests.render(VirtualService.class)).contains("name: \"Endpoint\"");
    assertThat(version(VS).getAdditionalPrinterColumns()).extracting(c -> c.getName() + "=" + c.getJsonPath())
        .containsExactlyInAnyOrder("Endpoint=.status.endpoint", "Scheduler=.spec.scheduler",
            "Active=.status.activeDirector", "Ready=.status.realServers", "Age=.metadata.creationTimestamp");
    assertThat(version(DP).getAdditionalPrinterColumns()).extracting(c -> c.getName() + "=" + c.getJsonPath())
        .contains("Active=.status.activeNode", "Standby=.status.standbyNode",
            "Ready=.status.conditions[?(@.type==\"Ready\")].status");
    assertThat(version(RS).getAdditionalPrinterColumns()).extracting(c -> c.getName() + "=" + c.getJsonPath())
        .contains("Address=.spec.address", "Weight=.spec.weight");
  }

  @Test
  void schedulersAndFlagsAreEnums() {
    assertThat(prop(VS, "spec.scheduler").getEnum()).extracting(Object::toString).containsExactlyInAnyOrder(
        "\"rr\"", "\"wrr\"", "\"lc\"", "\"wlc\"", "\"lblc\"", "\"lblcr\"", "\"dh\"", "\"sh\"", "\"sed\"", "\"nq\"",
        "\"fo\"", "\"ovf\"", "\"mh\"", "\"twos\"");
    assertThat(prop(VS, "spec.schedulerFlags").getItems().getSchema().getEnum()).extracting(Object::toString)
        .containsExactlyInAnyOrder("\"sh-fallback\"", "\"sh-port\"", "\"mh-fallback\"", "\"mh-port\"");
    assertThat(prop(VS, "spec.protocol").getEnum()).extracting(Object::toString)
        .containsExactlyInAnyOrder("\"TCP\"", "\"UDP\"", "\"SCTP\"");
    assertThat(prop(VS, "spec.forwarding.method").getEnum()).extracting(Object::toString)
        .containsExactlyInAnyOrder("\"masq\"", "\"gate\"", "\"ipip\"");
    assertThat(prop(VS, "spec.forwarding.tunnel.type").getEnum()).extracting(Object::toString)
        .containsExactlyInAnyOrder("\"ipip\"", "\"gue\"", "\"gre\"");
    assertThat(prop(VS, "spec.healthCheck.type").getEnum()).extracting(Object::toString)
        .containsExactlyInAnyOrder("\"tcp\"", "\"http\"", "\"https\"", "\"udp\"", "\"dns\"", "\"icmp\"", "\"smtp\"",
            "\"none\"");
    assertThat(prop(RS, "spec.healthCheck.type").getEnum()).hasSize(8);
    assertThat(prop(VS, "spec.healthCheck.dns.recordType").getEnum()).extracting(Object::toString)
        .containsExactlyInAnyOrder("\"A\"", "\"AAAA\"", "\"CNAME\"", "\"MX\"", "\"NS\"", "\"PTR\"", "\"SOA\"",
            "\"SRV\"", "\"TXT\"");
    assertThat(prop(VS, "spec.healthCheck.onFailure").getEnum()).extracting(Object::toString)
        .containsExactlyInAnyOrder("\"quiescent\"", "\"remove\"");
  }

  static Stream<Arguments> ranges() {
    return Stream.of(
        Arguments.of(VS, "spec.port", 1, 65535),
        Arguments.of(VS, "spec.firewallMark", 1, 4294967295L),
        Arguments.of(VS, "spec.persistence.timeoutSeconds", 1, 2678400),
        Arguments.of(VS, "spec.persistence.prefixLength", 1, 128),
        Arguments.of(VS, "spec.forwarding.tunnel.port", 1, 65535),
        Arguments.of(VS, "spec.sorryServer.port", 1, 65535),
        Arguments.of(VS, "spec.healthCheck.port", 1, 65535),
        Arguments.of(VS, "spec.healthCheck.intervalMillis", 100, 3600000),
        Arguments.of(VS, "spec.healthCheck.rise", 1, 100),
        Arguments.of(VS, "spec.healthCheck.fall", 1, 100),
        Arguments.of(RS, "spec.port", 1, 65535),
        Arguments.of(RS, "spec.healthCheck.port", 1, 65535),
        Arguments.of(RS, "spec.healthCheck.intervalMillis", 100, 3600000),
        Arguments.of(RS, "spec.healthCheck.timeoutMillis", 10, 600000),
        Arguments.of(RS, "spec.healthCheck.rise", 1, 100),
        Arguments.of(RS, "spec.healthCheck.fall", 1, 100),
        Arguments.of(RS, "spec.weight", 0, 65535),
        Arguments.of(RS, "spec.upperThreshold", 0, 2147483647L),
        Arguments.of(RS, "spec.lowerThreshold", 0, 2147483647L),
        Arguments.of(DP, "spec.connectionTimeouts.tcpSeconds", 1, 2147483),
        Arguments.of(DP, "spec.connectionTimeouts.tcpFinSeconds", 1, 2147483),
        Arguments.of(DP, "spec.connectionTimeouts.udpSeconds", 1, 2147483),
        Arguments.of(DP, "spec.gateway.prefixLength", 1, 128),
        Arguments.of(DP, "spec.syncDaemon.syncId", 0, 255),
        Arguments.of(DP, "spec.syncDaemon.port", 1, 65535),
        Arguments.of(DP, "spec.syncDaemon.ttl", 1, 255),
        Arguments.of(DP, "spec.highAvailability.advertIntervalMillis", 20, 255000),
        Arguments.of(DP, "spec.highAvailability.missesBeforeDead", 2, 50),
        Arguments.of(DP, "spec.agent.port", 1, 65535));
  }

  @ParameterizedTest(name = "{1} in [{2}, {3}]")
  @MethodSource("ranges")
  void numericRanges(CustomResourceDefinition crd, String path, long min, long max) {
    JSONSchemaProps p = prop(crd, path);
    assertThat(p.getType()).isEqualTo("integer");
    assertThat(p.getMinimum()).isEqualTo((double) min);
    assertThat(p.getMaximum()).isEqualTo((double) max);
  }

  static Stream<Arguments> celRules() {
    return Stream.of(
        Arguments.of(VS, "spec.vip", "isIP(self)"),
        Arguments.of(VS, "spec", "has(self.port) != has(self.firewallMark)"),
        Arguments.of(VS, "spec", "!has(self.firewallMark) || !has(self.protocol)"),
        Arguments.of(VS, "spec", "f.startsWith('sh-') && self.scheduler == 'sh'"),
        Arguments.of(VS, "spec", "ip(self.vip).family() == 4"),
        Arguments.of(VS, "spec", "self.persistence.prefixLength <= 32"),
        Arguments.of(VS, "spec", "self.protocol == 'UDP'"),
        Arguments.of(VS, "spec", "ip(self.sorryServer.address).family() == ip(self.vip).family()"),
        Arguments.of(VS, "spec.sorryServer.address", "isIP(self)"),
        Arguments.of(VS, "spec.forwarding", "!has(self.tunnel) || self.method == 'ipip'"),
        Arguments.of(VS, "spec.forwarding.tunnel", "self.type != 'gue' || has(self.port)"),
        Arguments.of(VS, "spec.forwarding.tunnel", "!has(self.port) || self.type == 'gue'"),
        Arguments.of(VS, "spec.forwarding.tunnel", "self.checksum != 'remcsum' || !has(self.type) || self.type != 'gre'"),
        Arguments.of(VS, "spec.persistence", "!(has(self.netmask) && has(self.prefixLength))"),
        Arguments.of(VS, "spec.healthCheck", "(self.type == 'udp') == has(self.udp)"),
        Arguments.of(VS, "spec.healthCheck", "(self.type == 'dns') == has(self.dns)"),
        Arguments.of(VS, "spec.healthCheck", "self.type == 'http' || self.type == 'https'"),
        Arguments.of(VS, "spec.healthCheck.http.expectStatus", "s >= 100 && s <= 599"),
        Arguments.of(VS, "spec.healthCheck", "!has(self.tcp) || self.type == 'tcp'"),
        Arguments.of(VS, "spec.healthCheck", "!has(self.smtp) || self.type == 'smtp'"),
        Arguments.of(VS, "spec.healthCheck", "!has(self.port) || self.type != 'icmp'"),
        Arguments.of(VS, "spec.healthCheck.tcp", "has(self.send) || has(self.expect)"),
        Arguments.of(VS, "spec.healthCheck.dns", "self.recordType == 'A'"),
        Arguments.of(VS, "spec.healthCheck.dns", "self.recordType != 'A' && self.recordType != 'AAAA'"),
        Arguments.of(VS, "spec", "!has(self.marking) || size(self.marking) == 0 || has(self.firewallMark)"),
        Arguments.of(VS, "spec", "self.marking.all(m, has(m.destinations) && size(m.destinations) > 0)"),
        Arguments.of(VS, "spec", "m.destinations[0].contains(':') == (has(self.vip)"),
        Arguments.of(VS, "spec", ".sum() <= " + MarkingRule.MAX_RULES_PER_SERVICE),
        Arguments.of(VS, "spec.marking.items", "!has(self.ports) || size(self.ports) == 0 || has(self.protocol)"),
        Arguments.of(VS, "spec.marking.items.destinations", "isIP(d) || isCIDR(d)"),
        Arguments.of(VS, "spec.marking.items.destinations", "cidr(d) == cidr(d).masked()"),
        Arguments.of(VS, "spec.marking.items.destinations", "d.contains(':') == self[0].contains(':')"),
        Arguments.of(VS, "spec.marking.items.ports", "int(n) >= 1 && int(n) <= 65535"),
        Arguments.of(VS, "spec.marking.items.ports", "int(p.split('-')[0]) <= int(p.split('-')[1])"),
        Arguments.of(RS, "spec.healthCheck", "!has(self.http) || !has(self.type)"),
        Arguments.of(RS, "spec.healthCheck", "!has(self.udp) || !has(self.type) || self.type == 'udp'"),
        Arguments.of(RS, "spec.healthCheck", "(has(self.http) ? 1 : 0)"),
        Arguments.of(RS, "spec.healthCheck", "self.type != 'icmp'"),
        Arguments.of(RS, "spec.address", "isIP(self)"),
        Arguments.of(RS, "spec", "(has(self.upperThreshold) && self.lowerThreshold <= self.upperThreshold)"),
        Arguments.of(DP, "spec.nodes", "self[0] != self[1]"),
        Arguments.of(DP, "spec.gateway.address", "isIP(self)"),
        Arguments.of(DP, "spec.gateway", "self.prefixLength <= 32"),
        Arguments.of(DP, "spec.syncDaemon.multicastGroup", "cidr('224.0.0.0/4').containsIP(ip(self))"),
        Arguments.of(DP, "spec.nodes", "self[0] != self[1]"),
        Arguments.of(DP, "spec.agent.jvmOptions", "Use(Serial|Parallel|G1|Z|Epsilon)GC"),
        Arguments.of(DP, "spec.agent.resources", "quantity(self.requests.memory).compareTo(quantity(self.limits.memory))"));
  }

  @ParameterizedTest(name = "{1}: {2}")
  @MethodSource("celRules")
  void celRulesAreInTheSchema(CustomResourceDefinition crd, String path, String ruleFragment) {
    JSONSchemaProps p = prop(crd, path);
    assertThat(rules(p)).anySatisfy(r -> assertThat(r).contains(ruleFragment));
    // Every rule explains itself: the message names the field the user got wrong.
    assertThat(messages(p)).allSatisfy(m -> assertThat(m).isNotBlank());
  }

  @Test
  void requiredFields() {
    // vip: required by a rule, since a firewall-mark service may go without (vips, or none).
    assertThat(prop(VS, "spec").getRequired()).containsExactlyInAnyOrder("directorPair", "realServerSelector");
    assertThat(rules(prop(VS, "spec"))).contains("has(self.vip) || has(self.firewallMark)");
    assertThat(prop(RS, "spec").getRequired()).containsExactly("address");
    assertThat(prop(DP, "spec").getRequired()).containsExactlyInAnyOrder("nodes", "vipInterface");
    assertThat(prop(DP, "spec.gateway").getRequired())
        .containsExactlyInAnyOrder("address", "prefixLength", "interfaceName");
    assertThat(prop(VS, "spec.healthCheck.udp").getRequired()).containsExactly("send");
    assertThat(prop(VS, "spec.healthCheck.dns").getRequired()).containsExactly("name");
    assertThat(prop(RS, "spec.healthCheck.udp").getRequired()).containsExactly("send");
    assertThat(prop(DP, "spec.nodes").getMinItems()).isEqualTo(2L);
    assertThat(prop(DP, "spec.nodes").getMaxItems()).isEqualTo(2L);
  }

  @Test
  void patternsRejectWhatTheKernelWouldTakeWrongly() {
    String mask = prop(VS, "spec.persistence.netmask").getPattern();
    assertThat("255.255.255.0").matches(mask);
    assertThat("255.255.255.255").matches(mask);
    assertThat("0.0.0.0").matches(mask);
    assertThat("255.0.255.0").doesNotMatch(mask);
    assertThat("255.255.255.1").doesNotMatch(mask);
    String sysctl = prop(DP, "spec.sysctls.overrides").getItems().getSchema().getProperties().get("name").getPattern();
    assertThat("net.ipv4.vs.expire_nodest_conn").matches(sysctl);
    assertThat("net.ipv4.conf.eth0.100.arp_ignore").matches(sysctl);
    assertThat("kernel.panic").doesNotMatch(sysctl);
    assertThat("net.ipv4.conf.all.accept_local").doesNotMatch(sysctl);
    String ifname = prop(DP, "spec.vipInterface").getPattern();
    assertThat("eth0").matches(ifname);
    assertThat("bond0.100").matches(ifname);
    assertThat("eth0:vip").doesNotMatch(ifname);
    assertThat("averyveryverylongname").doesNotMatch(ifname);
    assertThat("").doesNotMatch(ifname);
    String digest = prop(VS, "spec.healthCheck.http.expectDigest").getPattern();
    assertThat("9e107d9d372bb6826bd81d3542a419d6").matches(digest);
    assertThat("9E107D9D372BB6826BD81D3542A419D6").doesNotMatch(digest);
    assertThat("9e107d9d372bb6826bd81d3542a419d").doesNotMatch(digest);
  }

  /** Marking stays bounded: the rules a service flattens to are the product of these. */
  @Test
  void markingIsBounded() {
    assertThat(prop(VS, "spec.marking").getMaxItems()).isEqualTo(16L);
    assertThat(prop(VS, "spec.marking.items.destinations").getMaxItems()).isEqualTo(32L);
    assertThat(prop(VS, "spec.marking.items.destinations").getItems().getSchema().getMaxLength())
        .isEqualTo((long) MarkingRule.MAX_DESTINATION_LENGTH);
    assertThat(prop(VS, "spec.marking.items.ports").getMaxItems()).isEqualTo(16L);
    assertThat(prop(VS, "spec.marking.items.ports").getItems().getSchema().getMaxLength()).isEqualTo(11L);
    java.util.regex.Pattern port = java.util.regex.Pattern.compile(MarkingRule.PORT);
    assertThat(List.of("80", "8000-8099", "65535")).allMatch(p -> port.matcher(p).matches());
    assertThat(List.of("http", "80-", "-80", "80 - 90", "123456")).noneMatch(p -> port.matcher(p).matches());
    assertThat(prop(VS, "spec.marking.items.protocol").getEnum()).extracting(Object::toString)
        .containsExactlyInAnyOrder("\"TCP\"", "\"UDP\"", "\"SCTP\"");
  }

  /** A RealServer's check inherits what it leaves out: no schema default may fill those fields in. */
  @Test
  void realServerCheckHasNoDefaults() {
    JSONSchemaProps check = prop(RS, "spec.healthCheck");
    check.getProperties().forEach((name, p) -> assertThat(p.getDefault()).as(name).isNull());
  }

  /** The schema's defaults and the plan's defaults (for objects that never saw an API server) are the same. */
  @Test
  void schemaDefaultsEqualTheDefaultsClass() {
    assertThat(prop(VS, "spec.scheduler").getDefault().asText()).isEqualTo(Defaults.SCHEDULER);
    assertThat(prop(VS, "spec.forwarding.method").getDefault().asText()).isEqualTo(Defaults.METHOD);
    assertThat(prop(VS, "spec.forwarding.tunnel.type").getDefault().asText()).isEqualTo(Defaults.TUNNEL_TYPE);
    assertThat(prop(VS, "spec.persistence.timeoutSeconds").getDefault().asInt())
        .isEqualTo(Defaults.PERSISTENCE_TIMEOUT_SECONDS);
    assertThat(prop(VS, "spec.healthCheck.type").getDefault().asText()).isEqualTo(Defaults.CHECK_TYPE);
    assertThat(prop(VS, "spec.healthCheck.intervalMillis").getDefault().asInt()).isEqualTo(Defaults.CHECK_INTERVAL_MILLIS);
    assertThat(prop(VS, "spec.healthCheck.timeoutMillis").getDefault().asInt()).isEqualTo(Defaults.CHECK_TIMEOUT_MILLIS);
    assertThat(prop(VS, "spec.healthCheck.rise").getDefault().asInt()).isEqualTo(Defaults.CHECK_RISE);
    assertThat(prop(VS, "spec.healthCheck.fall").getDefault().asInt()).isEqualTo(Defaults.CHECK_FALL);
    assertThat(prop(VS, "spec.healthCheck.onFailure").getDefault().asText()).isEqualTo(Defaults.CHECK_ON_FAILURE);
    assertThat(prop(VS, "spec.healthCheck.http.path").getDefault().asText()).isEqualTo(Defaults.HTTP_PATH);
    assertThat(prop(VS, "spec.healthCheck.http.method").getDefault().asText()).isEqualTo(Defaults.HTTP_METHOD);
    assertThat(prop(RS, "spec.weight").getDefault().asInt()).isEqualTo(Defaults.WEIGHT);
    assertThat(prop(DP, "spec.syncDaemon.syncId").getDefault().asInt()).isEqualTo(Defaults.SYNC_ID);
    assertThat(prop(DP, "spec.syncDaemon.multicastGroup").getDefault().asText()).isEqualTo(Defaults.SYNC_MULTICAST_GROUP);
    assertThat(prop(DP, "spec.syncDaemon.port").getDefault().asInt()).isEqualTo(Defaults.SYNC_PORT);
    assertThat(prop(DP, "spec.syncDaemon.ttl").getDefault().asInt()).isEqualTo(Defaults.SYNC_TTL);
    assertThat(prop(DP, "spec.highAvailability.advertIntervalMillis").getDefault().asInt())
        .isEqualTo(Defaults.ADVERT_INTERVAL_MILLIS);
    assertThat(prop(DP, "spec.highAvailability.missesBeforeDead").getDefault().asInt())
        .isEqualTo(Defaults.MISSES_BEFORE_DEAD);
    assertThat(prop(DP, "spec.highAvailability.preemptDelaySeconds").getDefault().asInt())
        .isEqualTo(Defaults.PREEMPT_DELAY_SECONDS);
    assertThat(prop(DP, "spec.highAvailability.heartbeatPort").getDefault().asInt()).isEqualTo(Defaults.HEARTBEAT_PORT);
    assertThat(prop(DP, "spec.sysctls.profile").getDefault().asText()).isEqualTo(Defaults.SYSCTL_PROFILE);
  }

  /** Agent settings go into a Pod: bounded, one line each, so a typo is refused at admission, not by the kubelet. */
  @Test
  void agentSettingsAreBounded() {
    JSONSchemaProps args = prop(DP, "spec.agent.args");
    assertThat(args.getMaxItems()).isEqualTo(32L);
    assertThat(args.getItems().getSchema().getMaxLength()).isEqualTo(256L);
    java.util.regex.Pattern oneLine = java.util.regex.Pattern.compile(args.getItems().getSchema().getPattern());
    assertThat(oneLine.matcher("--fake-ipvs").matches()).isTrue();
    assertThat(oneLine.matcher("--a\n--b").matches()).isFalse();
    assertThat(prop(DP, "spec.agent.jvmOptions").getPattern()).isEqualTo(AgentSettings.ARG);
    java.util.regex.Pattern quantity = java.util.regex.Pattern.compile(
        prop(DP, "spec.agent.resources.limits.memory").getPattern());
    assertThat(List.of("256Mi", "100m", "0.5", "1G", "1048576")).allMatch(q -> quantity.matcher(q).matches());
    assertThat(List.of("256 Mi", "-1", "lots", "1Mib", "")).noneMatch(q -> quantity.matcher(q).matches());
    java.util.regex.Pattern name = java.util.regex.Pattern.compile(prop(DP, "spec.agent.priorityClassName").getPattern());
    assertThat(name.matcher(AgentSettings.DEFAULT_PRIORITY_CLASS).matches()).isTrue();
    assertThat(name.matcher("Not_A_Name").matches()).isFalse();
  }

  @Test
  void everyFieldIsDocumented() {
    for (CustomResourceDefinition crd : List.of(VS, RS, DP)) {
      assertDescribed(crd.getSpec().getNames().getKind() + ".spec", prop(crd, "spec"));
    }
  }

  private static void assertDescribed(String path, JSONSchemaProps p) {
    if (p.getProperties() == null) {
      return;
    }
    p.getProperties().forEach((name, child) -> {
      assertThat(child.getDescription()).as("description of %s.%s", path, name).isNotBlank();
      if (name.equals("realServerSelector")) {
        return; // Kubernetes' own LabelSelector type, documented upstream
      }
      assertDescribed(path + "." + name, child);
      if (child.getItems() != null && child.getItems().getSchema() != null) {
        assertDescribed(path + "." + name + "[]", child.getItems().getSchema());
      }
    });
  }
}
