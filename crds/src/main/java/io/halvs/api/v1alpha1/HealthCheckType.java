package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What a health check does against a real server. */
public enum HealthCheckType {
  @JsonProperty("tcp") TCP,
  @JsonProperty("http") HTTP,
  @JsonProperty("https") HTTPS,
  @JsonProperty("udp") UDP,
  @JsonProperty("dns") DNS,
  /** Always up: the real server stays in rotation whatever happens. */
  @JsonProperty("none") NONE
}
