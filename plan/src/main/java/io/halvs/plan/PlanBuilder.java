package io.halvs.plan;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.halvs.api.v1alpha1.AgentSettings;
import io.halvs.api.v1alpha1.Defaults;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.DirectorPairSpec;
import io.halvs.api.v1alpha1.ForwardingMethod;
import io.halvs.api.v1alpha1.IpFamily;
import io.halvs.api.v1alpha1.Protocol;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.RealServerSpec;
import io.halvs.api.v1alpha1.Scheduler;
import io.halvs.api.v1alpha1.Sysctls;
import io.halvs.api.v1alpha1.TunnelChecksum;
import io.halvs.api.v1alpha1.TunnelType;
import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.api.v1alpha1.VirtualServiceSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Turns all DirectorPairs, VirtualServices and RealServers into one {@link DirectorPlan} per DirectorPair.
 * Pure and deterministic: no I/O, sorted output, input order does not matter, and bad input becomes
 * {@link Finding}s on the object at fault — never an exception. Objects in error are left out; the rest plans.
 */
public final class PlanBuilder {

  private PlanBuilder() {}

  /** The reason of the finding on a VirtualService whose selector matches no RealServer. */
  public static final String NO_REAL_SERVERS = "NoRealServers";
  /**
   * Annotation value "true" on a VirtualService: selecting no RealServer is on purpose (a service staged before its
   * real servers, or one kept on its sorry server), so neither render nor the Degraded condition flags it.
   */
  public static final String ALLOW_EMPTY_ANNOTATION = "halvs.io/allow-empty";

  /** A checked VirtualService on its way into a plan. */
  record Draft(VirtualService source, ObjectRef ref, String pair, IpvsService service,
      ForwardingMethod method, TunnelType tunnelType, int tunnelPort, TunnelChecksum tunnelChecksum,
      LabelSelector selector, String created, String vipInterface, int vipPrefixLength, List<MarkRule> marks) {
    /** The same draft of an object that replaced its source with only its status changed. */
    Draft withSource(VirtualService now) {
      return new Draft(now, ref, pair, service, method, tunnelType, tunnelPort, tunnelChecksum, selector, created,
          vipInterface, vipPrefixLength, marks);
    }
  }

  /** A checked RealServer. */
  record Backend(RealServer source, ObjectRef ref, IpAddress address) {}

  /**
   * The RealServers of one namespace, also indexed by each label key=value, so a selector with matchLabels
   * only scans the servers that carry its rarest label instead of the whole namespace.
   */
  private static final class Namespace {
    final List<Backend> all = new ArrayList<>();
    final Map<String, List<Backend>> byLabel = new HashMap<>();

    void add(Backend b) {
      all.add(b);
      Map<String, String> labels = b.source().getMetadata().getLabels();
      if (labels != null) {
        labels.forEach((k, v) -> byLabel.computeIfAbsent(k + "=" + v, x -> new ArrayList<>()).add(b));
      }
    }

    List<Backend> candidates(LabelSelector selector) {
      List<Backend> best = all;
      if (selector.getMatchLabels() != null) {
        for (Map.Entry<String, String> e : selector.getMatchLabels().entrySet()) {
          List<Backend> c = byLabel.getOrDefault(e.getKey() + "=" + e.getValue(), List.of());
          if (c.size() < best.size()) {
            best = c;
          }
        }
      }
      return best;
    }
  }

  public static PlanResult build(PlanInput input) {
    List<Finding> findings = new ArrayList<>();
    Pairs pairs = pairs(input.directorPairs(), findings);

    // RealServers, indexed by namespace so each selector scans only its own namespace.
    Map<String, Namespace> backendsByNamespace = new HashMap<>();
    SortedMap<ObjectRef, RealServer> realServers = new TreeMap<>();
    for (RealServer rs : input.realServers()) {
      ObjectRef ref = ref(rs, "RealServer");
      if (realServers.putIfAbsent(ref, rs) != null) {
        findings.add(Finding.error(ref, null, "Duplicate", ref + " is defined twice"));
      }
    }
    for (Map.Entry<ObjectRef, RealServer> entry : realServers.entrySet()) {
      RealServer rs = entry.getValue();
      ObjectRef ref = entry.getKey();
      Checks c = new Checks(ref);
      IpAddress address = RealServerChecks.check(rs, c);
      findings.addAll(c.findings());
      if (c.ok() && ref.name() != null) {
        backendsByNamespace.computeIfAbsent(ref.namespace(), n -> new Namespace())
            .add(new Backend(rs, ref, address));
      }
    }

    // VirtualServices: checked, then grouped by pair.
    List<VirtualService> virtualServices = new ArrayList<>(input.virtualServices());
    virtualServices.sort(Comparator.comparing(vs -> ref(vs, "VirtualService")));
    Map<String, List<Draft>> draftsByPair = new TreeMap<>();
    for (VirtualService vs : virtualServices) {
      ObjectRef ref = ref(vs, "VirtualService");
      Checks c = new Checks(ref);
      Draft d = VirtualServiceChecks.check(vs, ref, c);
      if (d != null && c.ok()) {
        checkPair(d, pairs, c);
      }
      findings.addAll(c.findings());
      if (d != null && c.ok()) {
        draftsByPair.computeIfAbsent(d.pair(), p -> new ArrayList<>()).add(d);
      }
    }

    SortedMap<String, DirectorPlan> plans = plans(pairs, draftsByPair, (d, nodes, f) -> {
      Namespace ns = backendsByNamespace.get(d.ref().namespace());
      return resolve(d, ns == null ? List.of() : ns.candidates(d.selector()), nodes, f);
    }, findings);
    SortedMap<String, RealServerNodePlan> realServerNodes = RealServerNodes.build(plans, realServers::get);
    Collections.sort(findings);
    return new PlanResult(plans, findings, realServerNodes);
  }

  /** The DirectorPairs by name, and those that get no plan (in error, or named twice, or with a taken node). */
  record Pairs(SortedMap<String, DirectorPair> byName, Set<String> invalid) {}

