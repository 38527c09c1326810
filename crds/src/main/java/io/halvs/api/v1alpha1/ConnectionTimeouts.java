package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/**
 * The IPVS connection timeouts (ipvsadm --set tcp tcpfin udp; IPVS_CMD_SET_CONFIG). They are global to the
 * directors' network namespace, not per service. An unset field leaves the kernel's value: the kernel reads 0 as
 * "unchanged", so 0 cannot be set and is refused here.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ConnectionTimeouts {
  /**
   * The largest value every kernel takes: it refuses more than INT_MAX / HZ seconds, and HZ is at most 1000
   * (2147483 s, 24.8 days).
   */
  public static final int MAX_SECONDS = 2147483;

  @Min(1)
  @Max(MAX_SECONDS)
  @JsonPropertyDescription("Seconds an idle established TCP connection stays in the IPVS table (ipvsadm --set tcp; "
      + "kernel default 900). Unset: leave the kernel's value.")
  private Integer tcpSeconds;

  @Min(1)
  @Max(MAX_SECONDS)
  @JsonPropertyDescription("Seconds a TCP connection stays after the client's FIN (ipvsadm --set tcpfin; kernel "
      + "default 120). Unset: leave the kernel's value.")
  private Integer tcpFinSeconds;

  @Min(1)
  @Max(MAX_SECONDS)
  @JsonPropertyDescription("Seconds an idle UDP flow stays in the IPVS table (ipvsadm --set udp; kernel default "
      + "300). Unset: leave the kernel's value.")
  private Integer udpSeconds;

  public ConnectionTimeouts() {}

  public ConnectionTimeouts(Integer tcpSeconds, Integer tcpFinSeconds, Integer udpSeconds) {
    this.tcpSeconds = tcpSeconds;
    this.tcpFinSeconds = tcpFinSeconds;
    this.udpSeconds = udpSeconds;
  }

  public Integer getTcpSeconds() { return tcpSeconds; }
  public void setTcpSeconds(Integer tcpSeconds) { this.tcpSeconds = tcpSeconds; }
  public Integer getTcpFinSeconds() { return tcpFinSeconds; }
  public void setTcpFinSeconds(Integer tcpFinSeconds) { this.tcpFinSeconds = tcpFinSeconds; }
  public Integer getUdpSeconds() { return udpSeconds; }
  public void setUdpSeconds(Integer udpSeconds) { this.udpSeconds = udpSeconds; }
}
