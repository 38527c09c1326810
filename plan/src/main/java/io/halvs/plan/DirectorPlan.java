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
 * @param vipSettings the VIPs held on another interface or with another prefix than the default
 * @param moreGateways NAT gateway addresses after the first (gateway)
 * @param markRules the firewall-marking rules both directors install (sorted); empty: none, and no table
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
    @JsonInclude(JsonInclude.Include.NON_NULL) TimeoutsPlan connectionTimeouts,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<VipPlan> vipSettings,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<GatewayPlan> moreGateways,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<MarkRule> markRules) {

  public DirectorPlan {
    vipSettings = vipSettings == null ? List.of() : List.copyOf(vipSettings);
    moreGateways = moreGateways == null ? List.of() : List.copyOf(moreGateways);
    markRules = markRules == null ? List.of() : List.copyOf(markRules);
  }

  public DirectorPlan(String pair, List<String> nodes, String vipInterface, List<IpAddress> vips, GatewayPlan gateway,
      SortedMap<String, String> sysctls, SyncDaemonPlan syncDaemon, HaPlan highAvailability,
      List<IpvsService> services, TimeoutsPlan connectionTimeouts, List<VipPlan> vipSettings,
      List<GatewayPlan> moreGateways) {
    this(pair, nodes, vipInterface, vips, gateway, sysctls, syncDaemon, highAvailability, services,
        connectionTimeouts, vipSettings, moreGateways, List.of());
  }

  public DirectorPlan(String pair, List<String> nodes, String vipInterface, List<IpAddress> vips, GatewayPlan gateway,
      SortedMap<String, String> sysctls, SyncDaemonPlan syncDaemon, HaPlan highAvailability,
      List<IpvsService> services) {
    this(pair, nodes, vipInterface, vips, gateway, sysctls, syncDaemon, highAvailability, services, null);
  }

  public DirectorPlan(String pair, List<String> nodes, String vipInterface, List<IpAddress> vips, GatewayPlan gateway,
      SortedMap<String, String> sysctls, SyncDaemonPlan syncDaemon, HaPlan highAvailability,
      List<IpvsService> services, TimeoutsPlan connectionTimeouts) {
    this(pair, nodes, vipInterface, vips, gateway, sysctls, syncDaemon, highAvailability, services,
        connectionTimeouts, List.of(), List.of());
  }

  /** The same plan with other services (pair-level settings kept). */
  public DirectorPlan withServices(List<IpvsService> services) {
    return new DirectorPlan(pair, nodes, vipInterface, vips, gateway, sysctls, syncDaemon, highAvailability,
        services, connectionTimeouts, vipSettings, moreGateways, markRules);
  }

  /**
   * One VIP as the active director adds it. vipSettings holds only the VIPs whose interface or prefix is not the
   * default (the pair's vipInterface, /32 or /128), so plans without such VIPs stay as they were.
   */
  public record VipPlan(IpAddress address, int prefixLength, String interfaceName) {}

  /** Every VIP with its interface and prefix, in the order of vips. */
  public List<VipPlan> vipPlans() {
    java.util.Map<IpAddress, VipPlan> set = new java.util.HashMap<>();
    vipSettings.forEach(v -> set.put(v.address(), v));
    List<VipPlan> out = new java.util.ArrayList<>(vips.size());
    for (IpAddress a : vips) {
      out.add(set.getOrDefault(a, new VipPlan(a, a.maxPrefixLength(), vipInterface)));
    }
    return out;
  }

  /** The gateway and the further ones, in that order; empty without. */
  public List<GatewayPlan> gateways() {
    List<GatewayPlan> out = new java.util.ArrayList<>();
    if (gateway != null) {
      out.add(gateway);
    }
    out.addAll(moreGateways);
    return out;
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

  /**
   * Heartbeat timing, preemption and the Lease term. authSecret null: the operator-generated one.
   * leaseDurationSeconds null: unset (plans from before it too), the agent's default term.
   */
  public record HaPlan(int advertIntervalMillis, int missesBeforeDead, boolean preempt, int preemptDelaySeconds,
      int heartbeatPort, String authSecretName, String authSecretKey,
      @JsonInclude(JsonInclude.Include.NON_NULL) Integer leaseDurationSeconds) {
    public HaPlan(int advertIntervalMillis, int missesBeforeDead, boolean preempt, int preemptDelaySeconds,
        int heartbeatPort, String authSecretName, String authSecretKey) {
      this(advertIntervalMillis, missesBeforeDead, preempt, preemptDelaySeconds, heartbeatPort, authSecretName,
          authSecretKey, null);
    }
  }

  public int destinationCount() {
    return services.stream().mapToInt(s -> s.destinations().size()).sum();
  }
}