  /** Checks the DirectorPairs one by one, sorted by name, and which pair each node serves. */
  static Pairs pairs(List<DirectorPair> directorPairs, List<Finding> findings) {
    SortedMap<String, DirectorPair> pairs = new TreeMap<>();
    Set<String> invalidPairs = new TreeSet<>();
    for (DirectorPair dp : directorPairs) {
      ObjectRef ref = ref(dp, "DirectorPair");
      Checks c = new Checks(ref);
      PairChecks.check(dp, c);
      findings.addAll(c.findings());
      if (ref.name() == null) {
        continue;
      }
      if (pairs.containsKey(ref.name())) {
        findings.add(Finding.error(ref, null, "Duplicate", "DirectorPair " + ref.name() + " is defined twice"));
        invalidPairs.add(ref.name());
        continue;
      }
      pairs.put(ref.name(), dp);
      if (!c.ok()) {
        invalidPairs.add(ref.name());
      }
    }

    // One node serves one pair: its heartbeat port and the kernel's single pair of IPVS sync daemons would
    // clash. The pair already published (its status has a plan) keeps the node, then the older one
    // (creationTimestamp, which has one-second steps, then name), valid or not: a pair that serves never loses
    // its node to a newer one. The other is rejected and gets nothing deployed or published.
    List<DirectorPair> bySeniority = new ArrayList<>(pairs.values());
    bySeniority.sort(Comparator.comparing((DirectorPair dp) -> dp.getStatus() == null
            || dp.getStatus().getPlanHash() == null)
        .thenComparing(dp -> dp.getMetadata().getCreationTimestamp() == null ? "\uffff"
            : dp.getMetadata().getCreationTimestamp())
        .thenComparing(dp -> dp.getMetadata().getName()));
    Map<String, String> nodeOwner = new HashMap<>();
    for (DirectorPair dp : bySeniority) {
      String name = dp.getMetadata().getName();
      List<String> nodes = dp.getSpec() == null || dp.getSpec().getNodes() == null ? List.of() : dp.getSpec().getNodes();
      List<String> taken = new ArrayList<>();
      for (String node : new TreeSet<>(nodes.stream().filter(java.util.Objects::nonNull).toList())) {
        String owner = nodeOwner.putIfAbsent(node, name);
        if (owner != null && !owner.equals(name)) {
          taken.add(node);
          findings.add(Finding.error(new ObjectRef("DirectorPair", null, name), "spec.nodes", "NodeInOtherPair",
              "node " + node + " is already a director of DirectorPair " + owner + " (the older pair keeps it): "
                  + "one node serves one pair, since the heartbeat port and the kernel's IPVS sync daemons are "
                  + "per node; this pair is not deployed"));
        }
      }
      if (!taken.isEmpty()) {
        invalidPairs.add(name);
      }
    }
    return new Pairs(pairs, invalidPairs);
  }

  /** The checks of a well-formed VirtualService against the pair it names. */
  static void checkPair(Draft d, Pairs pairs, Checks c) {
    DirectorPair dp = pairs.byName().get(d.pair());
    if (dp == null) {
      c.error("spec.directorPair", "DirectorPairNotFound", "DirectorPair " + d.pair() + " does not exist");
    } else if (pairs.invalid().contains(d.pair())) {
      c.error("spec.directorPair", "DirectorPairInvalid",
          "DirectorPair " + d.pair() + " is invalid (see its conditions); this service is not programmed");
    } else if (!namespaceAllowed(dp, d.ref().namespace())) {
      c.error("spec.directorPair", "NamespaceNotAllowed",
          "DirectorPair " + d.pair() + " does not allow VirtualServices from namespace " + d.ref().namespace());
    }
  }

  /** Resolves a service's destinations on a pair with these director nodes, adding its findings. */
  interface Resolver {
    List<Destination> resolve(Draft d, List<String> directorNodes, List<Finding> findings);

    /**
     * The forwarding methods among {@code destinations}, which {@link #resolve} returned for d: looked at one by
     * one unless the resolver kept them (the incremental build: 100,000 destinations a build otherwise).
     */
    default Set<ForwardingMethod> methods(Draft d, List<Destination> destinations) {
      return methodsOf(destinations);
    }
  }

  static Set<ForwardingMethod> methodsOf(List<Destination> destinations) {
    java.util.EnumSet<ForwardingMethod> methods = java.util.EnumSet.noneOf(ForwardingMethod.class);
    for (Destination dest : destinations) {
      methods.add(dest.method());
    }
    return methods;
  }

  /** One plan per valid pair from the checked services; the cross-service checks see every service. */
  static SortedMap<String, DirectorPlan> plans(Pairs pairs, Map<String, List<Draft>> draftsByPair,
      Resolver resolver, List<Finding> findings) {
    // One VIP belongs to one pair: two pairs holding it would fight over ARP.
    Map<IpAddress, String> vipOwnerPair = new HashMap<>();
    Map<IpAddress, ObjectRef> vipFirstService = new HashMap<>();
    List<Draft> allDrafts = new ArrayList<>();
    draftsByPair.values().forEach(allDrafts::addAll);
    allDrafts.sort(PlanBuilder::seniority);
    Set<ObjectRef> rejected = new java.util.HashSet<>();
    for (Draft d : allDrafts) {
      for (IpAddress vip : d.service().addresses()) {
        String owner = vipOwnerPair.putIfAbsent(vip, d.pair());
        if (owner == null) {
          vipFirstService.put(vip, d.ref());
        } else if (!owner.equals(d.pair()) && rejected.add(d.ref())) {
          findings.add(Finding.error(d.ref(), "spec.vip", "VipConflict", "vip " + vip + " is already used on "
              + "DirectorPair " + owner + " by " + vipFirstService.get(vip) + "; one VIP can live on one pair only"));
        }
      }
    }

    SortedMap<String, DirectorPlan> plans = new TreeMap<>();
    for (Map.Entry<String, DirectorPair> e : pairs.byName().entrySet()) {
      if (pairs.invalid().contains(e.getKey())) {
        continue;
      }
      List<Draft> drafts = new ArrayList<>(draftsByPair.getOrDefault(e.getKey(), List.of()));
      drafts.removeIf(d -> rejected.contains(d.ref()));
      plans.put(e.getKey(), assemble(e.getValue(), drafts, resolver, findings));
    }
    return plans;
  }

  /** Older objects keep what they have: creationTimestamp, then namespace/name. */
  static int seniority(Draft a, Draft b) {
    String ca = a.created() == null ? "\uffff" : a.created();
    String cb = b.created() == null ? "\uffff" : b.created();
    int c = ca.compareTo(cb);
    return c != 0 ? c : a.ref().compareTo(b.ref());
  }

  private static boolean namespaceAllowed(DirectorPair dp, String namespace) {
    List<String> allowed = dp.getSpec().getAllowedNamespaces();
    return allowed == null || allowed.isEmpty() || allowed.contains(namespace);
  }

  static ObjectRef ref(HasMetadata o, String kind) {
    String ns = null;
    String name = null;
    if (o.getMetadata() != null) {
      ns = o.getMetadata().getNamespace();
      name = o.getMetadata().getName();
    }
    if (!"DirectorPair".equals(kind) && (ns == null || ns.isEmpty())) {
      ns = "default";
    }
    return new ObjectRef(kind, "DirectorPair".equals(kind) ? null : ns, name == null ? "<unnamed>" : name);
  }

