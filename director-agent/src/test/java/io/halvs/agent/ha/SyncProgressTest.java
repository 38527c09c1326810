package io.halvs.agent.ha;

import static org.assertj.core.api.Assertions.assertThat;

import io.halvs.agent.kernel.FakeIpvsKernel;
import io.halvs.agent.kernel.SyncDaemon;
import io.halvs.plan.DirectorPlan.SyncDaemonPlan;
import io.halvs.plan.IpAddress;
import org.junit.jupiter.api.Test;

class SyncProgressTest {
  static final SyncDaemonPlan PLAN = new SyncDaemonPlan(7, "eth1", IpAddress.parse("224.0.0.81"), 8848, 1, 1472);

  @Test
  void theBackupDaemonOfThePairsSyncIdCounts() {
    FakeIpvsKernel k = new FakeIpvsKernel();
    SyncProgress s = new SyncProgress(k);
    assertThat(s.backupRunning(null)).as("no sync daemons planned: nothing to wait for").isTrue();
    assertThat(s.backupRunning(PLAN)).isFalse();
    k.startDaemon(new SyncDaemon(SyncDaemon.MASTER, "eth1", 7, 1472, null, 0, 0));
    assertThat(s.backupRunning(PLAN)).as("master only").isFalse();
    k.startDaemon(new SyncDaemon(SyncDaemon.BACKUP, "eth1", 9, 1472, null, 0, 0));
    assertThat(s.backupRunning(PLAN)).as("another pair's sync id").isFalse();
    k.stopDaemon(SyncDaemon.BACKUP);
    k.startDaemon(new SyncDaemon(SyncDaemon.BACKUP, "eth1", 7, 1472, null, 0, 0));
    assertThat(s.backupRunning(PLAN)).isTrue();
    assertThat(s.connections()).isZero();
  }
}
