package io.halvs.plan.publish;

import static org.assertj.core.api.Assertions.assertThat;

import io.halvs.api.v1alpha1.ForwardingMethod;
import io.halvs.api.v1alpha1.TunnelType;
import io.halvs.plan.IpAddress;
import io.halvs.plan.ObjectRef;
import io.halvs.plan.RealServerNodePlan;
import java.util.List;
import org.junit.jupiter.api.Test;

class RealServerPublishTest {
  @Test
  void aNodePlanAndAReportSurviveTheRoundTrip() {
    RealServerNodePlan plan = new RealServerNodePlan("w1", List.of(
        new RealServerNodePlan.Need(IpAddress.parse("192.0.2.10"), ForwardingMethod.GATE, null, 0, null, "lvs"),
        new RealServerNodePlan.Need(IpAddress.parse("2001:db8::1"), ForwardingMethod.IPIP, TunnelType.GUE, 6080,
            "ip6tnl0", "lvs")), List.of(new ObjectRef("RealServer", "default", "a")));
    String json = RealServerPublish.planJson(plan);
    assertThat(RealServerPublish.parsePlan(json)).isEqualTo(plan);
    assertThat(RealServerPublish.hash(json)).isEqualTo(RealServerPublish.hash(RealServerPublish.planJson(
        RealServerPublish.parsePlan(json))));
    var report = new RealServerPublish.Report("w1", "abc", List.of("vip 192.0.2.10/32 on lo"), List.of(),
        "2026-01-01T00:00:00Z");
    assertThat(RealServerPublish.parseReport(RealServerPublish.reportJson(report))).isEqualTo(report);
    assertThat(report.applied("abc")).isTrue();
    assertThat(report.applied("other")).isFalse();
  }
}
