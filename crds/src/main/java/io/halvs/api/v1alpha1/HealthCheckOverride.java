package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * A RealServer's own health check, laid over its VirtualService's (keepalived's checker per real_server,
 * ldirectord's request/receive per real). No defaults here on purpose: a field left out is inherited. The
 * merge: each scalar field set here replaces the service's; a type block (http, udp, dns, tcp, smtp) set here
 * replaces the service's block whole; a type different from the service's drops the service's block. The merged
 * check must be valid like a VirtualService's: the operator reports it on the RealServer otherwise.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.http) || !has(self.type) || self.type == 'http' || self.type == 'https'",
    message = "healthCheck.http is only for type http or https", fieldPath = ".http")
@ValidationRule(value = "!has(self.udp) || !has(self.type) || self.type == 'udp'",
    message = "healthCheck.udp is only for type udp", fieldPath = ".udp")
@ValidationRule(value = "!has(self.dns) || !has(self.type) || self.type == 'dns'",
    message = "healthCheck.dns is only for type dns", fieldPath = ".dns")
@ValidationRule(value = "!has(self.tcp) || !has(self.type) || self.type == 'tcp'",
    message = "healthCheck.tcp is only for type tcp", fieldPath = ".tcp")
@ValidationRule(value = "!has(self.smtp) || !has(self.type) || self.type == 'smtp'",
    message = "healthCheck.smtp is only for type smtp", fieldPath = ".smtp")
@ValidationRule(value = "(has(self.http) ? 1 : 0) + (has(self.udp) ? 1 : 0) + (has(self.dns) ? 1 : 0) "
    + "+ (has(self.tcp) ? 1 : 0) + (has(self.smtp) ? 1 : 0) <= 1",
    message = "healthCheck holds at most one of http, udp, dns, tcp and smtp")
@ValidationRule(value = "!has(self.port) || !has(self.type) || self.type != 'icmp'",
    message = "healthCheck.port has no meaning for type icmp", fieldPath = ".port")
public class HealthCheckOverride {
  @JsonPropertyDescription("Check type for this real server; absent: the virtual service's.")
  private HealthCheckType type;

  @Min(1)
  @Max(65535)
  @JsonPropertyDescription("Port to check; absent: the virtual service's check port, else this real server's port.")
  private Integer port;

  @Min(100)
  @Max(3600000)
  @JsonPropertyDescription("Milliseconds between check starts; absent: the virtual service's.")
  private Integer intervalMillis;

  @Min(10)
  @Max(600000)
  @JsonPropertyDescription("Milliseconds before one check counts as failed; absent: the virtual service's.")
  private Integer timeoutMillis;

  @Min(1)
  @Max(100)
  @JsonPropertyDescription("Consecutive successes to come back; absent: the virtual service's.")
  private Integer rise;

  @Min(1)
  @Max(100)
  @JsonPropertyDescription("Consecutive failures to leave the rotation; absent: the virtual service's.")
  private Integer fall;

  @Min(0)
  @Max(3600000)
  @JsonPropertyDescription("Warm-up in milliseconds; absent: the virtual service's.")
  private Integer warmupMillis;

  @JsonPropertyDescription("quiescent or remove; absent: the virtual service's.")
  private FailureAction onFailure;

  @JsonPropertyDescription("Replaces the virtual service's http block whole.")
  private HttpCheck http;

  @JsonPropertyDescription("Replaces the virtual service's udp block whole.")
  private UdpCheck udp;

  @JsonPropertyDescription("Replaces the virtual service's dns block whole.")
  private DnsCheck dns;

  @JsonPropertyDescription("Replaces the virtual service's tcp block whole.")
  private TcpCheck tcp;

  @JsonPropertyDescription("Replaces the virtual service's smtp block whole.")
  private SmtpCheck smtp;

  public HealthCheckType getType() { return type; }
  public void setType(HealthCheckType type) { this.type = type; }
  public Integer getPort() { return port; }
  public void setPort(Integer port) { this.port = port; }
  public Integer getIntervalMillis() { return intervalMillis; }
  public void setIntervalMillis(Integer intervalMillis) { this.intervalMillis = intervalMillis; }
  public Integer getTimeoutMillis() { return timeoutMillis; }
  public void setTimeoutMillis(Integer timeoutMillis) { this.timeoutMillis = timeoutMillis; }
  public Integer getRise() { return rise; }
  public void setRise(Integer rise) { this.rise = rise; }
  public Integer getFall() { return fall; }
  public void setFall(Integer fall) { this.fall = fall; }
  public Integer getWarmupMillis() { return warmupMillis; }
  public void setWarmupMillis(Integer warmupMillis) { this.warmupMillis = warmupMillis; }
  public FailureAction getOnFailure() { return onFailure; }
  public void setOnFailure(FailureAction onFailure) { this.onFailure = onFailure; }
  public HttpCheck getHttp() { return http; }
  public void setHttp(HttpCheck http) { this.http = http; }
  public UdpCheck getUdp() { return udp; }
  public void setUdp(UdpCheck udp) { this.udp = udp; }
  public DnsCheck getDns() { return dns; }
  public void setDns(DnsCheck dns) { this.dns = dns; }
  public TcpCheck getTcp() { return tcp; }
  public void setTcp(TcpCheck tcp) { this.tcp = tcp; }
  public SmtpCheck getSmtp() { return smtp; }
  public void setSmtp(SmtpCheck smtp) { this.smtp = smtp; }
}
