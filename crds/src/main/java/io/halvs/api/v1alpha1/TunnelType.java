package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Encapsulation for the ipip forwarding method (IP_VS_CONN_F_TUNNEL_TYPE_*). */
public enum TunnelType {
  @JsonProperty("ipip") IPIP(0),
  @JsonProperty("gue") GUE(1),
  @JsonProperty("gre") GRE(2);

  private final int kernelValue;

  TunnelType(int kernelValue) {
    this.kernelValue = kernelValue;
  }

  public int kernelValue() {
    return kernelValue;
  }

  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
