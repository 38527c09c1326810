package io.halvs.operator.reconciler;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.halvs.operator.Logs;
import java.time.Instant;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Kubernetes Events on halvs objects. An Event that cannot be written is logged, never fatal. */
public final class EventRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
  /**
   * Where Events on cluster-scoped objects (DirectorPairs) go: the API server accepts an Event whose
   * involvedObject has no namespace only in "default" (or none); kubectl describe finds it there.
   */
  static final String CLUSTER_SCOPED_NAMESPACE = "default";

  private final KubernetesClient client;

  public EventRecorder(KubernetesClient client) {
    this.client = client;
  }

  public void normal(HasMetadata on, String reason, String message) {
    record(on, "Normal", reason, message);
  }

  public void warning(HasMetadata on, String reason, String message) {
    record(on, "Warning", reason, message);
  }

  private void record(HasMetadata on, String type, String reason, String message) {
    String ns = on.getMetadata().getNamespace() != null ? on.getMetadata().getNamespace() : CLUSTER_SCOPED_NAMESPACE;
    String now = Instant.now().toString();
    try {
      client.v1().events().inNamespace(ns).resource(new EventBuilder()
          .withNewMetadata().withName(on.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 8))
          .withNamespace(ns).endMetadata()
          .withNewInvolvedObject().withApiVersion(on.getApiVersion()).withKind(on.getKind())
          .withName(on.getMetadata().getName()).withNamespace(on.getMetadata().getNamespace())
          .withUid(on.getMetadata().getUid()).endInvolvedObject()
          .withType(type).withReason(reason).withMessage(message).withFirstTimestamp(now).withLastTimestamp(now)
          .withCount(1).withNewSource().withComponent("halvs-operator").endSource().build()).create();
    } catch (KubernetesClientException e) {
      Logs.about(LOG.atWarn(), on).log("cannot record event {} on {} {}: {}", reason, on.getKind(),
          on.getMetadata().getName(), e.getMessage());
    }
  }
}
