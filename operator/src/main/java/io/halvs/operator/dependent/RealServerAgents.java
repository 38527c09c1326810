package io.halvs.operator.dependent;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NodeSelectorTermBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.halvs.operator.model.Snapshot;
import io.halvs.plan.RealServerNodePlan;
import io.halvs.plan.publish.Names;
import io.halvs.plan.publish.RealServerPublish;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The real-server side on Kubernetes nodes: per node that RealServers name (spec.nodeName) with a gate or ipip
 * method, its part of the plan in a ConfigMap and a pre-created report ConfigMap; one DaemonSet of real-server
 * agents pinned to exactly those nodes, with a Role that names exactly those ConfigMaps.
 *
 * <p>A node no RealServer names any more keeps its agent, now with an empty plan, until the agent reported that
 * plan applied (everything halvs did on the node undone); only then are the node's ConfigMaps deleted and the
 * node dropped from the DaemonSet. A node that is gone from the cluster has nothing left to clean.
 */
public final class RealServerAgents {
  static final String HASH_LABEL = "halvs.io/content-hash";
  private static final Map<String, String> LABELS = Map.of(Names.MANAGED_BY, Names.OPERATOR);

  private final KubernetesClient client;
  private final String namespace;
  private final String image;
  private final Applier applier;

  public RealServerAgents(KubernetesClient client, String namespace, String image) {
    this.client = client;
    this.namespace = namespace;
    this.image = image;
    this.applier = new Applier(client);
  }

  /**
   * The nodes to serve and what each must hold: the plan's nodes that exist, plus nodes still cleaning up (an
   * empty plan not yet reported applied).
   */
  public SortedMap<String, RealServerNodePlan> desired(Snapshot s, java.util.Collection<String> published) {
    SortedMap<String, RealServerNodePlan> out = new TreeMap<>(s.result().realServerNodes());
    out.keySet().removeIf(node -> !s.nodeExists(node)); // the RealServer's condition says NodeNotFound
    for (String node : published) {
      if (out.containsKey(node) || !s.nodeExists(node)) {
        continue;
      }
      RealServerNodePlan empty = RealServerPublish.empty(node);
      RealServerPublish.Report r = s.realServerReports().get(node);
      if (r == null || !r.applied(RealServerPublish.hash(RealServerPublish.planJson(empty)))) {
        out.put(node, empty);
      }
    }
    return out;
  }

  /** Brings the cluster to the snapshot; returns the number of objects written or deleted. */
  public synchronized int sync(Snapshot s) {
    int writes = 0;
    Map<String, ConfigMap> live = new HashMap<>();
    for (ConfigMap cm : client.configMaps().inNamespace(namespace)
        .withLabel(Names.PART_LABEL, Names.PART_REAL_SERVER_PLAN).list().getItems()) {
      String node = cm.getMetadata().getLabels().get(Names.NODE_LABEL);
      if (node != null) {
        live.put(node, cm);
      }
    }
    SortedMap<String, RealServerNodePlan> nodes = desired(s, live.keySet());
    for (Map.Entry<String, RealServerNodePlan> e : nodes.entrySet()) {
      String json = RealServerPublish.planJson(e.getValue());
      String hash = RealServerPublish.hash(json);
      ConfigMap existing = live.get(e.getKey());
      if (existing == null || !hash.equals(existing.getMetadata().getLabels().get(HASH_LABEL))) {
        ConfigMap cm = configMap(Names.realServerPlan(e.getKey()), e.getKey(), Names.PART_REAL_SERVER_PLAN);
        cm.getMetadata().getLabels().put(HASH_LABEL, hash);
        cm.setData(Map.of(Names.REAL_SERVER_PLAN_KEY, json));
        client.resource(cm).createOr(op -> op.update());
        writes++;
      }
      if (applier.createIfMissing(configMap(Names.realServerReport(e.getKey()), e.getKey(),
          Names.PART_REAL_SERVER_REPORT))) {
        writes++;
      }
    }
    for (String node : live.keySet()) {
      if (!nodes.containsKey(node)) {
        client.configMaps().inNamespace(namespace).withName(Names.realServerPlan(node)).delete();
        client.configMaps().inNamespace(namespace).withName(Names.realServerReport(node)).delete();
        writes += 2;
      }
    }
    if (nodes.isEmpty()) {
      for (HasMetadata o : List.of(daemonSet(List.of()), role(List.of()), roleBinding(), serviceAccount())) {
        if (client.resource(o).get() != null) {
          client.resource(o).delete();
          writes++;
        }
      }
      return writes;
    }
    for (HasMetadata o : desiredObjects(nodes)) {
      if (applier.apply(o)) {
        writes++;
      }
    }
    return writes;
  }