  private static DirectorPlan assemble(DirectorPair dp, List<Draft> drafts, Resolver resolver,
      List<Finding> findings) {
    DirectorPairSpec spec = dp.getSpec();
    String pair = dp.getMetadata().getName();

    // Duplicate service keys on one pair: the senior VirtualService keeps the key. One VIP is added one way: the
    // senior service's interface and prefix; a service that says otherwise is left out.
    drafts.sort(PlanBuilder::seniority);
    Map<ServiceKey, Draft> byKey = new LinkedHashMap<>();
    Map<IpAddress, DirectorPlan.VipPlan> vipSettings = new java.util.TreeMap<>();
    Map<IpAddress, ObjectRef> vipSetBy = new HashMap<>();
    drafts:
    for (Draft d : drafts) {
      for (IpAddress vip : d.service().addresses()) {
        DirectorPlan.VipPlan want = new DirectorPlan.VipPlan(vip, d.vipPrefixLength(),
            d.vipInterface() != null ? d.vipInterface() : spec.getVipInterface());
        DirectorPlan.VipPlan held = vipSettings.get(vip);
        if (held != null && !held.equals(want)) {
          findings.add(Finding.error(d.ref(), "spec.vipInterface", "VipSettingsConflict", "vip " + vip + " is held "
              + "as " + vip + "/" + held.prefixLength() + " on " + held.interfaceName() + " by " + vipSetBy.get(vip)
              + "; this service says " + vip + "/" + want.prefixLength() + " on " + want.interfaceName()
              + ": one VIP is added one way"));
          continue drafts;
        }
      }
      for (IpAddress vip : d.service().addresses()) {
        vipSettings.putIfAbsent(vip, new DirectorPlan.VipPlan(vip, d.vipPrefixLength(),
            d.vipInterface() != null ? d.vipInterface() : spec.getVipInterface()));
        vipSetBy.putIfAbsent(vip, d.ref());
      }
      Draft holder = byKey.putIfAbsent(d.service().key(), d);
      if (holder != null) {
        findings.add(Finding.error(d.ref(), null, "DuplicateService", d.service().key() + " on DirectorPair " + pair
            + " is already taken by " + holder.ref()));
      }
    }

    List<MarkRule> markRules = markRules(byKey, pair, PairChecks.syncDaemon(spec), PairChecks.ha(spec), findings);

    List<IpvsService> services = new ArrayList<>();
    java.util.EnumSet<ForwardingMethod> methods = java.util.EnumSet.noneOf(ForwardingMethod.class);
    for (Draft d : byKey.values()) {
      List<Destination> destinations = resolver.resolve(d, spec.getNodes(), findings);
      methods.addAll(resolver.methods(d, destinations));
      IpvsService s = d.service();
      services.add(s.withDestinations(destinations));
    }
    // A real-server address reached with two forwarding methods on this pair: possible only when the pair uses
    // more than one, so the common pair (one method) spends no map on it; sets only for the addresses in conflict.
    Set<IpAddress> conflicting = new java.util.HashSet<>();
    if (methods.size() > 1) {
      Map<IpAddress, ForwardingMethod> methodByAddress = new HashMap<>();
      for (IpvsService s : services) {
        for (Destination dest : s.destinations()) {
          ForwardingMethod first = methodByAddress.putIfAbsent(dest.address(), dest.method());
          if (first != null && first != dest.method()) {
            conflicting.add(dest.address());
          }
        }
      }
    }
    if (!conflicting.isEmpty()) {
      Map<IpAddress, Set<ForwardingMethod>> methodsByAddress = new HashMap<>();
      Map<IpAddress, Set<ObjectRef>> refsByAddress = new HashMap<>();
      for (IpvsService s : services) {
        for (Destination dest : s.destinations()) {
          if (conflicting.contains(dest.address())) {
            methodsByAddress.computeIfAbsent(dest.address(), a -> new TreeSet<>()).add(dest.method());
            refsByAddress.computeIfAbsent(dest.address(), a -> new TreeSet<>()).add(dest.realServer());
          }
        }
      }
      methodsByAddress.forEach((address, used) -> {
        String names = used.stream().map(ForwardingMethod::wireName).sorted().toList().toString();
        for (ObjectRef rs : refsByAddress.get(address)) {
          findings.add(Finding.warning(rs, "spec.forwardingMethod", "ConflictingMethods", "real server " + address
              + " is reached with different forwarding methods " + names + " on DirectorPair " + pair
              + ": a DR/TUN real server answers clients directly, a NAT one through the director's gateway"));
        }
      });
    }
    services.sort(Comparator.comparing(IpvsService::key));

    Set<IpAddress> vips = new TreeSet<>();
    boolean ipv6 = false;
    for (IpvsService s : services) {
      vips.addAll(s.addresses());
      ipv6 |= s.key().family() == IpAddress.AF_INET6;
    }

    DirectorPlan.GatewayPlan gateway = null;
    if (spec.getGateway() != null) {
      gateway = gatewayPlan(spec.getGateway());
    }
    List<DirectorPlan.GatewayPlan> moreGateways = new ArrayList<>();
    if (spec.getMoreGateways() != null) {
      spec.getMoreGateways().forEach(g -> moreGateways.add(gatewayPlan(g)));
    }
    // Only the VIPs a service holds, and only where they differ from the default: plans without stay unchanged.
    List<DirectorPlan.VipPlan> settings = new ArrayList<>();
    for (DirectorPlan.VipPlan v : vipSettings.values()) {
      if (vips.contains(v.address()) && (v.prefixLength() != v.address().maxPrefixLength()
          || !v.interfaceName().equals(spec.getVipInterface()))) {
        settings.add(v);
      }
    }
    DirectorPlan.SyncDaemonPlan sync = PairChecks.syncDaemon(spec);
    DirectorPlan.HaPlan ha = PairChecks.ha(spec);
    return new DirectorPlan(pair, List.copyOf(spec.getNodes()), spec.getVipInterface(), List.copyOf(vips), gateway,
        sysctls(spec.getSysctls(), ipv6, sync, ha), sync, ha, services, PairChecks.timeouts(spec), settings,
        moreGateways, markRules);
  }

