package io.halvs.plan;

import io.halvs.api.v1alpha1.ForwardingMethod;
import io.halvs.api.v1alpha1.RealServer;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Per node, what the gate and ipip destinations of the plans need on the real servers that name a node: read off
 * the finished plans, so a RealServer left out of a service (a finding) configures nothing for it.
 */
final class RealServerNodes {
  private RealServerNodes() {}

  static SortedMap<String, RealServerNodePlan> build(Map<String, DirectorPlan> plans,
      Map<ObjectRef, RealServer> realServers) {
    SortedMap<String, SortedSet<RealServerNodePlan.Need>> needs = new TreeMap<>();
    SortedMap<String, SortedSet<ObjectRef>> refs = new TreeMap<>();
    for (DirectorPlan plan : plans.values()) {
      for (IpvsService s : plan.services()) {
        for (Destination d : s.destinations()) {
          RealServer rs = d.realServer() == null ? null : realServers.get(d.realServer());
          String node = rs == null || rs.getSpec() == null ? null : rs.getSpec().getNodeName();
          if (node == null || d.method() == ForwardingMethod.MASQ) {
            continue;
          }
          boolean tunnel = d.method() == ForwardingMethod.IPIP;
          needs.computeIfAbsent(node, n -> new TreeSet<>()).add(new RealServerNodePlan.Need(s.vip(), d.method(),
              tunnel ? d.tunnelType() : null, tunnel ? d.tunnelPort() : 0,
              tunnel ? RealServerNodePlan.tunnelDevice(d.tunnelType(), s.vip(), d.address()) : null, plan.pair()));
          refs.computeIfAbsent(node, n -> new TreeSet<>()).add(d.realServer());
        }
      }
    }
    SortedMap<String, RealServerNodePlan> out = new TreeMap<>();
    needs.forEach((node, n) -> out.put(node, new RealServerNodePlan(node, n.stream().toList(),
        refs.get(node).stream().toList())));
    return out;
  }
}
