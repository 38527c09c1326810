package io.halvs.operator.dependent;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;

/**
 * Keeps owned objects equal to their desired form: create when missing, replace (with the live
 * resourceVersion, so a concurrent writer makes it retry rather than lose) when the desired form changed.
 * "Changed" is judged by a hash of the desired object kept in an annotation, so defaults the API server adds
 * never cause an endless update loop. Plain create/update works on every API server and on the CRUD mock the
 * fast tests use; the operator is the only writer of these objects, so server-side apply would buy nothing.
 */
public final class Applier {
  public static final String HASH_ANNOTATION = "halvs.io/desired-hash";

  private final KubernetesClient client;

  public Applier(KubernetesClient client) {
    this.client = client;
  }

  /** Returns true when it wrote something. */
  public boolean apply(HasMetadata desired) {
    String hash = hash(desired);
    if (desired.getMetadata().getAnnotations() == null) {
      desired.getMetadata().setAnnotations(new HashMap<>());
    }
    desired.getMetadata().getAnnotations().put(HASH_ANNOTATION, hash);
    HasMetadata live = client.resource(desired).get();
    if (live == null) {
      try {
        client.resource(desired).create();
        return true;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        live = client.resource(desired).get(); // created meanwhile: fall through to the comparison
        if (live == null) {
          throw e;
        }
      }
    }
    var annotations = live.getMetadata().getAnnotations();
    if (annotations != null && hash.equals(annotations.get(HASH_ANNOTATION))) {
      return false;
    }
    desired.getMetadata().setResourceVersion(live.getMetadata().getResourceVersion());
    client.resource(desired).update();
    return true;
  }

  /** Creates the object only when it does not exist (secrets the operator generates once). */
  public boolean createIfMissing(HasMetadata desired) {
    if (client.resource(desired).get() != null) {
      return false;
    }
    try {
      client.resource(desired).create();
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        return false;
      }
      throw e;
    }
  }

  static String hash(HasMetadata desired) {
    try {
      byte[] json = Serialization.asJson(desired).getBytes(StandardCharsets.UTF_8);
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(json)).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
