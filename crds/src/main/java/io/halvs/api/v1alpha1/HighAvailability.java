package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class HighAvailability {
  @Default("50")
  @Min(20)
  @Max(10000)
  @JsonPropertyDescription("Milliseconds between heartbeats the directors send each other. Default 50: with 3 "
      + "misses a dead director is noticed in 150 ms and replaced in under 300 ms; raise it on directors whose "
      + "CPU or network can stall for that long.")
  private Integer advertIntervalMillis;

  @Default("3")
  @Min(2)
  @Max(50)
  @JsonPropertyDescription("Heartbeats missed before the peer counts as dead. Default 3.")
  private Integer missesBeforeDead;

  @Default("false")
  @JsonPropertyDescription("Whether a returning director takes the VIPs back. Default false (no failback flap).")
  private Boolean preempt;

  @Default("60")
  @Min(0)
  @Max(86400)
  @JsonPropertyDescription("With preempt: seconds a returning director waits (and its sync backup catches up) before taking over. Default 60.")
  private Integer preemptDelaySeconds;

  @Default("8849")
  @Min(1)
  @Max(65535)
  @JsonPropertyDescription("UDP port of the heartbeats. Default 8849.")
  private Integer heartbeatPort;

  @JsonPropertyDescription("Secret holding the HMAC key that authenticates heartbeats; default: one the operator generates.")
  private SecretKeyRef authSecretRef;

  public Integer getAdvertIntervalMillis() { return advertIntervalMillis; }
  public void setAdvertIntervalMillis(Integer advertIntervalMillis) { this.advertIntervalMillis = advertIntervalMillis; }
  public Integer getMissesBeforeDead() { return missesBeforeDead; }
  public void setMissesBeforeDead(Integer missesBeforeDead) { this.missesBeforeDead = missesBeforeDead; }
  public Boolean getPreempt() { return preempt; }
  public void setPreempt(Boolean preempt) { this.preempt = preempt; }
  public Integer getPreemptDelaySeconds() { return preemptDelaySeconds; }
  public void setPreemptDelaySeconds(Integer preemptDelaySeconds) { this.preemptDelaySeconds = preemptDelaySeconds; }
  public Integer getHeartbeatPort() { return heartbeatPort; }
  public void setHeartbeatPort(Integer heartbeatPort) { this.heartbeatPort = heartbeatPort; }
  public SecretKeyRef getAuthSecretRef() { return authSecretRef; }
  public void setAuthSecretRef(SecretKeyRef authSecretRef) { this.authSecretRef = authSecretRef; }
}
