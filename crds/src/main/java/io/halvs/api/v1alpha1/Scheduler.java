package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Every scheduler the Linux kernel ships as an ip_vs_&lt;name&gt; module. */
public enum Scheduler {
  @JsonProperty("rr") RR,
  @JsonProperty("wrr") WRR,
  @JsonProperty("lc") LC,
  @JsonProperty("wlc") WLC,
  @JsonProperty("lblc") LBLC,
  @JsonProperty("lblcr") LBLCR,
  @JsonProperty("dh") DH,
  @JsonProperty("sh") SH,
  @JsonProperty("sed") SED,
  @JsonProperty("nq") NQ,
  @JsonProperty("fo") FO,
  @JsonProperty("ovf") OVF,
  @JsonProperty("mh") MH,
  @JsonProperty("twos") TWOS;

  /** The kernel's name for it (what IPVS_SVC_ATTR_SCHED_NAME carries). */
  public String kernelName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
