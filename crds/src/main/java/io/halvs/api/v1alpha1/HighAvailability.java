package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.leaseDurationSeconds) || self.leaseDurationSeconds * 1000 >= 4 * "
    + "(has(self.advertIntervalMillis) ? self.advertIntervalMillis : 50)",
    message = "highAvailability.leaseDurationSeconds must be at least 4 heartbeat intervals (advertIntervalMillis): "
        + "a granted Lease must stay valid two intervals after its request, and the lapse threshold (the term "
        + "minus 3 intervals) must stay above zero (docs/HA.md rule 4)",
    fieldPath = ".leaseDurationSeconds")
public class HighAvailability {
  /** keepalived's largest advert_int (VRRPv2 carries it in 8 bits of seconds). */
  public static final int MAX_ADVERT_INTERVAL_MILLIS = 255000;
  /** The longest Lease term: a director cut off from its peer and the API keeps its VIPs this long. */
  public static final int MAX_LEASE_DURATION_SECONDS = 600;

  @Default("50")
  @Min(20)
  @Max(MAX_ADVERT_INTERVAL_MILLIS)
  @JsonPropertyDescription("Milliseconds between heartbeats the directors send each other, 20 to 255000 (keepalived's "
      + "advert_int goes to 255 s). Default 50: with 3 misses a dead director is noticed in 150 ms and replaced in "
      + "under 300 ms; raise it on directors whose CPU or network can stall for that long. A failover takes "
      + "missesBeforeDead intervals: 3 s with keepalived's 1 s.")
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

  @Min(4)
  @Max(MAX_LEASE_DURATION_SECONDS)
  @JsonPropertyDescription("Term of the pair's Lease (the tie-breaker) in seconds, 4 to 600, at least 4 heartbeat "
      + "intervals. Unset: 4 s, or 4 intervals when advertIntervalMillis is above 1 s. A longer term makes Lease "
      + "renewals that the API server answers late, by up to about the term minus 2 intervals, harmless: an active "
      + "whose renewals are slow keeps its VIPs through a late heartbeat. What it costs: a director cut off from both "
      + "its peer and the API keeps the VIPs for up to the term (two holders if the peer took over), and a Lease "
      + "whose holder stopped renewing counts as lapsed (a standby takes it only after the grace, 3 dead intervals) "
      + "once it is the term minus 3 intervals old, not before. Raise it (Kubernetes' own leader election uses 15) on a slow or busy API server.")
  private Integer leaseDurationSeconds;

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
  public Integer getLeaseDurationSeconds() { return leaseDurationSeconds; }
  public void setLeaseDurationSeconds(Integer leaseDurationSeconds) { this.leaseDurationSeconds = leaseDurationSeconds; }
  public SecretKeyRef getAuthSecretRef() { return authSecretRef; }
  public void setAuthSecretRef(SecretKeyRef authSecretRef) { this.authSecretRef = authSecretRef; }
}
