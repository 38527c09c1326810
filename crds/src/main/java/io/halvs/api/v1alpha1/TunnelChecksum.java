package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Checksum handling of gue/gre tunnels (IP_VS_TUNNEL_ENCAP_FLAG_*). */
public enum TunnelChecksum {
  @JsonProperty("none") NONE(0),
  @JsonProperty("csum") CSUM(1),
  @JsonProperty("remcsum") REMCSUM(2);

  private final int kernelFlag;

  TunnelChecksum(int kernelFlag) {
    this.kernelFlag = kernelFlag;
  }

  public int kernelFlag() {
    return kernelFlag;
  }

  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
