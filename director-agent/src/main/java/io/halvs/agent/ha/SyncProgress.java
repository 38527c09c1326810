package io.halvs.agent.ha;

import io.halvs.agent.kernel.IpvsKernel;
import io.halvs.agent.kernel.KernelDestination;
import io.halvs.agent.kernel.KernelService;
import io.halvs.agent.kernel.SyncDaemon;
import io.halvs.plan.DirectorPlan.SyncDaemonPlan;

/**
 * How far this director's backup sync daemon has come, for preemption's "caught up" (docs/HA.md). Each call dumps
 * the kernel (connections(): every service, then every service's destinations), so the election calls it on its
 * sampler thread, never on its tick. The daemons themselves are started and kept by runtime.Director (master and
 * backup on both directors); this only reads.
 */
public final class SyncProgress {
  private final IpvsKernel kernel;

  public SyncProgress(IpvsKernel kernel) {
    this.kernel = kernel;
  }

  /** The backup daemon runs with the plan's sync id; a pair without sync daemons has nothing to catch up on. */
  public boolean backupRunning(SyncDaemonPlan plan) {
    if (plan == null) {
      return true;
    }
    try {
      return kernel.daemons().stream().anyMatch(d -> d.state() == SyncDaemon.BACKUP && d.syncId() == plan.syncId());
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Connection entries in the table: active + inactive over all destinations (what the backup daemon fills). */
  public long connections() {
    long n = 0;
    try {
      for (KernelService s : kernel.services()) {
        for (KernelDestination d : kernel.destinations(s.key())) {
          n += d.activeConnections() + d.inactiveConnections();
        }
      }
    } catch (RuntimeException e) {
      return 0;
    }
    return n;
  }
}
