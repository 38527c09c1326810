package io.halvs.plan;

import io.halvs.api.v1alpha1.DnsRecordType;
import io.halvs.api.v1alpha1.FailureAction;
import io.halvs.api.v1alpha1.HealthCheckType;
import java.util.List;

/**
 * A health check with every default applied. port 0 means "the destination's port". Fields of other check
 * types are null.
 */
public record HealthCheckPlan(
    HealthCheckType type,
    int port,
    int intervalMillis,
    int timeoutMillis,
    int rise,
    int fall,
    int warmupMillis,
    FailureAction onFailure,
    Http http,
    Udp udp,
    Dns dns) {

  /** http/https request and expectation. */
  public record Http(String method, String path, String host, List<Integer> expectStatus, String expectBody,
      String expectBodyRegex, boolean tlsVerify, String sni) {}

  /** udp datagram and expected answer substring (null: any answer). */
  public record Udp(String send, String expect) {}

  /** dns query; expectAddress null: any answer record. */
  public record Dns(String name, DnsRecordType recordType, String expectAddress) {}
}
