package io.halvs.operator.dependent;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.halvs.plan.publish.AgentReport;
import io.halvs.plan.publish.Names;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Replaces a pair's outdated agent pods in the order that moves the VIP once: the agent DaemonSet is OnDelete, and
 * this deletes one pod at a time, the standby's first; the active's only once the standby's replacement has been
 * Ready for the DaemonSet's minReadySeconds and reports as a standby with the current plan. The active then hands
 * the VIP over on SIGTERM to an upgraded peer, and its own replacement comes back as the standby: one handover.
 * (The DaemonSet controller's RollingUpdate takes the pods in random order: two handovers when it takes the active
 * first.)
 *
 * <p>Level-triggered: every decision is made from what the API server holds (the DaemonSet, its
 * ControllerRevisions, its pods, the two Nodes) and the agents' reports, never from a rollout's memory, so an
 * operator that restarts, or a new leader, continues a rollout where it stands. Only the leader reconciles, so only
 * it deletes. What it read is kept until an agent pod or the DaemonSet changes (their events: {@link #changed()}),
 * for at most {@link #KEPT_FOR}: the pair reconciles after every plan build, several times per edit, and read
 * each time it was five requests per reconcile (2.7 reconciles per edit, a sixth of the operator's requests beside
 * the status writes). A step that deletes a pod is always decided again from a read made for it.
 * A pod is outdated when its {@code controller-revision-hash} label differs from the DaemonSet's newest
 * ControllerRevision, once the DaemonSet controller has observed the DaemonSet's generation (it writes the
 * revision before it reports the generation observed); that controller counts the same pods as updated in
 * {@code status.updatedNumberScheduled}.
 */
public final class AgentRollout {
  /** The DirectorPair condition that says whether both agents run the DaemonSet's newest template. */
  public static final String CONDITION = "AgentsUpToDate";
  public static final String UP_TO_DATE = "UpToDate";
  public static final String ROLLING_OUT = "RollingOut";
  public static final String PENDING = "Pending";
  /** The DaemonSet controller's label on its pods and ControllerRevisions (apps.DefaultDaemonSetUniqueLabelKey). */
  static final String REVISION_LABEL = "controller-revision-hash";
  /** How soon to look again while a replacement's report is older than its pod (reports carry no event then). */
  static final Duration REPORT_RECHECK = Duration.ofSeconds(2);

  /**
   * What one reconcile sees of a pair's agents.
   *
   * @param nodesDown the pair's nodes that are missing or not Ready: their pods cannot be replaced now
   */
  public record Observed(DaemonSet daemonSet, List<ControllerRevision> revisions, List<Pod> pods,
      Set<String> nodesDown) {}

  /**
   * One decision: the condition to show, the pod to delete now (null: none), and when to look again without an
   * event (null: on the next event).
   */
  public record Step(boolean upToDate, String reason, String message, Pod replace, Duration recheck) {
    static Step waiting(String reason, String message) {
      return new Step(false, reason, message, null, null);
    }
  }

  /**
   * How long a kept read serves without an event: the Nodes' readiness sends the pair none (a node that stops
   * turns its pods not Ready, which does, within the node controller's grace).
   */
  static final Duration KEPT_FOR = Duration.ofSeconds(30);

  private final KubernetesClient client;
  private final String namespace;
  /** The last read per pair, and the count of agent events when it started (a read overtaken by one is stale). */
  private final Map<String, Kept> kept = new ConcurrentHashMap<>();
  private final AtomicLong events = new AtomicLong();

  private record Kept(List<String> nodes, Observed observed, long events, long readAt) {}

  public AgentRollout(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  /** An agent pod or an agent DaemonSet changed (any pair's: they are few): the next step reads them again. */
  public void changed() {
    events.incrementAndGet();
  }

  /**
   * One reconcile's step for the pair: decided from the kept read when no agent event came since and it is younger
   * than {@link #KEPT_FOR}, else from a read made now; a step that would delete a pod on a kept read is decided
   * again on a fresh one. The caller deletes ({@link #apply}).
   */
  public Step step(String pair, List<String> nodes, Map<String, AgentReport> reports, String active,
      String planHash, Instant now) {
    Kept k = kept.get(pair);
    boolean fresh = k == null || k.events() != events.get() || !k.nodes().equals(nodes)
        || System.nanoTime() - k.readAt() >= KEPT_FOR.toNanos();
    Observed o = fresh ? read(pair, nodes) : k.observed();
    Step step = decide(nodes, o, reports, active, planHash, now);
    if (step.replace() != null && !fresh) {
      step = decide(nodes, read(pair, nodes), reports, active, planHash, now);
    }
    return step;
  }

  private Observed read(String pair, List<String> nodes) {
    long before = events.get();
    long at = System.nanoTime();
    Observed o = observe(pair, nodes);
    kept.put(pair, new Kept(List.copyOf(nodes), o, before, at));
    return o;
  }

  /** Reads what the pair's agents look like now. */
  public Observed observe(String pair, List<String> nodes) {
    String name = Names.agent(pair);
    DaemonSet ds = client.apps().daemonSets().inNamespace(namespace).withName(name).get();
    if (ds == null) {
      return new Observed(null, List.of(), List.of(), Set.of());
    }
    var selector = ds.getSpec().getSelector().getMatchLabels();
    List<ControllerRevision> revisions = client.apps().controllerRevisions().inNamespace(namespace)
        .withLabels(selector).list().getItems();
    List<Pod> pods = client.pods().inNamespace(namespace).withLabels(selector).list().getItems();
    Set<String> down = new HashSet<>();
    for (String node : nodes) {
      if (!ready(client.nodes().withName(node).get())) {
        down.add(node);
      }
    }
    return new Observed(ds, revisions, pods, down);
  }

  /** Deletes the step's pod, if any: the DaemonSet controller creates its replacement from the newest template. */
  public boolean apply(Step step) {
    if (step.replace() == null) {
      return false;
    }
    var meta = step.replace().getMetadata();
    kept.clear(); // the pod's deletion changes what the next step must see, event or not
    return !client.pods().inNamespace(meta.getNamespace()).withName(meta.getName()).delete().isEmpty();
  }

  static boolean ready(Node node) {
    return node != null && node.getStatus() != null && node.getStatus().getConditions() != null
        && node.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /**
   * The decision, pure.
   *
   * @param nodes the pair's two directors, in spec order
   * @param active the node whose agent reports holding the VIP (the status' activeNode), null when none does
   */
  public static Step decide(List<String> nodes, Observed o, Map<String, AgentReport> reports, String active,
      String planHash, Instant now) {
    DaemonSet ds = o.daemonSet();
    if (ds == null) {
      return Step.waiting(PENDING, "the agent DaemonSet does not exist yet");
    }
    Long generation = ds.getMetadata().getGeneration();
    Long observed = ds.getStatus() == null ? null : ds.getStatus().getObservedGeneration();
    if (observed == null || (generation != null && observed < generation)) {
      return Step.waiting(PENDING, "waiting for the DaemonSet controller to observe " + ds.getMetadata().getName()
          + " generation " + generation);
    }
    String newest = newestRevision(ds, o.revisions());
    if (newest == null) {
      return Step.waiting(PENDING, "waiting for the DaemonSet controller to record the revision of "
          + ds.getMetadata().getName());
    }
    int minReady = ds.getSpec().getMinReadySeconds() == null ? 0 : ds.getSpec().getMinReadySeconds();
    List<Pod> owned = o.pods().stream().filter(p -> ownedBy(p, ds)).toList();
    List<Agent> agents = nodes.stream().map(n -> Agent.of(n, owned, newest, o.nodesDown().contains(n), minReady,
        now)).toList();
    boolean outdated = agents.stream().anyMatch(a -> a.pod != null && !a.updated);
    boolean terminating = agents.stream().anyMatch(a -> a.terminating && !a.down);
    // Pending: the first pods of a new DaemonSet (one revision so far); afterwards a pod coming back is a rollout's.
    boolean rolledBefore = o.revisions().stream().filter(r -> ownedBy(r, ds)).count() > 1;
    String waitReason = outdated || terminating || rolledBefore ? ROLLING_OUT : PENDING;

    // A replacement under way comes first: never a second pod while one is missing or not yet available, so the
    // pair never has both directors down, and a new revision that does not turn Ready stops the rollout here.
    List<String> next = agents.stream().filter(a -> a.pod != null && !a.updated).map(a -> a.node).toList();
    String then = next.isEmpty() ? "" : "; next: " + String.join(", ", next) + (next.contains(active)
        ? " (the active, replaced last: it hands the VIP over once, to the upgraded standby)" : "");
    for (Agent a : agents) {
      if (a.down) {
        continue;
      }
      if (a.pod == null) {
        return Step.waiting(waitReason, a.node + (a.terminating ? ": waiting for the old agent pod to stop and the "
            + "DaemonSet to create its replacement" : ": waiting for the DaemonSet to create its agent pod") + then);
      }
      if (a.updated && !a.available) {
        if (a.readySince == null) {
          return Step.waiting(waitReason, a.node + ": waiting for the agent of revision " + newest
              + " to turn Ready" + then);
        }
        Duration left = Duration.between(now, a.readySince.plusSeconds(minReady));
        return new Step(false, waitReason, a.node + ": the agent of revision " + newest + " is Ready; available "
            + "after minReadySeconds (" + minReady + " s)" + then, null, left.isNegative() ? Duration.ofSeconds(1)
            : left.plusMillis(500));
      }
    }
    List<String> down = agents.stream().filter(a -> a.down).map(a -> a.node).toList();
    String downNote = down.isEmpty() ? "" : " (" + String.join(", ", down) + " not Ready)";
    if (!outdated) {
      return new Step(true, UP_TO_DATE, "the agents run revision " + newest + downNote, null, null);
    }
    List<Agent> replaceable = agents.stream().filter(a -> a.pod != null && !a.updated && !a.down).toList();
    if (replaceable.isEmpty()) {
      return Step.waiting(ROLLING_OUT, String.join(", ", down) + ": outdated, but the node is not Ready; its agent "
          + "is replaced once the node is back");
    }
    // An outdated agent that is not Ready and holds no VIP serves nothing: replacing it costs no handover. (An
    // active that is not Ready still goes last: replaced first, it would hand over, and then get the VIP back.)
    for (Agent a : replaceable) {
      if (a.readySince == null && !a.node.equals(active)) {
        return replace(a, newest, a.node + " is not Ready: replacing its agent first (it serves nothing, no "
            + "handover)");
      }
    }
    // The standby next: it holds no VIP. Which one that is comes from the reports: without one from each agent
    // (a freshly started operator reads them first) the active may be either, so wait rather than guess.
    List<String> unreported = nodes.stream().filter(n -> !reports.containsKey(n)).toList();
    if (active == null && !unreported.isEmpty()) {
      return new Step(false, ROLLING_OUT, "waiting for a report from " + String.join(", ", unreported)
          + " to know which director holds the VIP (the standby is replaced first)" + then, null, REPORT_RECHECK);
    }
    for (Agent a : replaceable) {
      if (!a.node.equals(active)) {
        return replace(a, newest, active == null
            ? "neither director reports holding the VIP (nothing moves): replacing " + a.node + " first"
            : "replacing the standby " + a.node + " first: it holds no VIP; the active " + active
                + " is replaced once " + a.node + " is back as a ready standby, so the VIP moves once");
      }
    }
    // Only the active is left outdated.
    Agent activeAgent = replaceable.get(0);
    Agent peer = agents.stream().filter(a -> a != activeAgent).findFirst().orElseThrow();
    if (peer.down) {
      return replace(activeAgent, newest, "no healthy peer: " + peer.node + " is not Ready, so nothing better "
          + "exists; replacing the active " + activeAgent.node + " without a handover (it keeps the VIP through "
          + "its restart)");
    }
    AgentReport r = reports.get(peer.node);
    boolean standby = r != null && AgentReport.STANDBY.equals(r.role()) && r.programmed() && planHash != null
        && planHash.equals(r.programmedPlanHash());
    if (!standby) {
      return new Step(false, ROLLING_OUT, "waiting for " + peer.node + " to report as a standby with the current "
          + "plan before replacing the active " + activeAgent.node, null, REPORT_RECHECK);
    }
    Instant started = peer.startedAt;
    Instant seen = instant(r.lastSeen());
    if (started != null && (seen == null || seen.isBefore(started))) {
      return new Step(false, ROLLING_OUT, "waiting for the new agent on " + peer.node + " to report before "
          + "replacing the active " + activeAgent.node, null, REPORT_RECHECK);
    }
    return replace(activeAgent, newest, peer.node + " is back as a ready standby on the new revision"
        + ": replacing the active " + activeAgent.node + ", which hands the VIP over to it (one handover)");
  }

  private static Step replace(Agent a, String newest, String why) {
    return new Step(false, ROLLING_OUT, why + " (pod " + a.pod.getMetadata().getName() + ", revision " + a.revision
        + " -> " + newest + ")", a.pod, null);
  }

  /** The DaemonSet's ControllerRevision with the highest revision: the hash of its current template. */
  static String newestRevision(DaemonSet ds, List<ControllerRevision> revisions) {
    return revisions.stream().filter(r -> ownedBy(r, ds))
        .max(Comparator.comparing(r -> r.getRevision() == null ? Long.MIN_VALUE : r.getRevision()))
        .map(r -> {
          String hash = r.getMetadata().getLabels() == null ? null : r.getMetadata().getLabels().get(REVISION_LABEL);
          // the controller names it <daemonset>-<hash>
          String prefix = ds.getMetadata().getName() + "-";
          return hash != null ? hash : r.getMetadata().getName().startsWith(prefix)
              ? r.getMetadata().getName().substring(prefix.length()) : null;
        }).orElse(null);
  }

  static boolean ownedBy(io.fabric8.kubernetes.api.model.HasMetadata o, DaemonSet ds) {
    List<OwnerReference> refs = o.getMetadata().getOwnerReferences();
    return refs != null && refs.stream().anyMatch(r -> Boolean.TRUE.equals(r.getController())
        && Objects.equals(r.getUid(), ds.getMetadata().getUid()));
  }

  static Instant instant(String time) {
    try {
      return time == null ? null : Instant.parse(time);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** One director's agent pod as the decision sees it. */
  private static final class Agent {
    String node;
    boolean down;
    Pod pod; // the live one (not being deleted); null: none
    boolean terminating; // an old pod is being deleted
    boolean updated;
    String revision;
    Instant readySince; // null: not Ready
    Instant startedAt;
    boolean available;

    static Agent of(String node, List<Pod> pods, String newest, boolean down, int minReady, Instant now) {
      Agent a = new Agent();
      a.node = node;
      a.down = down;
      List<Pod> on = pods.stream().filter(p -> p.getSpec() != null && node.equals(p.getSpec().getNodeName()))
          .toList();
      a.terminating = on.stream().anyMatch(p -> p.getMetadata().getDeletionTimestamp() != null);
      List<Pod> live = new ArrayList<>(on.stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null)
          .toList());
      // Two live pods on one node happen only between the controller's steps: the outdated one is what to replace.
      live.sort(Comparator.comparing((Pod p) -> newest.equals(revision(p))));
      a.pod = live.isEmpty() ? null : live.get(0);
      if (a.pod != null) {
        a.revision = revision(a.pod);
        a.updated = newest.equals(a.revision);
        a.readySince = readySince(a.pod);
        a.startedAt = a.pod.getStatus() == null ? null : instant(a.pod.getStatus().getStartTime());
        a.available = a.readySince != null && !a.readySince.plusSeconds(minReady).isAfter(now);
      }
      return a;
    }

    static String revision(Pod p) {
      return p.getMetadata().getLabels() == null ? null : p.getMetadata().getLabels().get(REVISION_LABEL);
    }

    static Instant readySince(Pod p) {
      if (p.getStatus() == null || p.getStatus().getConditions() == null) {
        return null;
      }
      Optional<PodCondition> ready = p.getStatus().getConditions().stream()
          .filter(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())).findFirst();
      // Ready without a transition time: count it as Ready since long ago rather than never available.
      return ready.map(c -> Optional.ofNullable(instant(c.getLastTransitionTime())).orElse(Instant.EPOCH))
          .orElse(null);
    }
  }
}
