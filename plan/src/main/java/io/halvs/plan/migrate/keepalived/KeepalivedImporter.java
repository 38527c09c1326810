package io.halvs.plan.migrate.keepalived;

import io.halvs.plan.migrate.Diagnostics;
import io.halvs.plan.migrate.Diagnostics.SyntaxError;
import io.halvs.plan.migrate.Manifest;
import io.halvs.plan.migrate.Values;
import io.halvs.plan.migrate.keepalived.ConfigTree.Node;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * keepalived.conf (keepalived.conf(5)) into halvs objects: the first {@code vrrp_instance} becomes the
 * DirectorPair (interface, advert_int, preemption; a VIP on another interface that no virtual server uses becomes
 * the real servers' gateway), {@code lvs_sync_daemon} its sync daemon, every {@code virtual_server} (an address and
 * port, a firewall mark, or each member of a {@code virtual_server_group}) a VirtualService and its
 * {@code real_server}s RealServers.
 *
 * <p>Defaults are keepalived's: lvs_sched wlc, lvs_method NAT, weight 1, persistence_timeout 360 s when given
 * without a value, protocol TCP, delay_loop 60 s, connect_timeout 5 s, retry 1 (so a real server fails on the
 * second failed check), HTTP status 200-299, advert_int 1 s, preempt on with preempt_delay 0.
 */
public final class KeepalivedImporter {
  private final Diagnostics diagnostics;
  private final Map<String, Node> groups = new HashMap<>();
  private Node syncDaemon;
  private Node timeouts;
  private final Map<Manifest.Service, Node> placeholders = new LinkedHashMap<>();

  private KeepalivedImporter(Diagnostics diagnostics) {
    this.diagnostics = diagnostics;
  }

  public static Manifest read(Path file, String text, String pairName, Diagnostics diagnostics)
      throws SyntaxError {
    List<Node> top = ConfigTree.parse(file, text);
    return new KeepalivedImporter(diagnostics).manifest(top, pairName, file.toString());
  }

  private void warn(Node n, String message) {
    diagnostics.warn(n.file(), n.line(), message);
  }

  private static SyntaxError error(Node n, String message) {
    return new SyntaxError(n.file(), n.line(), message);
  }

  private static final Set<String> IGNORED_TOP = Set.of("vrrp_sync_group", "SSL", "garp_group",
      "linkbeat_interfaces", "track_file", "vrrp_track_process", "bfd_instance", "vrrp_script", "track_group");

  private Manifest manifest(List<Node> top, String pairName, String source) throws SyntaxError {
    Manifest out = new Manifest(pairName, source);
    List<Node> instances = new ArrayList<>();
    List<Node> servers = new ArrayList<>();
    for (Node n : top) {
      switch (n.keyword()) {
        case "global_defs" -> {
          for (Node g : block(n)) {
            if (g.keyword().equals("lvs_sync_daemon")) {
              syncDaemon = g;
            } else if (g.keyword().equals("lvs_timeouts")) {
              timeouts = g;
            }
          }
        }
        case "vrrp_instance" -> instances.add(n);
        case "virtual_server" -> servers.add(n);
        case "virtual_server_group" -> {
          if (n.args().size() != 1 || n.block() == null) {
            throw error(n, "virtual_server_group takes a name and a block");
          }
          groups.put(n.arg(0), n);
        }
        case "static_ipaddress", "static_routes", "static_rules" -> warn(n, n.keyword() + ": halvs manages the "
            + "VIPs, the gateway and IPVS only; keep these in the hosts' network configuration");
        default -> {
          if (n.keyword().startsWith("$") || n.keyword().startsWith("@")) {
            warn(n, n.keyword() + ": parameter substitution and conditional lines are not read by halvs import; "
                + "expand them (keepalived -t -d prints the result)");
          } else if (!IGNORED_TOP.contains(n.keyword())) {
            warn(n, "unknown keyword " + n.keyword() + " (keepalived ignores it too)");
          }
        }
      }
    }
    List<Manifest.Service> services = new ArrayList<>();
    for (Node vs : servers) {
      services.addAll(virtualServer(vs));
    }
    out.services.addAll(services);
    Set<String> serviceVips = new java.util.HashSet<>();
    services.stream().filter(s -> !s.placeholderVip).forEach(s -> serviceVips.add(s.vip));
    if (instances.isEmpty()) {
      diagnostics.warn(source, 1, "no vrrp_instance: the DirectorPair gets a placeholder interface (eth0)");
    } else {
      pair(instances.get(0), out, serviceVips);
      for (Node extra : instances.subList(1, instances.size())) {
        warn(extra, "vrrp_instance " + extra.arg(0) + ": halvs runs one active director per pair, no active/active "
            + "(docs/HA.md says why); its VIPs are held by the same director as " + instances.get(0).arg(0)
            + "'s, with that instance's settings");
      }
    }
    for (Map.Entry<Manifest.Service, Node> p : placeholders.entrySet()) {
      if (p.getKey().placeholderVip) {
        warn(p.getValue(), "firewall-mark service " + p.getKey().firewallMark + ": no vrrp_instance VIP is free "
            + "for it, so it is imported holding no address; list the addresses your mark rules match in its vips "
            + "for halvs to hold them, and describe those rules (iptables/nft -j MARK) in its marking for the "
            + "directors to install them");
      }
    }
    if (timeouts != null) {
      Map<String, Object> t = timeouts(timeouts);
      if (!t.isEmpty()) {
        out.pairExtras.put("connectionTimeouts", t);
      }
    }
    if (syncDaemon != null) {
      out.pairExtras.put("syncDaemon", sync(syncDaemon, instances));
    } else {
      out.pairExtras.put("syncDaemon", Map.of("enabled", false)); // keepalived runs none without lvs_sync_daemon
    }
    return out;
  }

