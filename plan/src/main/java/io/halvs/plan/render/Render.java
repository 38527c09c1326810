package io.halvs.plan.render;

import io.halvs.plan.DirectorPlan;
import io.halvs.plan.Finding;
import io.halvs.plan.IpAddress;
import io.halvs.plan.PlanBuilder;
import io.halvs.plan.PlanResult;
import io.halvs.plan.load.ManifestLoader;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code halvs render}: CR YAML files or folders in, per DirectorPair the IPVS rules in ipvsadm-save format out,
 * headed by comment lines for what ipvsadm cannot express:
 * <pre>
 * # DirectorPair lvs (nodes lvs-01, lvs-02)
 * # vip 192.0.2.110/32 dev eth0
 * # gateway 10.0.1.254/24 dev eth1
 * # sysctl net.ipv4.ip_forward=1
 * # ipvsadm --set 3600 0 0 (tcp tcpfin udp seconds; 0 leaves the kernel's)
 * # sync-daemon master+backup syncid 0 dev eth0 group 224.0.0.81 port 8848 ttl 1
 * # marking: table inet halvs chain marking, 1 rule (render --nft prints the nft -f script)
 * # mark ip daddr 192.0.2.0/28 tcp dport 8000-8099 meta mark set 10
 * -A -t 192.0.2.110:80 -s wlc
 * -a -t 192.0.2.110:80 -r 10.0.1.11:80 -m -w 100
 * </pre>
 * Any error — unreadable file, bad YAML, an object the API server or the plan would refuse — prints one line per
 * problem to stderr ({@code <file>:<line>: <Kind> <namespace>/<name>: <message>}), nothing to stdout, and returns
 * 1. Warnings go to stderr prefixed "warning:" and do not fail the render, with one exception: a VirtualService
 * whose selector matches no RealServer fails it (a label typo would black-hole the VIP with a green pipeline)
 * unless it is annotated {@code halvs.io/allow-empty: "true"} or render runs with {@code --allow-empty}.
 */
public final class Render {
  private Render() {}

  public static int run(List<Path> inputs, PrintStream out, PrintStream err) {
    return run(inputs, false, out, err);
  }

  /** @param allowEmpty a VirtualService that selects no RealServer is a warning, not an error */
  public static int run(List<Path> inputs, boolean allowEmpty, PrintStream out, PrintStream err) {
    return run(inputs, allowEmpty, false, out, err);
  }

  /**
   * @param realServers print the real servers' side instead ({@link RealServerRecipe}): per gate/ipip real server
   *     without spec.nodeName the shell recipe, and a comment per node the real-server agent configures
   */
  public static int run(List<Path> inputs, boolean allowEmpty, boolean realServers, PrintStream out,
      PrintStream err) {
    return run(inputs, allowEmpty, realServers, false, out, err);
  }

  /**
   * @param nft print instead, per DirectorPair, its firewall-marking rules as an {@code nft -f} script
   *     ({@link NftScript}): what the agents install from VirtualService marking, for directors outside Kubernetes
   */
  public static int run(List<Path> inputs, boolean allowEmpty, boolean realServers, boolean nft, PrintStream out,
      PrintStream err) {
    if (inputs.isEmpty()) {
      err.println("render: name at least one YAML file or folder");
      return 2;
    }
    long t0 = System.nanoTime();
    ManifestLoader.Result loaded = new ManifestLoader().load(inputs);
    long t1 = System.nanoTime();
    PlanResult result = PlanBuilder.build(loaded.input());
    long t2 = System.nanoTime();
    if (System.getenv("HALVS_RENDER_TIMINGS") != null) {
      err.printf("render: load %.0f ms, plan %.0f ms%n", (t1 - t0) / 1e6, (t2 - t1) / 1e6);
    }
    List<String> errors = new ArrayList<>(loaded.problems());
    for (Finding f : result.findings()) {
      String line = loaded.where(f.object()) + f.object() + ": " + f.message();
      if (f.severity() == Finding.Severity.ERROR || (!allowEmpty && PlanBuilder.NO_REAL_SERVERS.equals(f.reason()))) {
        errors.add(line);
      } else {
        err.println("warning: " + line);
      }
    }
    notSelected(loaded, result).forEach(w -> err.println("warning: " + w));
    if (!errors.isEmpty()) {
      errors.forEach(err::println);
      err.println("render: " + errors.size() + (errors.size() == 1 ? " problem" : " problems") + ", nothing rendered");
      return 1;
    }
    if (result.plans().isEmpty()) {
      err.println("render: no DirectorPair found in " + inputs);
      return 1;
    }
    if (realServers) {
      return printRealServers(result, loaded, out, err);
    }
    StringBuilder b = new StringBuilder();
    boolean first = true;
    for (DirectorPlan plan : result.plans().values()) {
      if (!first) {
        b.append('\n');
      }
      first = false;
      if (nft) {
        b.append(NftScript.script(plan));
      } else {
        appendPlan(b, plan);
      }
    }
    out.print(b);
    out.flush();
    return 0;
  }