  List<HasMetadata> desiredObjects(SortedMap<String, RealServerNodePlan> nodes) {
    List<String> names = new ArrayList<>(nodes.keySet());
    SortedSet<String> modules = new TreeSet<>();
    nodes.values().forEach(p -> {
      p.tunnelDevices().forEach(d -> modules.add(RealServerNodePlan.module(d)));
      if (!p.guePorts().isEmpty()) {
        modules.add("fou");
      }
    });
    DaemonSet ds = daemonSet(names);
    if (!modules.isEmpty()) {
      // Only tunnels need a module (ipip, fou, ...): then, and only then, an init container with SYS_MODULE.
      Container load = new ContainerBuilder().withName("load-modules").withImage(image)
          .withImagePullPolicy("IfNotPresent").addToArgs("load-modules").addAllToArgs(modules)
          .withNewSecurityContext().withPrivileged(false).withAllowPrivilegeEscalation(false)
          .withReadOnlyRootFilesystem(true).withNewCapabilities().addToDrop("ALL").addToAdd("SYS_MODULE")
          .endCapabilities().endSecurityContext()
          .addNewVolumeMount().withName("lib-modules").withMountPath("/lib/modules").withReadOnly(true).endVolumeMount()
          .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount().build();
      ds.getSpec().getTemplate().getSpec().setInitContainers(List.of(load));
      ds.getSpec().getTemplate().getSpec().getVolumes().add(new VolumeBuilder().withName("lib-modules")
          .withNewHostPath().withPath("/lib/modules").withType("Directory").endHostPath().build());
    }
    return List.of(serviceAccount(), role(names), roleBinding(), ds);
  }


  private <T extends HasMetadata> T own(T o) {
    o.getMetadata().setNamespace(namespace);
    o.getMetadata().setLabels(new HashMap<>(LABELS));
    return o;
  }

  private ConfigMap configMap(String name, String node, String part) {
    ConfigMap cm = own(new ConfigMapBuilder().withNewMetadata().withName(name).endMetadata().build());
    cm.getMetadata().getLabels().put(Names.PART_LABEL, part);
    cm.getMetadata().getLabels().put(Names.NODE_LABEL, node);
    return cm;
  }

  HasMetadata serviceAccount() {
    return own(new ServiceAccountBuilder().withNewMetadata().withName(Names.REAL_SERVER_AGENT).endMetadata().build());
  }

  Role role(List<String> nodes) {
    Role role = AgentResources.template("real-server-agent-role.yaml", Role.class);
    for (PolicyRule rule : role.getRules()) {
      List<String> names = new ArrayList<>();
      for (String n : rule.getResourceNames()) {
        for (String node : nodes) {
          names.add(n.equals("PLANS") ? Names.realServerPlan(node) : Names.realServerReport(node));
        }
      }
      rule.setResourceNames(names);
    }
    return own(role);
  }

  RoleBinding roleBinding() {
    return own(new RoleBindingBuilder().withNewMetadata().withName(Names.REAL_SERVER_AGENT).endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role").withName(Names.REAL_SERVER_AGENT)
        .endRoleRef().addNewSubject().withKind("ServiceAccount").withName(Names.REAL_SERVER_AGENT)
        .withNamespace(namespace).endSubject().build());
  }

  DaemonSet daemonSet(List<String> nodes) {
    DaemonSet ds = AgentResources.template("real-server-agent-daemonset.yaml", DaemonSet.class);
    var pod = ds.getSpec().getTemplate().getSpec();
    pod.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution().setNodeSelectorTerms(
        nodes.stream().map(n -> new NodeSelectorTermBuilder().addNewMatchField().withKey("metadata.name")
            .withOperator("In").withValues(n).endMatchField().build()).toList());
    pod.getContainers().forEach(c -> c.setImage(image));
    return own(ds);
  }
}
