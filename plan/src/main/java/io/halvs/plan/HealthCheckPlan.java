package io.halvs.plan;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.halvs.api.v1alpha1.DnsRecordType;
import io.halvs.api.v1alpha1.FailureAction;
import io.halvs.api.v1alpha1.HealthCheckType;
import java.util.List;

/**
 * A health check with every default applied. port 0 means "the destination's port" (icmp has none). Fields of
 * other check types are null; tcp is null for a plain connect.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
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
    Dns dns,
    Tcp tcp,
    Smtp smtp) {

  @JsonCreator
  public HealthCheckPlan {}

  /** A check of the types that came before tcp send/expect and smtp. */
  public HealthCheckPlan(HealthCheckType type, int port, int intervalMillis, int timeoutMillis, int rise, int fall,
      int warmupMillis, FailureAction onFailure, Http http, Udp udp, Dns dns) {
    this(type, port, intervalMillis, timeoutMillis, rise, fall, warmupMillis, onFailure, http, udp, dns, null, null);
  }

  /** http/https request and expectation; expectDigest: MD5 of the body, lower-case hex, or null. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Http(String method, String path, String host, List<Integer> expectStatus, String expectBody,
      String expectBodyRegex, boolean tlsVerify, String sni, String expectDigest) {
    @JsonCreator
    public Http {}

    public Http(String method, String path, String host, List<Integer> expectStatus, String expectBody,
        String expectBodyRegex, boolean tlsVerify, String sni) {
      this(method, path, host, expectStatus, expectBody, expectBodyRegex, tlsVerify, sni, null);
    }
  }

  /** udp datagram and expected answer substring (null: any answer). */
  public record Udp(String send, String expect) {}

  /**
   * dns query; expectAddress (A, AAAA) or expectData (other types, a substring of one record's presentation form)
   * null: any answer record of the type.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Dns(String name, DnsRecordType recordType, String expectAddress, String expectData) {
    @JsonCreator
    public Dns {}

    public Dns(String name, DnsRecordType recordType, String expectAddress) {
      this(name, recordType, expectAddress, null);
    }
  }

  /** tcp send/expect after the connect: send null sends nothing, expect (a regex) null takes any reply. */
  public record Tcp(String send, String expect) {}

  /** smtp: the EHLO name. */
  public record Smtp(String heloName) {}
}
