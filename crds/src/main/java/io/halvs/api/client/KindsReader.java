package io.halvs.api.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;

/**
 * The JSON reader of halvs' Kubernetes clients: the kinds a component reads, and no others. fabric8's default reader,
 * at its first use, registers every kind named in every model jar's service file (hundreds of classes in metaspace
 * for the life of the process) and does not know halvs' kinds, so each of their watch events was read as a generic
 * map tree and then converted (docs/PERFORMANCE.md, "Watch events read once"). A kind not named still reads: as a
 * generic resource, which the client converts to the type asked for.
 */
public final class KindsReader {
  private KindsReader() {}

  /**
   * A reader that knows these kinds and Status, the object of a watch's ERROR event (410 Gone after a compaction or
   * an API server restart): read as anything else, the client would not see the error and its watches and informers
   * would not list again. Every reader that does not scan needs it, so it is added here, not by each caller.
   */
  public static KubernetesSerialization of(List<Class<? extends KubernetesResource>> kinds) {
    KubernetesSerialization serialization = new KubernetesSerialization(new ObjectMapper(), false);
    kinds.forEach(serialization::registerKubernetesResource);
    serialization.registerKubernetesResource(Status.class);
    return serialization;
  }
}
