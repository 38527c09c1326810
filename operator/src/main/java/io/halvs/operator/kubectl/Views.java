package io.halvs.operator.kubectl;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.halvs.api.v1alpha1.AgentState;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.DirectorPairStatus;
import io.halvs.api.v1alpha1.RealServerState;
import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.api.v1alpha1.VirtualServiceStatus;
import io.halvs.plan.Finding;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What `kubectl halvs` prints, from objects already read: pure, so each view is unit-tested without a cluster.
 * Everything shown comes from the objects' status (StatusComputer writes it), their Events and the plan's findings.
 */
final class Views {
  /**
   * An agent report older than this is called stale: three of the agents' report heartbeats (they rewrite an
   * unchanged report every 60 s), the operator's own bound (halvs_operator_agent_report_stale).
   */
  static final Duration STALE = Duration.ofSeconds(180);

  private Views() {}

  /** {@code status}: one block per pair. */
  static List<String> status(DirectorPair dp, List<VirtualService> services, List<Event> failovers, Instant now) {
    List<String> out = new ArrayList<>();
    String name = dp.getMetadata().getName();
    DirectorPairStatus st = dp.getStatus();
    Condition ready = condition(st == null ? null : st.getConditions(), "Ready");
    out.add("DirectorPair " + name + ": " + (ready == null ? "no status yet (is the operator running?)"
        : conditionText(ready)));
    List<String> nodes = dp.getSpec() == null || dp.getSpec().getNodes() == null ? List.of() : dp.getSpec().getNodes();
    String active = st == null ? null : st.getActiveNode();
    out.add("  active:    " + (active == null ? "none (no director reports holding the VIPs)"
        : active + (st.getActiveSince() == null ? "" : " since " + seconds(st.getActiveSince())
            + " (" + ago(st.getActiveSince(), now) + ")")));
    String standby = st == null || st.getStandbyNode() == null
        ? nodes.stream().filter(n -> !n.equals(active)).findFirst().orElse(null) : st.getStandbyNode();
    AgentState standbyAgent = agent(st, standby);
    out.add("  standby:   " + (standby == null ? "none" : standby + ": " + standbyHealth(standbyAgent, now)));
    Map<String, String> vips = new LinkedHashMap<>();
    for (VirtualService vs : services) {
      if (vs.getSpec() != null && vs.getSpec().getVip() != null) {
        String holder = vs.getStatus() == null ? null : vs.getStatus().getActiveDirector();
        vips.merge(vs.getSpec().getVip(), holder == null ? "held by no director" : "on " + holder, (a, b) -> a);
      }
    }
    if (vips.isEmpty()) {
      out.add("  VIPs:      none (no VirtualService names this pair)");
    } else {
      vips.forEach((vip, where) -> out.add("  VIP        " + vip + " " + where
          + (dp.getSpec() != null && dp.getSpec().getVipInterface() != null ? " (" + dp.getSpec().getVipInterface()
              + ")" : "")));
    }
    long transitions = st == null || st.getTransitions() == null ? 0 : st.getTransitions();
    String last = st == null ? null : st.getLastTransitionReason();
    Event lastEvent = failovers.stream().max(Comparator.comparing(Views::eventTime)).orElse(null);
    if (lastEvent != null) {
      out.add("  failovers: " + transitions + "; last " + eventTime(lastEvent) + " ("
          + ago(eventTime(lastEvent).toString(), now) + "): " + lastEvent.getMessage());
    } else {
      out.add("  failovers: " + transitions + (last == null ? "" : "; " + last
          + (st.getActiveSince() == null ? "" : " at " + seconds(st.getActiveSince()))));
    }
    Condition degraded = condition(st == null ? null : st.getConditions(), "Degraded");
    if (degraded != null && "True".equals(degraded.getStatus())) {
      out.add("  degraded:  " + degraded.getReason() + ": " + degraded.getMessage());
    }
    if (services.isEmpty()) {
      out.add("  services:  none");
      return out;
    }
    out.add("  services:");
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("NAMESPACE", "NAME", "ENDPOINT", "READY", "STATE"));
    List<String> unavailable = new ArrayList<>();
    for (VirtualService vs : services) {
      VirtualServiceStatus vst = vs.getStatus();
      Condition r = condition(vst == null ? null : vst.getConditions(), "Ready");
      rows.add(List.of(vs.getMetadata().getNamespace(), vs.getMetadata().getName(),
          vst == null || vst.getEndpoint() == null ? "-" : vst.getEndpoint(),
          vst == null || vst.getRealServers() == null ? "?" : vst.getRealServers(),
          r == null ? "-" : "True".equals(r.getStatus()) ? "Ready" : r.getReason()));
      if (vst != null && vst.getUnavailable() != null) {
        for (RealServerState u : vst.getUnavailable()) {
          unavailable.add("    " + vs.getMetadata().getName() + ": " + realServerState(u, now));
        }
      }
    }
    table(rows).forEach(l -> out.add("    " + l));
    if (!unavailable.isEmpty()) {
      out.add("  out of rotation:");
      out.addAll(unavailable);
    }
    return out;
  }

  static String standbyHealth(AgentState a, Instant now) {
    if (a == null || a.getLastSeen() == null) {
      return "no report from its agent (not running, or cannot reach the API server)";
    }
    List<String> problems = new ArrayList<>();
    if (!"standby".equals(a.getRole())) {
      problems.add("role " + a.getRole());
    }
    if (!Boolean.TRUE.equals(a.getProgrammed())) {
      problems.add("has not programmed the current plan");
    }
    Instant seen = instant(a.getLastSeen());
    if (seen != null && Duration.between(seen, now).compareTo(STALE) > 0) {
      problems.add("report stale");
    }
    if (a.getMessage() != null && !a.getMessage().isBlank()) {
      problems.add(a.getMessage());
    }
    return (problems.isEmpty() ? "healthy, programmed the current plan" : "NOT healthy: "
        + String.join("; ", problems)) + ", last report " + ago(a.getLastSeen(), now);
  }

  /** {@code why}: conditions, out-of-rotation real servers, the plan's findings and recent Events. */
  static List<String> why(VirtualService vs, List<Finding> findings, List<Event> events, Instant now) {
    List<String> out = new ArrayList<>();
    VirtualServiceStatus st = vs.getStatus();
    var spec = vs.getSpec();
    out.add("VirtualService " + vs.getMetadata().getNamespace() + "/" + vs.getMetadata().getName()
        + (spec == null ? "" : ": pair " + spec.getDirectorPair() + ", "
            + (st != null && st.getEndpoint() != null ? st.getEndpoint() : spec.getVip()))
        + (st == null ? "" : ", active " + (st.getActiveDirector() == null ? "none" : st.getActiveDirector())
            + ", ready " + (st.getRealServers() == null ? "?" : st.getRealServers())));
    Long generation = vs.getMetadata().getGeneration();
    if (st != null && st.getObservedGeneration() != null && generation != null
        && !st.getObservedGeneration().equals(generation)) {
      out.add("  (status describes generation " + st.getObservedGeneration() + ", the object is at " + generation
          + ": the operator has not caught up)");
    }
    out.add("Conditions:");
    List<Condition> conditions = st == null || st.getConditions() == null ? List.of() : st.getConditions();
    if (conditions.isEmpty()) {
      out.add("  none (no status yet: is the operator running?)");
    } else {
      List<List<String>> rows = new ArrayList<>();
      rows.add(List.of("TYPE", "STATUS", "REASON", "SINCE", "MESSAGE"));
      for (Condition c : conditions) {
        rows.add(List.of(c.getType(), c.getStatus(), nz(c.getReason()),
            c.getLastTransitionTime() == null ? "-" : ago(c.getLastTransitionTime(), now), nz(c.getMessage())));
      }
      table(rows).forEach(l -> out.add("  " + l));
    }
    if (st != null && st.getUnavailable() != null && !st.getUnavailable().isEmpty()) {
      out.add("Out of rotation:");
      st.getUnavailable().forEach(u -> out.add("  " + realServerState(u, now)));
    }
    out.add("Plan findings:");
    if (findings.isEmpty()) {
      out.add("  none");
    } else {
      findings.forEach(f -> out.add("  " + f.severity().name().toLowerCase(java.util.Locale.ROOT) + " "
          + f.reason() + (f.field() == null ? "" : " " + f.field()) + ": " + f.message()));
    }
    out.add("Events:");
    if (events.isEmpty()) {
      out.add("  none");
    } else {
      List<List<String>> rows = new ArrayList<>();
      rows.add(List.of("AGE", "TYPE", "REASON", "MESSAGE"));
      events.stream().sorted(Comparator.comparing(Views::eventTime)).forEach(e -> rows.add(List.of(
          ago(eventTime(e).toString(), now), nz(e.getType()), nz(e.getReason()), nz(e.getMessage()))));
      table(rows).forEach(l -> out.add("  " + l));
    }
    return out;
  }

  static String realServerState(RealServerState u, Instant now) {
    return nz(u.getName()) + " " + nz(u.getDestination()) + " " + nz(u.getState())
        + (u.getSince() == null ? "" : " for " + ago(u.getSince(), now).replace(" ago", ""))
        + (u.getMessage() == null || u.getMessage().isBlank() ? "" : ": " + u.getMessage());
  }

  static Condition condition(List<Condition> conditions, String type) {
    return conditions == null ? null : conditions.stream().filter(c -> type.equals(c.getType())).findFirst()
        .orElse(null);
  }

  static String conditionText(Condition c) {
    return ("True".equals(c.getStatus()) ? c.getType() : "not " + c.getType() + " (" + c.getReason() + ")")
        + (c.getMessage() == null || c.getMessage().isBlank() ? "" : ": " + c.getMessage());
  }

  static AgentState agent(DirectorPairStatus st, String node) {
    if (st == null || st.getAgents() == null || node == null) {
      return null;
    }
    return st.getAgents().stream().filter(a -> node.equals(a.getNode())).findFirst().orElse(null);
  }

  static Instant eventTime(Event e) {
    for (String t : new String[] {e.getLastTimestamp(), e.getEventTime() == null ? null : e.getEventTime().getTime(),
        e.getFirstTimestamp(), e.getMetadata() == null ? null : e.getMetadata().getCreationTimestamp()}) {
      Instant i = instant(t);
      if (i != null) {
        return i;
      }
    }
    return Instant.EPOCH;
  }

  static Instant instant(String rfc3339) {
    if (rfc3339 == null) {
      return null;
    }
    try {
      return Instant.parse(rfc3339);
    } catch (DateTimeParseException e) {
      try {
        return java.time.OffsetDateTime.parse(rfc3339).toInstant();
      } catch (DateTimeParseException e2) {
        return null;
      }
    }
  }

  /** RFC 3339 to the second, as kubectl prints times; unreadable text as it is. */
  static String seconds(String rfc3339) {
    Instant t = instant(rfc3339);
    return t == null ? rfc3339 : t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
  }

  /** "5s ago", "3m ago", "2h ago", "4d ago", as kubectl prints ages. */
  static String ago(String rfc3339, Instant now) {
    Instant t = instant(rfc3339);
    if (t == null) {
      return rfc3339;
    }
    long s = Math.max(0, Duration.between(t, now).getSeconds());
    String age = s < 120 ? s + "s" : s < 7200 ? s / 60 + "m" : s < 172800 ? s / 3600 + "h" : s / 86400 + "d";
    return age + " ago";
  }

  /** Columns padded to the widest cell, three spaces apart, like kubectl get. */
  static List<String> table(List<List<String>> rows) {
    int cols = rows.stream().mapToInt(List::size).max().orElse(0);
    int[] width = new int[cols];
    for (List<String> r : rows) {
      for (int i = 0; i < r.size(); i++) {
        width[i] = Math.max(width[i], r.get(i).length());
      }
    }
    return rows.stream().map(r -> {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < r.size(); i++) {
        b.append(i == r.size() - 1 ? r.get(i) : String.format("%-" + (width[i] + 3) + "s", r.get(i)));
      }
      return b.toString().stripTrailing();
    }).collect(Collectors.toList());
  }

  static String nz(String s) {
    return s == null ? "" : s;
  }
}
