package io.halvs.operator.dependent;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.halvs.api.v1alpha1.AgentSettings;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.plan.publish.Names;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Kubernetes objects one DirectorPair's agents need, owned by the pair: identity, least-privilege RBAC,
 * the DaemonSet pinned to the two directors, their report ConfigMaps, the pair's Lease and HMAC secret.
 * Desired objects start from YAML templates under resources/templates and are filled in here.
 */
public final class AgentResources {
  static final String LIB_MODULES = "lib-modules";
  private final String namespace;
  private final String defaultImage;

  public AgentResources(String namespace, String defaultImage) {
    this.namespace = namespace;
    this.defaultImage = defaultImage;
  }

  public static Map<String, String> labels(String pair) {
    return Map.of(Names.MANAGED_BY, Names.OPERATOR, Names.PAIR_LABEL, pair);
  }

  static OwnerReference owner(DirectorPair dp) {
    return new OwnerReferenceBuilder().withApiVersion(dp.getApiVersion()).withKind(dp.getKind())
        .withName(dp.getMetadata().getName()).withUid(dp.getMetadata().getUid()).withController(true)
        .withBlockOwnerDeletion(true).build();
  }

  private <T extends HasMetadata> T own(T o, DirectorPair dp) {
    ownClusterScoped(o, dp).getMetadata().setNamespace(namespace);
    return o;
  }

  /** Cluster-scoped, owned by the (cluster-scoped) DirectorPair, so garbage collection removes it with the pair. */
  private static <T extends HasMetadata> T ownClusterScoped(T o, DirectorPair dp) {
    o.getMetadata().setNamespace(null);
    o.getMetadata().setLabels(new java.util.HashMap<>(labels(dp.getMetadata().getName())));
    o.getMetadata().setOwnerReferences(List.of(owner(dp)));
    return o;
  }

  /** Everything that is kept equal to its desired form on every reconcile. */
  public List<HasMetadata> desired(DirectorPair dp) {
    String pair = dp.getMetadata().getName();
    List<String> nodes = dp.getSpec().getNodes();
    return List.of(serviceAccount(dp), role(dp), roleBinding(dp), nodesClusterRole(dp), nodesClusterRoleBinding(dp),
        daemonSet(dp),
        reportConfigMap(dp, nodes.get(0)), reportConfigMap(dp, nodes.get(1)), lease(dp));
  }

  public ServiceAccount serviceAccount(DirectorPair dp) {
    return own(new ServiceAccountBuilder().withNewMetadata().withName(Names.agent(dp.getMetadata().getName()))
        .endMetadata().build(), dp);
  }

  public Role role(DirectorPair dp) {
    String pair = dp.getMetadata().getName();
    Role role = template("agent-role.yaml", Role.class);
    role.getMetadata().setName(Names.agent(pair));
    for (PolicyRule rule : role.getRules()) {
      if (rule.getResourceNames() == null || rule.getResourceNames().isEmpty()) {
        continue;
      }
      rule.setResourceNames(rule.getResourceNames().stream().map(n -> switch (n) {
        case "REPORT_A" -> Names.report(pair, dp.getSpec().getNodes().get(0));
        case "REPORT_B" -> Names.report(pair, dp.getSpec().getNodes().get(1));
        case "LEASE" -> Names.lease(pair);
        case "SECRET" -> hmacSecretName(dp);
        default -> n;
      }).toList());
    }
    return own(role, dp);
  }

  public RoleBinding roleBinding(DirectorPair dp) {
    String name = Names.agent(dp.getMetadata().getName());
    return own(new RoleBindingBuilder().withNewMetadata().withName(name).endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role").withName(name).endRoleRef()
        .addNewSubject().withKind("ServiceAccount").withName(name).withNamespace(namespace).endSubject()
        .build(), dp);
  }

  /** get on exactly the pair's two Nodes: the agents read each other's InternalIP for the heartbeats. */
  public ClusterRole nodesClusterRole(DirectorPair dp) {
    ClusterRole role = template("agent-nodes-clusterrole.yaml", ClusterRole.class);
    role.getMetadata().setName(Names.agentNodes(dp.getMetadata().getName()));
    List<String> nodes = dp.getSpec().getNodes();
    for (PolicyRule rule : role.getRules()) {
      rule.setResourceNames(rule.getResourceNames().stream().map(n -> switch (n) {
        case "NODE_A" -> nodes.get(0);
        case "NODE_B" -> nodes.get(1);
        default -> n;
      }).toList());
    }
    return ownClusterScoped(role, dp);
  }

  public ClusterRoleBinding nodesClusterRoleBinding(DirectorPair dp) {
    String pair = dp.getMetadata().getName();
    return ownClusterScoped(new ClusterRoleBindingBuilder().withNewMetadata().withName(Names.agentNodes(pair))
        .endMetadata().withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
        .withName(Names.agentNodes(pair)).endRoleRef()
        .addNewSubject().withKind("ServiceAccount").withName(Names.agent(pair)).withNamespace(namespace).endSubject()
        .build(), dp);
  }

