package io.halvs.agent.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The agent's own counters, one set per process (an agent serves one DirectorPair): the hooks where the events
 * happen add to them, {@link MetricsExporter} reads them at scrape time. Hooks are cheap — a LongAdder increment
 * or a volatile write, no allocation — because some run per heartbeat. What the kernel already counts (IPVS
 * traffic, VIPs held, sync daemons) is not here: a scrape reads it from the kernel.
 */
public final class AgentMetrics {
  /** Why a heartbeat was dropped (label reason of halvs_heartbeats_rejected_total). */
  public enum Rejection {
    BAD_HMAC("bad_hmac"), REPLAY("replay"), MALFORMED("malformed"), FOREIGN_PAIR("foreign_pair");

    final String label;

    Rejection(String label) {
      this.label = label;
    }
  }

  /** A netlink change the agent makes (label kind of halvs_netlink_operations_total / _errors_total). */
  public enum NetlinkOp {
    ADD_SERVICE, EDIT_SERVICE, DEL_SERVICE, ADD_DEST, EDIT_DEST, DEL_DEST, ADD_ADDR, DEL_ADDR, SYNC_START, SYNC_STOP,
    SET_TIMEOUTS, REPLACE_MARK_RULES, DEL_MARK_TABLE;

    final String label = name().toLowerCase();
  }

  /** Upper bounds (seconds) of halvs_reconcile_duration_seconds: a health fast path takes ~1 ms, a full pass at
   * 100,000 destinations from empty seconds. */
  static final double[] PASS_BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
      60};

  // after PASS_BUCKETS: the constructor reads it
  private static final AgentMetrics GLOBAL = new AgentMetrics();

  /** The process's counters. */
  public static AgentMetrics get() {
    return GLOBAL;
  }

  final LongAdder heartbeatsSent = new LongAdder();
  final LongAdder heartbeatsReceived = new LongAdder();
  final LongAdder heartbeatsMissed = new LongAdder();
  final LongAdder[] heartbeatsRejected = adders(Rejection.values().length);
  final Map<String, LongAdder> transitions = new ConcurrentHashMap<>();
  volatile long lastTakeoverMillis; // 0: never
  final LongAdder leaseRenewalsOk = new LongAdder();
  final LongAdder leaseRenewalsError = new LongAdder();
  volatile long lastLeaseRenewalNanos = -1; // -1: none yet
  final LongAdder gratuitousArps = new LongAdder();
  final LongAdder gateRouteCures = new LongAdder();
  /** Every client's requests to the API server (the agent's and its Lease quorum's): AgentClient installs it. */
  final io.halvs.api.client.ApiRequests apiRequests = new io.halvs.api.client.ApiRequests();

  final LongAdder[] netlinkOperations = adders(NetlinkOp.values().length);
  final LongAdder[] netlinkErrors = adders(NetlinkOp.values().length);
  final LongAdder passesOk = new LongAdder();
  final LongAdder passesError = new LongAdder();
  final LongAdder[] passBuckets = adders(PASS_BUCKETS.length); // non-cumulative; summed when written
  final LongAdder passNanosSum = new LongAdder();
  volatile String appliedPlanHash; // null: no full pass converged yet
  volatile long planAppliedMillis;
  volatile long lastSuccessfulApplyMillis;
  volatile boolean kernelModuleMissing;

  private static LongAdder[] adders(int n) {
    LongAdder[] a = new LongAdder[n];
    for (int i = 0; i < n; i++) {
      a[i] = new LongAdder();
    }
    return a;
  }

  // ---- pair ----

  public void heartbeatSent() {
    heartbeatsSent.increment();
  }

  public void heartbeatReceived() {
    heartbeatsReceived.increment();
  }

  public void heartbeatsMissed(long n) {
    heartbeatsMissed.add(n);
  }

  public void heartbeatRejected(Rejection why) {
    heartbeatsRejected[why.ordinal()].increment();
  }

  /** A role change; cause is a short snake_case word (ElectionMachine.cause). */
  public void transition(String cause, boolean toActive, long wallMillis) {
    transitions.computeIfAbsent(cause, c -> new LongAdder()).increment();
    if (toActive) {
      lastTakeoverMillis = wallMillis;
    }
  }

  /** One Lease call: reached the API (whatever it answered) or not. */
  public void leaseRenewal(boolean ok, long nanos) {
    (ok ? leaseRenewalsOk : leaseRenewalsError).increment();
    lastLeaseRenewalNanos = nanos;
  }

  /** The interceptor that counts this process's requests to the API server (halvs_api_requests_total). */
  public io.halvs.api.client.ApiRequests apiRequests() {
    return apiRequests;
  }

  public void gratuitousArpSent() {
    gratuitousArps.increment();
  }

  /** The kernel watch found a held gate VIP in the neighbour table and edited its gate destinations again. */
  public void gateRouteCured() {
    gateRouteCures.increment();
  }

  // ---- reconciler ----

  /** One netlink change attempted; failed: the kernel refused it. */
  public void netlink(NetlinkOp op, boolean failed) {
    netlinkOperations[op.ordinal()].increment();
    if (failed) {
      netlinkErrors[op.ordinal()].increment();
    }
  }

  /**
   * One director pass. A full pass that converged applied planHash (null: a standalone plan, which carries no
   * hash: then "" is the label).
   */
  public void pass(long nanos, boolean converged, boolean full, String planHash, long wallMillis) {
    (converged ? passesOk : passesError).increment();
    double seconds = nanos / 1e9;
    int i = 0;
    while (i < PASS_BUCKETS.length && seconds > PASS_BUCKETS[i]) {
      i++;
    }
    if (i < PASS_BUCKETS.length) {
      passBuckets[i].increment();
    }
    passNanosSum.add(nanos);
    if (full && converged) {
      String hash = planHash == null ? "" : planHash;
      if (!hash.equals(appliedPlanHash)) {
        planAppliedMillis = wallMillis;
        appliedPlanHash = hash;
      }
      lastSuccessfulApplyMillis = wallMillis;
    }
  }

  public void kernelModuleMissing(boolean missing) {
    kernelModuleMissing = missing;
  }

  /** Test support: the count of one transition cause so far. */
  public long transitions(String cause) {
    LongAdder a = transitions.get(cause);
    return a == null ? 0 : a.sum();
  }

  /** Test support: the count of one rejection reason so far. */
  public long rejected(Rejection why) {
    return heartbeatsRejected[why.ordinal()].sum();
  }

  /** Test support. */
  public long netlinkOperations(NetlinkOp op) {
    return netlinkOperations[op.ordinal()].sum();
  }
}
