package io.halvs.plan;

import io.halvs.api.v1alpha1.Defaults;
import io.halvs.api.v1alpha1.DnsRecordType;
import io.halvs.api.v1alpha1.FailureAction;
import io.halvs.api.v1alpha1.HealthCheck;
import io.halvs.api.v1alpha1.HealthCheckType;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** A VirtualService's health-check block, checked and with every default applied. */
final class HealthChecks {
  private static final Pattern DNS_NAME = Pattern.compile(
      "^([A-Za-z0-9_]([-A-Za-z0-9_]{0,61}[A-Za-z0-9_])?\\.)*[A-Za-z0-9_]([-A-Za-z0-9_]{0,61}[A-Za-z0-9_])?\\.?$");

  private HealthChecks() {}

  static HealthCheckPlan plan(HealthCheck h, Checks c) {
    if (h == null) {
      h = new HealthCheck();
    }
    HealthCheckType type = h.getType() != null ? h.getType() : HealthCheckType.TCP;
    String f = "spec.healthCheck";
    c.range(f + ".port", h.getPort(), 1, 65535);
    c.range(f + ".intervalMillis", h.getIntervalMillis(), 100, 3600000);
    c.range(f + ".timeoutMillis", h.getTimeoutMillis(), 10, 600000);
    c.range(f + ".rise", h.getRise(), 1, 100);
    c.range(f + ".fall", h.getFall(), 1, 100);
    c.range(f + ".warmupMillis", h.getWarmupMillis(), 0, 3600000);
    boolean http = type == HealthCheckType.HTTP || type == HealthCheckType.HTTPS;
    if (h.getHttp() != null && !http) {
      c.error(f + ".http", "Invalid", f + ".http is only for type http or https");
    }
    if ((type == HealthCheckType.UDP) != (h.getUdp() != null)) {
      c.error(f + ".udp", "Invalid", f + ".udp (send/expect) is required for type udp and only allowed with it");
    }
    if ((type == HealthCheckType.DNS) != (h.getDns() != null)) {
      c.error(f + ".dns", "Invalid", f + ".dns (the query) is required for type dns and only allowed with it");
    }
    HealthCheckPlan.Http httpPlan = null;
    if (http) {
      var x = h.getHttp() != null ? h.getHttp() : new io.halvs.api.v1alpha1.HttpCheck();
      String path = x.getPath() != null ? x.getPath() : Defaults.HTTP_PATH;
      if (!path.startsWith("/") || path.chars().anyMatch(Character::isWhitespace)) {
        c.error(f + ".http.path", "Invalid", f + ".http.path '" + path + "' must start with / and hold no blanks");
      }
      List<Integer> status = x.getExpectStatus() != null && !x.getExpectStatus().isEmpty() ? x.getExpectStatus()
          : List.of(Defaults.HTTP_EXPECT_STATUS);
      for (Integer s : status) {
        if (s == null || s < 100 || s > 599) {
          c.error(f + ".http.expectStatus", "Invalid", f + ".http.expectStatus codes must be 100-599, not " + s);
        }
      }
      if (x.getExpectBody() != null && x.getExpectBodyRegex() != null) {
        c.error(f + ".http", "Invalid", "set http.expectBody or http.expectBodyRegex, not both");
      }
      if (x.getExpectBodyRegex() != null) {
        try {
          Pattern.compile(x.getExpectBodyRegex());
        } catch (PatternSyntaxException e) {
          c.error(f + ".http.expectBodyRegex", "InvalidRegex", f + ".http.expectBodyRegex does not compile: "
              + e.getDescription());
        }
      }
      httpPlan = new HealthCheckPlan.Http(x.getMethod() != null ? x.getMethod().name() : Defaults.HTTP_METHOD, path,
          x.getHost(), List.copyOf(status.stream().filter(s -> s != null).toList()), x.getExpectBody(),
          x.getExpectBodyRegex(), Boolean.TRUE.equals(x.getTlsVerify()), x.getSni());
    }
    HealthCheckPlan.Udp udp = null;
    if (h.getUdp() != null) {
      if (h.getUdp().getSend() == null || h.getUdp().getSend().isEmpty()) {
        c.error(f + ".udp.send", "Required", f + ".udp.send is required");
      }
      udp = new HealthCheckPlan.Udp(h.getUdp().getSend(), h.getUdp().getExpect());
    }
    HealthCheckPlan.Dns dns = null;
    if (h.getDns() != null) {
      var d = h.getDns();
      if (d.getName() == null || d.getName().length() > 253 || !DNS_NAME.matcher(d.getName()).matches()) {
        c.error(f + ".dns.name", "Invalid", f + ".dns.name '" + d.getName() + "' is not a DNS name");
      }
      if (d.getExpectAddress() != null) {
        c.address(f + ".dns.expectAddress", d.getExpectAddress(), false);
      }
      dns = new HealthCheckPlan.Dns(d.getName(), d.getRecordType() != null ? d.getRecordType() : DnsRecordType.A,
          d.getExpectAddress());
    }
    return new HealthCheckPlan(type, Checks.orDefault(h.getPort(), 0),
        Checks.orDefault(h.getIntervalMillis(), Defaults.CHECK_INTERVAL_MILLIS),
        Checks.orDefault(h.getTimeoutMillis(), Defaults.CHECK_TIMEOUT_MILLIS),
        Checks.orDefault(h.getRise(), Defaults.CHECK_RISE), Checks.orDefault(h.getFall(), Defaults.CHECK_FALL),
        Checks.orDefault(h.getWarmupMillis(), 0),
        h.getOnFailure() != null ? h.getOnFailure() : FailureAction.QUIESCENT, httpPlan, udp, dns);
  }
}
