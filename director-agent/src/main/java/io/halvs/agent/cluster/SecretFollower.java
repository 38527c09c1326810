package io.halvs.agent.cluster;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pair's HMAC Secret followed by an informer narrowed to its name (a list and watch with a metadata.name field
 * selector, which the agent's Role allows on that one name): a running election reads its keys from memory instead
 * of a GET every few seconds (a third of the API requests of a pair at rest), and a rotation's step is seen as it is
 * written. While the informer is not watching (before its first list, the connection lost, or refused by a Role that
 * grants get alone), {@link #current} says so and the caller reads the Secret with a GET as before.
 */
final class SecretFollower implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SecretFollower.class);
  /** After a refusal, how long the GETs go on before the watch is tried again (a Role updated later). */
  static final long REFUSED_RETRY_NANOS = 10 * 60 * 1_000_000_000L;

  /** The informer's view: the Secret, or null when it does not exist. */
  record Cached(Secret secret) {}

  private final KubernetesClient client;
  private final String namespace;
  private final Runnable changed;
  private SharedIndexInformer<Secret> informer; // guarded by this
  private String name; // guarded by this
  private long refusedAt; // nanoTime of the last refusal, 0 without one; guarded by this
  private boolean closed; // guarded by this

  /** {@code changed} runs on the informer's thread after each event of the followed Secret. */
  SecretFollower(KubernetesClient client, String namespace, Runnable changed) {
    this.client = client;
    this.namespace = namespace;
    this.changed = changed;
  }

  /**
   * The Secret {@code secretName} as the watch has it, or null when the watch cannot tell (the caller GETs it).
   * Asking for another name than before follows that one instead (the pair's authSecretRef changed).
   */
  synchronized Cached current(String secretName) {
    if (closed) {
      return null;
    }
    if (!secretName.equals(name) || refusedAt != 0 && System.nanoTime() - refusedAt > REFUSED_RETRY_NANOS) {
      follow(secretName);
      return null;
    }
    return watching() ? new Cached(informer.getStore().getByKey(namespace + "/" + secretName)) : null;
  }

  /** True while the watch answers for the Secret: listed once and watching now. */
  synchronized boolean watching() {
    return informer != null && informer.hasSynced() && informer.isWatching();
  }

  private void follow(String secretName) {
    stop();
    name = secretName;
    refusedAt = 0;
    SharedIndexInformer<Secret> i = client.secrets().inNamespace(namespace).withName(secretName).runnableInformer(0);
    i.exceptionHandler((started, t) -> {
      KubernetesClientException refusal = refusal(t);
      if (refusal == null) {
        LOG.debug("Secret {}/{} informer: {}", namespace, secretName, t.toString());
        return true; // keep retrying; the GETs stand in meanwhile
      }
      refused(i, secretName, refusal);
      return false;
    });
    i.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Secret s) {
        changed.run();
      }

      @Override
      public void onUpdate(Secret before, Secret after) {
        changed.run();
      }

      @Override
      public void onDelete(Secret s, boolean unknownFinalState) {
        changed.run();
      }
    });
    informer = i;
    i.start();
  }

  private synchronized void refused(SharedIndexInformer<Secret> i, String secretName, KubernetesClientException e) {
    if (informer != i) {
      return;
    }
    refusedAt = System.nanoTime();
    informer = null;
    LOG.info("may not watch Secret {}/{} (HTTP {}: {}): reading it every few seconds instead, the watch tried again "
        + "in {} min (the agent's Role from an operator older than this agent?)", namespace, secretName, e.getCode(),
        e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage(),
        REFUSED_RETRY_NANOS / 60_000_000_000L);
  }

  /** The API server's refusal (401, 403) in {@code t}'s causes, or null for any other failure. */
  private static KubernetesClientException refusal(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof KubernetesClientException k && (k.getCode() == 403 || k.getCode() == 401)) {
        return k;
      }
    }
    return null;
  }

  private void stop() {
    if (informer != null) {
      informer.close();
      informer = null;
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    stop();
  }
}
