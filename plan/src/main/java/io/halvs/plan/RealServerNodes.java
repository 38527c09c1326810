package io.halvs.plan;

import io.halvs.api.v1alpha1.ForwardingMethod;
import io.halvs.api.v1alpha1.RealServer;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * What the gate and ipip destinations of the plans need on the real servers' side: read off the finished plans,
 * so a RealServer left out of a service (a finding) configures nothing for it. Per node for the RealServers that
 * name one (the real-server agent's part), per address for the others (render --real-servers prints those).
 */
public final class RealServerNodes {
  private RealServerNodes() {}

  /** Per node name, for the RealServers with spec.nodeName. */
  static SortedMap<String, RealServerNodePlan> build(Map<String, DirectorPlan> plans,
      Function<ObjectRef, RealServer> realServers) {
    return build(plans, realServers, s -> null);
  }

  /**
   * @param methods the forwarding methods among a service's destinations (not its sorry server's), as the
   *     caller may have kept them (null: not kept): a service whose destinations are all masq is passed over,
   *     not looked at
   */
  static SortedMap<String, RealServerNodePlan> build(Map<String, DirectorPlan> plans,
      Function<ObjectRef, RealServer> realServers, Function<IpvsService, Set<ForwardingMethod>> methods) {
    return new TreeMap<>(group(plans.values(), realServers, (d, node) -> node, methods));
  }

  /**
   * Per real-server address, for the RealServers without spec.nodeName (hosts outside Kubernetes, configured by
   * hand) and the gate/ipip sorry servers; in address order. The plan's node field holds the address.
   */
  public static Map<IpAddress, RealServerNodePlan> outsideKubernetes(Map<String, DirectorPlan> plans,
      Collection<RealServer> realServers) {
    Map<ObjectRef, RealServer> byRef = new HashMap<>();
    realServers.forEach(rs -> byRef.putIfAbsent(PlanBuilder.ref(rs, "RealServer"), rs));
    Map<String, RealServerNodePlan> byAddress = group(plans.values(), byRef::get,
        (d, node) -> node == null ? d.address().toString() : null, s -> null);
    Map<IpAddress, RealServerNodePlan> out = new TreeMap<>();
    byAddress.forEach((a, p) -> out.put(IpAddress.parse(a), p));
    return out;
  }

  /** key(destination, nodeName or null) -> the group it belongs to, or null for none. */
  private static Map<String, RealServerNodePlan> group(Collection<DirectorPlan> plans,
      Function<ObjectRef, RealServer> realServers, java.util.function.BiFunction<Destination, String, String> key,
      Function<IpvsService, Set<ForwardingMethod>> methods) {
    Map<String, SortedSet<RealServerNodePlan.Need>> needs = new LinkedHashMap<>();
    Map<String, SortedSet<ObjectRef>> refs = new HashMap<>();
    for (DirectorPlan plan : plans) {
      for (IpvsService s : plan.services()) {
        List<IpAddress> vips = s.addresses(); // a firewall-mark service's every address, not only its first
        if (vips.isEmpty()) {
          continue; // a firewall-mark service without addresses: no VIP a real server could hold
        }
        // masq needs nothing on the real server's side
        Set<ForwardingMethod> kept = methods.apply(s);
        int first = kept != null && kept.stream().allMatch(m -> m == ForwardingMethod.MASQ)
            ? s.destinations().size() : 0;
        int count = s.destinations().size() + (s.sorryServer() != null ? 1 : 0);
        for (int i = first; i < count; i++) { // the destinations, then the sorry server
          Destination d = i < s.destinations().size() ? s.destinations().get(i) : s.sorryServer();
          if (d.method() == ForwardingMethod.MASQ) {
            continue;
          }
          RealServer rs = d.realServer() == null ? null : realServers.apply(d.realServer());
          String node = rs == null || rs.getSpec() == null ? null : rs.getSpec().getNodeName();
          String k = key.apply(d, node);
          if (k == null || (d.realServer() != null && rs == null)) {
            continue;
          }
          boolean tunnel = d.method() == ForwardingMethod.IPIP;
          SortedSet<RealServerNodePlan.Need> need = needs.computeIfAbsent(k, n -> new TreeSet<>());
          for (IpAddress vip : vips) {
            need.add(new RealServerNodePlan.Need(vip, d.method(), tunnel ? d.tunnelType() : null,
                tunnel ? d.tunnelPort() : 0,
                tunnel ? RealServerNodePlan.tunnelDevice(d.tunnelType(), vip, d.address()) : null, plan.pair()));
          }
          SortedSet<ObjectRef> r = refs.computeIfAbsent(k, n -> new TreeSet<>());
          if (d.realServer() != null) {
            r.add(d.realServer());
          }
        }
      }
    }
    Map<String, RealServerNodePlan> out = new LinkedHashMap<>();
    needs.forEach((k, n) -> out.put(k, new RealServerNodePlan(k, n.stream().toList(), refs.get(k).stream().toList())));
    return out;
  }
}
