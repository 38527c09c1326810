package io.halvs.agent.runtime;

import io.halvs.agent.Logs;
import io.halvs.agent.kernel.IpvsKernel;
import io.halvs.agent.kernel.KernelService;
import io.halvs.plan.ServiceKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices, between full passes, IPVS services of the plan that someone else deleted or changed, and asks the
 * director for a full pass at once instead of at its next resync. The usual someone is kube-proxy: in IPVS mode it
 * deletes on every sync the virtual services it did not create unless {@code ipvs.excludeCIDRs} covers their
 * addresses (cleanLegacyService); in nftables mode it flushes the whole table when it starts.
 *
 * <p>One look is one IPVS_CMD_GET_SERVICE dump: services only, no destinations, so it costs in proportion to the
 * number of services in the kernel (halvs' and kube-proxy's), not to the number of real servers. It runs on its
 * own thread, never the director's or the election's; in-cluster it gets its own netlink socket, so it never
 * waits behind them either. A look that overlaps a director pass is discarded: the director itself is changing
 * the table then. Only services the last passes left exactly as planned are compared; foreign ones are not
 * looked at. Destinations deleted by hand are restored at the next resync (kube-proxy never touches the
 * destinations of services it does not own).
 */
public final class KernelWatch implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KernelWatch.class);
  private static final int MAX_NAMED = 10;

  /** What one look found: planned services missing from the kernel, and ones whose settings differ. */
  public record Drift(List<ServiceKey> vanished, List<ServiceKey> altered, int servicesInKernel, long dumpNanos) {
    public boolean found() {
      return !vanished.isEmpty() || !altered.isEmpty();
    }
  }

  private final IpvsKernel kernel;
  private final Director director;
  private final String pair;
  private final Runnable repair;
  private final Duration interval;
  private ScheduledExecutorService worker;
  private long repairAsked = -2; // the pass count when this watch last asked for a repair
  private boolean firstLook = true; // worker thread only
  private String lastFailure; // worker thread only

  /**
   * @param kernel the table to look at (in-cluster: a second connection, so looks never queue behind passes)
   * @param repair asks for a full pass now: {@link Director#fullPassNow()}, plus a wake-up where the caller drives
   *     the director itself
   */
  public KernelWatch(IpvsKernel kernel, Director director, String pair, Runnable repair, Duration interval) {
    this.kernel = kernel;
    this.director = director;
    this.pair = pair;
    this.repair = repair;
    this.interval = interval;
  }

  /**
   * One look. Null when there was nothing to compare or the look overlapped a pass; otherwise what it found,
   * and when it found something, the full pass has been asked for and the finding logged (one line).
   */
  public synchronized Drift check() {
    long before = director.passCount();
    Map<ServiceKey, KernelService> expected = director.expectedServices();
    if ((before & 1) != 0 || expected == null || expected.isEmpty() || before < repairAsked + 2) {
      return null; // mid-pass, nothing to compare with, or the repair asked for has not run yet
    }
    long start = System.nanoTime();
    List<KernelService> dumped = kernel.services();
    long nanos = System.nanoTime() - start;
    if (director.passCount() != before) {
      return null; // a pass ran meanwhile: what the dump shows may be the director's own work in progress
    }
    Map<ServiceKey, KernelService> have = new HashMap<>(dumped.size() * 2);
    for (KernelService s : dumped) {
      have.put(s.key(), s);
    }
    List<ServiceKey> vanished = new ArrayList<>();
    List<ServiceKey> altered = new ArrayList<>();
    for (Map.Entry<ServiceKey, KernelService> e : expected.entrySet()) {
      KernelService h = have.get(e.getKey());
      if (h == null) {
        vanished.add(e.getKey());
      } else if (!h.withoutStats().equals(e.getValue())) {
        altered.add(e.getKey());
      }
    }
    vanished.sort(null);
    altered.sort(null);
    Drift drift = new Drift(vanished, altered, dumped.size(), nanos);
    if (drift.found()) {
      Logs.pair(LOG.atWarn(), pair).log(describe(pair, drift));
      repairAsked = before;
      repair.run();
    }
    return drift;
  }

  /** The one log line for a finding (ASCII only: a container's stdout is often not UTF-8). */
  static String describe(String pair, Drift d) {
    StringBuilder b = new StringBuilder("pair ").append(pair).append(": ");
    if (!d.vanished().isEmpty()) {
      b.append(d.vanished().size()).append(" IPVS service(s) deleted outside halvs - kube-proxy without "
          + "ipvs.excludeCIDRs? ").append(names(d.vanished()));
    }
    if (!d.altered().isEmpty()) {
      b.append(d.vanished().isEmpty() ? "" : "; ").append(d.altered().size())
          .append(" IPVS service(s) changed outside halvs: ").append(names(d.altered()));
    }
    return b.append("; restoring them now with a full pass").toString();
  }

  private static String names(List<ServiceKey> keys) {
    List<String> shown = keys.stream().limit(MAX_NAMED).map(ServiceKey::toString).toList();
    return String.join(", ", shown) + (keys.size() > MAX_NAMED ? " and " + (keys.size() - MAX_NAMED) + " more" : "");
  }

  /** Looks every interval on its own thread until {@link #close()}. */
  public synchronized void start() {
    worker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "halvs-kernel-watch-" + pair);
      t.setDaemon(true);
      return t;
    });
    worker.scheduleWithFixedDelay(this::look, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void look() {
    try {
      Drift d = check();
      if (d != null && firstLook) {
        firstLook = false;
        Logs.pair(LOG.atInfo(), pair).log("watching the kernel's IPVS services every {} ms; one look: {} services "
            + "dumped in {} ms", interval.toMillis(), d.servicesInKernel(), String.format("%.1f", d.dumpNanos() / 1e6));
      }
      if (lastFailure != null) {
        Logs.pair(LOG.atInfo(), pair).log("IPVS services readable again");
        lastFailure = null;
      }
    } catch (RuntimeException e) {
      // The director's passes hit the same kernel and report it; say it here once per outage only.
      if (lastFailure == null) {
        Logs.pair(LOG.atWarn(), pair).log("cannot dump IPVS services to watch them: {}", e.toString());
      }
      lastFailure = e.toString();
    }
  }

  @Override
  public synchronized void close() {
    if (worker != null) {
      worker.shutdownNow();
    }
  }
}