  /**
   * The pair's marking rules. A packet carries one mark, the last matching rule's, so two services whose rules
   * overlap with different marks would take each other's packets: the senior service keeps its rules, the other
   * is left out (byKey is in seniority order). A rule that covers a port service's VIP:port shadows it, since
   * IPVS looks a packet's mark up before its address and port: a warning, as that may be meant.
   */
  private static List<MarkRule> markRules(Map<ServiceKey, Draft> byKey, String pair,
      DirectorPlan.SyncDaemonPlan sync, DirectorPlan.HaPlan ha, List<Finding> findings) {
    List<MarkRule> kept = new ArrayList<>();
    Map<MarkRule, ObjectRef> keptBy = new HashMap<>();
    Set<IpAddress> pairVips = new java.util.HashSet<>();
    byKey.values().forEach(d -> pairVips.addAll(d.service().addresses()));
    for (java.util.Iterator<Draft> it = byKey.values().iterator(); it.hasNext(); ) {
      Draft d = it.next();
      String conflict = null;
      String reason = "MarkingOverlap";
      for (MarkRule r : d.marks()) {
        // The sync daemons' datagrams are delivered locally: marked, IPVS would schedule them to the real servers
        // and the backup would never learn the active's connections.
        if (sync != null && r.contains(sync.multicastGroup()) && r.matches("UDP", sync.port())) {
          conflict = "its marking rule " + r.describe() + " matches the pair's sync daemon traffic (UDP "
              + sync.multicastGroup().withPort(sync.port()) + "): IPVS would schedule it to the real servers and "
              + "the standby would lose the active's connections; leave that group and port out";
          reason = "MarkingCatchesSync";
          break;
        }
        for (MarkRule o : kept) {
          if (o.mark() != r.mark() && o.overlaps(r)) {
            conflict = "its marking rule " + r.describe() + " (mark " + r.mark() + ") overlaps " + keptBy.get(o)
                + "'s " + o.describe() + " (mark " + o.mark() + ") on DirectorPair " + pair + ": a packet carries "
                + "one mark, so one service would take the other's packets; make the rules disjoint (this service "
                + "is left out, the older one keeps its rules)";
            break;
          }
        }
        if (conflict != null) {
          break;
        }
      }
      if (conflict != null) {
        findings.add(Finding.error(d.ref(), "spec.marking", reason, conflict));
        it.remove();
        continue;
      }
      for (MarkRule r : d.marks()) {
        keptBy.putIfAbsent(r, d.ref());
        kept.add(r);
      }
    }
    for (Draft d : byKey.values()) {
      if (d.marks().isEmpty()) {
        continue;
      }
      // Heartbeats go to the peer's node address, which the plan does not know: a rule wider than the pair's
      // VIPs that matches their port may catch them, and each director would take the other for dead.
      int hb = ha.heartbeatPort();
      d.marks().stream().filter(r -> r.matches("UDP", hb)
              && !(r.prefixLength() == r.address().maxPrefixLength() && pairVips.contains(r.address())))
          .findFirst().ifPresent(r -> findings.add(Finding.warning(d.ref(), "spec.marking", "MarkingMayCatchHeartbeats",
              "marking rule " + r.describe() + " matches UDP port " + hb + ", the pair's heartbeats, on addresses "
              + "that are not its VIPs: if a director's own address is among them, IPVS schedules the heartbeats to "
              + "the real servers and each director takes the other for dead; leave that port out")));
      for (Draft port : byKey.values()) {
        ServiceKey k = port.service().key();
        if (k.isFirewallMark()) {
          continue;
        }
        d.marks().stream().filter(r -> r.contains(k.address()) && r.matches(k.protocol().name(), k.port()))
            .findFirst().ifPresent(r -> findings.add(Finding.warning(d.ref(), "spec.marking", "MarkingShadowsService",
                "marking rule " + r.describe() + " covers " + k + " of " + port.ref() + ": IPVS looks a packet's "
                + "mark up first, so firewall mark " + r.mark() + " takes those packets and " + port.ref()
                + " gets none of them")));
      }
    }
    return List.copyOf(new TreeSet<>(kept));
  }

  private static DirectorPlan.GatewayPlan gatewayPlan(io.halvs.api.v1alpha1.Gateway g) {
    return new DirectorPlan.GatewayPlan(IpAddress.parse(g.getAddress()), g.getPrefixLength(), g.getInterfaceName());
  }

  private static SortedMap<String, String> sysctls(Sysctls sysctls, boolean ipv6, DirectorPlan.SyncDaemonPlan sync,
      DirectorPlan.HaPlan ha) {
    SortedMap<String, String> out = new TreeMap<>();
    Sysctls.Profile profile = sysctls == null || sysctls.getProfile() == null ? Sysctls.Profile.STANDARD
        : sysctls.getProfile();
    if (profile == Sysctls.Profile.STANDARD) {
      // The seed's settings: forward for NAT, drop connections to removed or quiescent real servers at once.
      out.put("net.ipv4.ip_forward", "1");
      out.put("net.ipv4.vs.expire_nodest_conn", "1");
      out.put("net.ipv4.vs.expire_quiescent_template", "1");
      if (ipv6) {
        out.put("net.ipv6.conf.all.forwarding", "1");
      }
      if (sync != null && ha != null && ha.preempt()) {
        // A returning director takes over only once its sync backup holds the active's connections. The kernel's
        // default ("3 50") sends a connection again only every 50th packet, so a rebooted director never learns
        // quiet connections and failback would wait forever: sync on state changes, and refresh every connection
        // that still carries traffic well within the preempt delay.
        out.put("net.ipv4.vs.sync_threshold", "3 0");
        out.put("net.ipv4.vs.sync_refresh_period", Integer.toString(Math.max(1, Math.min(10,
            ha.preemptDelaySeconds() / 2))));
      }
    }
    if (sysctls != null && sysctls.getOverrides() != null) {
      sysctls.getOverrides().forEach(o -> out.put(o.getName(), o.getValue()));
    }
    return out;
  }

  /** The real servers a virtual service selects, resolved into destinations. */
  static List<Destination> resolve(Draft d, Iterable<Backend> candidates, List<String> directorNodes,
      List<Finding> findings) {
    IpvsService s = d.service();
    ServiceKey key = s.key();
    Map<String, Destination> byId = new TreeMap<>();
    Map<String, ObjectRef> firstById = new HashMap<>();
    int selected = 0;
    for (Backend b : candidates) {
      if (!LabelSelectors.matches(d.selector(), b.source().getMetadata().getLabels())) {
        continue;
      }
      selected++;
      RealServerSpec rs = b.source().getSpec();
      ForwardingMethod method = rs.getForwardingMethod() != null ? rs.getForwardingMethod() : d.method();
      int port = rs.getPort() != null ? rs.getPort() : key.port();
      if (!key.isFirewallMark() && method != ForwardingMethod.MASQ && port != key.port()) {
        findings.add(Finding.error(b.ref(), "spec.port", "PortMappingNotPossible", method.wireName()
            + " cannot map ports: port " + port + " differs from " + d.ref() + "'s port " + key.port()
            + " (only masq can); left out of that service"));
        continue;
      }
      boolean v4 = key.family() == IpAddress.AF_INET;
      if (b.address().isV4() != v4 && method != ForwardingMethod.IPIP) {
        findings.add(Finding.error(b.ref(), "spec.address", "AddressFamilyMismatch", "address " + b.address()
            + " is IPv" + b.address().version() + " but " + d.ref() + (s.vip() == null ? "" : "'s vip " + s.vip())
            + " is IPv" + (v4 ? 4 : 6)
            + " (only the ipip method can cross families); left out of that service"));
        continue;
      }
      if (rs.getNodeName() != null && method == ForwardingMethod.MASQ) {
        findings.add(Finding.warning(b.ref(), "spec.nodeName", "NodeNameWithMasq", "node " + rs.getNodeName()
            + " needs nothing as a masq real server of " + d.ref() + " (only gate and ipip real servers are "
            + "configured: VIP on loopback, ARP sysctls, tunnel); its replies must route back through the director"));
      } else if (rs.getNodeName() != null && directorNodes.contains(rs.getNodeName())) {
        findings.add(Finding.error(b.ref(), "spec.nodeName", "RealServerIsDirector", "node " + rs.getNodeName()
            + " is a director of DirectorPair " + d.pair() + " and cannot also be a " + method.wireName()
            + " real server of its vip " + s.vip() + " (" + d.ref() + "): the VIP on its loopback would answer "
            + "for the pair on both directors; left out of that service"));
        continue;
      }
      int weight = Boolean.TRUE.equals(rs.getDrain()) ? 0 : Checks.orDefault(rs.getWeight(), Defaults.WEIGHT);
      boolean tunnel = method == ForwardingMethod.IPIP;
      Destination dest = new Destination(b.address(), port, method, weight,
          rs.getUpperThreshold() == null ? 0 : rs.getUpperThreshold(),
          rs.getLowerThreshold() == null ? 0 : rs.getLowerThreshold(),
          tunnel ? d.tunnelType() : null, tunnel ? d.tunnelPort() : 0, tunnel ? d.tunnelChecksum() : null, b.ref());
      if (rs.getHealthCheck() != null) {
        // The merged check is judged per service: the same override may suit one service's check and not another's.
        Checks own = new Checks(b.ref());
        HealthCheckPlan check = HealthChecks.plan(HealthChecks.merge(d.source().getSpec().getHealthCheck(),
            rs.getHealthCheck()), own, "spec.healthCheck");
        if (!own.ok()) {
          for (Finding f : own.findings()) {
            findings.add(f.severity() == Finding.Severity.ERROR ? Finding.error(f.object(), f.field(), f.reason(),
                f.message() + " (laid over " + d.ref() + "'s check); left out of that service") : f);
          }
          continue;
        }
        findings.addAll(own.findings());
        if (!check.equals(s.healthCheck())) {
          dest = new Destination(dest.address(), dest.port(), dest.method(), dest.weight(), dest.upperThreshold(),
              dest.lowerThreshold(), dest.tunnelType(), dest.tunnelPort(), dest.tunnelChecksum(), dest.realServer(),
              check);
        }
      }
      ObjectRef first = firstById.putIfAbsent(dest.id(), b.ref());
      if (first != null) {
        findings.add(Finding.warning(b.ref(), "spec.address", "DuplicateDestination", dest.id() + " is already "
            + "selected for " + d.ref() + " through " + first + "; this one is ignored there"));
        continue;
      }
      byId.put(dest.id(), dest);
    }
    if (selected == 0 && !allowsEmpty(d.source())) {
      findings.add(Finding.warning(d.ref(), "spec.realServerSelector", NO_REAL_SERVERS,
          "the selector matches no RealServer in namespace " + d.ref().namespace() + ": the service is programmed "
              + "without destinations and " + (s.sorryServer() != null ? "only the sorry server answers"
              : "refuses every connection") + " (a label typo?); annotate the VirtualService "
              + ALLOW_EMPTY_ANNOTATION + ": \"true\" if that is on purpose"));
    }
    List<Destination> out = new ArrayList<>(byId.values());
    Collections.sort(out);
    return out;
  }

