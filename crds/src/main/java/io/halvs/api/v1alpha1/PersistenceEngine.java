package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Persistence engines (ipvsadm --pe): the kernel has one, ip_vs_pe_sip. */
public enum PersistenceEngine {
  /** SIP: clients with the same Call-ID keep their real server (ip_vs_pe_sip; UDP only). */
  @JsonProperty("sip") SIP;

  /** The name the kernel and ipvsadm take. */
  public String kernelName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