  private static List<Node> block(Node n) throws SyntaxError {
    if (n.block() == null) {
      throw error(n, n.keyword() + " needs a block { ... }");
    }
    return n.block();
  }

  // ---- vrrp_instance -> DirectorPair

  private void pair(Node instance, Manifest out, Set<String> serviceVips) throws SyntaxError {
    String iface = null;
    double advert = 1;
    boolean preempt = true;
    double preemptDelay = 0;
    Node vips = null;
    for (Node n : block(instance)) {
      switch (n.keyword()) {
        case "interface" -> iface = one(n);
        case "advert_int" -> advert = seconds(n, one(n));
        case "nopreempt" -> preempt = false;
        case "preempt" -> preempt = true;
        case "preempt_delay" -> preemptDelay = seconds(n, one(n));
        case "virtual_ipaddress" -> vips = n;
        case "virtual_ipaddress_excluded" -> warn(n, "virtual_ipaddress_excluded: halvs holds the VIPs its "
            + "VirtualServices use (and one gateway); hold these addresses elsewhere");
        case "track_script", "track_interface", "track_file", "track_process", "track_bfd" -> warn(n, n.keyword()
            + ": halvs fails over when a director or its agent fails, not on tracked scripts or interfaces");
        case "notify", "notify_master", "notify_backup", "notify_fault", "notify_stop", "notify_deleted" ->
            warn(n, n.keyword() + ": halvs runs no scripts; it records failovers as Events and in the "
                + "DirectorPair's status");
        case "unicast_peer" -> warn(n, "unicast_peer: halvs' directors find each other through the cluster; "
            + "make sure UDP 8849 (heartbeatPort) passes between the two nodes");
        default -> {
          // state, priority, virtual_router_id, authentication, garp_*, ...: halvs decides these itself.
        }
      }
    }
    if (iface == null) {
      throw error(instance, "vrrp_instance " + instance.arg(0) + " has no interface");
    }
    out.vipInterface = iface;
    Map<String, Object> ha = new LinkedHashMap<>();
    long advertMillis = Math.round(advert * 1000);
    int max = io.halvs.api.v1alpha1.HighAvailability.MAX_ADVERT_INTERVAL_MILLIS;
    if (advertMillis > max) {
      warn(instance, "advert_int " + java.math.BigDecimal.valueOf(advert).stripTrailingZeros().toPlainString()
          + ": keepalived's and halvs' heartbeat interval is at most 255 s; 255 s is imported");
      advertMillis = max;
    }
    ha.put("advertIntervalMillis", Math.max(20, advertMillis));
    ha.put("preempt", preempt);
    if (preempt) {
      ha.put("preemptDelaySeconds", Math.min(86400, Math.round(preemptDelay)));
    }
    out.pairExtras.put("highAvailability", ha);
    if (vips != null) {
      boolean gatewaySet = false;
      for (Node v : block(vips)) {
        String[] addr = v.keyword().split("/", 2);
        if (!Values.isIp(addr[0])) {
          throw error(v, "virtual_ipaddress " + v.keyword() + " is not an IP address");
        }
        String dev = iface;
        for (int i = 0; i + 1 < v.args().size(); i++) {
          if (v.arg(i).equals("dev")) {
            dev = v.arg(i + 1);
          }
        }
        Integer prefix = null;
        if (addr.length == 2) {
          prefix = number(v, addr[1], 1, addr[0].contains(":") ? 128 : 32, "prefix length of " + addr[0]);
        }
        if (serviceVips.contains(addr[0])) {
          // The VIP of virtual servers: its interface and prefix go on each of them.
          for (Manifest.Service s : out.services) {
            if (addr[0].equals(s.vip)) {
              s.vipInterface = dev.equals(iface) ? null : dev;
              s.vipPrefixLength = prefix == null || prefix == (addr[0].contains(":") ? 128 : 32) ? null : prefix;
            }
          }
          continue;
        }
        if (!dev.equals(iface) && prefix != null) {
          // Another interface, no virtual server: the real servers' gateway; the first is gateway, the rest more.
          Map<String, Object> gw = new LinkedHashMap<>();
          gw.put("address", addr[0]);
          gw.put("prefixLength", prefix);
          gw.put("interfaceName", dev);
          if (!gatewaySet) {
            out.pairExtras.put("gateway", gw);
            gatewaySet = true;
          } else {
            @SuppressWarnings("unchecked")
            List<Object> more = (List<Object>) out.pairExtras.computeIfAbsent("moreGateways", k -> new ArrayList<>());
            more.add(gw);
          }
          continue;
        }
        if (dev.equals(iface) && fwmarkVip(out, addr[0], v, instance)) {
          continue;
        }
        warn(v, "VIP " + addr[0] + " is used by no virtual_server and is on the VRRP interface " + iface
            + ": halvs holds the VIPs of its VirtualServices and, on other interfaces, the real servers' gateways; "
            + "not imported");
      }
    }
  }

  /**
   * A firewall-mark service has no address of its own, but halvs' VirtualService needs the VIP the directors hold:
   * the first VRRP VIP no other service uses (of the marks' family) is the natural one. True if one took it.
   */
  private boolean fwmarkVip(Manifest out, String vip, Node where, Node instance) {
    boolean taken = false;
    for (Manifest.Service s : out.services) {
      if (s.placeholderVip && s.v6 == vip.contains(":")) {
        s.vip = vip;
        s.placeholderVip = false;
        taken = true;
      }
    }
    if (taken) {
      warn(where, "VIP " + vip + " of vrrp_instance " + instance.arg(0) + " becomes the vip of the firewall-mark "
          + "service(s): halvs holds one address per VirtualService; check that your mark rules match it");
    }
    return taken;
  }