  static boolean allowsEmpty(VirtualService vs) {
    var a = vs.getMetadata() == null ? null : vs.getMetadata().getAnnotations();
    return a != null && "true".equals(a.get(ALLOW_EMPTY_ANNOTATION));
  }

  /** DirectorPair checks, and its parts of the plan. */
  static final class PairChecks {
    static final int MAX_PAIR_NAME = 40;
    private static final java.util.regex.Pattern NODE = java.util.regex.Pattern.compile("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$");
    static final java.util.regex.Pattern IFNAME = java.util.regex.Pattern.compile(DirectorPairSpec.INTERFACE_NAME);
    private static final java.util.regex.Pattern SYSCTL_KEY = java.util.regex.Pattern.compile(Sysctls.ALLOWED_KEY);
    private static final java.util.regex.Pattern INTEGER = java.util.regex.Pattern.compile("^-?[0-9]{1,10}$");
    private static final java.util.regex.Pattern OTHER_COLLECTOR =
        java.util.regex.Pattern.compile(AgentSettings.OTHER_COLLECTOR);

    static void check(DirectorPair dp, Checks c) {
      DirectorPairSpec s = dp.getSpec();
      if (dp.getMetadata() == null || dp.getMetadata().getName() == null) {
        c.error("metadata.name", "Required", "metadata.name is required");
      } else if (dp.getMetadata().getName().length() > MAX_PAIR_NAME) {
        // The name goes into label values (63 at most) and object names such as halvs-agent-<pair>.
        c.error("metadata.name", "NameTooLong", "a DirectorPair name has at most " + MAX_PAIR_NAME + " characters");
      }
      if (s == null) {
        c.error("spec", "Required", "spec is required");
        return;
      }
      List<String> nodes = s.getNodes();
      if (nodes == null || nodes.size() != 2) {
        c.error("spec.nodes", "Invalid", "spec.nodes must name exactly two director nodes");
      } else {
        if (nodes.get(0) == null || nodes.get(0).equals(nodes.get(1))) {
          c.error("spec.nodes", "Invalid", "spec.nodes must name two different nodes");
        }
        for (String n : nodes) {
          if (n == null || n.length() > 253 || !NODE.matcher(n).matches()) {
            c.error("spec.nodes", "Invalid", "spec.nodes: '" + n + "' is not a Kubernetes node name");
          }
        }
      }
      ifname(c, "spec.vipInterface", s.getVipInterface(), true);
      // Admission refuses it since the agent's image left G1; a pair stored before then would roll out agents
      // whose JVM does not start (the standby first: the pair without one until the options are fixed).
      if (s.getAgent() != null && s.getAgent().getJvmOptions() != null
          && OTHER_COLLECTOR.matcher(s.getAgent().getJvmOptions()).find()) {
        c.error("spec.agent.jvmOptions", "Invalid", "spec.agent." + AgentSettings.OTHER_COLLECTOR_MESSAGE
            + ": the agents are left as they are until it is removed");
      }
      List<io.halvs.api.v1alpha1.Gateway> gateways = new ArrayList<>();
      if (s.getGateway() != null) {
        gateways.add(s.getGateway());
      }
      if (s.getMoreGateways() != null && !s.getMoreGateways().isEmpty()) {
        if (s.getGateway() == null) {
          c.error("spec.moreGateways", "Invalid", "spec.moreGateways needs spec.gateway (the first one)");
        }
        c.range("spec.moreGateways", s.getMoreGateways().size(), 0, 16);
        gateways.addAll(s.getMoreGateways());
      }
      Set<IpAddress> seen = new java.util.HashSet<>();
      for (int i = 0; i < gateways.size(); i++) {
        var g = gateways.get(i);
        String field = i == 0 ? "spec.gateway" : "spec.moreGateways[" + (i - 1) + "]";
        if (g == null) {
          c.error(field, "Required", field + " is empty");
          continue;
        }
        IpAddress gw = c.address(field + ".address", g.getAddress(), true);
        Integer prefix = g.getPrefixLength();
        if (prefix == null) {
          c.error(field + ".prefixLength", "Required", field + ".prefixLength is required");
        } else if (gw != null) {
          c.range(field + ".prefixLength", prefix, 1, gw.maxPrefixLength());
        }
        ifname(c, field + ".interfaceName", g.getInterfaceName(), true);
        if (gw != null && !seen.add(gw)) {
          c.error(field + ".address", "Duplicate", field + ".address " + gw + " is named twice");
        }
      }
      if (s.getSyncDaemon() != null) {
        var sd = s.getSyncDaemon();
        c.range("spec.syncDaemon.syncId", sd.getSyncId(), 0, 255);
        c.range("spec.syncDaemon.port", sd.getPort(), 1, 65535);
        c.range("spec.syncDaemon.ttl", sd.getTtl(), 1, 255);
        c.range("spec.syncDaemon.maxLen", sd.getMaxLen(), 0, 65507);
        ifname(c, "spec.syncDaemon.interfaceName", sd.getInterfaceName(), false);
        if (sd.getMulticastGroup() != null) {
          IpAddress g = c.address("spec.syncDaemon.multicastGroup", sd.getMulticastGroup(), false);
          if (g != null && !isMulticast(g)) {
            c.error("spec.syncDaemon.multicastGroup", "InvalidAddress",
                "spec.syncDaemon.multicastGroup " + g + " is not a multicast address");
          }
        }
      }
      if (s.getHighAvailability() != null) {
        var ha = s.getHighAvailability();
        c.range("spec.highAvailability.advertIntervalMillis", ha.getAdvertIntervalMillis(), 20,
            io.halvs.api.v1alpha1.HighAvailability.MAX_ADVERT_INTERVAL_MILLIS);
        c.range("spec.highAvailability.missesBeforeDead", ha.getMissesBeforeDead(), 2, 50);
        c.range("spec.highAvailability.preemptDelaySeconds", ha.getPreemptDelaySeconds(), 0, 86400);
        c.range("spec.highAvailability.heartbeatPort", ha.getHeartbeatPort(), 1, 65535);
        c.range("spec.highAvailability.leaseDurationSeconds", ha.getLeaseDurationSeconds(), 4,
            io.halvs.api.v1alpha1.HighAvailability.MAX_LEASE_DURATION_SECONDS);
        if (ha.getLeaseDurationSeconds() != null && ha.getLeaseDurationSeconds() * 1000L < 4L
            * Checks.orDefault(ha.getAdvertIntervalMillis(), Defaults.ADVERT_INTERVAL_MILLIS)) {
          c.error("spec.highAvailability.leaseDurationSeconds", "OutOfRange",
              "spec.highAvailability.leaseDurationSeconds " + ha.getLeaseDurationSeconds() + " is shorter than 4 "
                  + "heartbeat intervals (advertIntervalMillis): a granted Lease must stay valid two intervals after "
                  + "its request (docs/HA.md rule 4)");
        }
        if (ha.getAuthSecretRef() != null && (ha.getAuthSecretRef().getName() == null
            || ha.getAuthSecretRef().getName().isBlank())) {
          c.error("spec.highAvailability.authSecretRef.name", "Required", "authSecretRef.name is required");
        }
      }
      if (s.getConnectionTimeouts() != null) {
        // The kernel reads 0 as "leave unchanged" and refuses more than INT_MAX / HZ seconds.
        var t = s.getConnectionTimeouts();
        int max = io.halvs.api.v1alpha1.ConnectionTimeouts.MAX_SECONDS;
        c.range("spec.connectionTimeouts.tcpSeconds", t.getTcpSeconds(), 1, max);
        c.range("spec.connectionTimeouts.tcpFinSeconds", t.getTcpFinSeconds(), 1, max);
        c.range("spec.connectionTimeouts.udpSeconds", t.getUdpSeconds(), 1, max);
      }
      if (s.getSysctls() != null && s.getSysctls().getOverrides() != null) {
        for (Sysctls.Sysctl o : s.getSysctls().getOverrides()) {
          String k = o == null ? null : o.getName();
          String v = o == null ? null : o.getValue();
          if (k == null || !SYSCTL_KEY.matcher(k).matches()) {
            c.error("spec.sysctls.overrides", "SysctlNotAllowed", "sysctl '" + k + "' is not one halvs may set "
                + "(net.ipv4.ip_forward, net.ipv4.vs.*, net.ipv4.conf.<if>.{arp_ignore,arp_announce,rp_filter,"
                + "forwarding,send_redirects}, net.ipv6.conf.<if>.forwarding)");
          } else if (v == null || !INTEGER.matcher(v).matches()) {
            c.error("spec.sysctls.overrides", "InvalidValue", "sysctl " + k + " value '" + v + "' is not an integer");
          }
        }
      }
    }

