package io.halvs.agent.cluster;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.halvs.agent.metrics.AgentMetrics;
import io.halvs.api.client.KindsReader;
import io.halvs.api.client.WatchRestart;
import java.util.List;

/**
 * The agents' Kubernetes client: the kinds they read, and no others, known to its JSON reader. The client's
 * default reader, at its first watch event (a plan change), registers every kind named in every model jar's service
 * file: 529 more classes (gateway API, storage, flow control ...) and 4 MiB of metaspace for the life of an agent
 * that reads four kinds (e2e/bench/agent-memory.sh with STREAM_STEPS). A kind not named here still reads: as a
 * generic resource, which the client converts to the type asked for.
 */
public final class AgentClient {
  /** What the director and real-server agents read and watch: plans, reports, the HMAC key, Nodes, the Lease. */
  static final List<Class<? extends KubernetesResource>> KINDS = List.of(ConfigMap.class, Secret.class, Node.class,
      Lease.class);

  private AgentClient() {}

  /**
   * A client configured as fabric8's default (kubeconfig, in-cluster service account) but for its watches' restart
   * ({@link WatchRestart}), with the reader above, its requests counted in the process's halvs_api_requests_total.
   */
  public static KubernetesClient build() {
    return AgentMetrics.get().apiRequests().install(new KubernetesClientBuilder().withConfig(WatchRestart.config())
        .withKubernetesSerialization(serialization())).build();
  }

  /** {@link KindsReader}: these kinds, and Status for a watch's errors. */
  static KubernetesSerialization serialization() {
    return KindsReader.of(KINDS);
  }
}
