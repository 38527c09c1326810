package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Scheduler flags (ipvsadm -b). The kernel carries them as IP_VS_SVC_F_SCHED1..3; their meaning depends on
 * the scheduler, so each name says which scheduler it belongs to.
 */
public enum SchedulerFlag {
  /** sh: pick another real server when the hashed one is unavailable (IP_VS_SVC_F_SCHED_SH_FALLBACK). */
  @JsonProperty("sh-fallback") SH_FALLBACK("sh-fallback", Scheduler.SH, 0x0008),
  /** sh: include the source port in the hash (IP_VS_SVC_F_SCHED_SH_PORT). */
  @JsonProperty("sh-port") SH_PORT("sh-port", Scheduler.SH, 0x0010),
  /** mh: pick another real server when the hashed one is unavailable (IP_VS_SVC_F_SCHED_MH_FALLBACK). */
  @JsonProperty("mh-fallback") MH_FALLBACK("mh-fallback", Scheduler.MH, 0x0008),
  /** mh: include the source port in the hash (IP_VS_SVC_F_SCHED_MH_PORT). */
  @JsonProperty("mh-port") MH_PORT("mh-port", Scheduler.MH, 0x0010);

  private final String flagName;
  private final Scheduler scheduler;
  private final int kernelBit;

  SchedulerFlag(String flagName, Scheduler scheduler, int kernelBit) {
    this.flagName = flagName;
    this.scheduler = scheduler;
    this.kernelBit = kernelBit;
  }

  /** The name ipvsadm -b takes. */
  public String flagName() {
    return flagName;
  }

  public Scheduler scheduler() {
    return scheduler;
  }

  public int kernelBit() {
    return kernelBit;
  }
}
