package io.halvs.plan.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.plan.load.ManifestLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestTest {
  /** Values a YAML 1.1 reader would turn into numbers or booleans come back as the strings they were. */
  @Test
  void stringsSurviveTheRoundTrip(@TempDir Path tmp) throws Exception {
    Manifest m = new Manifest("pair", "test");
    Manifest.Service s = new Manifest.Service();
    s.vip = "2001:0:0:1:0:0:0:10";
    s.port = 80;
    s.protocol = "TCP";
    s.scheduler = "wrr";
    s.method = "masq";
    Map<String, Object> http = new LinkedHashMap<>();
    http.put("path", "/a:b");
    http.put("host", "0x1F");
    http.put("expectBody", "12:30");
    Map<String, Object> hc = new LinkedHashMap<>();
    hc.put("type", "http");
    hc.put("http", http);
    s.healthCheck = hc;
    s.reals.add(new Manifest.Real("2001:0:0:1:0:0:0:1", null, 1, "masq"));
    Manifest.Service yes = new Manifest.Service();
    yes.vip = "192.0.2.1";
    yes.port = 81;
    yes.protocol = "TCP";
    yes.scheduler = "wrr";
    yes.method = "masq";
    yes.healthCheck = Map.of("type", "http", "http", Map.of("expectBody", "yes"));
    m.services.addAll(List.of(s, yes));
    Path f = tmp.resolve("m.yaml");
    Files.writeString(f, m.toYaml());
    ManifestLoader.Result r = new ManifestLoader().load(List.of(f));
    assertThat(r.problems()).isEmpty();
    VirtualService vs = r.input().virtualServices().stream().filter(v -> v.getSpec().getPort() == 80).findFirst()
        .orElseThrow();
    assertThat(vs.getSpec().getVip()).isEqualTo("2001:0:0:1:0:0:0:10");
    assertThat(vs.getSpec().getHealthCheck().getHttp().getHost()).isEqualTo("0x1F");
    assertThat(vs.getSpec().getHealthCheck().getHttp().getExpectBody()).isEqualTo("12:30");
    assertThat(vs.getSpec().getHealthCheck().getHttp().getPath()).isEqualTo("/a:b");
    VirtualService vs81 = r.input().virtualServices().stream().filter(v -> v.getSpec().getPort() == 81)
        .findFirst().orElseThrow();
    assertThat(vs81.getSpec().getHealthCheck().getHttp().getExpectBody()).isEqualTo("yes");
    RealServer rs = r.input().realServers().get(0);
    assertThat(rs.getSpec().getAddress()).isEqualTo("2001:0:0:1:0:0:0:1");
  }
}
