package io.halvs.plan.migrate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.halvs.api.v1alpha1.HalvsApi;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What an importer found, in halvs' terms: one DirectorPair, its VirtualServices and their RealServers, written
 * as multi-document CR YAML that {@code halvs render} and kubectl take as they are. Values the source config does
 * not know (the director nodes, the VIP interface, a firewall-mark service's address) are placeholders, each
 * marked by a comment on its line.
 */
public final class Manifest {
  /** The label that ties an imported RealServer to its VirtualService. */
  public static final String SERVICE_LABEL = "import.halvs.io/service";
  public static final String NAMESPACE = "default";
  public static final List<String> PLACEHOLDER_NODES = List.of("director-1", "director-2");
  public static final String PLACEHOLDER_INTERFACE = "eth0";
  public static final String PLACEHOLDER_VIP4 = "192.0.2.1";
  public static final String PLACEHOLDER_VIP6 = "2001:db8::1";

  public final String pairName;
  public final String source;
  public List<String> nodes;
  public String vipInterface;
  /** DirectorPair spec parts beyond nodes and vipInterface (highAvailability, syncDaemon, gateway), in order. */
  public final Map<String, Object> pairExtras = new LinkedHashMap<>();
  public final List<Service> services = new ArrayList<>();

  public Manifest(String pairName, String source) {
    this.pairName = pairName;
    this.source = source;
  }

  /** One virtual service and its real servers. */
  public static final class Service {
    public String vip;
    /** A firewall-mark service with no address (yet): vip is null until a free VRRP VIP is found for it. */
    public boolean placeholderVip;
    /** The family of a firewall-mark service without an address. */
    public boolean v6;
    public String vipInterface;
    public Integer vipPrefixLength;
    public Integer port;
    public String protocol;
    public Long firewallMark;
    public String scheduler;
    public final List<String> schedulerFlags = new ArrayList<>();
    public Integer persistenceTimeout;
    public String netmask;
    public Integer prefixLength;
    public String persistenceEngine;
    public boolean onePacket;
    public String method;
    public Map<String, Object> tunnel;
    public Map<String, Object> sorryServer;
    public Map<String, Object> healthCheck;
    public final List<Real> reals = new ArrayList<>();

    public String name() {
      String base = firewallMark != null
          ? "fwm-" + firewallMark + (v6 || vip != null && vip.contains(":") ? "-v6" : "")
          : protocol.toLowerCase(Locale.ROOT) + "-" + vip + "-" + port;
      return dnsName(base);
    }
  }

  /** One real server of a virtual service. */
  public static final class Real {
    public String address;
    public Integer port;
    public int weight;
    public String method;
    public Long upperThreshold;
    public Long lowerThreshold;
    /** Its own health check, laid over the service's (RealServer spec.healthCheck); null: the service's. */
    public Map<String, Object> healthCheck;

    public Real(String address, Integer port, int weight, String method) {
      this.address = address;
      this.port = port;
      this.weight = weight;
      this.method = method;
    }
  }

  /** A Kubernetes object name: lowercase letters, digits and '-', other characters folded into '-'. */
  public static String dnsName(String s) {
    String n = s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
    if (n.length() > 63) {
      n = n.substring(0, 54) + "-" + Integer.toHexString(s.hashCode() & 0x7fffffff);
    }
    return n.isEmpty() ? "imported" : n;
  }

  /**
   * Plain scalars only for words that no YAML reader takes for anything but a string; everything else quoted: an
   * address like 2001:0:0:1::1 or a time like 12:30 is a sexagesimal number to a YAML 1.1 reader, 0x1F a hex one.
   */
  private static final java.util.regex.Pattern PLAIN = java.util.regex.Pattern.compile("[A-Za-z/][A-Za-z0-9._/-]*");

  private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
      .stringQuotingChecker(new com.fasterxml.jackson.dataformat.yaml.util.StringQuotingChecker.Default() {
        @Override
        public boolean needToQuoteValue(String value) {
          return !PLAIN.matcher(value).matches() || super.needToQuoteValue(value);
        }
      })
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
      .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
      .build());

  public String toYaml() {
    StringBuilder b = new StringBuilder();
    b.append("# Imported by halvs import from ").append(source).append(".\n");
    b.append("# Check the lines marked \"placeholder\", then: halvs render FILE, kubectl apply -f FILE.\n");
    Map<String, Object> pairSpec = new LinkedHashMap<>();
    boolean placeholderNodes = nodes == null;
    pairSpec.put("nodes", placeholderNodes ? PLACEHOLDER_NODES : nodes);
    boolean placeholderInterface = vipInterface == null;
    pairSpec.put("vipInterface", placeholderInterface ? PLACEHOLDER_INTERFACE : vipInterface);
    pairSpec.putAll(pairExtras);
    String pairDoc = yaml(object("DirectorPair", pairName, null, null, pairSpec));
    if (placeholderNodes) {
      pairDoc = comment(pairDoc, "nodes", "placeholders: the Kubernetes names of your two director nodes");
    }
    if (placeholderInterface) {
      pairDoc = comment(pairDoc, "vipInterface", "placeholder: the directors' interface that carries the VIPs");
    }
    b.append(pairDoc);
    java.util.Set<String> used = new java.util.HashSet<>();
    for (Service s : services) {
      String name = s.name();
      for (int i = 2; !used.add(name); i++) {
        name = s.name() + "-" + i; // two IPv6 addresses may fold into one name
      }
      Map<String, Object> spec = new LinkedHashMap<>();
      spec.put("directorPair", pairName);
      if (s.vip != null) {
        spec.put("vip", s.vip);
      } else if (s.v6) {
        spec.put("ipFamily", "IPv6");
      }
      if (s.vipInterface != null) {
        spec.put("vipInterface", s.vipInterface);
      }
      if (s.vipPrefixLength != null) {
        spec.put("vipPrefixLength", s.vipPrefixLength);
      }
      if (s.firewallMark != null) {
        spec.put("firewallMark", s.firewallMark);
      } else {
        spec.put("port", s.port);
        spec.put("protocol", s.protocol);
      }
      spec.put("scheduler", s.scheduler);
      if (!s.schedulerFlags.isEmpty()) {
        spec.put("schedulerFlags", s.schedulerFlags);
      }
      if (s.persistenceTimeout != null) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("timeoutSeconds", s.persistenceTimeout);
        if (s.netmask != null) {
          p.put("netmask", s.netmask);
        }
        if (s.prefixLength != null) {
          p.put("prefixLength", s.prefixLength);
        }
        if (s.persistenceEngine != null) {
          p.put("engine", s.persistenceEngine);
        }
        spec.put("persistence", p);
      }
      if (s.onePacket) {
        spec.put("onePacket", true);
      }
      Map<String, Object> forwarding = new LinkedHashMap<>();
      forwarding.put("method", s.method);
      if (s.tunnel != null) {
        forwarding.put("tunnel", s.tunnel);
      }
      spec.put("forwarding", forwarding);
      spec.put("realServerSelector", Map.of("matchLabels", Map.of(SERVICE_LABEL, name)));
      if (s.sorryServer != null) {
        spec.put("sorryServer", s.sorryServer);
      }
      if (s.healthCheck != null) {
        spec.put("healthCheck", s.healthCheck);
      }
      // The source config has no real server for it on purpose (ldirectord checktype=off with a fallback,
      // keepalived with only a sorry_server): said so, as render and the operator ask of an empty selector.
      Map<String, Object> vs = object("VirtualService", name, NAMESPACE, null, spec);
      if (s.reals.isEmpty()) {
        @SuppressWarnings("unchecked")
        Map<String, Object> meta = (Map<String, Object>) vs.get("metadata");
        meta.put("annotations", Map.of(io.halvs.plan.PlanBuilder.ALLOW_EMPTY_ANNOTATION, "true"));
      }
      String doc = yaml(vs);
      if (s.placeholderVip) {
        doc = comment(doc, "firewallMark", "holds no address: list the ones your mark rules match in vips; "
            + "marking can describe the rules");
      }
      b.append("---\n").append(doc);
      for (Real r : s.reals) {
        Map<String, Object> rs = new LinkedHashMap<>();
        rs.put("address", r.address);
        if (r.port != null) {
          rs.put("port", r.port);
        }
        rs.put("weight", r.weight);
        if (r.method != null && !r.method.equals(s.method)) {
          rs.put("forwardingMethod", r.method);
        }
        if (r.upperThreshold != null && r.upperThreshold != 0) {
          rs.put("upperThreshold", r.upperThreshold);
        }
        if (r.lowerThreshold != null && r.lowerThreshold != 0) {
          rs.put("lowerThreshold", r.lowerThreshold);
        }
        if (r.healthCheck != null) {
          rs.put("healthCheck", r.healthCheck);
        }
        String rsName = dnsName(name + "-" + r.address + (r.port == null ? "" : "-" + r.port));
        for (int i = 2; !used.add(rsName); i++) {
          rsName = dnsName(name + "-" + r.address + (r.port == null ? "" : "-" + r.port)) + "-" + i;
        }
        b.append("---\n").append(yaml(object("RealServer", rsName, NAMESPACE, Map.of(SERVICE_LABEL, name), rs)));
      }
    }
    return b.toString();
  }

  private static Map<String, Object> object(String kind, String name, String namespace, Map<String, String> labels,
      Map<String, Object> spec) {
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("name", name);
    if (namespace != null) {
      meta.put("namespace", namespace);
    }
    if (labels != null) {
      meta.put("labels", labels);
    }
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("apiVersion", HalvsApi.API_VERSION);
    o.put("kind", kind);
    o.put("metadata", meta);
    o.put("spec", spec);
    return o;
  }

  private static String yaml(Object o) {
    try {
      return YAML.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Appends "# text" to the first line of the spec that sets key. */
  private static String comment(String doc, String key, String text) {
    Matcher m = Pattern.compile("(?m)^(  " + Pattern.quote(key) + ":.*)$").matcher(doc);
    return m.find() ? doc.substring(0, m.end()) + " # " + text + doc.substring(m.end()) : doc;
  }
}
