package io.halvs.plan;

import java.util.List;
import java.util.SortedMap;

/**
 * Everything the two directors of one DirectorPair should hold: the one model that the operator publishes,
 * the agent programs and render prints. Lists are sorted, so equal inputs give equal plans.
 *
 * @param vips every VIP the active director holds (sorted, distinct)
 * @param gateway the floating NAT gateway address, or null
 * @param sysctls key (dotted, e.g. net.ipv4.vs.expire_nodest_conn) -> value
 * @param syncDaemon null when disabled
 * @param services sorted by key
 */
public record DirectorPlan(
    String pair,
    List<String> nodes,
    String vipInterface,
    List<IpAddress> vips,
    GatewayPlan gateway,
    SortedMap<String, String> sysctls,
    SyncDaemonPlan syncDaemon,
    HaPlan highAvailability,
    List<IpvsService> services) {

  /** The NAT gateway address, added with the VIPs on the active director. */
  public record GatewayPlan(IpAddress address, int prefixLength, String interfaceName) {}

  /** Master and backup sync daemons, both started on both directors. */
  public record SyncDaemonPlan(int syncId, String interfaceName, IpAddress multicastGroup, int port, int ttl,
      int maxLen) {}

  /** Heartbeat timing and preemption. authSecret null: the operator-generated one. */
  public record HaPlan(int advertIntervalMillis, int missesBeforeDead, boolean preempt, int preemptDelaySeconds,
      int heartbeatPort, String authSecretName, String authSecretKey) {}

  public int destinationCount() {
    return services.stream().mapToInt(s -> s.destinations().size()).sum();
  }
}