    private static void ifname(Checks c, String field, String name, boolean required) {
      if (name == null) {
        if (required) {
          c.error(field, "Required", field + " is required");
        }
      } else if (!IFNAME.matcher(name).matches()) {
        c.error(field, "InvalidInterface", field + " '" + name + "' is not a Linux interface name "
            + "(1-15 characters, no '/', ':' or blanks)");
      }
    }

    static boolean isMulticast(IpAddress a) {
      byte[] b = a.bytes();
      return a.isV4() ? (b[0] & 0xf0) == 0xe0 : (b[0] & 0xff) == 0xff;
    }

    static DirectorPlan.SyncDaemonPlan syncDaemon(DirectorPairSpec s) {
      var sd = s.getSyncDaemon();
      if (sd != null && Boolean.FALSE.equals(sd.getEnabled())) {
        return null;
      }
      if (sd == null) {
        sd = new io.halvs.api.v1alpha1.SyncDaemon();
      }
      return new DirectorPlan.SyncDaemonPlan(Checks.orDefault(sd.getSyncId(), Defaults.SYNC_ID),
          sd.getInterfaceName() != null ? sd.getInterfaceName() : s.getVipInterface(),
          IpAddress.parse(sd.getMulticastGroup() != null ? sd.getMulticastGroup() : Defaults.SYNC_MULTICAST_GROUP),
          Checks.orDefault(sd.getPort(), Defaults.SYNC_PORT), Checks.orDefault(sd.getTtl(), Defaults.SYNC_TTL),
          Checks.orDefault(sd.getMaxLen(), 0));
    }

    /** Null when the pair sets no timeout: the kernel's are left alone, nothing is rendered or applied. */
    static DirectorPlan.TimeoutsPlan timeouts(DirectorPairSpec s) {
      var t = s.getConnectionTimeouts();
      if (t == null || t.getTcpSeconds() == null && t.getTcpFinSeconds() == null && t.getUdpSeconds() == null) {
        return null;
      }
      return new DirectorPlan.TimeoutsPlan(Checks.orDefault(t.getTcpSeconds(), 0),
          Checks.orDefault(t.getTcpFinSeconds(), 0), Checks.orDefault(t.getUdpSeconds(), 0));
    }

    static DirectorPlan.HaPlan ha(DirectorPairSpec s) {
      var ha = s.getHighAvailability() != null ? s.getHighAvailability()
          : new io.halvs.api.v1alpha1.HighAvailability();
      var secret = ha.getAuthSecretRef();
      return new DirectorPlan.HaPlan(Checks.orDefault(ha.getAdvertIntervalMillis(), Defaults.ADVERT_INTERVAL_MILLIS),
          Checks.orDefault(ha.getMissesBeforeDead(), Defaults.MISSES_BEFORE_DEAD), Boolean.TRUE.equals(ha.getPreempt()),
          Checks.orDefault(ha.getPreemptDelaySeconds(), Defaults.PREEMPT_DELAY_SECONDS),
          Checks.orDefault(ha.getHeartbeatPort(), Defaults.HEARTBEAT_PORT),
          secret == null ? null : secret.getName(),
          secret == null ? null : (secret.getKey() == null ? "key" : secret.getKey()),
          ha.getLeaseDurationSeconds());
    }
  }

