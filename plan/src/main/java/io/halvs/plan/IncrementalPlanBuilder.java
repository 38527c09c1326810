package io.halvs.plan;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.ForwardingMethod;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.VirtualService;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * {@link PlanBuilder#build} that keeps, between builds, each RealServer's checks and its place in the selector
 * index, each VirtualService's checks, and the destinations each service resolved to, and redoes only what a
 * change touches: a changed RealServer (edited, added, deleted) is checked again and sends back to resolving only
 * the services whose selector matches it before or after the change; an edited VirtualService is checked and
 * resolved again. What reads every service is done again at every build from the kept parts, cheaply: the
 * checks against the pairs, VIP conflicts between pairs, duplicate keys and VIP settings on a pair, the pair's
 * marking rules (a service's own are kept with its checks; which survive overlaps, and what they catch or shadow,
 * depends on the other services), conflicting forwarding methods and the real-server nodes. The result equals a
 * full build's ({@code IncrementalPlanBuilderTest} applies random edits and compares), findings included.
 *
 * <p>Objects are compared by identity: a changed object must be a new instance (the informers' caches replace
 * objects; they never change one in place). A caller that knows which RealServers changed says so
 * ({@link #build(PlanInput, Map)}) and spares the build a look at every RealServer. A new instance that replaces one with only its status changed
 * ({@link StatusOnly}: the operator's own status writes, every RealServer's after a bulk apply) keeps what was
 * checked and resolved, bound to the new object. Anything else starts from nothing: the first build, any change to the
 * DirectorPairs (a pair's nodes, namespaces or validity reach every service), an input naming an object twice
 * (left to {@link PlanBuilder#build} as it is), after a build that threw, after {@link #startOver()}, and every
 * {@code fullEvery}th build if asked for. What bounds how long a wrong result could live if an object were changed
 * in place after all is the caller's: the operator compares a full build with this one off the edit's path
 * (PlanAudit) and starts over when they differ. A full build on the edit's path every 100th build made that edit
 * the p99 at full size (1-3 s). Not thread-safe: one caller.
 */
public final class IncrementalPlanBuilder {
  /** Above this many selector matches to find the services a set of RealServer changes touches, resolve all. */
  static final long MAX_INVALIDATION_MATCHES = 1_000_000;

  /**
   * A RealServer as checked; seen marks the builds whose input holds it. A status-only replacement of the object
   * rebinds source and backend to the new one, so the old object is not held.
   */
  private static final class CheckedRealServer {
    RealServer source;
    final ObjectRef ref;
    final List<Finding> findings;
    PlanBuilder.Backend backend;
    long seen;

    CheckedRealServer(RealServer source, ObjectRef ref, List<Finding> findings, PlanBuilder.Backend backend) {
      this.source = source;
      this.ref = ref;
      this.findings = findings;
      this.backend = backend;
    }
  }

  private record CheckedService(VirtualService source, List<Finding> findings, PlanBuilder.Draft draft) {}

  /**
   * A service's destinations as resolved from its draft (on its pair) and the RealServers it selected, and their
   * forwarding methods (what a build reads of all of them: conflicting methods, the real-server nodes' needs).
   */
  private record Resolved(PlanBuilder.Draft draft, List<Destination> destinations, List<Finding> findings,
      Set<ForwardingMethod> methods) {}

  private final int fullEvery;
  private boolean byIdentity;
  /** The pairs the kept state was built with; null when nothing is kept. */
  private List<DirectorPair> pairs;
  private final Map<ObjectRef, CheckedRealServer> realServers = new CompactHashMap<>();
  /** The same by object: an unchanged RealServer costs one identity lookup per build, no name. */
  private final Map<RealServer, CheckedRealServer> byObject = new IdentityHashMap<>();
  /** The RealServers with findings, so a build need not look at the others. */
  private final Map<ObjectRef, List<Finding>> realServerFindings = new HashMap<>();
  private long epoch;
  private final Map<String, Index> backends = new HashMap<>();
  private final Map<ObjectRef, CheckedService> services = new HashMap<>();
  private final Map<ObjectRef, Resolved> resolved = new HashMap<>();
  private int sinceFull;
  private long fullBuilds;
  private boolean lastFull;
  private int lastChecked;
  private int lastResolved;
  private int lastRebound;
  private long realServerPasses;

  /** Starts from nothing only when it must (see the class comment), never on a count. */
  public IncrementalPlanBuilder() {
    this(Integer.MAX_VALUE);
  }

  /** @param fullEvery every this many builds one starts from nothing; 1: every build is a full one */
  public IncrementalPlanBuilder(int fullEvery) {
    if (fullEvery < 1) {
      throw new IllegalArgumentException("fullEvery must be at least 1, not " + fullEvery);
    }
    this.fullEvery = fullEvery;
  }

  /**
   * As the build was before an object replaced with only its status written counted as the same: any new pair
   * object started the next build from nothing, any new RealServer or VirtualService object was checked again.
   * RebuildBenchmark's "before".
   */
  public static IncrementalPlanBuilder comparingByIdentity() {
    IncrementalPlanBuilder b = new IncrementalPlanBuilder();
    b.byIdentity = true;
    return b;
  }

  /** Whether a new object is a changed one even when only its status was written ({@link #comparingByIdentity}). */
  public boolean comparesByIdentity() {
    return byIdentity;
  }

  /**
   * The name this builder keeps for a RealServer of its last build (its destinations name it by this instance),
   * or null when it kept none for that object. The operator's model and views key their maps by the same
   * instance: one per RealServer instead of one per map (at 100,000 RealServers each copy is 2.4 MiB).
   */
  public ObjectRef refOf(RealServer rs) {
    CheckedRealServer kept = byObject.get(rs);
    return kept == null ? null : kept.ref;
  }

  /** The next build starts from nothing: what was kept is dropped. */
  public void startOver() {
    forget();
  }

  /** Builds that started from nothing so far. */
  public long fullBuilds() {
    return fullBuilds;
  }

  /** Whether the last build started from nothing. */
  public boolean lastBuildFull() {
    return lastFull;
  }

  /** RealServers and VirtualServices checked by the last build (the others' checks were kept). */
  public int checkedLastBuild() {
    return lastChecked;
  }

  /** Services whose destinations the last build resolved (the others' were kept). */
  public int resolvedLastBuild() {
    return lastResolved;
  }

  /**
   * RealServers and VirtualServices the last build found replaced by a new object with only its status changed
   * ({@link StatusOnly}): their checks and destinations were kept, bound to the new object.
   */
  public int reboundLastBuild() {
    return lastRebound;
  }

  public PlanResult build(PlanInput input) {
    return build(input, null);
  }

  /**
   * As {@link #build(PlanInput)}, told which RealServers may differ from the last build's input: ref -> the object
   * in this input, null for none (deleted). Only those are looked at, not every RealServer of the input (at
   * 100,000 one identity lookup each was most of an edit's build); the input's RealServers must be the last
   * build's with these applied (the operator's stores log every put and remove). Should the count of kept
   * RealServers then differ from the input's, every RealServer is looked at after all.
   *
   * @param realServerChanges null: unknown, every RealServer is looked at
   */
  public PlanResult build(PlanInput input, Map<ObjectRef, RealServer> realServerChanges) {
    try {
      return buildKept(input, realServerChanges);
    } catch (RuntimeException e) {
      forget(); // half-updated: the next build starts from nothing
      throw e;
    }
  }

  /** Builds whose RealServers were looked at one by one, every one (not only the logged changes). */
  public long realServerPasses() {
    return realServerPasses;
  }

  private PlanResult buildKept(PlanInput input, Map<ObjectRef, RealServer> realServerChanges) {
    Map<ObjectRef, VirtualService> servicesIn = new HashMap<>(capacity(input.virtualServices().size()));
    boolean twice = false;
    for (VirtualService vs : input.virtualServices()) {
      twice |= servicesIn.putIfAbsent(PlanBuilder.ref(vs, "VirtualService"), vs) != null;
    }
    lastChecked = 0;
    lastResolved = 0;
    lastRebound = 0;
    boolean full = twice || pairs == null || !samePairs(pairs, input.directorPairs()) || ++sinceFull >= fullEvery;
    if (full) {
      forget();
      sinceFull = 0;
      fullBuilds++;
      pairs = input.directorPairs();
    }
    lastFull = full;

    // RealServers: check the changed ones, move them in the index, note the labels they had and have.
    Map<String, List<Map<String, String>>> touched = full ? null : new HashMap<>(); // null: nothing to keep
    int changes = 0;
    boolean pass = true;
    if (!full && !twice && realServerChanges != null) {
      for (Map.Entry<ObjectRef, RealServer> e : realServerChanges.entrySet()) {
        changes += apply(e.getKey(), e.getValue(), touched);
      }
      pass = realServers.size() != input.realServers().size(); // a change the log missed: look at every one
    }
    long seen = 0;
    epoch++;
    if (pass && !twice) {
      realServerPasses++;
    }
    for (RealServer rs : twice || !pass ? List.<RealServer>of() : input.realServers()) {
      CheckedRealServer kept = byObject.get(rs);
      if (kept != null) {
        if (kept.seen == epoch) {
          twice = true; // the same object twice
          break;
        }
        kept.seen = epoch;
        seen++;
        continue;
      }
      ObjectRef ref = PlanBuilder.ref(rs, "RealServer");
      CheckedRealServer old = realServers.get(ref);
      if (old != null && old.seen == epoch) {
        twice = true; // two objects of one name
        break;
      }
      CheckedRealServer now = put(ref, old, rs, touched);
      now.seen = epoch;
      seen++;
      if (now != old) {
        changes++;
      }
    }
    if (twice) {
      // which of the two counts is the full build's business (input order); keep nothing
      forget();
      lastFull = true;
      if (!full) {
        fullBuilds++;
      }
      return PlanBuilder.build(input);
    }
    if (pass && realServers.size() > seen) { // some were deleted
      for (CheckedRealServer gone : new ArrayList<>(realServers.values())) {
        if (gone.seen != epoch) {
          drop(gone);
          touch(touched, gone.ref.namespace(), labels(gone.source));
          changes++;
        }
      }
    }

    // VirtualServices: check the changed ones; a changed one's draft is new, so it is resolved again.
    for (Map.Entry<ObjectRef, VirtualService> e : servicesIn.entrySet()) {
      CheckedService kept = services.get(e.getKey());
      if (kept != null && kept.source() != e.getValue() && !byIdentity
          && StatusOnly.replaces(kept.source(), e.getValue())) {
        services.put(e.getKey(), rebind(kept, e.getValue()));
      } else if (kept == null || kept.source() != e.getValue()) {
        Checks c = new Checks(e.getKey());
        PlanBuilder.Draft d = PlanBuilder.VirtualServiceChecks.check(e.getValue(), e.getKey(), c);
        services.put(e.getKey(), new CheckedService(e.getValue(), List.copyOf(c.findings()), c.ok() ? d : null));
        lastChecked++;
      }
    }
    if (services.size() > servicesIn.size()) {
      services.keySet().retainAll(servicesIn.keySet());
    }
    if (resolved.size() > services.size()) {
      resolved.keySet().retainAll(services.keySet());
    }
    forgetResolvedSelecting(touched, changes);

    List<Finding> findings = new ArrayList<>();
    PlanBuilder.Pairs checkedPairs = PlanBuilder.pairs(input.directorPairs(), findings);
    realServerFindings.values().forEach(findings::addAll);
    Map<String, List<PlanBuilder.Draft>> draftsByPair = new TreeMap<>();
    for (CheckedService s : services.values()) {
      findings.addAll(s.findings());
      if (s.draft() != null) {
        Checks c = new Checks(s.draft().ref());
        PlanBuilder.checkPair(s.draft(), checkedPairs, c);
        findings.addAll(c.findings());
        if (c.ok()) {
          draftsByPair.computeIfAbsent(s.draft().pair(), p -> new ArrayList<>()).add(s.draft());
        }
      }
    }

    SortedMap<String, DirectorPlan> plans = PlanBuilder.plans(checkedPairs, draftsByPair, new PlanBuilder.Resolver() {
      @Override
      public List<Destination> resolve(PlanBuilder.Draft d, List<String> nodes, List<Finding> f) {
        Resolved r = resolved.get(d.ref());
        if (r == null || r.draft() != d) {
          List<Finding> own = new ArrayList<>();
          Index index = backends.get(d.ref().namespace());
          List<Destination> destinations = List.copyOf(PlanBuilder.resolve(d,
              index == null ? List.of() : index.candidates(d.selector()), nodes, own));
          // immutable: services take it as is
          r = new Resolved(d, destinations, List.copyOf(own), PlanBuilder.methodsOf(destinations));
          resolved.put(d.ref(), r);
          lastResolved++;
        }
        f.addAll(r.findings());
        return r.destinations();
      }

      @Override
      public Set<ForwardingMethod> methods(PlanBuilder.Draft d, List<Destination> destinations) {
        return methodsKept(d.ref(), destinations);
      }
    }, findings);
    SortedMap<String, RealServerNodePlan> realServerNodes = RealServerNodes.build(plans, ref -> {
      CheckedRealServer r = realServers.get(ref);
      return r == null ? null : r.source;
    }, s -> methodsKept(s.owner(), s.destinations()));
    Collections.sort(findings);
    return new PlanResult(plans, findings, realServerNodes);
  }

  /** The methods kept with these destinations when they are the ones resolved for owner, else looked at. */
  private Set<ForwardingMethod> methodsKept(ObjectRef owner, List<Destination> destinations) {
    Resolved r = resolved.get(owner);
    return r != null && r.destinations() == destinations ? r.methods() : PlanBuilder.methodsOf(destinations);
  }

  /**
   * One logged change of a RealServer ({@code now} null: gone), as the pass over every RealServer treats it;
   * returns the changes counted for the invalidation (0 or 1).
   */
  private int apply(ObjectRef logged, RealServer now, Map<String, List<Map<String, String>>> touched) {
    ObjectRef ref = now == null ? logged : PlanBuilder.ref(now, "RealServer");
    CheckedRealServer old = realServers.get(ref);
    if (now == null) {
      if (old == null) {
        return 0; // added and deleted between two builds
      }
      drop(old);
      touch(touched, ref.namespace(), labels(old.source));
      return 1;
    }
    if (old != null && old.source == now) {
      return 0;
    }
    return put(ref, old, now, touched) != old ? 1 : 0;
  }

  /**
   * Keeps rs in place of old (null: none of its name): old bound to it when only its status was written, else rs
   * checked and indexed, the labels it had and has noted. Returns what is kept: old, or rs's new entry.
   */
  private CheckedRealServer put(ObjectRef ref, CheckedRealServer old, RealServer rs,
      Map<String, List<Map<String, String>>> touched) {
    if (old != null && !byIdentity && StatusOnly.replaces(old.source, rs)) {
      rebind(old, rs);
      return old;
    }
    CheckedRealServer checked = check(ref, rs);
    if (old != null) {
      drop(old);
      touch(touched, ref.namespace(), labels(old.source));
    }
    keep(checked);
    touch(touched, ref.namespace(), labels(rs));
    return checked;
  }

  /**
   * Drops the destinations of every service whose selector matches a changed RealServer's labels, before or after
   * the change (within the service's namespace): those are resolved again.
   */
  private void forgetResolvedSelecting(Map<String, List<Map<String, String>>> touched, int changes) {
    if (touched == null || touched.isEmpty()) {
      return;
    }
    if ((long) changes * resolved.size() > MAX_INVALIDATION_MATCHES) {
      resolved.clear(); // resolving all is then about as cheap as finding which
      return;
    }
    resolved.values().removeIf(r -> {
      List<Map<String, String>> labels = touched.get(r.draft().ref().namespace());
      if (labels != null) {
        for (Map<String, String> l : labels) {
          if (LabelSelectors.matches(r.draft().selector(), l)) {
            return true;
          }
        }
      }
      return false;
    });
  }

  private CheckedRealServer check(ObjectRef ref, RealServer rs) {
    lastChecked++;
    Checks c = new Checks(ref);
    IpAddress address = PlanBuilder.RealServerChecks.check(rs, c);
    return new CheckedRealServer(rs, ref, List.copyOf(c.findings()),
        c.ok() ? new PlanBuilder.Backend(rs, ref, address) : null);
  }

  /** The same checks, index entries and destinations, bound to the object that replaced the checked one. */
  private void rebind(CheckedRealServer kept, RealServer now) {
    byObject.remove(kept.source);
    kept.source = now;
    byObject.put(now, kept);
    if (kept.backend != null) {
      kept.backend = new PlanBuilder.Backend(now, kept.ref, kept.backend.address());
      backends.get(kept.ref.namespace()).replace(kept.backend);
    }
    lastRebound++;
  }

  /** The same checks and destinations, bound to the object that replaced the checked one. */
  private CheckedService rebind(CheckedService kept, VirtualService now) {
    lastRebound++;
    if (kept.draft() == null) {
      return new CheckedService(now, kept.findings(), null);
    }
    PlanBuilder.Draft draft = kept.draft().withSource(now);
    Resolved r = resolved.get(draft.ref());
    if (r != null && r.draft() == kept.draft()) {
      resolved.put(draft.ref(), new Resolved(draft, r.destinations(), r.findings(), r.methods()));
    }
    return new CheckedService(now, kept.findings(), draft);
  }

  private void keep(CheckedRealServer r) {
    realServers.put(r.ref, r);
    byObject.put(r.source, r);
    if (!r.findings.isEmpty()) {
      realServerFindings.put(r.ref, r.findings);
    }
    if (r.backend != null) {
      backends.computeIfAbsent(r.ref.namespace(), n -> new Index()).add(r.backend);
    }
  }

  private void drop(CheckedRealServer r) {
    realServers.remove(r.ref);
    byObject.remove(r.source);
    realServerFindings.remove(r.ref);
    if (r.backend != null) {
      Index index = backends.get(r.ref.namespace());
      if (index != null && index.remove(r.backend)) {
        backends.remove(r.ref.namespace());
      }
    }
  }

  private void forget() {
    pairs = null;
    realServers.clear();
    byObject.clear();
    realServerFindings.clear();
    backends.clear();
    services.clear();
    resolved.clear();
  }

  private static void touch(Map<String, List<Map<String, String>>> touched, String namespace,
      Map<String, String> labels) {
    if (touched != null) {
      touched.computeIfAbsent(namespace, n -> new ArrayList<>()).add(labels);
    }
  }

  private static Map<String, String> labels(RealServer rs) {
    return rs.getMetadata() == null ? null : rs.getMetadata().getLabels();
  }

  /**
   * Whether the pairs are the kept ones as a build reads them: the same objects, or new ones (a status written, a
   * resourceVersion) equal in what a build reads of a pair: its metadata but the resourceVersion and managed
   * fields, its spec, and whether its status names a plan (the older pair keeps a contested node). The operator
   * writes a pair's status after most edits; each one used to make the next build start from nothing.
   */
  private boolean samePairs(List<DirectorPair> kept, List<DirectorPair> now) {
    if (kept.size() != now.size()) {
      return false;
    }
    Set<Object> same = Collections.newSetFromMap(new IdentityHashMap<>());
    same.addAll(kept);
    if (byIdentity) {
      return same.containsAll(now);
    }
    Map<String, String> keptKeys = null;
    boolean replaced = false;
    for (DirectorPair dp : now) {
      if (same.contains(dp)) {
        continue;
      }
      if (keptKeys == null) {
        keptKeys = new HashMap<>();
        for (DirectorPair k : kept) {
          String name = k.getMetadata() == null ? null : k.getMetadata().getName();
          if (name == null || keptKeys.put(name, pairKey(k)) != null) {
            return false;
          }
        }
      }
      String name = dp.getMetadata() == null ? null : dp.getMetadata().getName();
      String key = name == null ? null : keptKeys.remove(name); // each kept pair matches one pair at most
      if (key == null || !key.equals(pairKey(dp))) {
        return false;
      }
      replaced = true;
    }
    if (replaced) {
      pairs = now;
    }
    return true;
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind
      .ObjectMapper();

  /** What a build reads of a pair, as text. */
  static String pairKey(DirectorPair dp) {
    io.fabric8.kubernetes.api.model.ObjectMeta m = dp.getMetadata();
    io.fabric8.kubernetes.api.model.ObjectMeta read = m == null ? null : new io.fabric8.kubernetes.api.model
        .ObjectMetaBuilder(m).withResourceVersion(null).withManagedFields((List<io.fabric8.kubernetes.api.model
            .ManagedFieldsEntry>) null).build();
    boolean named = dp.getStatus() != null && dp.getStatus().getPlanHash() != null;
    try {
      return JSON.writeValueAsString(java.util.Arrays.asList(read, dp.getSpec(), named));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return "unreadable " + System.identityHashCode(dp); // never equal to another object's
    }
  }

  private static int capacity(int size) {
    return size + size / 3 + 1;
  }

  /**
   * The RealServers of one namespace that passed their checks, also by each label key=value, like PlanBuilder's:
   * each group sorted by name when a selector asks for it, so candidates come in the order a full build's do.
   */
  private static final class Index {
    final Group all = new Group();
    final Map<String, Group> byLabel = new HashMap<>();

    void add(PlanBuilder.Backend b) {
      all.add(b);
      Map<String, String> labels = labels(b.source());
      if (labels != null) {
        labels.forEach((k, v) -> byLabel.computeIfAbsent(k + "=" + v, x -> new Group()).add(b));
      }
    }

    /** Whether the namespace is now empty. */
    boolean remove(PlanBuilder.Backend b) {
      all.remove(b);
      Map<String, String> labels = labels(b.source());
      if (labels != null) {
        labels.forEach((k, v) -> {
          String key = k + "=" + v;
          Group g = byLabel.get(key);
          if (g != null && g.remove(b)) {
            byLabel.remove(key);
          }
        });
      }
      return all.members.isEmpty();
    }

    /** Puts b where the backend of its name was: its labels are that one's. */
    void replace(PlanBuilder.Backend b) {
      all.replace(b);
      Map<String, String> labels = labels(b.source());
      if (labels != null) {
        labels.forEach((k, v) -> byLabel.get(k + "=" + v).replace(b));
      }
    }

    Collection<PlanBuilder.Backend> candidates(LabelSelector selector) {
      Group best = all;
      if (selector.getMatchLabels() != null) {
        for (Map.Entry<String, String> e : selector.getMatchLabels().entrySet()) {
          Group g = byLabel.get(e.getKey() + "=" + e.getValue());
          if (g == null) {
            return List.of();
          }
          if (g.members.size() < best.members.size()) {
            best = g;
          }
        }
      }
      return best.sorted();
    }
  }

  private static final class Group {
    private static final Comparator<PlanBuilder.Backend> BY_REF = Comparator.comparing(PlanBuilder.Backend::ref);
    final Map<ObjectRef, PlanBuilder.Backend> members = new CompactHashMap<>();
    /** members sorted by name; null after a change until asked for. */
    List<PlanBuilder.Backend> sorted;

    void add(PlanBuilder.Backend b) {
      members.put(b.ref(), b);
      sorted = null;
    }

    /** Whether the group is now empty. */
    boolean remove(PlanBuilder.Backend b) {
      members.remove(b.ref());
      sorted = null;
      return members.isEmpty();
    }

    /** b in place of the member of its name: the sorted order stands. */
    void replace(PlanBuilder.Backend b) {
      members.put(b.ref(), b);
      if (sorted != null) {
        int i = Collections.binarySearch(sorted, b, BY_REF);
        if (i >= 0) {
          sorted.set(i, b);
        } else {
          sorted = null;
        }
      }
    }

    List<PlanBuilder.Backend> sorted() {
      if (sorted == null) {
        List<PlanBuilder.Backend> s = new ArrayList<>(members.values());
        s.sort(BY_REF);
        sorted = s;
      }
      return sorted;
    }
  }
}
