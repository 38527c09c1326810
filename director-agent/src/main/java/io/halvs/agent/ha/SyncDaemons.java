package io.halvs.agent.ha;

import io.halvs.agent.kernel.IpvsKernel;
import io.halvs.agent.kernel.KernelDestination;
import io.halvs.agent.kernel.KernelService;
import io.halvs.agent.kernel.SyncDaemon;
import io.halvs.plan.DirectorPlan.SyncDaemonPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The IPVS connection-sync daemons: master AND backup on both directors (ipvsadm's "both"), so whichever is
 * active sends its connection table and the other keeps a warm copy: no daemon restart on failover. Level-
 * triggered: {@link #reconcile} starts what is missing, restarts one whose settings differ from the plan, and
 * stops only daemons halvs started (a daemon with another sync id that someone else runs is left alone). Call it
 * periodically: a daemon the kernel lost is restarted on the next pass. Errors are reported, never thrown.
 */
public final class SyncDaemons {
  /** What a pass did and what failed (for the agent's report). */
  public record Result(List<String> changes, List<String> errors) {}

  private final IpvsKernel kernel;
  private SyncDaemonPlan owned;

  public SyncDaemons(IpvsKernel kernel) {
    this.kernel = kernel;
  }

  static SyncDaemon daemon(int state, SyncDaemonPlan p) {
    return new SyncDaemon(state, p.interfaceName(), p.syncId(), p.maxLen(), p.multicastGroup(), p.port(), p.ttl());
  }

  static String name(int state) {
    return state == SyncDaemon.MASTER ? "master" : "backup";
  }

  public Result reconcile(SyncDaemonPlan plan) {
    List<String> changes = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    Map<Integer, SyncDaemon> running = new TreeMap<>();
    try {
      kernel.daemons().forEach(d -> running.put(d.state(), d));
    } catch (RuntimeException e) {
      errors.add("list sync daemons: " + e.getMessage());
      return new Result(changes, errors);
    }
    for (int state : new int[] {SyncDaemon.MASTER, SyncDaemon.BACKUP}) {
      SyncDaemon have = running.get(state);
      try {
        if (plan == null) {
          if (have != null && owned != null && have.equals(daemon(state, owned))) {
            kernel.stopDaemon(state);
            changes.add("stopped " + name(state) + " sync daemon");
          }
          continue;
        }
        SyncDaemon want = daemon(state, plan);
        if (want.equals(have)) {
          continue;
        }
        if (have != null) {
          kernel.stopDaemon(state); // the kernel cannot change a running daemon's settings
          changes.add("stopped " + name(state) + " sync daemon (settings changed)");
        }
        kernel.startDaemon(want);
        changes.add("started " + name(state) + " sync daemon (sync id " + plan.syncId() + " on "
            + plan.interfaceName() + ")");
      } catch (RuntimeException e) {
        errors.add(name(state) + " sync daemon: " + e.getMessage());
      }
    }
    owned = plan != null ? plan : (errors.isEmpty() ? null : owned);
    return new Result(changes, errors);
  }

  /** The backup daemon runs (for "caught up"; a pair without sync daemons has nothing to catch up on). */
  public boolean backupRunning(SyncDaemonPlan plan) {
    if (plan == null) {
      return true;
    }
    try {
      return kernel.daemons().stream().anyMatch(d -> d.equals(daemon(SyncDaemon.BACKUP, plan)));
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
