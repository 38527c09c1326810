package io.halvs.operator.model;

import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpvsService;
import io.halvs.plan.ObjectRef;
import io.halvs.plan.PlanBuilder;
import io.halvs.plan.PlanInput;
import io.halvs.plan.PlanResult;
import io.halvs.plan.ServiceKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The objects an incremental build was given, and what it built and kept from them: a full build of the same
 * objects must agree. The operator runs this off the edit's path (PlanService, at most every few minutes) and
 * builds from nothing when it does not. They differ only if an object was changed in place (the incremental
 * build compares objects by identity) or through a bug in the incremental code. Everything held is immutable, so
 * another thread may check while the next builds go on.
 */
record PlanAudit(List<DirectorPair> pairs, List<VirtualService> virtualServices, List<RealServer> realServers,
    PlanResult result, Map<ObjectRef, Long> generations, Map<ObjectRef, Integer> use,
    Map<ObjectRef, IpvsService> services, Map<String, Map<ObjectRef, Integer>> versions) {

  /** What differs from a full build, said briefly; null when it agrees. */
  String differences() {
    PlanResult full = PlanBuilder.build(new PlanInput(pairs, virtualServices, realServers));
    List<String> out = new ArrayList<>();
    Set<String> names = new TreeSet<>(full.plans().keySet());
    names.addAll(result.plans().keySet());
    for (String pair : names) {
      DirectorPlan kept = result.plans().get(pair);
      DirectorPlan built = full.plans().get(pair);
      if (!Objects.equals(kept, built)) {
        out.add("the plan of DirectorPair " + pair + " (" + planDifference(kept, built) + ")");
      } else if (built != null && !Snapshot.versions(built).equals(versions.get(pair))) {
        out.add("the service versions of DirectorPair " + pair);
      }
    }
    if (!result.findings().equals(full.findings())) {
      out.add("the findings (" + result.findings().size() + " kept, " + full.findings().size() + " in full)");
    }
    if (!result.realServerNodes().equals(full.realServerNodes())) {
      out.add("the real-server nodes");
    }
    if (!Snapshot.realServerUse(full).equals(use)) {
      out.add("the RealServers' use");
    }
    if (!Snapshot.services(full).equals(services)) {
      out.add("the VirtualServices' services");
    }
    if (!Snapshot.generationsOf(pairs, virtualServices, realServers).equals(generations)) {
      out.add("the objects' generations");
    }
    return out.isEmpty() ? null : String.join("; ", out);
  }

  private static String planDifference(DirectorPlan kept, DirectorPlan built) {
    if (kept == null || built == null) {
      return kept == null ? "missing from the kept model" : "not in a full build";
    }
    Map<ServiceKey, IpvsService> full = new HashMap<>();
    built.services().forEach(s -> full.put(s.key(), s));
    int differ = 0;
    ServiceKey first = null;
    for (IpvsService s : kept.services()) {
      if (!s.equals(full.remove(s.key()))) {
        differ++;
        first = first == null ? s.key() : first;
      }
    }
    differ += full.size();
    if (first == null && !full.isEmpty()) {
      first = full.keySet().iterator().next();
    }
    return differ == 0 ? "the same services, other fields differ"
        : differ + " of " + built.services().size() + " services differ, " + first + " among them";
  }
}
