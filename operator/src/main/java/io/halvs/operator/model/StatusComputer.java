package io.halvs.operator.model;

import io.fabric8.kubernetes.api.model.Condition;
import io.halvs.api.v1alpha1.AgentState;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.DirectorPairStatus;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.RealServerNodeStatus;
import io.halvs.api.v1alpha1.RealServerState;
import io.halvs.api.v1alpha1.RealServerStatus;
import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.api.v1alpha1.VirtualServiceStatus;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.Finding;
import io.halvs.plan.IpvsService;
import io.halvs.plan.ObjectRef;
import io.halvs.plan.RealServerNodePlan;
import io.halvs.plan.publish.AgentReport;
import io.halvs.plan.publish.RealServerPublish;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Status of each kind from one Snapshot: pure, so every rule here is unit-tested without an API server.
 * What the kernel really holds comes from the agents' reports; before they report, status says so.
 */
public final class StatusComputer {
  /** Real servers listed as unavailable in a VirtualService's status, at most. */
  static final int MAX_UNAVAILABLE = 100;
  /**
   * An agent that cannot program its node because a kernel module is not loaded reports only that (the agent's
   * KernelModuleMissing.problem): "kernel module ip_vs not loaded; load it at boot ...".
   */
  static final Pattern MODULE_MISSING = Pattern.compile("kernel module \\S+ not loaded");

  private StatusComputer() {}

  static ObjectRef ref(io.fabric8.kubernetes.api.model.HasMetadata o) {
    String ns = o.getMetadata().getNamespace();
    return new ObjectRef(o.getKind(), o instanceof DirectorPair ? null : (ns == null ? "default" : ns),
        o.getMetadata().getName());
  }

  static String messages(List<Finding> findings) {
    return findings.stream().map(f -> f.message()).collect(Collectors.joining("; "));
  }

  static List<Finding> of(List<Finding> findings, Finding.Severity severity) {
    return findings.stream().filter(f -> f.severity() == severity).toList();
  }

  /**
   * The director holding the VIPs. Two "active" reports mean one is stale (the old active died or was cut off
   * and could not write again) or a split brain: the newest report wins, since a takeover is reported at once
   * while a dead agent writes nothing; same second: the first node by name.
   */
  public static AgentReport active(Map<String, AgentReport> reports) {
    return reports.values().stream().filter(r -> AgentReport.ACTIVE.equals(r.role())).sorted(
        java.util.Comparator.comparing(StatusComputer::lastSeenMillis).reversed()
            .thenComparing(AgentReport::node)).findFirst().orElse(null);
  }

  static long lastSeenMillis(AgentReport r) {
    try {
      return r.lastSeen() == null ? 0 : java.time.Instant.parse(r.lastSeen()).toEpochMilli();
    } catch (java.time.format.DateTimeParseException e) {
      return 0; // unreadable: the oldest
    }
  }

  /**
   * "192.0.2.1:80/TCP"; a firewall-mark service: "fwmark 10 (192.0.2.10, 192.0.2.11)", or "(no address)", and with
   * marking the rules the directors install for it: "fwmark 10 (192.0.2.10; marks 3 rules)".
   */
  static String endpoint(IpvsService service, DirectorPlan plan) {
    var key = service.key();
    if (!key.isFirewallMark()) {
      return key.toString();
    }
    String addresses = service.addresses().isEmpty() ? "no address"
        : service.addresses().stream().map(Object::toString).collect(java.util.stream.Collectors.joining(", "));
    long marks = plan.markRules().stream()
        .filter(r -> r.mark() == key.firewallMark() && r.address().family() == key.family()).count();
    return "fwmark " + key.firewallMark() + " (" + addresses
        + (marks == 0 ? "" : "; marks " + marks + (marks == 1 ? " rule" : " rules")) + ")";
  }

