package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.http) || self.type == 'http' || self.type == 'https'",
    message = "healthCheck.http is only for type http or https", fieldPath = ".http")
@ValidationRule(value = "(self.type == 'udp') == has(self.udp)",
    message = "healthCheck.udp (send/expect) is required for type udp and only allowed with it", fieldPath = ".udp")
@ValidationRule(value = "(self.type == 'dns') == has(self.dns)",
    message = "healthCheck.dns (the query) is required for type dns and only allowed with it", fieldPath = ".dns")
@ValidationRule(value = "!has(self.tcp) || self.type == 'tcp'",
    message = "healthCheck.tcp (send/expect) is only for type tcp", fieldPath = ".tcp")
@ValidationRule(value = "!has(self.smtp) || self.type == 'smtp'",
    message = "healthCheck.smtp is only for type smtp", fieldPath = ".smtp")
@ValidationRule(value = "!has(self.port) || self.type != 'icmp'",
    message = "healthCheck.port has no meaning for type icmp", fieldPath = ".port")
public class HealthCheck {
  @Default(Defaults.CHECK_TYPE)
  @JsonPropertyDescription("tcp (connect, default; send/expect with a tcp block), http, https, udp, dns, icmp (echo), "
      + "smtp or none (always up).")
  private HealthCheckType type;

  @Min(1)
  @Max(65535)
  @JsonPropertyDescription("Port to check; default: the real server's port.")
  private Integer port;

  @Default("1000")
  @Min(100)
  @Max(3600000)
  @JsonPropertyDescription("Milliseconds between check starts (ldirectord checkinterval). Default 1000.")
  private Integer intervalMillis;

  @Default("1000")
  @Min(10)
  @Max(600000)
  @JsonPropertyDescription("Milliseconds before one check counts as failed (ldirectord checktimeout). Default 1000.")
  private Integer timeoutMillis;

  @Default("2")
  @Min(1)
  @Max(100)
  @JsonPropertyDescription("Consecutive successes before a failed real server is back in rotation. Default 2.")
  private Integer rise;

  @Default("3")
  @Min(1)
  @Max(100)
  @JsonPropertyDescription("Consecutive failures before a real server leaves the rotation (ldirectord checkcount). Default 3.")
  private Integer fall;

  @Min(0)
  @Max(3600000)
  @JsonPropertyDescription("Milliseconds after start during which a new real server is trusted before its first verdict. Default 0.")
  private Integer warmupMillis;

  @Default(Defaults.CHECK_ON_FAILURE)
  @JsonPropertyDescription("quiescent (weight 0, established connections live on; default) or remove (delete the destination).")
  private FailureAction onFailure;

  @JsonPropertyDescription("Request and expectation for http and https checks.")
  private HttpCheck http;

  @JsonPropertyDescription("Datagram and expected answer for udp checks.")
  private UdpCheck udp;

  @JsonPropertyDescription("Query for dns checks.")
  private DnsCheck dns;

  @JsonPropertyDescription("tcp only: send a string once connected and expect a reply (ldirectord simpletcp).")
  private TcpCheck tcp;

  @JsonPropertyDescription("smtp only: EHLO name.")
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
