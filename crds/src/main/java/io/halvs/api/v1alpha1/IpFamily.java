package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The address family of a firewall-mark service that names no address (ipvsadm -f N, or -f N -6). */
public enum IpFamily {
  @JsonProperty("IPv4") IPV4,
  @JsonProperty("IPv6") IPV6
}
