package io.halvs.agent.kernel;

import io.halvs.plan.IpAddress;

/**
 * A running IPVS connection-sync daemon (IPVS_DAEMON_ATTR_*).
 *
 * @param state IP_VS_STATE_MASTER (1) or IP_VS_STATE_BACKUP (2)
 * @param multicastGroup null: the kernel default (224.0.0.81)
 * @param port 0: kernel default (8848)
 * @param ttl 0: kernel default (1)
 * @param maxLen 0: kernel default
 */
public record SyncDaemon(int state, String interfaceName, int syncId, int maxLen, IpAddress multicastGroup,
    int port, int ttl) {
  public static final int MASTER = 1;
  public static final int BACKUP = 2;
}
