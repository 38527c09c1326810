package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What a health check does against a real server. */
public enum HealthCheckType {
  /** Connect; with a tcp block, also send and expect (ldirectord simpletcp). */
  @JsonProperty("tcp") TCP,
  @JsonProperty("http") HTTP,
  @JsonProperty("https") HTTPS,
  @JsonProperty("udp") UDP,
  @JsonProperty("dns") DNS,
  /** ICMP echo request and reply (ldirectord ping): the host answers, whatever runs on it. */
  @JsonProperty("icmp") ICMP,
  /** SMTP banner 220, EHLO 250, QUIT (keepalived SMTP_CHECK, ldirectord smtp). */
  @JsonProperty("smtp") SMTP,
  /** Always up: the real server stays in rotation whatever happens. */
  @JsonProperty("none") NONE
}