  /** lvs_timeouts [tcp S] [tcpfin S] [udp S] -> connectionTimeouts; 0 is keepalived's "leave it" too. */
  private Map<String, Object> timeouts(Node n) throws SyntaxError {
    Map<String, Object> t = new LinkedHashMap<>();
    for (int i = 0; i < n.args().size(); i += 2) {
      String k = n.arg(i);
      String v = n.arg(i + 1);
      String field = switch (k) {
        case "tcp" -> "tcpSeconds";
        case "tcpfin" -> "tcpFinSeconds";
        case "udp" -> "udpSeconds";
        default -> throw error(n, "lvs_timeouts: unknown option " + k + " (tcp, tcpfin or udp)");
      };
      int seconds = number(n, v, 0, io.halvs.api.v1alpha1.ConnectionTimeouts.MAX_SECONDS, "lvs_timeouts " + k);
      if (seconds > 0) {
        t.put(field, seconds);
      }
    }
    return t;
  }

  private Map<String, Object> sync(Node n, List<Node> instances) throws SyntaxError {
    if (n.args().isEmpty()) {
      throw error(n, "lvs_sync_daemon needs an interface");
    }
    Map<String, Object> sd = new LinkedHashMap<>();
    sd.put("interfaceName", n.arg(0));
    Integer syncId = null;
    String instance = null;
    for (int i = 1; i < n.args().size(); i++) {
      String k = n.arg(i);
      String v = n.arg(i + 1);
      switch (k) {
        case "id" -> syncId = number(n, v, 0, 255, "id");
        case "maxlen" -> sd.put("maxLen", number(n, v, 1, 65507, "maxlen"));
        case "port" -> sd.put("port", number(n, v, 1, 65535, "port"));
        case "ttl" -> sd.put("ttl", number(n, v, 1, 255, "ttl"));
        case "group" -> {
          if (v == null || !Values.isIp(v)) {
            throw error(n, "lvs_sync_daemon group needs a multicast address");
          }
          sd.put("multicastGroup", v);
        }
        case "inst" -> instance = v;
        default -> {
          if (i == 1) {
            instance = k; // the old form: lvs_sync_daemon IF INSTANCE
            continue;
          }
          throw error(n, "lvs_sync_daemon: unknown option " + k);
        }
      }
      i++;
    }
    if (syncId == null) {
      // keepalived's default: the virtual_router_id of the sync daemon's VRRP instance.
      for (Node inst : instances) {
        if (instance == null || instance.equals(inst.arg(0))) {
          for (Node x : block(inst)) {
            if (x.keyword().equals("virtual_router_id")) {
              syncId = number(x, one(x), 0, 255, "virtual_router_id");
            }
          }
          break;
        }
      }
    }
    if (syncId != null) {
      sd.put("syncId", syncId);
    }
    return sd;
  }

  // ---- virtual_server -> VirtualService(s)

  /** Settings a virtual_server gives its real servers and checkers by default. */
  private static final class Defaults {
    double delayLoop = 60;
    double connectTimeout = 5;
    Integer retry;
    boolean inhibit;
    String virtualHost;
    String method = "masq";
    Map<String, Object> tunnel;
  }

