package io.halvs.agent.ha;

import static org.assertj.core.api.Assertions.assertThat;

import io.halvs.agent.kernel.FakeIpvsKernel;
import io.halvs.agent.kernel.SyncDaemon;
import io.halvs.plan.DirectorPlan.SyncDaemonPlan;
import io.halvs.plan.IpAddress;
import org.junit.jupiter.api.Test;

class SyncDaemonsTest {
  static final SyncDaemonPlan PLAN = new SyncDaemonPlan(7, "eth1", IpAddress.parse("224.0.0.81"), 8848, 1, 1472);

  @Test
  void bothDaemonsStartOnceWithThePlansSettings() {
    FakeIpvsKernel k = new FakeIpvsKernel();
    SyncDaemons s = new SyncDaemons(k);
    assertThat(s.reconcile(PLAN).changes()).hasSize(2);
    assertThat(k.daemons()).extracting(SyncDaemon::state).containsExactly(SyncDaemon.MASTER, SyncDaemon.BACKUP);
    assertThat(k.daemons()).allMatch(d -> d.syncId() == 7 && d.interfaceName().equals("eth1") && d.ttl() == 1
        && d.maxLen() == 1472 && d.port() == 8848);
    assertThat(s.backupRunning(PLAN)).isTrue();
    k.resetCounts();
    assertThat(s.reconcile(PLAN).changes()).as("level-triggered: nothing to do").isEmpty();
    assertThat(k.totalOperations()).isZero();
  }

  @Test
  void aLostDaemonIsRestartedAndChangedSettingsRestartBoth() {
    FakeIpvsKernel k = new FakeIpvsKernel();
    SyncDaemons s = new SyncDaemons(k);
    s.reconcile(PLAN);
    k.stopDaemon(SyncDaemon.BACKUP);
    assertThat(s.backupRunning(PLAN)).isFalse();
    assertThat(s.reconcile(PLAN).changes()).containsExactly("started backup sync daemon (sync id 7 on eth1)");
    SyncDaemonPlan moved = new SyncDaemonPlan(8, "eth1", IpAddress.parse("224.0.0.81"), 8848, 1, 1472);
    assertThat(s.reconcile(moved).changes()).hasSize(4);
    assertThat(k.daemons()).allMatch(d -> d.syncId() == 8);
  }

  @Test
  void failuresAreReportedAndRetriedNotThrown() {
    FakeIpvsKernel k = new FakeIpvsKernel();
    k.failNext("1", 1, 22); // the master start: EINVAL once
    SyncDaemons s = new SyncDaemons(k);
    SyncDaemons.Result r = s.reconcile(PLAN);
    assertThat(r.errors()).singleElement().asString().startsWith("master sync daemon").contains("EINVAL");
    assertThat(k.daemons()).extracting(SyncDaemon::state).containsExactly(SyncDaemon.BACKUP);
    assertThat(s.reconcile(PLAN).errors()).isEmpty();
    assertThat(k.daemons()).hasSize(2);
  }

  @Test
  void onlyDaemonsHalvsStartedAreStopped() {
    FakeIpvsKernel k = new FakeIpvsKernel();
    k.startDaemon(new SyncDaemon(SyncDaemon.MASTER, "eth9", 99, 0, null, 0, 0)); // someone else's
    SyncDaemons s = new SyncDaemons(k);
    assertThat(s.reconcile(null).changes()).isEmpty();
    assertThat(k.daemons()).hasSize(1);
    k.stopDaemon(SyncDaemon.MASTER);
    s.reconcile(PLAN);
    assertThat(s.reconcile(null).changes()).hasSize(2);
    assertThat(k.daemons()).isEmpty();
  }
}