  public DaemonSet daemonSet(DirectorPair dp) {
    String pair = dp.getMetadata().getName();
    String name = Names.agent(pair);
    DaemonSet ds = template("agent-daemonset.yaml", DaemonSet.class);
    ds.getMetadata().setName(name);
    ds.getSpec().getSelector().getMatchLabels().put("app.kubernetes.io/instance", name);
    var pod = ds.getSpec().getTemplate();
    pod.getMetadata().getLabels().put("app.kubernetes.io/instance", name);
    pod.getMetadata().getLabels().put(Names.PAIR_LABEL, pair);
    pod.getSpec().setServiceAccountName(name);
    var terms = pod.getSpec().getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
        .getNodeSelectorTerms();
    for (int i = 0; i < 2; i++) {
      terms.get(i).getMatchFields().get(0).setValues(List.of(dp.getSpec().getNodes().get(i)));
    }
    AgentSettings agent = dp.getSpec().getAgent() != null ? dp.getSpec().getAgent() : new AgentSettings();
    String image = agent.getImage() != null && !agent.getImage().isBlank() ? agent.getImage() : defaultImage;
    List<Container> all = new ArrayList<>(pod.getSpec().getContainers());
    all.addAll(pod.getSpec().getInitContainers());
    for (Container c : all) {
      c.setImage(image);
      if (agent.getImagePullPolicy() != null) {
        c.setImagePullPolicy(agent.getImagePullPolicy().name());
      }
    }
    if (Boolean.FALSE.equals(agent.getLoadKernelModules())) {
      pod.getSpec().setInitContainers(new ArrayList<>());
      pod.getSpec().getVolumes().removeIf(v -> v.getName().equals(LIB_MODULES));
    }
    if (agent.getPriorityClassName() != null) {
      pod.getSpec().setPriorityClassName(agent.getPriorityClassName());
    }
    Container container = pod.getSpec().getContainers().get(0);
    int port = agent.getPort() != null ? agent.getPort() : AgentSettings.DEFAULT_PORT;
    List<String> args = new ArrayList<>(container.getArgs());
    args.add("--health-port=" + port);
    if (agent.getArgs() != null) {
      args.addAll(agent.getArgs());
    }
    container.setArgs(args);
    container.getPorts().get(0).setContainerPort(port);
    container.getReadinessProbe().getHttpGet().setPort(new IntOrString(port));
    container.getLivenessProbe().getHttpGet().setPort(new IntOrString(port));
    container.getEnv().stream().filter(e -> e.getName().equals("HALVS_DIRECTOR_PAIR")).forEach(e -> e.setValue(pair));
    if (agent.getJvmOptions() != null && !agent.getJvmOptions().isBlank()) {
      // The JVM itself reads it, before the image's own flags (jib's entrypoint), whatever the launcher. After the
      // template's heap flags: the JVM takes the last of a repeated flag, so the pair's own -Xmx wins.
      container.getEnv().stream().filter(e -> e.getName().equals("JAVA_TOOL_OPTIONS"))
          .forEach(e -> e.setValue(e.getValue() + " " + agent.getJvmOptions()));
    }
    if (agent.getResources() != null) {
      ResourceRequirements r = container.getResources();
      r.setRequests(merged(r.getRequests(), agent.getResources().getRequests()));
      r.setLimits(merged(r.getLimits(), agent.getResources().getLimits()));
    }
    return own(ds, dp);
  }

  /** The template's figures with the pair's own in place of each one it sets. */
  private static Map<String, Quantity> merged(Map<String, Quantity> defaults, AgentSettings.ResourceList own) {
    Map<String, Quantity> m = new LinkedHashMap<>(defaults == null ? Map.of() : defaults);
    if (own != null && own.getCpu() != null) {
      m.put("cpu", new Quantity(own.getCpu()));
    }
    if (own != null && own.getMemory() != null) {
      m.put("memory", new Quantity(own.getMemory()));
    }
    return m;
  }

  /** Pre-created, so the agent's RBAC can name exactly the one object it may write. */
  public ConfigMap reportConfigMap(DirectorPair dp, String node) {
    String pair = dp.getMetadata().getName();
    ConfigMap cm = own(new ConfigMapBuilder().withNewMetadata().withName(Names.report(pair, node)).endMetadata()
        .build(), dp);
    cm.getMetadata().getLabels().put(Names.PART_LABEL, Names.PART_REPORT);
    return cm;
  }

  public Lease lease(DirectorPair dp) {
    return own(new LeaseBuilder().withNewMetadata().withName(Names.lease(dp.getMetadata().getName())).endMetadata()
        .withNewSpec().endSpec().build(), dp);
  }

  public String hmacSecretName(DirectorPair dp) {
    var ha = dp.getSpec().getHighAvailability();
    return ha != null && ha.getAuthSecretRef() != null ? ha.getAuthSecretRef().getName()
        : Names.hmacSecret(dp.getMetadata().getName());
  }

  /** A fresh random key: created once, never overwritten (both agents must hold the same one). */
  public Secret hmacSecret(DirectorPair dp) {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    return own(new SecretBuilder().withNewMetadata().withName(Names.hmacSecret(dp.getMetadata().getName()))
        .endMetadata().withType("Opaque").withData(Map.of(Names.HMAC_KEY, Base64.getEncoder().encodeToString(key)))
        .build(), dp);
  }

  public String namespace() {
    return namespace;
  }

  static <T> T template(String name, Class<T> type) {
    try (InputStream in = AgentResources.class.getResourceAsStream("/templates/" + name)) {
      if (in == null) {
        throw new IllegalStateException("template " + name + " missing from the operator jar");
      }
      return Serialization.unmarshal(in, type);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
