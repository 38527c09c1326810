package io.halvs.plan;

import java.util.List;

/**
 * One IPVS virtual service with its destinations, as the kernel should hold it.
 *
 * @param vip the address the active director holds for this service (for fwmark services too)
 * @param flags IP_VS_SVC_F_* bits: persistent (0x1), one-packet (0x4), scheduler flags (0x8, 0x10, 0x20)
 * @param timeoutSeconds persistence timeout, 0 without persistence
 * @param netmask persistence granularity as the kernel takes it: an IPv4 mask as a host-order u32
 *     (0xffffffff default), or an IPv6 prefix length (128 default)
 * @param destinations sorted by address then port
 * @param sorryServer added by the agent only while no destination is healthy; null when none
 * @param healthCheck how the directors check each destination that has no check of its own
 * @param owner the VirtualService this comes from
 */
public record IpvsService(
    ServiceKey key,
    IpAddress vip,
    String scheduler,
    int flags,
    int timeoutSeconds,
    long netmask,
    List<Destination> destinations,
    Destination sorryServer,
    HealthCheckPlan healthCheck,
    ObjectRef owner) {

  public static final int F_PERSISTENT = 0x0001;
  public static final int F_ONEPACKET = 0x0004;

  public IpvsService {
    destinations = List.copyOf(destinations);
  }

  /** The check the directors run against d: its own, else the service's. */
  public HealthCheckPlan healthCheckOf(Destination d) {
    return d.healthCheck() != null ? d.healthCheck() : healthCheck;
  }

  public boolean persistent() {
    return (flags & F_PERSISTENT) != 0;
  }

  public boolean onePacket() {
    return (flags & F_ONEPACKET) != 0;
  }
}
