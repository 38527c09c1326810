package io.halvs.plan.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class KeepalivedImportTest {
  @TempDir
  Path tmp;

  static Stream<String> valid() {
    return ImportFixtures.valid("keepalived");
  }

  static Stream<String> invalid() {
    return ImportFixtures.invalid("keepalived");
  }

  @Test
  void atLeastTenConfigsOfEachKind() {
    assertThat(valid().count()).isGreaterThanOrEqualTo(10);
    assertThat(invalid().count()).isGreaterThanOrEqualTo(10);
  }

  @ParameterizedTest
  @MethodSource("valid")
  void importedAndRenderedAsKeepalivedProgramsIt(String name) throws IOException {
    ImportFixtures.check(Import.Format.KEEPALIVED, "keepalived", name, tmp);
  }

  @ParameterizedTest
  @MethodSource("invalid")
  void syntaxErrorNamesTheLineAndPrintsNothing(String name) throws IOException {
    ImportFixtures.checkInvalid(Import.Format.KEEPALIVED, "keepalived", name);
  }

  @Test
  void vrrpInstanceBecomesThePair() throws IOException {
    Path conf = ImportFixtures.ROOT.resolve("keepalived").resolve("seed.conf");
    var imported = ImportFixtures.importRun(Import.Format.KEEPALIVED, conf, false);
    assertThat(imported.out()).contains("nodes: # placeholders").contains("vipInterface: eth0\n")
        .contains("advertIntervalMillis: 1000").contains("preempt: true").contains("preemptDelaySeconds: 0");
    Path yaml = tmp.resolve("seed.yaml");
    java.nio.file.Files.writeString(yaml, imported.out());
    var rendered = ImportFixtures.render(yaml);
    // The VIP on the VRRP interface, the other one (eth1) the real servers' gateway, the sync id the instance's
    // virtual_router_id (keepalived's default).
    assertThat(rendered.out()).contains("# vip 192.0.2.110/24 dev eth0\n")
        .contains("# gateway 10.0.1.254/24 dev eth1\n")
        .contains("# sync-daemon master+backup syncid 51 dev eth0 group 224.0.0.81 port 8848 ttl 1\n");
  }

  @Test
  void vipInterfacesPrefixesAndSeveralGateways() throws IOException {
    var imported = ImportFixtures.importRun(Import.Format.KEEPALIVED,
        ImportFixtures.ROOT.resolve("keepalived").resolve("vip-interfaces.conf"), false);
    Path yaml = tmp.resolve("vips.yaml");
    java.nio.file.Files.writeString(yaml, imported.out());
    assertThat(ImportFixtures.render(yaml).out()).contains("""
        # vip 192.0.2.110/32 dev eth0
        # vip 198.51.100.7/24 dev eth2
        # gateway 10.0.1.254/24 dev eth1
        # gateway 10.0.2.254/24 dev eth3
        """);
  }

  @Test
  void nopreemptAndFractionalAdvertInterval() throws IOException {
    var dr = ImportFixtures.importRun(Import.Format.KEEPALIVED,
        ImportFixtures.ROOT.resolve("keepalived").resolve("dr-persistence.conf"), false);
    assertThat(dr.out()).contains("preempt: false").doesNotContain("preemptDelaySeconds");
    // No lvs_sync_daemon: no sync daemons, as keepalived.
    assertThat(dr.out()).contains("syncDaemon:\n    enabled: false");
    Path yaml = tmp.resolve("dr.yaml");
    java.nio.file.Files.writeString(yaml, dr.out());
    assertThat(ImportFixtures.render(yaml).out()).doesNotContain("# sync-daemon");
    var v6 = ImportFixtures.importRun(Import.Format.KEEPALIVED,
        ImportFixtures.ROOT.resolve("keepalived").resolve("ipv6.conf"), false);
    assertThat(v6.out()).contains("advertIntervalMillis: 500").contains("preemptDelaySeconds: 30");
  }

  @Test
  void checksCarryKeepalivedsTimingAndFailureAction() {
    var r = ImportFixtures.importRun(Import.Format.KEEPALIVED,
        ImportFixtures.ROOT.resolve("keepalived").resolve("thresholds.conf"), false);
    // delay_loop 60 s, connect_timeout 1 s, retry 1 (fails on the second failed check), inhibit_on_failure.
    assertThat(r.out()).contains("type: tcp").contains("intervalMillis: 60000").contains("timeoutMillis: 1000")
        .contains("fall: 2").contains("onFailure: quiescent");
    var dns = ImportFixtures.importRun(Import.Format.KEEPALIVED,
        ImportFixtures.ROOT.resolve("keepalived").resolve("udp-dns.conf"), false);
    assertThat(dns.out()).contains("name: health.example.com").contains("recordType: A").contains("fall: 4")
        .contains("send: hello").contains("expect: ok");
  }

  @Test
  void missingFileIsAnErrorNotACrash() {
    var r = ImportFixtures.importRun(Import.Format.KEEPALIVED, tmp.resolve("nope.cf"), false);
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains("nope.cf: cannot read");
  }
}
