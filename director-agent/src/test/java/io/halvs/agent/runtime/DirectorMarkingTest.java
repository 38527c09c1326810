package io.halvs.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.halvs.agent.kernel.FakeIpvsKernel;
import io.halvs.agent.kernel.FakeIpvsKernel.Op;
import io.halvs.agent.kernel.OwnershipJournal;
import io.halvs.agent.kernel.SyncDaemon;
import io.halvs.agent.netfilter.MarkTable;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpAddress;
import io.halvs.plan.MarkRule;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the firewall-marking rules fit in the director's passes, with a marking table that records its calls. */
class DirectorMarkingTest {
  static final DirectorPlan.SyncDaemonPlan SYNC = new DirectorPlan.SyncDaemonPlan(7, "eth1", null, 0, 0, 0);
  static final MarkRule WEB = new MarkRule(7, "TCP", IpAddress.parse("192.0.2.10"), 32, 80, 80);

  @TempDir
  Path dir;

  final FakeIpvsKernel kernel = new FakeIpvsKernel();
  final TestDoubles.SteeredHealth health = new TestDoubles.SteeredHealth();
  final TestDoubles.RecordingElection election = new TestDoubles.RecordingElection();
  final RecordingMarks marks = new RecordingMarks();
  Director director;

  /** Records every apply (with how many IPVS services the kernel held then) and forget; fails when told. */
  final class RecordingMarks implements MarkTable {
    final List<List<MarkRule>> applied = new ArrayList<>();
    final List<Integer> servicesThen = new ArrayList<>();
    int forgotten;
    String failWith;

    @Override
    public List<String> apply(List<MarkRule> rules) {
      applied.add(rules);
      servicesThen.add(kernel.services().size());
      if (failWith != null) {
        throw new IllegalStateException(failWith);
      }
      return List.of("marked " + rules.size());
    }

    @Override
    public void forget() {
      forgotten++;
    }

    @Override
    public void close() {}
  }

  Director director(Duration resync) {
    director = new Director(kernel, new OwnershipJournal(dir.resolve("owned")), health, election, null, resync);
    director.marking(marks);
    return director;
  }

  @AfterEach
  void close() {
    if (director != null) {
      director.close();
    }
  }

  static DirectorPlan withMarks(DirectorPlan p, List<MarkRule> rules) {
    return new DirectorPlan(p.pair(), p.nodes(), p.vipInterface(), p.vips(), p.gateway(), p.sysctls(),
        p.syncDaemon(), p.highAvailability(), p.services(), p.connectionTimeouts(), p.vipSettings(),
        p.moreGateways(), rules);
  }

  @Test
  void aFullPassInstallsThePlansRulesAfterTheIpvsTable() {
    Director d = director(Duration.ofHours(1));
    DirectorPlan plan = withMarks(TestDoubles.plan(3, 2, SYNC), List.of(WEB));
    d.offer(new Director.Target(plan, "h1", false));

    Director.Pass p = d.runPending();

    assertThat(p.converged()).as("%s", p.failures()).isTrue();
    assertThat(marks.applied).containsExactly(List.of(WEB));
    assertThat(marks.servicesThen).as("the IPVS services were there first").containsExactly(3);
    assertThat(p.changes()).contains("marked 1");
  }

  @Test
  void aMarkingFailureFailsThePassButIpvsDaemonsAndTheElectionGoOn() {
    Director d = director(Duration.ofHours(1));
    marks.failWith = "install firewall-marking rules: nf_tables is not available in this kernel";
    DirectorPlan plan = withMarks(TestDoubles.plan(3, 2, SYNC), List.of(WEB));
    d.offer(new Director.Target(plan, "h1", false));

    Director.Pass p = d.runPending();

    assertThat(p.converged()).isFalse();
    assertThat(p.failures()).containsExactly(
        "firewall-marking rules: install firewall-marking rules: nf_tables is not available in this kernel");
    assertThat(d.status().failures()).isEqualTo(p.failures());
    assertThat(d.status().programmed()).isFalse();
    assertThat(kernel.count(Op.ADD_SERVICE)).isEqualTo(3);
    assertThat(kernel.daemons()).extracting(SyncDaemon::state).containsExactly(SyncDaemon.MASTER, SyncDaemon.BACKUP);
    assertThat(election.followed).isSameAs(plan);
  }

  @Test
  void theResyncMakesTheTableLookAgain() {
    Director d = director(Duration.ofNanos(1));
    DirectorPlan plan = withMarks(TestDoubles.plan(1, 1, null), List.of(WEB));
    d.offer(new Director.Target(plan, "h1", false));
    d.runPending();
    int before = marks.forgotten;
    d.offer(new Director.Target(plan, "h1", false));
    d.runPending(); // a new plan's pass goes first; the resync it owes is the next pass
    d.runPending();
    assertThat(marks.forgotten).isGreaterThan(before);
  }

  @Test
  void aDeletedPairRemovesItsRules() {
    Director d = director(Duration.ofHours(1));
    DirectorPlan plan = withMarks(TestDoubles.plan(1, 1, null), List.of(WEB));
    d.offer(new Director.Target(plan, "h1", false));
    d.runPending();
    d.offer(new Director.Target(plan, "h2", true));

    Director.Pass p = d.runPending();

    assertThat(p.converged()).as("%s", p.failures()).isTrue();
    assertThat(marks.applied).containsExactly(List.of(WEB), List.of());
    assertThat(d.status().cleaned()).isTrue();
  }

  @Test
  void rulesWithoutAMarkingTableAreAFailureNotSilence() {
    director = new Director(kernel, new OwnershipJournal(dir.resolve("owned")), health, election, null,
        Duration.ofHours(1));
    director.offer(new Director.Target(withMarks(TestDoubles.plan(1, 1, null), List.of(WEB)), "h1", false));

    Director.Pass p = director.runPending();

    assertThat(p.failures()).singleElement().asString().contains("firewall-marking rules")
        .contains("installs none");
    assertThat(kernel.count(Op.ADD_SERVICE)).isEqualTo(1);
  }
}
