package io.halvs.plan.migrate.ldirectord;

import io.halvs.plan.migrate.Diagnostics;
import io.halvs.plan.migrate.Diagnostics.SyntaxError;
import io.halvs.plan.migrate.Manifest;
import io.halvs.plan.migrate.Values;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ldirectord.cf (as ldirectord(8) defines it and its read_config parses it) into halvs objects. Global
 * directives start in column 0; a {@code virtual=}/{@code virtual6=} line opens a block whose lines are indented
 * by at least 4 spaces or a tab, and the first line that is not ends it. Globals apply to every block wherever
 * they stand in the file, as ldirectord resolves them only after reading it all.
 *
 * <p>Defaults are ldirectord's: scheduler wrr, weight 1, protocol tcp (udp on port 53), checktype negotiate with
 * the service derived from the port, checkinterval 10 s, checktimeout 5 s, negotiatetimeout 30 s, failurecount 1,
 * quiescent no (the source's default; older man pages say yes), fallback forwarded by gate.
 */
public final class LdirectordImporter {
  private final String file;
  private final Diagnostics diagnostics;

  // Globals.
  private int checkTimeout = -1;
  private int negotiateTimeout = -1;
  private int checkInterval = 10;
  private int failureCount = 1;
  private String quiescent = "no";
  private String fork = "no";
  private Fallback fallback4;
  private Fallback fallback6;
  private final List<Virtual> virtuals = new ArrayList<>();

  private record Fallback(String server, Integer port, String method) {}

  private record RealLine(String text, int line) {}

  /** Real servers with a request/receive of their own: request, receive, line. */
  private final Map<Manifest.Real, String[]> ownChecks = new java.util.IdentityHashMap<>();

  private static final class Virtual {
    int line;
    boolean v6;
    String address;
    Integer port;
    Long fwm;
    boolean skip;
    String protocol;
    String scheduler = "wrr";
    Integer persistent;
    String netmask;
    String schedFlags;
    int schedFlagsLine;
    boolean ops;
    String checkType = "negotiate";
    int checkTypeLine;
    String service;
    int serviceLine;
    Integer checkPort;
    String request = "/";
    String receive = "";
    String httpMethod = "GET";
    String virtualHost;
    int checkTimeout = -1;
    int negotiateTimeout = -1;
    int failureCount = -1;
    Integer checkInterval;
    int checkIntervalLine;
    String quiescent;
    Fallback fallback;
    final List<RealLine> reals = new ArrayList<>();
  }

  private LdirectordImporter(String file, Diagnostics diagnostics) {
    this.file = file;
    this.diagnostics = diagnostics;
  }

  /** The halvs objects for one ldirectord.cf; warnings go to diagnostics. */
  public static Manifest read(String file, String text, String pairName, Diagnostics diagnostics)
      throws SyntaxError {
    LdirectordImporter p = new LdirectordImporter(file, diagnostics);
    p.parse(text.split("\r?\n", -1));
    return p.manifest(pairName);
  }

  private static final Pattern VIRTUAL = Pattern.compile("^virtual(6)?\\s*=\\s*(.*)");
  private static final Pattern KEY_VALUE = Pattern.compile("^([a-z0-9_]+)\\s*(=\\s*(.*?))?\\s*$");

  private void parse(String[] lines) throws SyntaxError {
    int i = 0;
    while (i < lines.length) {
      String raw = lines[i];
      int lineNo = i + 1;
      i++;
      Matcher v = VIRTUAL.matcher(raw);
      if (v.find()) {
        Virtual vs = openVirtual(v.group(1) != null, stripComment(v.group(2)).trim(), lineNo);
        while (i < lines.length) {
          String l = lines[i];
          if (l.matches("^\\s*#.*")) {
            i++;
            continue;
          }
          String body = stripComment(l).replace("\t", "    ");
          if (!body.matches("^ {4,}\\S.*")) {
            break; // not indented: the block ends, the line is read again as a global
          }
          directive(vs, body.trim(), i + 1);
          i++;
        }
        virtuals.add(vs);
        continue;
      }
      if (raw.isBlank() || raw.matches("^\\s*#.*")) {
        continue;
      }
      global(stripComment(raw).replaceAll("\\s+$", ""), lineNo);
    }
  }

  private static String stripComment(String s) {
    // A '#' inside a quoted string (a receive regexp) is kept.
    boolean quoted = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"') {
        quoted = !quoted;
      } else if (c == '#' && !quoted) {
        return s.substring(0, i);
      }
    }
    return s;
  }

  private SyntaxError error(int line, String message) {
    return new SyntaxError(file, line, message);
  }

  private void warn(int line, String message) {
    diagnostics.warn(file, line, message);
  }

  private static final Pattern V4_PORT = Pattern.compile("^(\\d+\\.\\d+\\.\\d+\\.\\d+):([0-9A-Za-z_-]+)$");
  private static final Pattern V6_PORT = Pattern.compile("^\\[([0-9A-Fa-f:.]+)\\]:([0-9A-Za-z_-]+)$");
  private static final Pattern HOST_PORT = Pattern.compile("^([0-9A-Za-z._+-]+):([0-9A-Za-z_-]+)$");

  private Virtual openVirtual(boolean v6, String value, int line) throws SyntaxError {
    Virtual vs = new Virtual();
    vs.line = line;
    vs.v6 = v6;
    String kw = v6 ? "virtual6" : "virtual";
    Matcher m4 = V4_PORT.matcher(value);
    Matcher m6 = V6_PORT.matcher(value);
    Matcher host = HOST_PORT.matcher(value);
    String portText = null;
    if (!v6 && m4.matches()) {
      if (!Values.isIpv4(m4.group(1))) {
        throw error(line, "virtual=" + value + ": " + m4.group(1) + " is not an IPv4 address");
      }
      vs.address = m4.group(1);
      portText = m4.group(2);
    } else if (m6.matches()) {
      if (!v6) {
        throw error(line, "virtual=" + value + ": an IPv6 address needs virtual6=");
      }
      if (!Values.isIpv6(m6.group(1))) {
        throw error(line, "virtual6=" + value + ": " + m6.group(1) + " is not an IPv6 address");
      }
      vs.address = m6.group(1);
      portText = m6.group(2);
    } else if (value.matches("\\d+")) {
      long mark = value.length() > 10 ? -1 : Long.parseLong(value);
      if (mark < 1 || mark > 4294967295L) {
        throw error(line, kw + "=" + value + ": a firewall mark is 1-4294967295");
      }
      vs.fwm = mark;
      vs.protocol = "fwm";
      vs.service = "none";
      return vs;
    } else if (!v6 && value.matches("\\d+\\.\\d+\\.\\d+\\.\\d+")) {
      throw error(line, "virtual=" + value + ": an address needs :port (ldirectord would read firewall mark "
          + value.substring(0, value.indexOf('.')) + ")");
    } else if (host.matches()) {
      vs.skip = true;
      portText = host.group(2);
      warn(line, kw + "=" + value + ": a host name; halvs needs the address: write " + kw + "=ADDRESS:"
          + host.group(2) + " (this virtual service is not imported)");
    } else {
      throw error(line, kw + "=" + value + ": invalid address for virtual server (ADDRESS:PORT, "
          + (v6 ? "[IPv6]:PORT" : "IPv4:PORT") + " or a firewall mark)");
    }
    Integer port = Values.port(portText);
    if (port == null || port == 0) {
      throw error(line, kw + "=" + value + ": '" + portText + "' is not a port (1-65535) or a known service name");
    }
    vs.port = port;
    vs.protocol = port == 53 ? "udp" : "tcp";
    return vs;
  }

  private static final Set<String> CHECK_TYPES = Set.of("connect", "negotiate", "ping", "off", "on", "external",
      "external-perl");
  private static final Set<String> SERVICES = Set.of("dns", "ftp", "http", "https", "http_proxy", "imap", "imaps",
      "ldap", "ldaps", "nntp", "mysql", "none", "oracle", "pop", "pops", "radius", "pgsql", "sip", "smtp",
      "submission", "simpletcp");

  private void directive(Virtual vs, String text, int line) throws SyntaxError {
    Matcher kv = Pattern.compile("^([a-z0-9_]+)\\s*=\\s*(.*?)\\s*$").matcher(text);
    if (!kv.matches()) {
      throw error(line, "unknown directive \"" + text + "\" in a virtual block");
    }
    String key = kv.group(1);
    String value = kv.group(2);
    String unquoted = value.replaceAll("^\"(.*)\"$", "$1");
    switch (key) {
      case "real", "real6" -> {
        if (key.equals("real6") != vs.v6) {
          throw error(line, "cannot specify \"" + key + "\" here; use \"real" + (vs.v6 ? "6" : "") + "\"");
        }
        vs.reals.add(new RealLine(value, line));
      }
      case "request" -> {
        if (!value.matches("\".+\"")) {
          throw error(line, "request must be a quoted, non-empty string");
        }
        vs.request = unquoted.startsWith("/") ? unquoted : "/" + unquoted;
      }
      case "receive" -> {
        if (!value.matches("\".+\"")) {
          throw error(line, "receive must be a quoted, non-empty string");
        }
        vs.receive = unquoted;
      }
      case "checktype" -> {
        Matcher n = Pattern.compile("(\\d+)").matcher(value);
        if (n.find()) {
          vs.checkType = "combined";
        } else if (CHECK_TYPES.contains(value)) {
          vs.checkType = value;
        } else {
          throw error(line, "checktype must be connect, negotiate, on, off, ping, external, external-perl or a "
              + "number");
        }
        vs.checkTypeLine = line;
      }
      case "checktimeout" -> vs.checkTimeout = positive(value, line, key);
      case "negotiatetimeout" -> vs.negotiateTimeout = positive(value, line, key);
      case "connecttimeout" -> throw error(line, "connecttimeout is deprecated in favour of negotiatetimeout "
          + "(ldirectord refuses it too)");
      case "failurecount" -> vs.failureCount = positive(value, line, key);
      case "checkcount" -> positive(value, line, key); // deprecated, ping only; failurecount is what counts
      case "checkinterval" -> {
        vs.checkInterval = positive(value, line, key);
        vs.checkIntervalLine = line;
      }
      case "checkport" -> {
        Integer p = value.matches("\\d+") ? Values.port(value) : null;
        if (p == null || p == 0) {
          throw error(line, "checkport must be in range 1..65535");
        }
        vs.checkPort = p;
      }
      case "scheduler" -> {
        if (!Values.isScheduler(value)) {
          throw error(line, "scheduler '" + value + "' is not an IPVS scheduler (rr wrr lc wlc lblc lblcr dh sh sed "
              + "nq fo ovf mh twos)");
        }
        vs.scheduler = value;
      }
      case "persistent" -> {
        if (!value.matches("\\d{1,9}") || Integer.parseInt(value) < 1) {
          throw error(line, "invalid persistent timeout '" + value + "'");
        }
        vs.persistent = Integer.parseInt(value);
      }
      case "schedflags" -> {
        if (value.isEmpty()) {
          throw error(line, "invalid schedflags");
        }
        vs.schedFlags = value;
        vs.schedFlagsLine = line;
      }
      case "netmask" -> {
        if (vs.v6 ? !(value.matches("\\d{1,3}") && Integer.parseInt(value) >= 1 && Integer.parseInt(value) <= 128)
            : Values.maskPrefix(value) < 0) {
          throw error(line, vs.v6 ? "invalid netmask: a prefix length between 1 and 128 is required"
              : "invalid netmask '" + value + "': a contiguous dotted-quad mask is required, e.g. 255.255.255.0");
        }
        vs.netmask = value;
      }
      case "protocol" -> {
        if (vs.fwm != null ? !value.equals("fwm") : !(value.equals("tcp") || value.equals("udp"))) {
          throw error(line, vs.fwm != null ? "protocol must be fwm if the virtual service is a firewall mark"
              : "protocol must be tcp or udp if the virtual service is an address and port");
        }
        vs.protocol = value;
      }
      case "ops" -> {
        vs.ops = yesNo(value, line, key).equals("yes");
      }
      case "service" -> {
        if (!SERVICES.contains(value)) {
          throw error(line, "service must be one of " + new java.util.TreeSet<>(SERVICES));
        }
        vs.service = value;
        vs.serviceLine = line;
      }
      case "httpmethod" -> {
        String m = value.toUpperCase(java.util.Locale.ROOT);
        if (!m.equals("GET") && !m.equals("HEAD")) {
          throw error(line, "httpmethod must be GET or HEAD");
        }
        vs.httpMethod = m;
      }
      case "virtualhost" -> vs.virtualHost = unquoted;
      case "fallback", "fallback6" -> {
        if (key.equals("fallback6") != vs.v6) {
          throw error(line, "cannot specify \"" + key + "\" here; use \"fallback" + (vs.v6 ? "6" : "") + "\"");
        }
        vs.fallback = fallback(value, line, vs.v6, vs.port);
      }
      case "quiescent" -> vs.quiescent = yesNo(value, line, key);
      case "cleanstop" -> yesNo(value, line, key);
      case "emailalert" -> warn(line, "emailalert: halvs sends no mail; alert on the RealServer conditions and "
          + "Events instead (deploy/monitoring has Prometheus rules)");
      case "fallbackcommand" -> warn(line, "fallbackcommand: halvs runs no commands; it adds the sorry server "
          + "(fallback=) itself when no real server is healthy");
      case "checkcommand", "login", "passwd", "database", "secret", "load", "monitorfile", "servicename",
          "comment", "emailalertfreq", "emailalertstatus", "smtp" -> {
        // Used only by checks or notifications that the checktype/service and emailalert warnings cover.
      }
      default -> throw error(line, "unknown directive \"" + key + "\" in a virtual block");
    }
  }

  private void global(String text, int line) throws SyntaxError {
    Matcher kv = KEY_VALUE.matcher(text);
    if (!kv.matches()) {
      throw error(line, text.matches("^\\s+.*") ? "\"" + text.trim() + "\" is indented but not inside a virtual "
          + "block (a blank or unindented line ends a block)" : "unknown directive \"" + text.trim() + "\"");
    }
    String key = kv.group(1);
    String value = kv.group(3) == null ? "" : kv.group(3);
    switch (key) {
      case "checktimeout" -> checkTimeout = positive(value, line, key);
      case "negotiatetimeout" -> negotiateTimeout = positive(value, line, key);
      case "checkinterval" -> checkInterval = positive(value, line, key);
      case "failurecount" -> failureCount = positive(value, line, key);
      case "checkcount" -> positive(value, line, key);
      case "connecttimeout" -> throw error(line, "connecttimeout is deprecated in favour of negotiatetimeout "
          + "(ldirectord refuses it too)");
      case "timeout" -> throw error(line, "timeout is deprecated in favour of checktimeout and negotiatetimeout "
          + "(ldirectord refuses it too)");
      case "fallback" -> fallback4 = fallback(value, line, false, null);
      case "fallback6" -> fallback6 = fallback(value, line, true, null);
      case "quiescent" -> quiescent = yesNo(value, line, key);
      case "fork" -> fork = yesNo(value, line, key);
      case "autoreload", "readdquiescent", "cleanstop" -> yesNo(value, line, key);
      case "supervised" -> {
        if (!value.isEmpty()) {
          yesNo(value, line, key);
        }
      }
      case "emailalert" -> warn(line, "emailalert: halvs sends no mail; alert on the RealServer conditions and "
          + "Events instead (deploy/monitoring has Prometheus rules)");
      case "fallbackcommand" -> warn(line, "fallbackcommand: halvs runs no commands; it adds the sorry server "
          + "(fallback=) itself when no real server is healthy");
      case "maintenancedir" -> warn(line, "maintenancedir: halvs has no maintenance files; take a real server out "
          + "with spec.drain: true on its RealServer (or kubectl halvs drain)");
      case "execute" -> warn(line, "execute=" + value + ": import that configuration separately (halvs import "
          + "ldirectord " + value + ")");
      case "callback", "logfile", "emailalertfreq", "emailalertstatus", "emailalertfrom", "smtp" -> {
        // Nothing to carry over: halvs reconciles the CRs continuously and logs to its own output.
      }
      default -> throw error(line, "unknown directive \"" + key + "\"");
    }
  }

  private int positive(String value, int line, String key) throws SyntaxError {
    if (!value.matches("\\d{1,7}") || Integer.parseInt(value) < 1) {
      throw error(line, "invalid " + key + " '" + value + "': a positive number is required");
    }
    return Integer.parseInt(value);
  }

  private String yesNo(String value, int line, String key) throws SyntaxError {
    if (!value.equals("yes") && !value.equals("no")) {
      throw error(line, key + " must be 'yes' or 'no'");
    }
    return value;
  }

  private Fallback fallback(String value, int line, boolean v6, Integer virtualPort) throws SyntaxError {
    Matcher m = Pattern.compile("^(\\S+?)(?::([0-9A-Za-z_-]+))?(?:\\s+(\\S+))?$").matcher(value.trim());
    if (!m.matches()) {
      throw error(line, "invalid fallback server: " + value);
    }
    String server = m.group(1);
    if (v6) {
      if (!server.matches("\\[[0-9A-Fa-f:.]+\\]")) {
        Matcher b = Pattern.compile("^(\\[[0-9A-Fa-f:.]+\\])(?::([0-9A-Za-z_-]+))?(?:\\s+(\\S+))?$").matcher(
            value.trim());
        if (!b.matches()) {
          throw error(line, "fallback6 needs an IPv6 address in brackets: [2001:db8::1]:80");
        }
        m = b;
        server = b.group(1);
      }
      server = server.substring(1, server.length() - 1);
    }
    String method = m.group(3) == null ? "gate" : m.group(3);
    if (!Set.of("gate", "masq", "ipip").contains(method)) {
      throw error(line, "forward method must be gate, masq or ipip");
    }
    Integer port = virtualPort;
    if (m.group(2) != null) {
      port = Values.port(m.group(2));
      if (port == null) {
        throw error(line, "invalid port for fallback server: " + m.group(2));
      }
    }
    if (!(v6 ? Values.isIpv6(server) : Values.isIpv4(server))) {
      warn(line, "fallback " + server + ": halvs needs an address, not a host name; write the address (no sorry "
          + "server imported)");
      return null;
    }
    return new Fallback(server, port, method);
  }

  private static final String ADDR = "(\\d+\\.\\d+\\.\\d+\\.\\d+|[A-Za-z0-9.-]+|\\[[0-9A-Fa-f:.]+\\])";
  private static final Pattern REAL = Pattern.compile("^" + ADDR + "(?:->" + ADDR + ")?(?::(\\d+|[A-Za-z0-9_-]+))?"
      + "\\s+(.*)$");

  private Manifest manifest(String pairName) throws SyntaxError {
    Manifest out = new Manifest(pairName, file);
    Set<String> seen = new HashSet<>();
    for (Virtual vs : virtuals) {
      String id = vs.fwm != null ? "fwm" + (vs.v6 ? "6" : "") + ":" + vs.fwm : vs.protocol + ":" + vs.address + ":"
          + vs.port;
      if (!vs.skip && !seen.add(id)) {
        throw error(vs.line, "duplicate virtual server " + id);
      }
      List<Manifest.Real> reals = new ArrayList<>();
      for (RealLine r : vs.reals) {
        reals.addAll(real(vs, r));
      }
      if (vs.skip) {
        continue;
      }
      if (vs.service == null) {
        vs.service = serviceOf(vs.port);
      }
      if (!vs.protocol.equals("udp")) {
        vs.ops = false; // ldirectord passes -o for udp services only (not tcp, not fwm)
      }
      Manifest.Service s = new Manifest.Service();
      if (vs.fwm != null) {
        s.firewallMark = vs.fwm;
        s.v6 = vs.v6;
        s.placeholderVip = true;
        warn(vs.line, "firewall-mark service " + vs.fwm + ": imported holding no address, as ldirectord holds none "
            + "(your cluster manager did); list the addresses your mark rules match in its vips for halvs to hold "
            + "them, and describe those rules (iptables/nft -j MARK) in its marking for the directors to install "
            + "them");
      } else {
        s.vip = vs.address;
        s.port = vs.port;
        s.protocol = vs.protocol.toUpperCase(java.util.Locale.ROOT);
      }
      s.scheduler = vs.scheduler;
      schedFlags(vs, s);
      if (vs.persistent != null) {
        s.persistenceTimeout = vs.persistent;
        if (vs.netmask != null) {
          if (vs.v6) {
            s.prefixLength = Integer.parseInt(vs.netmask);
          } else if (!vs.netmask.equals("255.255.255.255")) {
            s.netmask = vs.netmask;
          }
        }
      }
      s.onePacket = vs.ops;
      s.method = reals.isEmpty() ? (vs.fallback != null ? vs.fallback.method : "gate") : reals.get(0).method;
      Fallback fb = vs.fallback != null ? vs.fallback : vs.fwm != null ? null : vs.v6 ? fallback6 : fallback4;
      if (vs.checkType.equals("off")) {
        // ldirectord never checks, so never activates a real server; its start adds the fallback all the same
        // (ld_start calls fallback_on for every virtual), which then stays: a fallback-only service.
        warn(vs.checkTypeLine, "checktype=off: ldirectord never activates the real servers" + (fb != null
            ? " and serves the fallback alone; imported without RealServers, the fallback as sorry server"
            : "; the service stays empty; imported without RealServers") + ", annotated halvs.io/allow-empty "
            + "(meant to be empty)");
      } else {
        s.reals.addAll(reals);
      }
      if (fb != null) {
        Map<String, Object> sorry = new LinkedHashMap<>();
        sorry.put("address", fb.server());
        Integer port = fb.port() != null ? fb.port() : vs.port;
        if (port != null && !port.equals(vs.port) && vs.fwm == null && fb.method().equals("masq")) {
          sorry.put("port", port);
        }
        sorry.put("forwardingMethod", fb.method());
        s.sorryServer = sorry;
      }
      s.healthCheck = healthCheck(vs);
      for (Manifest.Real real : s.reals) {
        String[] own = ownChecks.get(real);
        if (own != null) {
          real.healthCheck = ownCheck(s.healthCheck, own[0], own[1], Integer.parseInt(own[2]));
        }
      }
      out.services.add(s);
    }
    return out;
  }

  private void schedFlags(Virtual vs, Manifest.Service s) {
    if (vs.schedFlags == null) {
      return;
    }
    for (String f : vs.schedFlags.split(",")) {
      String flag = f.trim();
      if (Set.of("sh-fallback", "sh-port").contains(flag) && vs.scheduler.equals("sh")
          || Set.of("mh-fallback", "mh-port").contains(flag) && vs.scheduler.equals("mh")) {
        s.schedulerFlags.add(flag);
      } else {
        warn(vs.schedFlagsLine, "schedflags " + flag + ": halvs has the flags sh-fallback, sh-port (scheduler sh) "
            + "and mh-fallback, mh-port (scheduler mh) only; " + flag + " is not imported");
      }
    }
  }

  private List<Manifest.Real> real(Virtual vs, RealLine r) throws SyntaxError {
    Matcher m = REAL.matcher(r.text().trim());
    if (!m.matches()) {
      throw error(r.line(), "invalid address for real server (wrong format): " + r.text());
    }
    String first = m.group(1);
    String last = m.group(2);
    String portText = m.group(3);
    Integer port = 0;
    if (portText != null) {
      port = Values.port(portText);
      if (port == null) {
        throw error(r.line(), "invalid port (" + portText + ") for real server");
      }
    }
    String flags = m.group(4);
    Matcher fm = Pattern.compile("^(\\w+)(.*)$").matcher(flags);
    if (!fm.matches() || !Set.of("gate", "masq", "ipip").contains(fm.group(1))) {
      throw error(r.line(), "forward method must be gate, masq or ipip");
    }
    String method = fm.group(1);
    String rest = fm.group(2);
    int weight = 1;
    Matcher w = Pattern.compile("^\\s+(\\d+)(.*)$").matcher(rest);
    if (w.matches()) {
      if (w.group(1).length() > 5 || Integer.parseInt(w.group(1)) > 65535) {
        throw error(r.line(), "weight " + w.group(1) + " is out of range 0-65535 (ipvsadm refuses it)");
      }
      weight = Integer.parseInt(w.group(1));
      rest = w.group(2);
    }
    Matcher rr = Pattern.compile("^\\s+\"(.*)\"[, ]\\s*\"(.*)\"(.*)$").matcher(rest);
    String[] ownCheck = null;
    if (rr.matches()) {
      String req = rr.group(1).startsWith("/") ? rr.group(1) : "/" + rr.group(1);
      if (!req.equals(vs.request) || !rr.group(2).equals(vs.receive)) {
        ownCheck = new String[] {req, rr.group(2), Integer.toString(r.line())};
      }
      rest = rr.group(3);
    }
    Long lower = null;
    Long upper = null;
    Matcher l = Pattern.compile("^\\s+l:(\\d{1,10})(.*)$").matcher(rest);
    if (l.matches()) {
      lower = Long.parseLong(l.group(1));
      rest = l.group(2);
    }
    Matcher u = Pattern.compile("^\\s+u:(\\d{1,10})(.*)$").matcher(rest);
    if (u.matches()) {
      upper = Long.parseLong(u.group(1));
      rest = u.group(2);
    }
    if (!rest.isBlank()) {
      throw error(r.line(), "invalid real server line, around \"" + rest.trim() + "\"");
    }
    for (Long t : new Long[] {lower, upper}) {
      if (t != null && t > Integer.MAX_VALUE) {
        throw error(r.line(), "threshold " + t + " is above " + Integer.MAX_VALUE + " (ipvsadm -x/-y refuse it)");
      }
    }
    if (lower != null && lower > (upper == null ? 0 : upper)) {
      warn(r.line(), "l:" + lower + " above u:" + (upper == null ? 0 : upper) + ": the kernel refuses it (ERANGE), so "
          + "ldirectord cannot add this real server; l: not imported");
      lower = null;
    }
    List<String> addresses = new ArrayList<>();
    if (vs.v6) {
      if (!first.startsWith("[") || !Values.isIpv6(first.substring(1, first.length() - 1))) {
        warn(r.line(), "real6=" + first + ": halvs needs an IPv6 address in brackets, not a host name (not "
            + "imported)");
        return List.of();
      }
      if (last != null) {
        throw error(r.line(), "address ranges are not supported for IPv6 (ldirectord refuses them too)");
      }
      addresses.add(first.substring(1, first.length() - 1));
    } else {
      if (first.startsWith("[")) {
        throw error(r.line(), "cannot use an IPv6 address in real=; use virtual6=/real6=");
      }
      if (!Values.isIpv4(first) || (last != null && !Values.isIpv4(last))) {
        String host = !Values.isIpv4(first) ? first : last;
        if (host.matches("\\d+\\.\\d+\\.\\d+\\.\\d+")) {
          throw error(r.line(), "invalid IP address: " + host);
        }
        warn(r.line(), "real=" + host + ": halvs needs the address, not a host name; write the address (not "
            + "imported)");
        return List.of();
      }
      if (last == null) {
        addresses.add(first);
      } else {
        long a = Values.ipv4ToLong(first);
        long b = Values.ipv4ToLong(last);
        if (a > b) {
          throw error(r.line(), "invalid range " + first + "->" + last + ": the first address must not be after the "
              + "last");
        }
        if (b - a >= 65536) {
          throw error(r.line(), "range " + first + "->" + last + " holds more than 65536 addresses");
        }
        for (long x = a; x <= b; x++) {
          addresses.add(Values.longToIpv4(x));
        }
      }
    }
    // gate and ipip cannot map ports: ipvsadm gives their destinations the service's port, as ldirectord(8) says.
    Integer rsPort = port == 0 || (vs.fwm == null && (!method.equals("masq") || port.equals(vs.port))) ? null
        : port;
    List<Manifest.Real> out = new ArrayList<>();
    for (String a : addresses) {
      Manifest.Real real = new Manifest.Real(a, rsPort, weight, method);
      real.lowerThreshold = lower;
      real.upperThreshold = upper;
      if (ownCheck != null) {
        ownChecks.put(real, ownCheck);
      }
      out.add(real);
    }
    return out;
  }

  /** ldirectord's ld_port_to_service: the negotiate check a port gets when service= is not set. */
  private static String serviceOf(int port) {
    return switch (port) {
      case 21 -> "ftp";
      case 25 -> "smtp";
      case 53 -> "dns";
      case 80 -> "http";
      case 110 -> "pop";
      case 119 -> "nntp";
      case 143 -> "imap";
      case 389 -> "ldap";
      case 443 -> "https";
      case 587 -> "submission";
      case 636 -> "ldaps";
      case 993 -> "imaps";
      case 995 -> "pops";
      case 1521 -> "oracle";
      case 1812 -> "radius";
      case 3128 -> "http_proxy";
      case 3306 -> "mysql";
      case 5060 -> "sip";
      case 5432 -> "pgsql";
      default -> "none";
    };
  }

  private static Integer portOfService(String service) {
    return switch (service) {
      case "ftp" -> 21;
      case "smtp" -> 25;
      case "dns" -> 53;
      case "http" -> 80;
      case "https" -> 443;
      default -> null;
    };
  }

  private Map<String, Object> healthCheck(Virtual vs) {
    Map<String, Object> hc = new LinkedHashMap<>();
    boolean udp = "udp".equals(vs.protocol);
    String type;
    boolean negotiate = vs.checkType.equals("negotiate") || vs.checkType.equals("combined");
    int line = vs.checkTypeLine > 0 ? vs.checkTypeLine : vs.line;
    switch (vs.checkType) {
      case "on", "off" -> type = "none";
      case "connect" -> type = udp ? "icmp" : "tcp"; // ldirectord pings the real servers of a UDP service
      case "ping" -> type = "icmp";
      case "external", "external-perl" -> {
        warn(line, "checktype=" + vs.checkType + ": halvs runs no user commands in its agent, which has NET_ADMIN "
            + "on the directors' host network (docs/HEALTH.md, external checks); checkcommand is not imported; "
            + "imported as " + (udp ? "no check (type none)" : "a TCP connect check") + "; express the script's "
            + "test as a tcp send/expect, http or smtp check where it can be");
        type = udp ? "none" : "tcp";
      }
      default -> {
        if (vs.checkType.equals("combined")) {
          warn(line, "checktype=N (connect, and every Nth check negotiate): halvs runs the negotiate check every "
              + "time");
        }
        int sline = vs.serviceLine > 0 ? vs.serviceLine : line;
        switch (vs.service) {
          case "http", "https" -> type = vs.service;
          case "none" -> type = "none";
          case "dns" -> type = "dns";
          case "smtp" -> type = "smtp";
          case "simpletcp" -> {
            if (udp) {
              warn(sline, "service=simpletcp on a UDP service: halvs' tcp send/expect speaks TCP; imported without "
                  + "a check (type none); consider a udp check");
              type = "none";
            } else {
              type = "tcp";
            }
          }
          default -> {
            warn(sline, "service=" + vs.service + ": halvs has no " + vs.service + " check (issue #16); imported as "
                + (udp ? "no check (type none)" : "a TCP connect check"));
            type = udp ? "none" : "tcp";
          }
        }
      }
    }
    Map<String, Object> dns = null;
    if (type.equals("dns")) {
      String name = vs.request.replaceFirst("^/", "");
      if (name.isEmpty() || Values.isIp(name)
          || !name.matches("^([A-Za-z0-9_]([-A-Za-z0-9_]{0,61}[A-Za-z0-9_])?\\.)*[A-Za-z0-9_]([-A-Za-z0-9_]{0,61}"
              + "[A-Za-z0-9_])?\\.?$")) {
        warn(vs.line, "service=dns with request \"" + name + "\": halvs' dns check resolves a name (A/AAAA); "
            + "set request= to a name; imported as " + (udp ? "no check (type none)" : "a TCP connect check"));
        type = udp ? "none" : "tcp";
      } else {
        dns = new LinkedHashMap<>();
        dns.put("name", name);
        if (!vs.receive.isEmpty()) {
          if (Values.isIp(vs.receive)) {
            dns.put("recordType", Values.isIpv6(vs.receive) ? "AAAA" : "A");
            dns.put("expectAddress", vs.receive);
          } else {
            warn(vs.line, "service=dns with receive \"" + vs.receive + "\": halvs expects one address, not a "
                + "regexp; any answer counts as up");
          }
        }
      }
    }
    hc.put("type", type);
    if (type.equals("none")) {
      return hc;
    }
    Integer port = type.equals("icmp") ? null : vs.checkPort;
    if (port == null && vs.fwm != null && !type.equals("icmp")) {
      port = portOfService(vs.service);
    }
    if (port != null) {
      hc.put("port", port);
    }
    int interval = checkInterval;
    if (vs.checkInterval != null) {
      if (fork.equals("yes")) {
        interval = vs.checkInterval;
      } else {
        warn(vs.checkIntervalLine, "checkinterval in a virtual block: ldirectord ignores it unless fork=yes; the "
            + "global checkinterval (" + checkInterval + " s) is imported");
      }
    }
    int timeout = negotiate ? first(vs.negotiateTimeout, vs.checkTimeout, negotiateTimeout, checkTimeout, 30)
        : first(vs.checkTimeout, vs.negotiateTimeout, checkTimeout, negotiateTimeout, 5);
    hc.put("intervalMillis", Math.min(interval, 3600) * 1000);
    hc.put("timeoutMillis", Math.min(timeout, 600) * 1000);
    hc.put("rise", 1);
    hc.put("fall", Math.min(vs.failureCount > 0 ? vs.failureCount : failureCount, 100));
    String q = vs.quiescent != null ? vs.quiescent : quiescent;
    hc.put("onFailure", q.equals("yes") ? "quiescent" : "remove");
    if (type.equals("http") || type.equals("https")) {
      Map<String, Object> http = new LinkedHashMap<>();
      String path = vs.request;
      if (path.matches("^/\\S*$")) {
        http.put("path", path);
      } else {
        warn(vs.line, "request \"" + path + "\" holds blanks; halvs' http check takes a path; \"/\" is imported");
      }
      if (vs.virtualHost != null) {
        http.put("host", vs.virtualHost);
      }
      http.put("method", vs.httpMethod);
      http.put("expectStatus", Values.HTTP_2XX);
      if (!vs.receive.isEmpty()) {
        if (vs.receive.matches("[A-Za-z0-9 _,:;=/'-]*")) {
          http.put("expectBody", vs.receive);
        } else {
          http.put("expectBodyRegex", vs.receive);
        }
      }
      hc.put("http", http);
    }
    if (dns != null) {
      hc.put("dns", dns);
    }
    if (type.equals("tcp") && "simpletcp".equals(vs.service) && negotiate) {
      Map<String, Object> tcp = simpleTcp(vs.request, vs.receive, vs.line);
      if (tcp != null) {
        hc.put("tcp", tcp);
      }
    }
    return hc;
  }

  /**
   * ldirectord's simpletcp: the request (with \n for newlines) is sent, the reply lines must match receive, a Perl
   * regexp (taken as a Java one: the common syntax is the same).
   */
  private Map<String, Object> simpleTcp(String request, String receive, int line) {
    Map<String, Object> tcp = new LinkedHashMap<>();
    String send = request.replaceFirst("^/", "").replace("\\n", "\n");
    if (!send.isEmpty()) {
      tcp.put("send", send);
    }
    if (!receive.isEmpty()) {
      try {
        Pattern.compile(receive);
        tcp.put("expect", receive);
      } catch (java.util.regex.PatternSyntaxException e) {
        warn(line, "receive \"" + receive + "\" is not a regular expression Java reads (" + e.getDescription()
            + "); any reply counts as up");
      }
    }
    if (tcp.isEmpty()) {
      warn(line, "service=simpletcp without request= or receive=: imported as a TCP connect check");
      return null;
    }
    return tcp;
  }

  /**
   * A real server's own request/receive (ldirectord's real=... "request" "receive") laid over the service's check:
   * the block they feed, replaced whole in the RealServer (docs/HEALTH.md, per real server).
   */
  @SuppressWarnings("unchecked")
  private Map<String, Object> ownCheck(Map<String, Object> service, String request, String receive, int line) {
    String type = (String) service.get("type");
    Map<String, Object> own = new LinkedHashMap<>();
    switch (type) {
      case "http", "https" -> {
        Map<String, Object> http = new LinkedHashMap<>((Map<String, Object>) service.get("http"));
        if (request.matches("^/\\S*$")) {
          http.put("path", request);
        } else {
          warn(line, "request \"" + request + "\" holds blanks; halvs' http check takes a path; the service's is kept");
        }
        http.remove("expectBody");
        http.remove("expectBodyRegex");
        if (!receive.isEmpty()) {
          http.put(receive.matches("[A-Za-z0-9 _,:;=/'-]*") ? "expectBody" : "expectBodyRegex", receive);
        }
        own.put("http", http);
      }
      case "tcp" -> {
        if (!service.containsKey("tcp")) {
          warn(line, "request/receive of this real server: its service's check (connect) sends and expects "
              + "nothing; not imported");
          return null;
        }
        Map<String, Object> tcp = simpleTcp(request, receive, line);
        if (tcp == null) {
          return null;
        }
        own.put("tcp", tcp);
      }
      case "dns" -> {
        Map<String, Object> dns = new LinkedHashMap<>((Map<String, Object>) service.get("dns"));
        String name = request.replaceFirst("^/", "");
        if (!name.isEmpty() && !Values.isIp(name)) {
          dns.put("name", name);
        }
        dns.remove("expectAddress");
        dns.remove("recordType");
        if (Values.isIp(receive)) {
          dns.put("recordType", Values.isIpv6(receive) ? "AAAA" : "A");
          dns.put("expectAddress", receive);
        }
        own.put("dns", dns);
      }
      default -> {
        warn(line, "request/receive of this real server: the service's " + type + " check uses neither; not "
            + "imported");
        return null;
      }
    }
    return own;
  }

  private static int first(int... values) {
    for (int v : values) {
      if (v > 0) {
        return v;
      }
    }
    return values[values.length - 1];
  }
}