  /** RealServer checks. */
  static final class RealServerChecks {
    private static final java.util.regex.Pattern NODE = java.util.regex.Pattern.compile("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$");

    static IpAddress check(RealServer rs, Checks c) {
      RealServerSpec s = rs.getSpec();
      if (s == null) {
        c.error("spec", "Required", "spec is required");
        return null;
      }
      IpAddress a = c.address("spec.address", s.getAddress(), true);
      c.range("spec.port", s.getPort(), 1, 65535);
      c.range("spec.weight", s.getWeight(), 0, 65535);
      // ipvsadm -x/-y take 0-INT_MAX; the kernel refuses (ERANGE) a lower threshold above the upper one, also
      // when the upper one is 0 (no limit).
      c.range("spec.upperThreshold", s.getUpperThreshold(), 0, Integer.MAX_VALUE);
      c.range("spec.lowerThreshold", s.getLowerThreshold(), 0, Integer.MAX_VALUE);
      long upper = s.getUpperThreshold() == null ? 0 : s.getUpperThreshold();
      if (s.getLowerThreshold() != null && s.getLowerThreshold() > upper) {
        c.error("spec.lowerThreshold", "Invalid", "lowerThreshold " + s.getLowerThreshold()
            + " must not exceed upperThreshold " + upper + " (the kernel refuses a lowerThreshold without an "
            + "upperThreshold at least as large)");
      }
      if (s.getNodeName() != null && !NODE.matcher(s.getNodeName()).matches()) {
        c.error("spec.nodeName", "Invalid", "spec.nodeName '" + s.getNodeName() + "' is not a Kubernetes node name");
      }
      return a;
    }
  }

