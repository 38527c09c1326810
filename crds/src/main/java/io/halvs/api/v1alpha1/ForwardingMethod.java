package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How the director hands a packet to a real server (ipvsadm -m / -g / -i). */
public enum ForwardingMethod {
  /** LVS-NAT: the director rewrites the destination; replies must route back through it. */
  @JsonProperty("masq") MASQ,
  /** LVS-DR: the director rewrites only the MAC; real servers hold the VIP on a non-ARPing interface. */
  @JsonProperty("gate") GATE,
  /** LVS-TUN: the director encapsulates the packet (ipip, gue or gre). */
  @JsonProperty("ipip") IPIP;

  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
