package io.halvs.agent.kernel;

import io.halvs.plan.ServiceKey;

/**
 * An IPVS virtual service as the kernel holds it (IPVS_SVC_ATTR_*), without its destinations.
 *
 * @param flags IP_VS_SVC_F_* bits as set by userspace (the kernel's "hashed" bit 0x2 is masked off)
 * @param netmask IPv4: host-order u32 mask; IPv6: prefix length
 * @param stats null when written, filled when dumped
 * @param persistenceEngine IPVS_SVC_ATTR_PE_NAME ("sip"), null when none
 */
public record KernelService(ServiceKey key, String scheduler, int flags, int timeoutSeconds, long netmask,
    IpvsStats stats, String persistenceEngine) {

  public KernelService(ServiceKey key, String scheduler, int flags, int timeoutSeconds, long netmask,
      IpvsStats stats) {
    this(key, scheduler, flags, timeoutSeconds, netmask, stats, null);
  }

  public KernelService withoutStats() {
    return stats == null ? this
        : new KernelService(key, scheduler, flags, timeoutSeconds, netmask, null, persistenceEngine);
  }
}
