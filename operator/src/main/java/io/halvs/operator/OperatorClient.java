package io.halvs.operator;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.halvs.api.client.ApiRequests;
import io.halvs.api.client.KindsReader;
import io.halvs.api.client.WatchRestart;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.VirtualService;
import java.util.List;

/**
 * The operator's Kubernetes client, with the kinds it watches known to its JSON reader. The client's default reader
 * knows the kinds named in the model jars' service files, not halvs': each watch event of a VirtualService or
 * RealServer was read as a generic map tree, then converted to its class (docs/PERFORMANCE.md, "Watch events read
 * once"), and at the first event it registered every model jar's kinds, loading hundreds of classes of kinds
 * nobody here reads (529 in the agent). A kind not named here still reads: as a generic resource, which the client
 * converts to the type asked for.
 */
public final class OperatorClient {
  /** The kinds of the operator's informers: JOSDK's primaries, its event sources', the plan service's. */
  public static final List<Class<? extends KubernetesResource>> WATCHED = List.of(DirectorPair.class,
      VirtualService.class, RealServer.class, ConfigMap.class, Pod.class, DaemonSet.class, Node.class, Secret.class,
      Lease.class);

  private OperatorClient() {}

  /**
   * A client configured as fabric8's default (kubeconfig, in-cluster service account) but for its watches' restart
   * ({@link WatchRestart}), with the reader above, its requests counted in {@code requests}
   * (halvs_operator_api_requests_total).
   */
  public static KubernetesClient build(ApiRequests requests) {
    return requests.install(new KubernetesClientBuilder().withConfig(WatchRestart.config())
        .withKubernetesSerialization(serialization())).build();
  }

  /** {@link KindsReader}: these kinds, and Status for a watch's errors. */
  public static KubernetesSerialization serialization() {
    return KindsReader.of(WATCHED);
  }
}