  public static VirtualServiceStatus virtualService(VirtualService vs, Snapshot s, String now) {
    ObjectRef ref = ref(vs);
    List<Finding> findings = s.result().findingsFor(ref);
    List<Finding> errors = of(findings, Finding.Severity.ERROR);
    List<Finding> warnings = of(findings, Finding.Severity.WARNING);
    String pair = vs.getSpec() == null ? null : vs.getSpec().getDirectorPair();
    DirectorPlan plan = pair == null ? null : s.result().plans().get(pair);
    IpvsService service = plan == null ? null : s.services().get(ref);
    Map<String, AgentReport> reports = pair == null ? Map.of() : s.reportsOf(pair);
    AgentReport active = active(reports);
    Long generation = vs.getMetadata().getGeneration();

    VirtualServiceStatus st = new VirtualServiceStatus();
    st.setObservedGeneration(generation);
    st.setEndpoint(service == null ? null : endpoint(service, plan));
    st.setActiveDirector(active == null ? null : active.node());
    int total = service == null ? 0 : service.destinations().size();
    AgentReport.ServiceHealth health = active == null || active.health() == null ? null
        : active.health().get(ref.key());
    Integer ready = health == null ? null : health.ready();
    st.setTotalRealServers(total);
    st.setReadyRealServers(ready);
    st.setRealServers((ready == null ? "?" : ready.toString()) + "/" + total);
    if (health != null && health.unavailable() != null && !health.unavailable().isEmpty()) {
      st.setUnavailable(health.unavailable().stream().limit(MAX_UNAVAILABLE).map(u -> {
        RealServerState r = new RealServerState();
        r.setName(u.name());
        r.setDestination(u.destination());
        r.setState(u.state());
        r.setSince(u.since());
        r.setMessage(u.message());
        return r;
      }).toList());
    }

    List<String> programmedOn = pair == null ? List.of() : s.programmedNodes(pair, ref);
    List<String> nodes = plan == null ? List.of() : plan.nodes();
    List<Condition> c = new ArrayList<>();
    if (!errors.isEmpty()) {
      c.add(Conditions.of(Conditions.READY, false, errors.get(0).reason(), messages(errors), generation));
      c.add(Conditions.of(Conditions.PROGRAMMED, false, "NotInPlan",
          "not programmed: the last good state of the directors keeps serving", generation));
    } else {
      if (active == null) {
        c.add(Conditions.of(Conditions.READY, false, "AwaitingAgents",
            "no director of pair " + pair + " reports holding the VIP yet", generation));
      } else if (!programmedOn.contains(active.node())) {
        c.add(Conditions.of(Conditions.READY, false, "Programming",
            "active director " + active.node() + " has not programmed the current plan yet", generation));
      } else if (total == 0) {
        // What render refuses (unless allowed): an empty service answers nobody but a sorry server.
        c.add(Conditions.of(Conditions.READY, false, io.halvs.plan.PlanBuilder.NO_REAL_SERVERS,
            "no RealServer is in the service (see Degraded): programmed without destinations, " + (service != null
                && service.sorryServer() != null ? "only the sorry server answers" : "every connection is refused"),
            generation));
      } else if (ready != null && ready == 0) {
        c.add(Conditions.of(Conditions.READY, false, "NoRealServerReady",
            "no real server passes its health check" + (service.sorryServer() != null
                ? "; the sorry server answers" : ""), generation));
      } else {
        c.add(Conditions.of(Conditions.READY, true, "Ready", "served by " + active.node(), generation));
      }
      boolean all = !nodes.isEmpty() && programmedOn.containsAll(nodes);
      c.add(Conditions.of(Conditions.PROGRAMMED, all, all ? "Programmed" : "AwaitingAgents",
          all ? "programmed on " + String.join(", ", nodes)
              : "waiting for " + nodes.stream().filter(n -> !programmedOn.contains(n))
                  .collect(Collectors.joining(", ")) + " to program the current plan", generation));
    }
    boolean unavailable = st.getUnavailable() != null && !st.getUnavailable().isEmpty();
    if (!warnings.isEmpty()) {
      c.add(Conditions.of(Conditions.DEGRADED, true, warnings.get(0).reason(), messages(warnings), generation));
    } else if (unavailable) {
      c.add(Conditions.of(Conditions.DEGRADED, true, "RealServersUnavailable",
          st.getUnavailable().size() + " real server(s) out of rotation", generation));
    } else {
      c.add(Conditions.of(Conditions.DEGRADED, false, "AsExpected", "", generation));
    }
    st.setConditions(Conditions.merge(vs.getStatus() == null ? null : vs.getStatus().getConditions(), c, now));
    return st;
  }

  static final String NODE_NOT_FOUND = "NodeNotFound";