  private List<Manifest.Service> virtualServer(Node vs) throws SyntaxError {
    List<String[]> keys = new ArrayList<>(); // {address, port, fwmark}
    String a0 = vs.arg(0);
    if (a0 == null) {
      throw error(vs, "virtual_server needs an address and port, fwmark N or group NAME");
    }
    if (a0.equals("fwmark")) {
      keys.add(new String[] {null, null, fwmark(vs, vs.arg(1))});
    } else if (a0.equals("group")) {
      Node g = groups.get(vs.arg(1));
      if (g == null) {
        throw error(vs, "virtual_server group " + vs.arg(1) + ": no virtual_server_group of that name (define it "
            + "before its use)");
      }
      for (Node member : g.block()) {
        if (member.keyword().equals("fwmark")) {
          keys.add(new String[] {null, null, fwmark(member, member.arg(0))});
        } else {
          for (String address : range(member)) {
            keys.add(new String[] {address, servicePort(member, member.arg(0)), null});
          }
        }
      }
    } else {
      if (!Values.isIp(a0)) {
        throw error(vs, "virtual_server " + a0 + " is not an IP address");
      }
      keys.add(new String[] {a0, servicePort(vs, vs.arg(1)), null});
    }
    Manifest.Service proto = new Manifest.Service();
    Node engineNode = null;
    proto.scheduler = "wlc";
    proto.protocol = "TCP";
    Defaults d = new Defaults();
    List<Node> reals = new ArrayList<>();
    Node sorry = null;
    String sorryMethod = null;
    Map<String, Object> sorryTunnel = null;
    boolean sorryInhibit = false;
    List<String> flags = new ArrayList<>();
    Node flagsNode = null;
    Node opsNode = null;
    for (Node n : block(vs)) {
      switch (n.keyword()) {
        case "lvs_sched", "lb_algo" -> {
          String s = one(n);
          if (!Values.isScheduler(s)) {
            throw error(n, n.keyword() + " " + s + " is not an IPVS scheduler (rr wrr lc wlc lblc sh mh dh fo ovf "
                + "lblcr sed nq twos)");
          }
          proto.scheduler = s;
        }
        case "lvs_method", "lb_kind" -> {
          d.method = method(n, 0);
          d.tunnel = tunnel(n, 1);
        }
        case "flag-1", "flag-2", "flag-3", "sh-port", "sh-fallback", "mh-port", "mh-fallback" -> {
          flags.add(n.keyword());
          flagsNode = flagsNode == null ? n : flagsNode;
        }
        case "hashed" -> warn(n, "hashed: not a flag halvs sets; not imported");
        case "ops" -> {
          proto.onePacket = true;
          opsNode = n;
        }
        case "persistence_timeout" -> proto.persistenceTimeout = n.args().isEmpty() ? 360
            : number(n, n.arg(0), 1, 2678400, "persistence_timeout");
        case "persistence_granularity" -> proto.netmask = one(n);
        case "persistence_engine" -> {
          if ("sip".equals(one(n))) {
            proto.persistenceEngine = "sip";
            engineNode = n;
          } else {
            warn(n, "persistence_engine " + n.arg(0) + ": the kernel has only the sip engine; plain persistence "
                + "is imported");
          }
        }
        case "protocol" -> {
          String p = one(n).toUpperCase(Locale.ROOT);
          if (!Set.of("TCP", "UDP", "SCTP").contains(p)) {
            throw error(n, "protocol must be TCP, UDP or SCTP");
          }
          proto.protocol = p;
        }
        case "sorry_server" -> sorry = n;
        case "sorry_server_lvs_method" -> {
          sorryMethod = method(n, 0);
          sorryTunnel = tunnel(n, 1);
        }
        case "sorry_server_inhibit" -> sorryInhibit = n.args().isEmpty() || bool(n);
        case "delay_loop" -> d.delayLoop = seconds(n, one(n));
        case "connect_timeout" -> d.connectTimeout = seconds(n, one(n));
        case "retry", "nb_get_retry" -> d.retry = number(n, one(n), 0, 99, n.keyword());
        case "inhibit_on_failure" -> d.inhibit = bool(n);
        case "virtualhost" -> d.virtualHost = one(n);
        case "real_server" -> reals.add(n);
        case "quorum", "hysteresis" -> {
          if (!(n.keyword().equals("quorum") && "1".equals(n.arg(0)))
              && !(n.keyword().equals("hysteresis") && "0".equals(n.arg(0)))) {
            warn(n, n.keyword() + ": halvs has no quorum; the sorry server takes over when no real server is "
                + "healthy");
          }
        }
        case "quorum_up", "quorum_down" -> warn(n, n.keyword() + ": halvs runs no scripts; it records "
            + "availability in the VirtualService's conditions and Events");
        case "alpha", "omega", "ha_suspend", "smtp_alert", "snmp_name", "ip_family", "delay_before_retry",
            "warmup" -> {
          // Start-up and notification behaviour: no effect on the steady IPVS table.
        }
        default -> warn(n, "unknown keyword " + n.keyword() + " in virtual_server (keepalived ignores it too)");
      }
    }
    // The real servers and their one check.
    List<Manifest.Real> rs = new ArrayList<>();
    Map<String, Object> check = null;
    String checkSignature = null;
    List<Map<String, Object>> realChecks = new ArrayList<>();
    String serviceMethod = d.method;
    Map<String, Object> serviceTunnel = d.tunnel;
    for (Node r : reals) {
      String addr = r.arg(0);
      if (addr == null || !Values.isIp(addr)) {
        throw error(r, "real_server " + addr + " is not an IP address");
      }
      Integer rport = r.arg(1) == null ? null : Integer.valueOf(port(r, r.arg(1)));
      int weight = 1;
      String method = null;
      Map<String, Object> rTunnel = null;
      Long upper = null;
      Long lower = null;
      Defaults rd = copy(d);
      List<Node> checkers = new ArrayList<>();
      for (Node n : block(r)) {
        switch (n.keyword()) {
          case "weight" -> weight = number(n, one(n), 0, 65535, "weight");
          case "lvs_method", "lb_kind" -> {
            method = method(n, 0);
            rTunnel = tunnel(n, 1);
          }
          case "uthreshold" -> upper = (long) number(n, one(n), 0, Integer.MAX_VALUE, "uthreshold");
          case "lthreshold" -> lower = (long) number(n, one(n), 0, Integer.MAX_VALUE, "lthreshold");
          case "inhibit_on_failure" -> rd.inhibit = bool(n);
          case "delay_loop" -> rd.delayLoop = seconds(n, one(n));
          case "connect_timeout" -> rd.connectTimeout = seconds(n, one(n));
          case "retry", "nb_get_retry" -> rd.retry = number(n, one(n), 0, 99, n.keyword());
          case "virtualhost" -> rd.virtualHost = one(n);
          case "HTTP_GET", "SSL_GET", "TCP_CHECK", "DNS_CHECK", "UDP_CHECK", "MISC_CHECK", "SMTP_CHECK",
              "PING_CHECK", "BFD_CHECK", "FILE_CHECK" -> checkers.add(n);
          case "notify_up", "notify_down" -> warn(n, n.keyword() + ": halvs runs no scripts; it records real "
              + "server changes in the RealServer's status and as Events");
          case "alpha", "smtp_alert", "snmp_name", "delay_before_retry", "warmup" -> {
            // No effect on the steady IPVS table.
          }
          default -> warn(n, "unknown keyword " + n.keyword() + " in real_server (keepalived ignores it too)");
        }
      }
      String m = method != null ? method : d.method;
      if (rs.isEmpty() && method != null) {
        serviceMethod = method;
        serviceTunnel = rTunnel;
      }
      if (rTunnel != null && !rTunnel.equals(serviceTunnel) || method == null && d.tunnel != null
          && !d.tunnel.equals(serviceTunnel)) {
        warn(r, "real_server " + addr + ": a tunnel type of its own; halvs sets the tunnel per virtual service "
            + "(the first real server's is used)");
      }
      Manifest.Real real = new Manifest.Real(addr, rport, weight, m);
      if (lower != null && lower > (upper == null ? 0 : upper)) {
        warn(r, "real_server " + addr + ": lthreshold " + lower + " above uthreshold " + (upper == null ? 0 : upper)
            + ": the kernel refuses it (ERANGE), so keepalived cannot program this real server; lthreshold not "
            + "imported");
        lower = null;
      }
      real.upperThreshold = upper;
      real.lowerThreshold = lower;
      rs.add(real);
      // Its checkers: the first is imported (keepalived wants all of them up; halvs runs one per real server).
      Map<String, Object> c = null;
      for (Node ch : checkers) {
        Map<String, Object> candidate = checker(ch, rd, proto);
        if (candidate == null) {
          continue;
        }
        if (c == null) {
          c = candidate;
        } else {
          warn(ch, ch.keyword() + ": halvs runs one check per real server; the first (" + c.get("type")
              + ") is imported");
        }
      }
      realChecks.add(c);
      if (c != null && check == null) {
        check = c;
        checkSignature = signatureWithoutPort(c, rport);
      }
    }
    // The service's check is the first checked real server's; a real server whose check differs gets its own
    // (RealServer spec.healthCheck), one without a checker (always up in keepalived) type none.
    if (check != null) {
      for (int i = 0; i < rs.size(); i++) {
        Map<String, Object> c = realChecks.get(i);
        Manifest.Real real = rs.get(i);
        if (c == null) {
          real.healthCheck = Map.of("type", "none");
        } else if (!signatureWithoutPort(c, real.port).equals(checkSignature)) {
          Map<String, Object> own = new LinkedHashMap<>(c);
          if (own.get("port") == null && check.get("port") != null && !"icmp".equals(own.get("type"))) {
            // Inheriting the service's check port would check another port than keepalived does.
            Integer port = real.port != null ? real.port : keys.isEmpty() || keys.get(0)[1] == null ? null
                : Integer.valueOf(keys.get(0)[1]);
            if (port != null) {
              own = new LinkedHashMap<>();
              own.put("type", c.get("type"));
              own.put("port", port); // in the order a person writes it
              own.putAll(c);
            }
          } else if (own.get("port") != null && own.get("port").equals(real.port) && check.get("port") == null) {
            own.remove("port"); // the real server's own port is what it inherits anyway
          }
          real.healthCheck = own;
        }
      }
    }
    if (flagsNode != null) {
      for (String f : flags) {
        String name = switch (f) {
          case "flag-1" -> proto.scheduler.equals("sh") || proto.scheduler.equals("mh") ? proto.scheduler
              + "-fallback" : null;
          case "flag-2" -> proto.scheduler.equals("sh") || proto.scheduler.equals("mh") ? proto.scheduler
              + "-port" : null;
          case "flag-3" -> null;
          default -> f.startsWith(proto.scheduler + "-") ? f : null;
        };
        if (name == null) {
          warn(flagsNode, f + ": no kernel scheduler but sh and mh reads the generic flags (flag-1/flag-2 are their "
              + "fallback/port, flag-3 is read by none), so halvs names only sh-fallback, sh-port, mh-fallback and "
              + "mh-port; not imported with scheduler " + proto.scheduler);
        } else if (!proto.schedulerFlags.contains(name)) {
          proto.schedulerFlags.add(name);
        }
      }
    }
    // The services: one per key (a group gives several), all with these real servers.
    List<Manifest.Service> out = new ArrayList<>();
    for (String[] key : keys) {
      Manifest.Service s = new Manifest.Service();
      s.scheduler = proto.scheduler;
      s.schedulerFlags.addAll(proto.schedulerFlags);
      s.method = serviceMethod;
      s.tunnel = "ipip".equals(serviceMethod) ? serviceTunnel : null;
      if (key[2] != null) {
        s.firewallMark = Long.parseLong(key[2]);
        boolean v6 = !rs.isEmpty() && rs.get(0).address.contains(":");
        s.v6 = v6;
        s.placeholderVip = true;
        placeholders.put(s, vs);
      } else {
        s.vip = key[0];
        if (key[1] == null) {
          if (proto.persistenceTimeout == null) {
            throw error(vs, "virtual_server " + key[0] + ": the port may be left out only with persistence");
          }
          warn(vs, "virtual_server " + key[0] + " without a port (all ports, persistent): halvs needs a port or a "
              + "firewall mark; use a firewall mark for all ports; not imported");
          continue;
        }
        s.port = Integer.parseInt(key[1]);
        s.protocol = proto.protocol;
      }
      if (proto.onePacket && s.firewallMark == null && !"UDP".equals(s.protocol)) {
        warn(opsNode, "ops: one-packet scheduling is for UDP services; halvs refuses it with " + s.protocol
            + " (keepalived passes it to the kernel, which ignores it); not imported");
      } else {
        s.onePacket = proto.onePacket;
      }
      if (proto.persistenceEngine != null && (proto.persistenceTimeout == null
          || s.firewallMark == null && !"UDP".equals(s.protocol))) {
        warn(engineNode, "persistence_engine sip: " + (proto.persistenceTimeout == null
            ? "an engine works on persistent services only, and this one has no persistence_timeout"
            : "the kernel's sip engine parses UDP only and drops the " + s.protocol + " packets it is asked to "
                + "schedule; halvs refuses it") + "; not imported");
      }
      if (proto.persistenceTimeout != null) {
        s.persistenceTimeout = proto.persistenceTimeout;
        if (proto.persistenceEngine != null && (s.firewallMark != null || "UDP".equals(s.protocol))) {
          s.persistenceEngine = proto.persistenceEngine;
        }
        if (proto.netmask != null) {
          boolean v6 = s.vip.contains(":");
          if (proto.netmask.matches("\\d{1,3}")) {
            s.prefixLength = Integer.parseInt(proto.netmask);
          } else if (!v6 && Values.maskPrefix(proto.netmask) >= 0) {
            if (Values.maskPrefix(proto.netmask) != 32) {
              s.netmask = proto.netmask;
            }
          } else {
            throw error(vs, "persistence_granularity " + proto.netmask + " is not a contiguous netmask");
          }
        }
      }
      for (Manifest.Real r : rs) {
        Manifest.Real copy = new Manifest.Real(r.address, r.port, r.weight, r.method);
        copy.upperThreshold = r.upperThreshold;
        copy.lowerThreshold = r.lowerThreshold;
        copy.healthCheck = r.healthCheck;
        if (s.firewallMark == null && copy.port != null && copy.port.equals(s.port)) {
          copy.port = null;
        } else if (s.firewallMark == null && copy.port != null && !"masq".equals(copy.method)) {
          warn(vs, "real_server " + r.address + " port " + r.port + ": " + copy.method + " cannot map ports (the "
              + "packets reach port " + s.port + " whatever the table says); imported with port " + s.port);
          copy.port = null;
        }
        s.reals.add(copy);
      }
      if (sorry != null) {
        Map<String, Object> ss = new LinkedHashMap<>();
        String addr = sorry.arg(0);
        if (addr == null || !Values.isIp(addr)) {
          throw error(sorry, "sorry_server " + addr + " is not an IP address");
        }
        ss.put("address", addr);
        if (sorry.arg(1) != null) {
          int p = Integer.parseInt(port(sorry, sorry.arg(1)));
          if (p != 0 && (s.port == null || p != s.port)) {
            ss.put("port", p);
          }
        }
        ss.put("forwardingMethod", sorryMethod != null ? sorryMethod : d.method);
        if (sorryInhibit) {
          ss.put("inhibit", true);
        }
        if (sorryTunnel != null && !sorryTunnel.equals(s.tunnel)) {
          warn(sorry, "sorry_server_lvs_method: halvs sets the tunnel per virtual service; its tunnel type is not "
              + "imported");
        }
        s.sorryServer = ss;
      }
      s.healthCheck = check == null ? Map.of("type", "none") : withoutRealPort(check, s);
      out.add(s);
    }
    return out;
  }

