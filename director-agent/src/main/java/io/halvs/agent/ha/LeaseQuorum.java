package io.halvs.agent.ha;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.halvs.plan.publish.Names;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Objects;

/**
 * The pair's coordination.k8s.io/v1 Lease ({@link Names#lease}) in the agent's namespace, compare-and-set on its
 * resourceVersion. The operator creates it; if it is missing the agent creates it (a 409 there means the peer
 * just did). Calls run on the election's Lease thread, never in a takeover the heartbeats alone allow.
 */
public final class LeaseQuorum implements Quorum {
  /** The term (writes so far) lives in an annotation: resourceVersion must not be compared for order. */
  static final String TERM = "halvs.io/term";
  static final String SILENT = "halvs.io/written-while-peer-silent";
  /** The warm-up's reads when a write keeps overtaking its dry run: the peer writes at its election's start only. */
  static final int WARM_UP_ATTEMPTS = 3;

  private final KubernetesClient client;
  private final String namespace;
  private final String name;
  private volatile int leaseSeconds;
  private volatile Lease last;

  public LeaseQuorum(KubernetesClient client, String namespace, String pair, int leaseSeconds) {
    this.client = client;
    this.namespace = namespace;
    this.name = Names.lease(pair);
    this.leaseSeconds = leaseSeconds;
  }

  /** The term written to the Lease's spec.leaseDurationSeconds (for readers; the election counts its own). */
  @Override
  public void leaseTerm(long leaseMillis) {
    leaseSeconds = (int) ((leaseMillis + 999) / 1000);
  }

  @Override
  public Record read() {
    Lease l = client.leases().inNamespace(namespace).withName(name).get();
    if (l == null) {
      try {
        l = client.leases().inNamespace(namespace).resource(new LeaseBuilder().withNewMetadata().withName(name)
            .withNamespace(namespace).endMetadata().withNewSpec().endSpec().build()).create();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        l = client.leases().inNamespace(namespace).withName(name).get();
      }
    }
    last = l;
    return record(l);
  }

  /** The record a Lease holds (the term and the silent mark in its annotations). */
  private static Record record(Lease l) {
    var spec = l.getSpec();
    String holder = spec == null ? null : spec.getHolderIdentity();
    long renew = spec == null || spec.getRenewTime() == null ? 0 : spec.getRenewTime().toInstant().toEpochMilli();
    var annotations = l.getMetadata().getAnnotations();
    long term = 0;
    try {
      term = annotations == null || annotations.get(TERM) == null ? 0 : Long.parseLong(annotations.get(TERM));
    } catch (NumberFormatException e) {
      term = 0; // someone wrote garbage: count from zero, the compare-and-set still guards the write
    }
    boolean silent = annotations != null && "true".equals(annotations.get(SILENT));
    long termMillis = spec == null || spec.getLeaseDurationSeconds() == null ? 0
        : Math.max(0, spec.getLeaseDurationSeconds()) * 1000L;
    return new Record(holder, renew, l.getMetadata().getResourceVersion(), term, silent, termMillis);
  }

  @Override
  public Record write(Record expected, String holder, long renewWallMillis, boolean silent) {
    Lease base = last;
    if (base == null || !Objects.equals(base.getMetadata().getResourceVersion(), expected.version())) {
      return null;
    }
    try {
      last = client.leases().inNamespace(namespace).resource(next(base, expected.term(), holder, renewWallMillis,
          silent)).update();
      return record(last);
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409 || e.getCode() == 404) {
        return null; // written or deleted since: the call reads it again (read() creates a deleted one)
      }
      throw e;
    }
  }

  /**
   * A takeover's write without the write: the Lease as a write would make it (the builder's code), then the Lease
   * as read sent back unchanged as a dry run (serialization, the client's update path, the answer). Measured at
   * full size: a standby's first write spent 30-60 ms loading classes and introspecting the Lease's types for
   * JSON, against 10-30 ms on the wire. The request changes nothing: the API server stores no dry run, and the body
   * is the record as read, so a server that ignored dryRun would store the same content (a compare-and-set that
   * loses to it only reads again). The peer's election starts at the same moment, so its first write may land
   * between the read and the dry run: the API server answers 409 to the stale version, and the warm-up reads again
   * (at most {@link #WARM_UP_ATTEMPTS} times) so that it ends with an answered round trip.
   */
  @Override
  public void warmUp() {
    for (int attempt = 1; ; attempt++) {
      Lease read = client.leases().inNamespace(namespace).withName(name).get();
      if (read == null) {
        return; // read() creates it, at the election's first call
      }
      next(read, 0, "warm-up", System.currentTimeMillis(), true);
      try {
        client.leases().inNamespace(namespace).resource(read).dryRun().update();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == WARM_UP_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  private Lease next(Lease base, long term, String holder, long renewWallMillis, boolean silent) {
    ZonedDateTime now = ZonedDateTime.ofInstant(Instant.ofEpochMilli(renewWallMillis), ZoneOffset.UTC);
    var spec = base.getSpec();
    boolean changes = spec == null || !holder.equals(spec.getHolderIdentity());
    int transitions = spec == null || spec.getLeaseTransitions() == null ? 0 : spec.getLeaseTransitions();
    return new LeaseBuilder(base).editMetadata().addToAnnotations(TERM, String.valueOf(term + 1))
        .addToAnnotations(SILENT, String.valueOf(silent))
        .endMetadata().editOrNewSpec().withHolderIdentity(holder).withRenewTime(now)
        .withLeaseDurationSeconds(leaseSeconds)
        .withAcquireTime(changes ? now : spec.getAcquireTime())
        .withLeaseTransitions(changes ? transitions + 1 : transitions).endSpec().build();
  }
}