  public static RealServerStatus realServer(RealServer rs, Snapshot s, String now) {
    ObjectRef ref = ref(rs);
    List<Finding> findings = s.result().findingsFor(ref);
    List<Finding> errors = of(findings, Finding.Severity.ERROR);
    List<Finding> warnings = of(findings, Finding.Severity.WARNING);
    int used = s.realServerUse().getOrDefault(ref, 0);
    Long generation = rs.getMetadata().getGeneration();
    RealServerStatus st = new RealServerStatus();
    st.setObservedGeneration(generation);
    st.setVirtualServices(used);
    List<Condition> c = new ArrayList<>();
    if (!errors.isEmpty()) {
      c.add(Conditions.of(Conditions.READY, false, errors.get(0).reason(), messages(errors), generation));
    } else if (used == 0) {
      c.add(Conditions.of(Conditions.READY, false, "NotSelected", "no VirtualService selects this real server",
          generation));
    } else {
      c.add(Conditions.of(Conditions.READY, true, "Selected", "backs " + used + " virtual service(s)", generation));
    }
    c.add(warnings.isEmpty() ? Conditions.of(Conditions.DEGRADED, false, "AsExpected", "", generation)
        : Conditions.of(Conditions.DEGRADED, true, warnings.get(0).reason(), messages(warnings), generation));
    nodeConfigured(rs, ref, s, generation, st, c);
    st.setConditions(Conditions.merge(rs.getStatus() == null ? null : rs.getStatus().getConditions(), c, now));
    return st;
  }

  /** A report without its timestamp: what status depends on, so a heartbeat alone triggers no status write. */
  public static Object withoutTime(RealServerPublish.Report r) {
    return r == null ? null : List.of(String.valueOf(r.planHash()), r.configured(), r.problems());
  }

  /**
   * With spec.nodeName: whether that node exists and, when its RealServers make it a gate/ipip real server, what
   * its real-server agent reported for the node's current plan.
   */
  private static void nodeConfigured(RealServer rs, ObjectRef ref, Snapshot s, Long generation, RealServerStatus st,
      List<Condition> c) {
    String node = rs.getSpec() == null ? null : rs.getSpec().getNodeName();
    if (node == null) {
      return;
    }
    RealServerNodeStatus ns = new RealServerNodeStatus();
    ns.setName(node);
    RealServerNodePlan plan = s.result().realServerNodes().get(node);
    if (!s.nodeExists(node)) {
      ns.setState(NODE_NOT_FOUND);
      ns.setMessage("no Node " + node + " in the cluster: nothing configured (a typo in spec.nodeName?)");
      c.add(Conditions.of(Conditions.NODE_CONFIGURED, false, NODE_NOT_FOUND, ns.getMessage(), generation));
      st.setNode(ns);
      return;
    }
    if (plan == null || !plan.realServers().contains(ref)) {
      return; // masq, or not selected: nothing to configure (a warning says why when it matters)
    }
    String hash = RealServerPublish.hash(RealServerPublish.planJson(plan));
    RealServerPublish.Report r = s.realServerReports().get(node);
    if (r == null || !hash.equals(r.planHash())) {
      ns.setState("Pending");
      ns.setMessage("waiting for the real-server agent on node " + node + " to apply the current plan");
      c.add(Conditions.of(Conditions.NODE_CONFIGURED, false, "Pending", ns.getMessage(), generation));
    } else if (!r.problems().isEmpty()) {
      ns.setState("Failed");
      ns.setConfigured(new ArrayList<>(r.configured()));
      ns.setMessage(String.join("; ", r.problems()));
      c.add(Conditions.of(Conditions.NODE_CONFIGURED, false, "Failed", "node " + node + ": " + ns.getMessage(),
          generation));
    } else {
      ns.setState("Configured");
      ns.setConfigured(new ArrayList<>(r.configured()));
      c.add(Conditions.of(Conditions.NODE_CONFIGURED, true, "Configured", "node " + node + " holds "
          + String.join(", ", r.configured()), generation));
    }
    st.setNode(ns);
  }

  public static DirectorPairStatus directorPair(DirectorPair dp, Snapshot s, String now) {
    return directorPair(dp, s, now, List.of());
  }

