package io.halvs.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.api.v1alpha1.VirtualServiceStatus;
import io.halvs.plan.load.ManifestLoader;
import io.halvs.plan.publish.AgentReport;
import io.halvs.plan.render.Render;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A VirtualService whose selector matches no RealServer (a label typo): render fails the pipeline, and the
 * operator, which cannot refuse it at admission (the mistake spans two objects), says the same in the service's
 * conditions once the directors program it: not Ready, Degraded with render's message.
 */
class EmptyServiceStatusTest {
  @TempDir
  Path dir;

  static final String OBJECTS = """
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
        generation: 1
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
        labels: {app: wbe}
      spec:
        address: 10.0.1.11
      """;

  record Outcome(int renderCode, String renderErr, VirtualServiceStatus status) {}

  Outcome both(String yaml) throws IOException {
    Path f = Files.writeString(dir.resolve("shop.yaml"), yaml);
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Render.run(List.of(f), new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    ManifestLoader.Result loaded = new ManifestLoader().load(List.of(f));
    assertThat(loaded.problems()).isEmpty();
    var in = loaded.input();
    Snapshot s = PlanService.build(in.directorPairs(), in.virtualServices(), in.realServers(), List.of());
    String hash = s.planHash("lvs");
    // Both directors report the current plan programmed; lvs-01 holds the VIP.
    Snapshot programmed = new Snapshot(s.result(), s.published(), Map.of("lvs", Map.of(
        "lvs-01", new AgentReport("lvs-01", "lvs", AgentReport.ACTIVE, hash, true, "2026-11-30T07:00:00Z", null,
            Map.of(), false),
        "lvs-02", new AgentReport("lvs-02", "lvs", AgentReport.STANDBY, hash, true, "2026-11-30T07:00:00Z", null,
            Map.of(), false))), s.realServerUse(), s.generations());
    VirtualService vs = in.virtualServices().get(0);
    return new Outcome(code, err.toString(StandardCharsets.UTF_8),
        StatusComputer.virtualService(vs, programmed, "2026-11-30T07:00:01Z"));
  }

  static Condition condition(VirtualServiceStatus st, String type) {
    return st.getConditions().stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow();
  }

  @Test
  void aLabelTypoFailsRenderAndTheServiceIsNotReadyAndDegradedWithTheSameWords() throws IOException {
    Outcome o = both(OBJECTS);
    assertThat(o.renderCode()).isEqualTo(1);
    Condition ready = condition(o.status(), Conditions.READY);
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getReason()).isEqualTo("NoRealServers");
    assertThat(ready.getMessage()).contains("every connection is refused");
    Condition degraded = condition(o.status(), Conditions.DEGRADED);
    assertThat(degraded.getStatus()).isEqualTo("True");
    assertThat(degraded.getReason()).isEqualTo("NoRealServers");
    assertThat(o.renderErr()).contains("VirtualService shop/web: " + degraded.getMessage() + "\n");
    assertThat(o.status().getRealServers()).isEqualTo("?/0");
  }

  @Test
  void onPurposeItPassesRenderAndIsNotDegradedButStillNotReady() throws IOException {
    Outcome o = both(OBJECTS.replace("  generation: 1\n", "  generation: 1\n  annotations: {halvs.io/allow-empty: \"true\"}\n"));
    assertThat(o.renderCode()).as(o.renderErr()).isZero();
    assertThat(condition(o.status(), Conditions.DEGRADED).getStatus()).isEqualTo("False");
    Condition ready = condition(o.status(), Conditions.READY);
    assertThat(ready.getStatus()).isEqualTo("False"); // nothing serves: Ready says so, on purpose or not
    assertThat(ready.getReason()).isEqualTo("NoRealServers");
  }

  @Test
  void withASorryServerTheConditionSaysWhoAnswers() throws IOException {
    Outcome o = both(OBJECTS.replace("  port: 80\n", "  port: 80\n  sorryServer: {address: 10.0.9.9}\n"));
    assertThat(o.renderCode()).isEqualTo(1);
    assertThat(condition(o.status(), Conditions.READY).getMessage()).contains("only the sorry server answers");
  }

  @Test
  void aSelectedRealServerMakesItReady() throws IOException {
    Outcome o = both(OBJECTS.replace("app: wbe", "app: web"));
    assertThat(o.renderCode()).as(o.renderErr()).isZero();
    assertThat(condition(o.status(), Conditions.READY).getStatus()).isEqualTo("True");
  }
}
