package io.halvs.agent.kernel;

import io.halvs.plan.IpAddress;

/**
 * An IPVS destination as the kernel holds it (IPVS_DEST_ATTR_*).
 *
 * @param forwardMethod IP_VS_CONN_F_MASQ (0), IP_VS_CONN_F_TUNNEL (2) or IP_VS_CONN_F_DROUTE (3)
 * @param addressFamily family of the destination address (may differ from the service's for tunnels)
 * @param tunnelType IP_VS_CONN_F_TUNNEL_TYPE_IPIP (0), _GUE (1), _GRE (2)
 * @param tunnelFlags IP_VS_TUNNEL_ENCAP_FLAG_* bits
 * @param activeConnections dumped only (0 when written)
 * @param inactiveConnections dumped only
 * @param persistentConnections dumped only
 * @param stats null when written, filled when dumped
 */
public record KernelDestination(IpAddress address, int port, int forwardMethod, int weight, long upperThreshold,
    long lowerThreshold, int addressFamily, int tunnelType, int tunnelPort, int tunnelFlags,
    long activeConnections, long inactiveConnections, long persistentConnections, IpvsStats stats) {

  public static final int FWD_MASQ = 0;
  public static final int FWD_LOCALNODE = 1;
  public static final int FWD_TUNNEL = 2;
  public static final int FWD_DROUTE = 3;

  /** Same configuration, whatever the counters say: what the reconciler compares. */
  public boolean sameConfig(KernelDestination o) {
    return address.equals(o.address) && port == o.port && forwardMethod == o.forwardMethod && weight == o.weight
        && upperThreshold == o.upperThreshold && lowerThreshold == o.lowerThreshold
        && addressFamily == o.addressFamily && tunnelType == o.tunnelType && tunnelPort == o.tunnelPort
        && tunnelFlags == o.tunnelFlags;
  }
}
