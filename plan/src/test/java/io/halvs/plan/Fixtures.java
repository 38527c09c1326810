package io.halvs.plan;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.DirectorPairSpec;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.RealServerSpec;
import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.api.v1alpha1.VirtualServiceSpec;
import java.util.List;
import java.util.Map;

/** Small builders for test objects. */
public final class Fixtures {
  private Fixtures() {}

  public static DirectorPair pair(String name, String nodeA, String nodeB) {
    DirectorPair dp = new DirectorPair();
    dp.setMetadata(meta(null, name, Map.of()));
    DirectorPairSpec s = new DirectorPairSpec();
    s.setNodes(List.of(nodeA, nodeB));
    s.setVipInterface("eth0");
    dp.setSpec(s);
    return dp;
  }

  public static VirtualService service(String ns, String name, String pair, String vip, int port, String app) {
    VirtualService vs = new VirtualService();
    vs.setMetadata(meta(ns, name, Map.of()));
    VirtualServiceSpec s = new VirtualServiceSpec();
    s.setDirectorPair(pair);
    s.setVip(vip);
    s.setPort(port);
    LabelSelector sel = new LabelSelector();
    sel.setMatchLabels(Map.of("app", app));
    s.setRealServerSelector(sel);
    vs.setSpec(s);
    return vs;
  }

  public static RealServer real(String ns, String name, String address, int weight, String app) {
    RealServer rs = new RealServer();
    rs.setMetadata(meta(ns, name, Map.of("app", app)));
    RealServerSpec s = new RealServerSpec();
    s.setAddress(address);
    s.setWeight(weight);
    rs.setSpec(s);
    return rs;
  }

  static ObjectMeta meta(String ns, String name, Map<String, String> labels) {
    ObjectMeta m = new ObjectMeta();
    m.setNamespace(ns);
    m.setName(name);
    m.setLabels(new java.util.HashMap<>(labels));
    return m;
  }
}
