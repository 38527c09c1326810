package io.halvs.operator.model;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.DirectorPairSpec;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.RealServerSpec;
import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.api.v1alpha1.VirtualServiceSpec;
import io.halvs.plan.publish.AgentReport;
import io.halvs.plan.publish.Names;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One pair "lvs" (lvs-01, lvs-02); VirtualService vs-i selects app=app-i, which perService RealServers carry. Public
 * for the other packages' tests and benchmarks.
 */
public final class Fleet {
  public final List<DirectorPair> pairs = new ArrayList<>();
  public final List<VirtualService> vss = new ArrayList<>();
  public final List<RealServer> rss = new ArrayList<>();

  public Fleet(int services, int perService) {
    DirectorPair dp = new DirectorPair();
    dp.setMetadata(new ObjectMetaBuilder().withName("lvs").withGeneration(1L).build());
    DirectorPairSpec ps = new DirectorPairSpec();
    ps.setNodes(List.of("lvs-01", "lvs-02"));
    ps.setVipInterface("eth0");
    dp.setSpec(ps);
    pairs.add(dp);
    for (int i = 0; i < services; i++) {
      VirtualService vs = new VirtualService();
      vs.setMetadata(new ObjectMetaBuilder().withNamespace("default").withName("vs-" + i).withGeneration(1L).build());
      VirtualServiceSpec s = new VirtualServiceSpec();
      s.setDirectorPair("lvs");
      s.setVip("10." + (100 + i / 250) + "." + (i % 250) + ".1");
      s.setPort(80);
      LabelSelector sel = new LabelSelector();
      sel.setMatchLabels(Map.of("app", "app-" + i));
      s.setRealServerSelector(sel);
      vs.setSpec(s);
      vss.add(vs);
      for (int j = 0; j < perService; j++) {
        int n = i * perService + j;
        rss.add(real(n, "app-" + i, 100, 1L));
      }
    }
  }

  /** RealServer n, weight 100, selected by the service whose app label is {@code app} ("app-" + its index). */
  public static RealServer realServer(int n, String app) {
    return real(n, app, 100, 1L);
  }

  static RealServer real(int n, String app, int weight, long generation) {
    RealServer rs = new RealServer();
    rs.setMetadata(new ObjectMetaBuilder().withNamespace("default").withName("rs-" + n)
        .withLabels(Map.of("app", app)).withGeneration(generation).build());
    RealServerSpec s = new RealServerSpec();
    s.setAddress("172." + (16 + n / 65536) + "." + (n / 256 % 256) + "." + (n % 256));
    s.setWeight(weight);
    rs.setSpec(s);
    return rs;
  }

  /** RealServer n with a new weight and the next generation, in place. */
  void reweigh(int n, int weight) {
    RealServer old = rss.get(n);
    rss.set(n, real(n, old.getMetadata().getLabels().get("app"), weight, old.getMetadata().getGeneration() + 1));
  }

  /** Every RealServer and VirtualService replaced by a new object with its status written (the same generation). */
  void writeStatuses() {
    rss.replaceAll(old -> {
      RealServer rs = new RealServer();
      rs.setMetadata(new ObjectMetaBuilder(old.getMetadata()).withResourceVersion("written").build());
      rs.setSpec(old.getSpec());
      rs.setStatus(new io.halvs.api.v1alpha1.RealServerStatus());
      rs.getStatus().setVirtualServices(1);
      return rs;
    });
    vss.replaceAll(old -> {
      VirtualService vs = new VirtualService();
      vs.setMetadata(new ObjectMetaBuilder(old.getMetadata()).withResourceVersion("written").build());
      vs.setSpec(old.getSpec());
      vs.setStatus(new io.halvs.api.v1alpha1.VirtualServiceStatus());
      vs.getStatus().setObservedGeneration(old.getMetadata().getGeneration());
      return vs;
    });
  }

  /** A RealServer rs-N more for vs-app (app-app). */
  void addReal(int n, int app) {
    rss.add(real(n, "app-" + app, 100, 1L));
  }

  /** A VirtualService more, named name, selecting app-app's RealServers (whose use goes up by one). */
  void addService(String name, String vip, int app) {
    vss.add(service(name, vip, "app-" + app, 1L));
  }

  /** VirtualService i selecting app-app's RealServers instead, the next generation. */
  void reselect(int i, int app) {
    VirtualService old = vss.get(i);
    vss.set(i, service(old.getMetadata().getName(), old.getSpec().getVip(), "app-" + app,
        old.getMetadata().getGeneration() + 1));
  }

  static VirtualService service(String name, String vip, String app, long generation) {
    VirtualService vs = new VirtualService();
    vs.setMetadata(new ObjectMetaBuilder().withNamespace("default").withName(name).withGeneration(generation).build());
    VirtualServiceSpec s = new VirtualServiceSpec();
    s.setDirectorPair("lvs");
    s.setVip(vip);
    s.setPort(80);
    LabelSelector sel = new LabelSelector();
    sel.setMatchLabels(Map.of("app", app));
    s.setRealServerSelector(sel);
    vs.setSpec(s);
    return vs;
  }

  /** Both directors report this plan programmed; lvs-01 holds the VIPs. */
  static List<ConfigMap> programmed(String planHash) {
    return List.of(report("lvs-01", AgentReport.ACTIVE, planHash), report("lvs-02", AgentReport.STANDBY, planHash));
  }

  static ConfigMap report(String node, String role, String planHash) {
    AgentReport r = new AgentReport(node, "lvs", role, planHash, true, "2026-11-30T11:00:00Z", null, Map.of(), false);
    return new ConfigMapBuilder().withNewMetadata().withName(Names.report("lvs", node)).endMetadata()
        .withData(Map.of(Names.REPORT_KEY, AgentReport.toJson(r))).build();
  }
}
