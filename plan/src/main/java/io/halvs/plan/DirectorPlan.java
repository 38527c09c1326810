package io.halvs.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
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
 * @param connectionTimeouts the IPVS connection timeouts to set, or null to leave the kernel's
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
    List<IpvsService> services,
    @JsonInclude(JsonInclude.Include.NON_NULL) TimeoutsPlan connectionTimeouts) {

  public DirectorPlan(String pair, List<String> nodes, String vipInterface, List<IpAddress> vips, GatewayPlan gateway,
      SortedMap<String, String> sysctls, SyncDaemonPlan syncDaemon, HaPlan highAvailability,
      List<IpvsService> services) {
    this(pair, nodes, vipInterface, vips, gateway, sysctls, syncDaemon, highAvailability, services, null);
  }

  /** The same plan with other services (pair-level settings kept). */
  public DirectorPlan withServices(List<IpvsService> services) {
    return new DirectorPlan(pair, nodes, vipInterface, vips, gateway, sysctls, syncDaemon, highAvailability,
        services, connectionTimeouts);
  }

  /**
   * IPVS connection timeouts in seconds (ipvsadm --set tcp tcpfin udp); 0 leaves that one as the kernel has it,
   * which is also what the kernel makes of 0.
   */
  public record TimeoutsPlan(int tcp, int tcpFin, int udp) {
    /** As ipvsadm takes them: {@code --set 3600 120 300}; 0 for the ones left alone. */
    public String ipvsadm() {
      return "--set " + tcp + " " + tcpFin + " " + udp;
    }
  }

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