  /** VirtualService checks; returns the draft service when the object can be planned. */
  static final class VirtualServiceChecks {
    static Draft check(VirtualService vs, ObjectRef ref, Checks c) {
      VirtualServiceSpec s = vs.getSpec();
      if (s == null) {
        c.error("spec", "Required", "spec is required");
        return null;
      }
      if (s.getDirectorPair() == null || s.getDirectorPair().isBlank()) {
        c.error("spec.directorPair", "Required", "spec.directorPair is required");
      }
      boolean markService = s.getFirewallMark() != null;
      IpAddress vip = c.address("spec.vip", s.getVip(), !markService);
      // A firewall-mark service may name its addresses in vips instead (one family), or none (ipFamily).
      List<IpAddress> addresses = new ArrayList<>();
      if (vip != null) {
        addresses.add(vip);
      }
      if (s.getVips() != null && !s.getVips().isEmpty()) {
        if (!markService) {
          c.error("spec.vips", "Invalid", "spec.vips is for firewall-mark services: a port service has one vip");
        } else if (s.getVip() != null) {
          c.error("spec.vips", "Invalid", "set spec.vip or spec.vips, not both");
        }
        c.range("spec.vips", s.getVips().size(), 0, 32);
        for (int i = 0; i < s.getVips().size(); i++) {
          IpAddress a = c.address("spec.vips[" + i + "]", s.getVips().get(i), true);
          if (a == null) {
            continue;
          }
          if (!addresses.isEmpty() && a.isV4() != addresses.get(0).isV4()) {
            c.error("spec.vips[" + i + "]", "AddressFamilyMismatch", "spec.vips mixes IPv4 and IPv6: a firewall-mark "
                + "service is of one family (make one VirtualService per family)");
          } else if (addresses.contains(a)) {
            c.error("spec.vips[" + i + "]", "Duplicate", "spec.vips names " + a + " twice");
          } else {
            addresses.add(a);
          }
        }
      }
      if (s.getIpFamily() != null) {
        if (!markService) {
          c.error("spec.ipFamily", "Invalid", "spec.ipFamily is for firewall-mark services");
        } else if (!addresses.isEmpty() && addresses.get(0).isV4() != (s.getIpFamily() == IpFamily.IPV4)) {
          c.error("spec.ipFamily", "AddressFamilyMismatch", "spec.ipFamily " + (s.getIpFamily() == IpFamily.IPV4
              ? "IPv4" : "IPv6") + " differs from the family of the service's addresses");
        }
      }
      // From here vip stands for the service's family (and is its first address, when it has one).
      if (!addresses.isEmpty()) {
        vip = addresses.get(0);
      } else if (markService && c.ok()) {
        vip = IpAddress.parse(s.getIpFamily() == IpFamily.IPV6 ? "::" : "0.0.0.0");
      }
      if (s.getVipInterface() != null && !PairChecks.IFNAME.matcher(s.getVipInterface()).matches()) {
        c.error("spec.vipInterface", "InvalidInterface", "spec.vipInterface '" + s.getVipInterface()
            + "' is not a Linux interface name (1-15 characters, no '/', ':' or blanks)");
      }
      if (vip != null) {
        c.range("spec.vipPrefixLength", s.getVipPrefixLength(), 1, vip.maxPrefixLength());
      }
      boolean hasPort = s.getPort() != null;
      boolean hasMark = s.getFirewallMark() != null;
      if (hasPort == hasMark) {
        c.error(hasPort ? "spec.firewallMark" : "spec.port", "PortOrFirewallMark",
            "exactly one of spec.port or spec.firewallMark must be set");
      }
      c.range("spec.port", s.getPort(), 1, 65535);
      c.range("spec.firewallMark", s.getFirewallMark(), 1, 0xFFFFFFFFL);
      if (hasMark && s.getProtocol() != null) {
        c.error("spec.protocol", "Invalid", "spec.protocol cannot be set with spec.firewallMark");
      }
      Scheduler scheduler = s.getScheduler() != null ? s.getScheduler() : Scheduler.valueOf(Defaults.SCHEDULER.toUpperCase());
      int flags = 0;
      if (s.getSchedulerFlags() != null) {
        for (var f : s.getSchedulerFlags()) {
          if (f == null) {
            c.error("spec.schedulerFlags", "Invalid", "spec.schedulerFlags has an empty entry");
          } else if (f.scheduler() != scheduler) {
            c.error("spec.schedulerFlags", "FlagNeedsScheduler", "scheduler flag " + f.flagName() + " needs scheduler "
                + f.scheduler().kernelName() + ", not " + scheduler.kernelName());
          } else {
            flags |= f.kernelBit();
          }
        }
      }
      Protocol protocol = hasMark ? null : (s.getProtocol() != null ? s.getProtocol() : Protocol.TCP);
      if (Boolean.TRUE.equals(s.getOnePacket())) {
        if (!hasMark && protocol != Protocol.UDP) {
          c.error("spec.onePacket", "Invalid", "spec.onePacket is for UDP (or firewall-mark) services only");
        }
        flags |= IpvsService.F_ONEPACKET;
      }
      int timeout = 0;
      String engine = null;
      long netmask = vip == null || vip.isV4() ? 0xFFFFFFFFL : 128;
      if (s.getPersistence() != null) {
        var p = s.getPersistence();
        flags |= IpvsService.F_PERSISTENT;
        c.range("spec.persistence.timeoutSeconds", p.getTimeoutSeconds(), 1, 2678400);
        timeout = Checks.orDefault(p.getTimeoutSeconds(), Defaults.PERSISTENCE_TIMEOUT_SECONDS);
        if (p.getEngine() != null) {
          // ip_vs_pe_sip parses UDP only and has the kernel drop any other packet it is asked to schedule.
          if (!hasMark && protocol != Protocol.UDP) {
            c.error("spec.persistence.engine", "Invalid", "persistence.engine sip is for UDP (or firewall-mark) "
                + "services only: the kernel's sip engine drops every other packet it is asked to schedule");
          }
          engine = p.getEngine().kernelName();
        }
        if (p.getNetmask() != null && p.getPrefixLength() != null) {
          c.error("spec.persistence", "Invalid", "set persistence.netmask or persistence.prefixLength, not both");
        } else if (p.getNetmask() != null) {
          IpAddress mask = IpAddress.tryParse(p.getNetmask()).orElse(null);
          if (mask == null || !mask.isV4() || mask.maskPrefixLength() < 0) {
            c.error("spec.persistence.netmask", "InvalidNetmask", "spec.persistence.netmask '" + p.getNetmask()
                + "' is not a contiguous IPv4 mask such as 255.255.255.0");
          } else if (vip != null && !vip.isV4()) {
            c.error("spec.persistence.netmask", "FamilyMismatch",
                "spec.persistence.netmask is an IPv4 mask: use persistence.prefixLength with an IPv6 vip");
          } else {
            netmask = toU32(mask.bytes());
          }
        } else if (p.getPrefixLength() != null && vip != null) {
          int max = vip.maxPrefixLength();
          c.range("spec.persistence.prefixLength", p.getPrefixLength(), 1, max);
          netmask = vip.isV4() ? toU32(IpAddress.ipv4Mask(Math.min(32, Math.max(0, p.getPrefixLength()))).bytes())
              : p.getPrefixLength();
        }
      }
      ForwardingMethod method = ForwardingMethod.MASQ;
      TunnelType tunnelType = TunnelType.IPIP;
      int tunnelPort = 0;
      TunnelChecksum checksum = TunnelChecksum.NONE;
      if (s.getForwarding() != null) {
        var f = s.getForwarding();
        if (f.getMethod() != null) {
          method = f.getMethod();
        }
        if (f.getTunnel() != null) {
          var t = f.getTunnel();
          if (method != ForwardingMethod.IPIP) {
            c.error("spec.forwarding.tunnel", "Invalid", "spec.forwarding.tunnel is only for method ipip");
          }
          tunnelType = t.getType() != null ? t.getType() : TunnelType.IPIP;
          c.range("spec.forwarding.tunnel.port", t.getPort(), 1, 65535);
          if (tunnelType == TunnelType.GUE && t.getPort() == null) {
            c.error("spec.forwarding.tunnel.port", "Required", "a gue tunnel needs spec.forwarding.tunnel.port");
          }
          if (tunnelType != TunnelType.GUE && t.getPort() != null) {
            c.error("spec.forwarding.tunnel.port", "Invalid", "spec.forwarding.tunnel.port is only for type gue");
          }
          tunnelPort = t.getPort() != null ? t.getPort() : 0;
          if (t.getChecksum() != null) {
            if (t.getChecksum() != TunnelChecksum.NONE && tunnelType == TunnelType.IPIP) {
              c.error("spec.forwarding.tunnel.checksum", "Invalid", "tunnel checksum applies to gue and gre only");
            } else if (t.getChecksum() == TunnelChecksum.REMCSUM && tunnelType == TunnelType.GRE) {
              c.error("spec.forwarding.tunnel.checksum", "Invalid", "tunnel.checksum remcsum is for gue tunnels only "
                  + "(ipvsadm refuses it with gre, whose kernel encapsulation has no remote checksum)");
            }
            checksum = t.getChecksum();
          }
        }
      }
      if (s.getRealServerSelector() == null) {
        c.error("spec.realServerSelector", "Required", "spec.realServerSelector is required ({} selects all "
            + "RealServers in the namespace)");
      } else {
        LabelSelectors.problem(s.getRealServerSelector())
            .ifPresent(p -> c.error("spec.realServerSelector", "InvalidSelector", "spec.realServerSelector: " + p));
      }
      Destination sorry = null;
      if (s.getSorryServer() != null) {
        var so = s.getSorryServer();
        IpAddress a = c.address("spec.sorryServer.address", so.getAddress(), true);
        c.range("spec.sorryServer.port", so.getPort(), 1, 65535);
        ForwardingMethod m = so.getForwardingMethod() != null ? so.getForwardingMethod() : method;
        if (a != null && vip != null && a.isV4() != vip.isV4() && m != ForwardingMethod.IPIP) {
          c.error("spec.sorryServer.address", "AddressFamilyMismatch", "spec.sorryServer.address " + a
              + " must be of the vip's address family (only the ipip method can cross families)");
        }
        int port = so.getPort() != null ? so.getPort() : (hasPort && s.getPort() != null ? s.getPort() : 0);
        if (a != null) {
          boolean tunnel = m == ForwardingMethod.IPIP;
          sorry = new Destination(a, port, m, 1, 0, 0, tunnel ? tunnelType : null, tunnel ? tunnelPort : 0,
              tunnel ? checksum : null, null);
        }
      }
      HealthCheckPlan check = HealthChecks.plan(s.getHealthCheck(), c);
      List<MarkRule> marks = MarkingChecks.check(s, vip, addresses, c);
      if (!c.ok() || vip == null) {
        return null;
      }
      ServiceKey key = hasMark ? ServiceKey.ofFirewallMark(vip.family(), s.getFirewallMark())
          : ServiceKey.of(protocol, vip, s.getPort());
      IpvsService service = new IpvsService(key, addresses.isEmpty() ? null : addresses.get(0),
          scheduler.kernelName(), flags, timeout, netmask, List.of(), sorry, check, ref, engine,
          sorry != null && Boolean.TRUE.equals(s.getSorryServer().getInhibit()),
          addresses.size() > 1 ? addresses.subList(1, addresses.size()) : List.of());
      String created = vs.getMetadata() == null ? null : vs.getMetadata().getCreationTimestamp();
      return new Draft(vs, ref, s.getDirectorPair(), service, method, tunnelType, tunnelPort, checksum,
          s.getRealServerSelector(), created, s.getVipInterface(),
          s.getVipPrefixLength() != null ? s.getVipPrefixLength() : vip.maxPrefixLength(), marks);
    }

    private static long toU32(byte[] b) {
      return ((b[0] & 0xffL) << 24) | ((b[1] & 0xffL) << 16) | ((b[2] & 0xffL) << 8) | (b[3] & 0xffL);
    }
  }
}