  private static int printRealServers(PlanResult result, ManifestLoader.Result loaded, PrintStream out,
      PrintStream err) {
    var outside = io.halvs.plan.RealServerNodes.outsideKubernetes(result.plans(), loaded.input().realServers());
    StringBuilder b = new StringBuilder();
    RealServerRecipe.append(b, outside);
    for (var node : result.realServerNodes().values()) {
      if (!b.isEmpty()) {
        b.append('\n');
      }
      b.append("# node ").append(node.node()).append(": configured by the halvs real-server agent (")
          .append(String.join(", ", node.realServers().stream().map(io.halvs.plan.ObjectRef::toString).toList()))
          .append(")\n");
    }
    if (b.isEmpty()) {
      err.println("render: no gate or ipip real server: masq real servers need nothing but their route back "
          + "through the director's gateway");
      return 0;
    }
    out.print(b);
    out.flush();
    return 0;
  }

  /**
   * RealServers that no VirtualService selects: a typo on a real server's labels takes it out of rotation
   * without emptying any service. Not an error (a pool may be staged), but said, as the operator's Ready=False
   * NotSelected says it in the cluster.
   */
  static List<String> notSelected(ManifestLoader.Result loaded, PlanResult result) {
    java.util.Set<io.halvs.plan.ObjectRef> selected = new java.util.HashSet<>();
    result.plans().values().forEach(p -> p.services().forEach(s -> s.destinations()
        .forEach(d -> selected.add(d.realServer()))));
    java.util.Set<io.halvs.plan.ObjectRef> withFindings = new java.util.HashSet<>();
    result.findings().forEach(f -> withFindings.add(f.object()));
    List<String> out = new ArrayList<>();
    loaded.input().realServers().stream().map(io.halvs.plan.ObjectRef::of).sorted()
        .filter(ref -> !selected.contains(ref) && !withFindings.contains(ref))
        .forEach(ref -> out.add(loaded.where(ref) + ref + ": no VirtualService selects this real server"));
    return out;
  }

  public static void appendPlan(StringBuilder b, DirectorPlan plan) {
    b.append("# DirectorPair ").append(plan.pair()).append(" (nodes ").append(String.join(", ", plan.nodes()))
        .append(")\n");
    for (DirectorPlan.VipPlan vip : plan.vipPlans()) {
      b.append("# vip ").append(vip.address()).append('/').append(vip.prefixLength()).append(" dev ")
          .append(vip.interfaceName()).append('\n');
    }
    for (DirectorPlan.GatewayPlan g : plan.gateways()) {
      b.append("# gateway ").append(g.address()).append('/').append(g.prefixLength()).append(" dev ")
          .append(g.interfaceName()).append('\n');
    }
    plan.sysctls().forEach((k, v) -> b.append("# sysctl ").append(k).append('=').append(v).append('\n'));
    if (plan.connectionTimeouts() != null) {
      b.append("# ipvsadm ").append(plan.connectionTimeouts().ipvsadm())
          .append(" (tcp tcpfin udp seconds; 0 leaves the kernel's)\n");
    }
    var sd = plan.syncDaemon();
    if (sd != null) {
      b.append("# sync-daemon master+backup syncid ").append(sd.syncId()).append(" dev ").append(sd.interfaceName())
          .append(" group ").append(sd.multicastGroup()).append(" port ").append(sd.port()).append(" ttl ")
          .append(sd.ttl()).append(sd.maxLen() > 0 ? " maxlen " + sd.maxLen() : "").append('\n');
    }
    if (!plan.markRules().isEmpty()) {
      b.append("# marking: table ").append(NftScript.TABLE).append(" chain ").append(NftScript.CHAIN).append(", ")
          .append(plan.markRules().size()).append(plan.markRules().size() == 1 ? " rule" : " rules")
          .append(" (render --nft prints the nft -f script)\n");
      plan.markRules().forEach(r -> b.append("# mark ").append(NftScript.rule(r)).append('\n'));
    }
    for (var s : plan.services()) {
      if (s.sorryServer() != null) {
        b.append("# sorry-server ").append(IpvsadmSave.destination(s, s.sorryServer())).append('\n');
      }
    }
    IpvsadmSave.lines(plan).forEach(l -> b.append(l).append('\n'));
  }
}
