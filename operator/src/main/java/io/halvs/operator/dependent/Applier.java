package io.halvs.operator.dependent;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Keeps owned objects equal to their desired form: create when missing, replace (with the live
 * resourceVersion, so a concurrent writer makes it retry rather than lose) when the desired form changed.
 * "Changed" is judged by a hash of the desired object kept in an annotation, so defaults the API server adds
 * never cause an endless update loop. Plain create/update works on every API server and on the CRUD mock the
 * fast tests use; the operator is the only writer of these objects, so server-side apply would buy nothing.
 *
 * <p>With a recheck period, an object the API server was seen holding in its desired form is not read again
 * for that long while its desired form stays the same: a DirectorPair is reconciled after every agent report,
 * twice a second while edits stream in at full size, and each reconcile read all ten of its agents' objects
 * (the two report ConfigMaps 69 KB each) only to find them unchanged. An object deleted or changed by hand is
 * then restored at the first apply after the period, or at once after {@link #forget} (an informer saw it
 * change). Thread-safe.
 */
public final class Applier {
  public static final String HASH_ANNOTATION = "halvs.io/desired-hash";

  /** createIfMissing's "hash": whatever the object holds, it exists. */
  private static final String EXISTS = "";

  /** The desired form's hash the API server was seen holding, and when (nanoTime). */
  private record Seen(String hash, long atNanos) {}

  private final KubernetesClient client;
  private final long recheckNanos;
  private final LongSupplier nanoClock;
  private final Map<String, Seen> seen = new ConcurrentHashMap<>();
  /** Counts forget calls: a read that a forget overtook is not remembered. Guarded by this. */
  private long forgets;

  /** Reads every object at every apply. */
  public Applier(KubernetesClient client) {
    this(client, Duration.ZERO, System::nanoTime);
  }

  /** Reads an object seen in its desired form again only after {@code recheck}. */
  public Applier(KubernetesClient client, Duration recheck) {
    this(client, recheck, System::nanoTime);
  }

  Applier(KubernetesClient client, Duration recheck, LongSupplier nanoClock) {
    this.client = client;
    this.recheckNanos = recheck.toNanos();
    this.nanoClock = nanoClock;
  }

  /** Returns true when it wrote something. */
  public boolean apply(HasMetadata desired) {
    String hash = hash(desired);
    if (desired.getMetadata().getAnnotations() == null) {
      desired.getMetadata().setAnnotations(new HashMap<>());
    }
    desired.getMetadata().getAnnotations().put(HASH_ANNOTATION, hash);
    return unlessRecentlySeen(desired, hash, () -> applyNow(desired, hash));
  }

  private boolean applyNow(HasMetadata desired, String hash) {
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
    return unlessRecentlySeen(desired, EXISTS, () -> createNow(desired));
  }

  private boolean createNow(HasMetadata desired) {
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

  /** The next apply of this object reads it again (an informer saw it change, or go). */
  public synchronized void forget(HasMetadata object) {
    forgets++;
    seen.remove(key(object));
  }

  /**
   * Runs {@code io} (a read, and a write when needed) unless the object was seen holding {@code hash} within the
   * recheck period; then remembers it, with the time from before the read (never later than what was seen), unless
   * a forget came meanwhile.
   */
  private boolean unlessRecentlySeen(HasMetadata desired, String hash, BooleanSupplier io) {
    String key = key(desired);
    long now = nanoClock.getAsLong();
    Seen last = seen.get(key);
    if (last != null && last.hash().equals(hash) && now - last.atNanos() < recheckNanos) {
      return false;
    }
    long epoch;
    synchronized (this) {
      epoch = forgets;
    }
    boolean wrote = io.getAsBoolean();
    synchronized (this) {
      if (recheckNanos > 0 && forgets == epoch) {
        seen.put(key, new Seen(hash, now));
      }
    }
    return wrote;
  }

  private static String key(HasMetadata o) {
    return o.getApiVersion() + "/" + o.getKind() + "/" + o.getMetadata().getNamespace() + "/"
        + o.getMetadata().getName();
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
