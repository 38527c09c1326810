package io.halvs.plan;

import io.halvs.api.v1alpha1.Defaults;
import io.halvs.api.v1alpha1.DnsRecordType;
import io.halvs.api.v1alpha1.FailureAction;
import io.halvs.api.v1alpha1.HealthCheck;
import io.halvs.api.v1alpha1.HealthCheckOverride;
import io.halvs.api.v1alpha1.HealthCheckType;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A health-check block, checked and with every default applied: a VirtualService's, or one of its RealServers'
 * laid over it (see {@link #merge}).
 */
final class HealthChecks {
  private static final Pattern DNS_NAME = Pattern.compile(
      "^([A-Za-z0-9_]([-A-Za-z0-9_]{0,61}[A-Za-z0-9_])?\\.)*[A-Za-z0-9_]([-A-Za-z0-9_]{0,61}[A-Za-z0-9_])?\\.?$");
  private static final Pattern HELO_NAME = Pattern.compile("^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$");
  private static final Pattern MD5_HEX = Pattern.compile("^[0-9a-f]{32}$");

  private HealthChecks() {}

  static HealthCheckPlan plan(HealthCheck h, Checks c) {
    return plan(h, c, "spec.healthCheck");
  }

  /**
   * A RealServer's check over its VirtualService's: each field the RealServer sets replaces the service's; a type
   * block it sets replaces the service's block whole; the service's blocks of another type than the result's are
   * dropped (they belong to a check this real server does not run).
   */
  static HealthCheck merge(HealthCheck service, HealthCheckOverride own) {
    HealthCheck base = service != null ? service : new HealthCheck();
    HealthCheck m = new HealthCheck();
    HealthCheckType baseType = base.getType() != null ? base.getType() : HealthCheckType.TCP;
    HealthCheckType type = own.getType() != null ? own.getType() : baseType;
    m.setType(type);
    // icmp has no port: a service's check port does not carry over to a real server pinged instead.
    m.setPort(own.getPort() != null ? own.getPort() : type == HealthCheckType.ICMP ? null : base.getPort());
    m.setIntervalMillis(own.getIntervalMillis() != null ? own.getIntervalMillis() : base.getIntervalMillis());
    m.setTimeoutMillis(own.getTimeoutMillis() != null ? own.getTimeoutMillis() : base.getTimeoutMillis());
    m.setRise(own.getRise() != null ? own.getRise() : base.getRise());
    m.setFall(own.getFall() != null ? own.getFall() : base.getFall());
    m.setWarmupMillis(own.getWarmupMillis() != null ? own.getWarmupMillis() : base.getWarmupMillis());
    m.setOnFailure(own.getOnFailure() != null ? own.getOnFailure() : base.getOnFailure());
    boolean http = type == HealthCheckType.HTTP || type == HealthCheckType.HTTPS;
    boolean baseHttp = baseType == HealthCheckType.HTTP || baseType == HealthCheckType.HTTPS;
    m.setHttp(own.getHttp() != null ? own.getHttp() : http && baseHttp ? base.getHttp() : null);
    boolean same = type == baseType;
    m.setUdp(own.getUdp() != null ? own.getUdp() : same ? base.getUdp() : null);
    m.setDns(own.getDns() != null ? own.getDns() : same ? base.getDns() : null);
    m.setTcp(own.getTcp() != null ? own.getTcp() : same ? base.getTcp() : null);
    m.setSmtp(own.getSmtp() != null ? own.getSmtp() : same ? base.getSmtp() : null);
    return m;
  }

  /** f: the field path the findings name, e.g. spec.healthCheck. */
  static HealthCheckPlan plan(HealthCheck h, Checks c, String f) {
    if (h == null) {
      h = new HealthCheck();
    }
    HealthCheckType type = h.getType() != null ? h.getType() : HealthCheckType.TCP;
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
    if (h.getTcp() != null && type != HealthCheckType.TCP) {
      c.error(f + ".tcp", "Invalid", f + ".tcp (send/expect) is only for type tcp");
    }
    if (h.getSmtp() != null && type != HealthCheckType.SMTP) {
      c.error(f + ".smtp", "Invalid", f + ".smtp is only for type smtp");
    }
    if (type == HealthCheckType.ICMP && h.getPort() != null) {
      c.error(f + ".port", "Invalid", f + ".port has no meaning for type icmp");
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
      regex(c, f + ".http.expectBodyRegex", x.getExpectBodyRegex());
      if (x.getExpectDigest() != null && !MD5_HEX.matcher(x.getExpectDigest()).matches()) {
        c.error(f + ".http.expectDigest", "Invalid", f + ".http.expectDigest '" + x.getExpectDigest()
            + "' must be an MD5 sum: 32 lower-case hex digits");
      }
      httpPlan = new HealthCheckPlan.Http(x.getMethod() != null ? x.getMethod().name() : Defaults.HTTP_METHOD, path,
          x.getHost(), List.copyOf(status.stream().filter(s -> s != null).toList()), x.getExpectBody(),
          x.getExpectBodyRegex(), Boolean.TRUE.equals(x.getTlsVerify()), x.getSni(), x.getExpectDigest());
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
      DnsRecordType rt = d.getRecordType() != null ? d.getRecordType() : DnsRecordType.A;
      if (d.getExpectAddress() != null) {
        c.address(f + ".dns.expectAddress", d.getExpectAddress(), false);
        if (!rt.isAddress()) {
          c.error(f + ".dns.expectAddress", "Invalid", f + ".dns.expectAddress is for record types A and AAAA, not "
              + rt + "; use dns.expectData");
        }
      }
      if (d.getExpectData() != null && rt.isAddress()) {
        c.error(f + ".dns.expectData", "Invalid", f + ".dns.expectData is for record types other than A and AAAA; "
            + "use dns.expectAddress");
      }
      dns = new HealthCheckPlan.Dns(d.getName(), rt, d.getExpectAddress(), d.getExpectData());
    }
    HealthCheckPlan.Tcp tcp = null;
    if (h.getTcp() != null) {
      var t = h.getTcp();
      boolean send = t.getSend() != null && !t.getSend().isEmpty();
      boolean expect = t.getExpect() != null && !t.getExpect().isEmpty();
      if (!send && !expect) {
        c.error(f + ".tcp", "Invalid", f + ".tcp needs send, expect or both (leave the block out for a plain "
            + "connect)");
      }
      regex(c, f + ".tcp.expect", t.getExpect());
      tcp = new HealthCheckPlan.Tcp(send ? t.getSend() : null, expect ? t.getExpect() : null);
    }
    HealthCheckPlan.Smtp smtp = null;
    if (type == HealthCheckType.SMTP) {
      String helo = h.getSmtp() != null && h.getSmtp().getHeloName() != null ? h.getSmtp().getHeloName()
          : Defaults.SMTP_HELO_NAME;
      if (helo.length() > 253 || !HELO_NAME.matcher(helo).matches()) {
        c.error(f + ".smtp.heloName", "Invalid", f + ".smtp.heloName '" + helo + "' is not a host name");
      }
      smtp = new HealthCheckPlan.Smtp(helo);
    }
    return new HealthCheckPlan(type, Checks.orDefault(h.getPort(), 0),
        Checks.orDefault(h.getIntervalMillis(), Defaults.CHECK_INTERVAL_MILLIS),
        Checks.orDefault(h.getTimeoutMillis(), Defaults.CHECK_TIMEOUT_MILLIS),
        Checks.orDefault(h.getRise(), Defaults.CHECK_RISE), Checks.orDefault(h.getFall(), Defaults.CHECK_FALL),
        Checks.orDefault(h.getWarmupMillis(), 0),
        h.getOnFailure() != null ? h.getOnFailure() : FailureAction.QUIESCENT, httpPlan, udp, dns, tcp, smtp);
  }

  private static void regex(Checks c, String field, String regex) {
    if (regex != null) {
      try {
        Pattern.compile(regex);
      } catch (PatternSyntaxException e) {
        c.error(field, "InvalidRegex", field + " does not compile: " + e.getDescription());
      }
    }
  }
}