  /** @param more conditions computed outside the model (the agents' rollout), kept with the others */
  public static DirectorPairStatus directorPair(DirectorPair dp, Snapshot s, String now, List<Condition> more) {
    ObjectRef ref = ref(dp);
    String pair = dp.getMetadata().getName();
    List<Finding> findings = s.result().findingsFor(ref);
    List<Finding> errors = of(findings, Finding.Severity.ERROR);
    List<Finding> warnings = of(findings, Finding.Severity.WARNING);
    DirectorPlan plan = s.result().plans().get(pair);
    Map<String, AgentReport> reports = s.reportsOf(pair);
    DirectorPairStatus old = dp.getStatus();
    Long generation = dp.getMetadata().getGeneration();
    String planHash = s.planHash(pair);

    DirectorPairStatus st = new DirectorPairStatus();
    st.setObservedGeneration(generation);
    st.setPlanHash(planHash);
    st.setVirtualServices(plan == null ? 0 : plan.services().size());
    st.setDestinations(plan == null ? 0 : plan.destinationCount());
    AgentReport active = active(reports);
    st.setActiveNode(active == null ? null : active.node());
    List<String> nodes = dp.getSpec() == null || dp.getSpec().getNodes() == null ? List.of() : dp.getSpec().getNodes();
    st.setStandbyNode(active == null ? null : nodes.stream().filter(n -> !n.equals(active.node())).findFirst()
        .orElse(null));
    long transitions = old == null || old.getTransitions() == null ? 0 : old.getTransitions();
    String oldActive = old == null ? null : old.getLastActiveNode();
    st.setLastActiveNode(active != null ? active.node() : oldActive);
    if (active != null && !active.node().equals(oldActive)) {
      st.setActiveSince(now);
      st.setLastTransitionReason(oldActive == null ? active.node() + " became active"
          : active.node() + " took over from " + oldActive);
      st.setTransitions(oldActive == null ? transitions : transitions + 1);
    } else {
      st.setActiveSince(old == null ? null : old.getActiveSince());
      st.setLastTransitionReason(old == null ? null : old.getLastTransitionReason());
      st.setTransitions(transitions);
    }
    List<AgentState> agents = new ArrayList<>();
    for (String node : nodes) {
      AgentReport r = reports.get(node);
      AgentState a = new AgentState();
      a.setNode(node);
      a.setRole(r == null ? "unknown" : r.role());
      if (r != null) {
        a.setProgrammedPlanHash(r.programmedPlanHash());
        a.setProgrammed(r.programmed() && planHash != null && planHash.equals(r.programmedPlanHash()));
        a.setLastSeen(r.lastSeen());
        a.setMessage(r.message());
      }
      agents.add(a);
    }
    st.setAgents(agents);

    List<String> programmedOn = programmedNodes(reports, planHash);
    long activeCount = reports.values().stream().filter(r -> AgentReport.ACTIVE.equals(r.role())).count();
    List<Condition> c = new ArrayList<>();
    if (!errors.isEmpty()) {
      c.add(Conditions.of(Conditions.READY, false, errors.get(0).reason(), messages(errors), generation));
      c.add(Conditions.of(Conditions.PROGRAMMED, false, "InvalidSpec", "the pair's plan is not published",
          generation));
    } else {
      boolean all = !nodes.isEmpty() && programmedOn.containsAll(nodes);
      boolean ready = active != null && programmedOn.contains(active.node());
      c.add(Conditions.of(Conditions.READY, ready, ready ? "Ready" : "AwaitingAgents",
          ready ? active.node() + " holds the VIPs" : "no director holds the VIPs with the current plan yet",
          generation));
      c.add(Conditions.of(Conditions.PROGRAMMED, all, all ? "Programmed" : "AwaitingAgents",
          all ? "both directors hold the current plan" : "waiting for " + nodes.stream()
              .filter(n -> !programmedOn.contains(n)).collect(Collectors.joining(", ")), generation));
    }
    List<String> problems = new ArrayList<>();
    warnings.forEach(w -> problems.add(w.message()));
    if (activeCount > 1) {
      problems.add("more than one director reports being active");
    }
    reports.values().stream().filter(r -> r.message() != null && !r.message().isBlank())
        .sorted(java.util.Comparator.comparing(AgentReport::node))
        .forEach(r -> problems.add(r.node() + ": " + r.message()));
    boolean moduleMissing = reports.values().stream().anyMatch(r -> r.message() != null
        && MODULE_MISSING.matcher(r.message()).lookingAt());
    String degradedReason = activeCount > 1 ? "SplitBrain" : moduleMissing ? "KernelModuleMissing"
        : !warnings.isEmpty() ? warnings.get(0).reason() : "AgentProblems";
    c.add(problems.isEmpty() ? Conditions.of(Conditions.DEGRADED, false, "AsExpected", "", generation)
        : Conditions.of(Conditions.DEGRADED, true, degradedReason, String.join("; ", problems), generation));
    c.addAll(more);
    st.setConditions(Conditions.merge(old == null ? null : old.getConditions(), c, now));
    return st;
  }

  static List<String> programmedNodes(Map<String, AgentReport> reports, String planHash) {
    return reports.values().stream().filter(r -> r.programmed() && planHash != null
        && planHash.equals(r.programmedPlanHash())).map(AgentReport::node).sorted().toList();
  }
}