  private static Defaults copy(Defaults d) {
    Defaults c = new Defaults();
    c.delayLoop = d.delayLoop;
    c.connectTimeout = d.connectTimeout;
    c.retry = d.retry;
    c.inhibit = d.inhibit;
    c.virtualHost = d.virtualHost;
    c.method = d.method;
    c.tunnel = d.tunnel;
    return c;
  }

  /** Checks compared across real servers: a connect_port equal to the server's own port is no difference. */
  private static String signatureWithoutPort(Map<String, Object> c, Integer realPort) {
    Map<String, Object> m = new LinkedHashMap<>(c);
    if (m.get("port") != null && m.get("port").equals(realPort)) {
      m.remove("port");
    }
    return m.toString();
  }

  private static Map<String, Object> withoutRealPort(Map<String, Object> c, Manifest.Service s) {
    Map<String, Object> m = new LinkedHashMap<>(c);
    if (s.port != null && s.port.equals(m.get("port"))) {
      m.remove("port");
    }
    return m;
  }

  /** One checker block as a halvs health check; null (with a warning) when halvs has no such check. */
  private Map<String, Object> checker(Node ch, Defaults rd, Manifest.Service proto) throws SyntaxError {
    Defaults cd = copy(rd);
    Integer port = null;
    List<Node> urls = new ArrayList<>();
    String sni = null;
    String dnsType = "SOA";
    String dnsName = ".";
    String payload = null;
    String reply = null;
    String heloName = null;
    for (Node n : block(ch)) {
      switch (n.keyword()) {
        case "connect_port" -> port = Integer.valueOf(port(n, one(n)));
        case "connect_timeout" -> cd.connectTimeout = seconds(n, one(n));
        case "delay_loop" -> cd.delayLoop = seconds(n, one(n));
        case "retry", "nb_get_retry" -> cd.retry = number(n, one(n), 0, 99, n.keyword());
        case "url" -> urls.add(n);
        case "virtualhost" -> cd.virtualHost = one(n);
        case "enable_sni" -> sni = sni == null ? "" : sni;
        case "sni_name" -> sni = one(n);
        case "type" -> dnsType = one(n).toUpperCase(Locale.ROOT);
        case "name" -> dnsName = one(n);
        case "helo_name" -> heloName = one(n);
        case "payload" -> payload = String.join("", n.args());
        case "require_reply" -> reply = String.join("", n.args());
        case "connect_ip", "bindto", "bind_if", "bind_port", "fwmark" -> warn(n, n.keyword() + " in " + ch.keyword()
            + ": halvs' checks connect from the director to the real server's own address; not imported");
        default -> {
          // http_protocol, fast_recovery, warmup, delay_before_retry, log_all_failures, misc_*, helo_name, ...
        }
      }
    }
    String type;
    switch (ch.keyword()) {
      case "HTTP_GET" -> type = "http";
      case "SSL_GET" -> type = "https";
      case "TCP_CHECK" -> type = "tcp";
      case "DNS_CHECK" -> {
        if (!List.of("A", "AAAA", "CNAME", "MX", "NS", "PTR", "SOA", "SRV", "TXT").contains(dnsType)) {
          warn(ch, "DNS_CHECK type " + dnsType + ": halvs' dns check asks for A, AAAA, CNAME, MX, NS, PTR, SOA, "
              + "SRV or TXT records; no check imported");
          return null;
        }
        type = "dns";
      }
      case "UDP_CHECK" -> type = "udp";
      case "SMTP_CHECK" -> type = "smtp";
      case "PING_CHECK" -> type = "icmp";
      case "MISC_CHECK" -> {
        warn(ch, "MISC_CHECK: halvs runs no user scripts in its agent, which has NET_ADMIN on the directors' host "
            + "network (docs/HEALTH.md, external checks); misc_path is not imported, nor a check for this real "
            + "server; express the script's test as a tcp send/expect, http, smtp or icmp check where it can be");
        return null;
      }
      default -> {
        warn(ch, ch.keyword() + ": halvs has no " + ch.keyword() + "; no check imported for this real server");
        return null;
      }
    }
    Map<String, Object> hc = new LinkedHashMap<>();
    hc.put("type", type);
    if (port != null && !type.equals("icmp")) {
      hc.put("port", port);
    }
    hc.put("intervalMillis", Math.max(100, Math.min(3600000, Math.round(cd.delayLoop * 1000))));
    hc.put("timeoutMillis", Math.max(10, Math.min(600000, Math.round(cd.connectTimeout * 1000))));
    hc.put("rise", 1);
    int retry = cd.retry != null ? cd.retry : type.equals("dns") ? 3 : 1;
    hc.put("fall", Math.min(100, retry + 1));
    hc.put("onFailure", cd.inhibit ? "quiescent" : "remove");
    if (type.equals("http") || type.equals("https")) {
      Map<String, Object> http = new LinkedHashMap<>();
      Node url = urls.isEmpty() ? null : urls.get(0);
      if (urls.size() > 1) {
        warn(urls.get(1), "more than one url: halvs checks one path; the first is imported");
      }
      String path = "/";
      String vhost = cd.virtualHost;
      List<Integer> status = Values.HTTP_2XX;
      if (url != null) {
        for (Node u : block(url)) {
          switch (u.keyword()) {
            case "path" -> path = one(u);
            case "digest" -> {
              String d = one(u).toLowerCase(Locale.ROOT);
              if (!d.matches("[0-9a-f]{32}")) {
                throw error(u, "digest " + one(u) + " is not an MD5 sum (32 hex digits)");
              }
              http.put("expectDigest", d);
            }
            case "status_code" -> status = statusCodes(u);
            case "virtualhost" -> vhost = one(u);
            case "regex" -> http.put("expectBodyRegex", one(u));
            case "regex_no_match" -> warn(u, "regex_no_match: halvs' body regexp must match; not imported");
            default -> {
              // regex_options, regex_stack, regex_*_offset, tls_compliant
            }
          }
        }
      }
      if (!path.matches("^/\\S*$")) {
        throw error(url, "url path " + path + " must start with /");
      }
      Map<String, Object> ordered = new LinkedHashMap<>();
      ordered.put("path", path);
      if (vhost != null) {
        ordered.put("host", vhost);
      }
      ordered.put("method", "GET");
      ordered.put("expectStatus", status);
      ordered.putAll(http);
      if (type.equals("https") && sni != null && !sni.isEmpty()) {
        ordered.put("sni", sni);
      }
      hc.put("http", ordered);
    } else if (type.equals("dns")) {
      if (dnsName.equals(".") || dnsName.isEmpty()) {
        warn(ch, "DNS_CHECK without name: keepalived asks for the root; halvs' dns check needs a name; no check "
            + "imported");
        return null;
      }
      Map<String, Object> dns = new LinkedHashMap<>();
      dns.put("name", dnsName);
      dns.put("recordType", dnsType);
      hc.put("dns", dns);
    } else if (type.equals("smtp")) {
      if (heloName != null) {
        if (heloName.matches("^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$") && heloName.length() <= 253) {
          hc.put("smtp", Map.of("heloName", heloName));
        } else {
          warn(ch, "helo_name " + heloName + " is not a host name; halvs greets with localhost");
        }
      }
    } else if (type.equals("udp")) {
      Map<String, Object> udp = new LinkedHashMap<>();
      String send = payload == null ? null : text(payload);
      if (payload != null && send == null) {
        warn(ch, "UDP_CHECK payload: halvs sends text (UTF-8); this payload is not printable; a newline is sent");
      }
      udp.put("send", send == null ? "\n" : send);
      if (reply != null && !reply.isEmpty()) {
        String expect = text(reply);
        if (expect == null) {
          warn(ch, "UDP_CHECK require_reply: halvs expects text in the answer; this one is not printable; any "
              + "answer counts as up");
        } else {
          udp.put("expect", expect);
        }
      }
      hc.put("udp", udp);
    }
    return hc;
  }

