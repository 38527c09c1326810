package io.halvs.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.plan.load.ManifestLoader;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Endpoint column of a firewall-mark service says its addresses and, with marking, how many rules it marks. */
class FirewallMarkStatusTest {
  private static final Path EXAMPLE = Paths.get("..", "deploy", "examples", "firewall-mark.yaml").toAbsolutePath()
      .normalize();

  static String endpoint(String name, ManifestLoader.Result loaded) {
    var in = loaded.input();
    Snapshot s = PlanService.build(in.directorPairs(), in.virtualServices(), in.realServers(), List.of());
    VirtualService vs = in.virtualServices().stream().filter(v -> v.getMetadata().getName().equals(name))
        .findFirst().orElseThrow();
    return StatusComputer.virtualService(vs, s, "2026-11-30T07:00:01Z").getEndpoint();
  }

  @Test
  void withMarkingTheEndpointCountsTheRules() {
    ManifestLoader.Result loaded = new ManifestLoader().load(List.of(EXAMPLE));
    assertThat(loaded.problems()).isEmpty();
    assertThat(endpoint("portal", loaded)).isEqualTo("fwmark 10 (192.0.2.130, 192.0.2.131; marks 5 rules)");
  }

  @Test
  void withoutMarkingItIsAsBefore() {
    ManifestLoader.Result loaded = new ManifestLoader().load(List.of(EXAMPLE));
    VirtualService portal = loaded.input().virtualServices().get(0);
    portal.getSpec().setMarking(null);
    assertThat(endpoint("portal", loaded)).isEqualTo("fwmark 10 (192.0.2.130, 192.0.2.131)");
    portal.getSpec().setVips(null);
    assertThat(endpoint("portal", loaded)).isEqualTo("fwmark 10 (no address)");
  }
}