  /** keepalived's free-form hex (pairs of digits, a lone digit is one byte) as text, or null if not printable. */
  private static String text(String hex) {
    StringBuilder b = new StringBuilder();
    String h = hex.replaceAll("\\s", "");
    if (!h.matches("[0-9A-Fa-f]*") || h.length() % 2 != 0) {
      return null;
    }
    for (int i = 0; i < h.length(); i += 2) {
      int c = Integer.parseInt(h.substring(i, i + 2), 16);
      if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c > 0x7e) {
        return null;
      }
      b.append((char) c);
    }
    return b.length() == 0 ? null : b.toString();
  }

  private static final List<Integer> REGISTERED = List.of(100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206,
      207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308, 400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410,
      411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423, 424, 425, 426, 428, 429, 431, 451, 500, 501, 502, 503,
      504, 505, 506, 507, 508, 510, 511);

  private List<Integer> statusCodes(Node n) throws SyntaxError {
    List<Integer> out = new ArrayList<>();
    for (String a : n.args()) {
      String[] r = a.split("-", 2);
      if (!r[0].matches("\\d{3}") || r.length == 2 && !r[1].matches("\\d{3}")) {
        throw error(n, "status_code " + a + ": a code or range of codes 100-599");
      }
      int lo = Integer.parseInt(r[0]);
      int hi = r.length == 2 ? Integer.parseInt(r[1]) : lo;
      if (lo < 100 || hi > 599 || lo > hi) {
        throw error(n, "status_code " + a + ": a code or range of codes 100-599");
      }
      if (lo == hi) {
        out.add(lo);
      } else {
        REGISTERED.stream().filter(c -> c >= lo && c <= hi).forEach(out::add);
      }
    }
    if (out.size() > 16) {
      warn(n, "status_code: halvs takes at most 16 codes; the first 16 registered ones are imported");
      return List.copyOf(out.subList(0, 16));
    }
    return out;
  }

  // ---- small parsers

  private static String one(Node n) throws SyntaxError {
    if (n.args().isEmpty()) {
      throw error(n, n.keyword() + " needs a value");
    }
    return n.arg(0);
  }

  private static boolean bool(Node n) throws SyntaxError {
    if (n.args().isEmpty()) {
      return true;
    }
    return switch (n.arg(0).toLowerCase(Locale.ROOT)) {
      case "true", "on", "yes" -> true;
      case "false", "off", "no" -> false;
      default -> throw error(n, n.keyword() + " takes true or false");
    };
  }

  private static int number(Node n, String v, long min, long max, String what) throws SyntaxError {
    if (v == null || !v.matches("\\d{1,10}") || Long.parseLong(v) < min || Long.parseLong(v) > max) {
      throw error(n, what + " must be a number " + min + "-" + max + (v == null ? "" : ", not " + v));
    }
    return Integer.parseInt(v);
  }

  private static double seconds(Node n, String v) throws SyntaxError {
    if (!v.matches("\\d{1,7}(\\.\\d{1,6})?")) {
      throw error(n, n.keyword() + " must be seconds (a decimal number), not " + v);
    }
    return Double.parseDouble(v);
  }

  private static String port(Node n, String v) throws SyntaxError {
    Integer p = Values.port(v);
    if (p == null) {
      throw error(n, n.keyword() + ": " + v + " is not a port (0-65535)");
    }
    return p.toString();
  }

  /** A virtual server's port; null when left out (or 0): all ports, which keepalived allows with persistence. */
  private static String servicePort(Node n, String v) throws SyntaxError {
    if (v == null) {
      return null;
    }
    String p = port(n, v);
    return p.equals("0") ? null : p;
  }

  private static String fwmark(Node n, String v) throws SyntaxError {
    if (v == null || !v.matches("\\d{1,10}") || Long.parseLong(v) < 1 || Long.parseLong(v) > 4294967295L) {
      throw error(n, "fwmark must be 1-4294967295");
    }
    return v;
  }

  private static String method(Node n, int i) throws SyntaxError {
    String m = n.arg(i) == null ? "" : n.arg(i).toUpperCase(Locale.ROOT);
    return switch (m) {
      case "NAT" -> "masq";
      case "DR" -> "gate";
      case "TUN" -> "ipip";
      default -> throw error(n, n.keyword() + " must be NAT, DR or TUN");
    };
  }

  /** "TUN type gue port 6080 csum": the tunnel settings; null for a plain ipip tunnel or another method. */
  private static Map<String, Object> tunnel(Node n, int from) throws SyntaxError {
    if (!"TUN".equalsIgnoreCase(n.arg(0)) || n.args().size() <= from) {
      return null;
    }
    Map<String, Object> t = new LinkedHashMap<>();
    for (int i = from; i < n.args().size(); i++) {
      String a = n.arg(i);
      switch (a) {
        case "type" -> {
          String type = n.arg(++i);
          if (!Set.of("ipip", "gue", "gre").contains(type)) {
            throw error(n, "tunnel type must be ipip, gue or gre");
          }
          t.put("type", type);
        }
        case "port" -> t.put("port", number(n, n.arg(++i), 1, 65535, "tunnel port"));
        case "nocsum" -> {
          // the default
        }
        case "csum", "remcsum" -> t.put("checksum", a);
        default -> throw error(n, "unknown tunnel option " + a);
      }
    }
    if ("gue".equals(t.get("type")) && !t.containsKey("port")) {
      throw error(n, "a gue tunnel needs port NUM");
    }
    Object type = t.getOrDefault("type", "ipip");
    if (t.containsKey("checksum") && !"gue".equals(type) && !("gre".equals(type) && "csum".equals(t.get("checksum")))) {
      throw error(n, t.get("checksum") + " is not a checksum option of a " + type + " tunnel (ipvsadm "
          + "takes csum with gue and gre, remcsum with gue only)");
    }
    if (t.containsKey("port") && !"gue".equals(type)) {
      throw error(n, "tunnel port is for gue tunnels only");
    }
    return t.isEmpty() || t.equals(Map.of("type", "ipip")) ? null : t;
  }

  /** The addresses of a virtual_server_group line: one, A-B (last octet or full), or a CIDR block. */
  private static List<String> range(Node member) throws SyntaxError {
    String spec = member.keyword();
    List<String> out = new ArrayList<>();
    if (Values.isIp(spec)) {
      out.add(spec);
      return out;
    }
    long first;
    long last;
    if (spec.contains("/")) {
      String[] p = spec.split("/", 2);
      if (!Values.isIpv4(p[0]) || !p[1].matches("\\d{1,2}") || Integer.parseInt(p[1]) > 32) {
        throw error(member, "virtual_server_group entry " + spec + " is not an address, range or IPv4 CIDR block");
      }
      long mask = (0xFFFFFFFFL << (32 - Integer.parseInt(p[1]))) & 0xFFFFFFFFL;
      first = Values.ipv4ToLong(p[0]) & mask;
      last = first | (~mask & 0xFFFFFFFFL);
    } else if (spec.contains("-")) {
      String[] p = spec.split("-", 2);
      if (!Values.isIpv4(p[0])) {
        throw error(member, "virtual_server_group entry " + spec + ": IPv4 ranges only (halvs import)");
      }
      first = Values.ipv4ToLong(p[0]);
      if (p[1].matches("\\d{1,3}") && Integer.parseInt(p[1]) <= 255) {
        last = (first & 0xFFFFFF00L) | Integer.parseInt(p[1]);
      } else if (Values.isIpv4(p[1])) {
        last = Values.ipv4ToLong(p[1]);
      } else {
        throw error(member, "virtual_server_group entry " + spec + " is not a range");
      }
    } else {
      throw error(member, "virtual_server_group entry " + spec + " is not an address, range or fwmark");
    }
    if (last < first || last - first > 4096) {
      throw error(member, "virtual_server_group range " + spec + " is empty or holds more than 4096 addresses");
    }
    for (long x = first; x <= last; x++) {
      out.add(Values.longToIpv4(x));
    }
    return out;
  }
}
