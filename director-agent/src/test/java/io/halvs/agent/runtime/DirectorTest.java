package io.halvs.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.halvs.agent.kernel.CountingKernel;
import io.halvs.agent.kernel.DestinationHealth;
import io.halvs.agent.kernel.FakeIpvsKernel;
import io.halvs.agent.kernel.FakeIpvsKernel.Op;
import io.halvs.agent.kernel.IpvsTimeouts;
import io.halvs.agent.kernel.KernelReconciler;
import io.halvs.agent.kernel.KernelReconcilerTest;
import io.halvs.agent.kernel.KernelService;
import io.halvs.agent.kernel.OwnershipJournal;
import io.halvs.agent.kernel.SyncDaemon;
import io.halvs.api.v1alpha1.Protocol;
import io.halvs.plan.Destination;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpAddress;
import io.halvs.plan.IpvsService;
import io.halvs.plan.ServiceKey;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectorTest {
  static final DirectorPlan.SyncDaemonPlan SYNC = new DirectorPlan.SyncDaemonPlan(7, "eth1", null, 0, 0, 0);

  @TempDir
  Path dir;

  final FakeIpvsKernel kernel = new FakeIpvsKernel();
  final TestDoubles.SteeredHealth health = new TestDoubles.SteeredHealth();
  final TestDoubles.RecordingElection election = new TestDoubles.RecordingElection();
  Director director;

  Director director(Path journal) {
    director = new Director(kernel, new OwnershipJournal(journal), health, election, null, Duration.ofHours(1));
    return director;
  }

  @AfterEach
  void close() {
    if (director != null) {
      director.close();
    }
  }

  @Test
  void newPlanIsProgrammedInOneFullPassAndItsHashReported() {
    Director d = director(dir.resolve("owned"));
    DirectorPlan plan = TestDoubles.plan(10, 10, SYNC);
    d.offer(new Director.Target(plan, "h1", false));

    Director.Pass p = d.runPending();

    assertThat(p.full()).isTrue();
    assertThat(kernel.count(Op.ADD_SERVICE)).isEqualTo(10);
    assertThat(kernel.count(Op.ADD_DEST)).isEqualTo(100);
    assertThat(kernel.daemons()).extracting(SyncDaemon::state).containsExactly(SyncDaemon.MASTER, SyncDaemon.BACKUP);
    assertThat(election.followed).isSameAs(plan);
    assertThat(health.followed).isSameAs(plan);
    assertThat(d.status().programmed()).isTrue();
    assertThat(d.status().programmedPlanHash()).isEqualTo("h1");
    assertThat(d.runPending()).as("nothing due until the resync").isNull();
  }

  /**
   * A new plan's pass compares only the services whose objects changed (the decoder keeps the others'); a health
   * change waiting for the fast path when the plan comes must still be applied by that pass, which takes it over.
   */
  @Test
  void aNewPlanAndAHealthChangeInOnePassAreBothApplied() {
    Director d = director(dir.resolve("owned"));
    DirectorPlan plan = TestDoubles.plan(10, 10, null);
    d.offer(new Director.Target(plan, "h1", false));
    d.runPending();
    IpvsService down = plan.services().get(1);
    health.set(down.key(), down.destinations().get(0), DestinationHealth.Verdict.QUIESCE);
    DirectorPlan next = plan.withServices(KernelReconcilerTest.withWeight(plan.services(), 2, 0, 7));
    d.offer(new Director.Target(next, "h2", false));
    kernel.resetCounts();

    Director.Pass p = d.runPending();

    assertThat(p.full()).isTrue();
    assertThat(kernel.count(Op.EDIT_DEST)).isEqualTo(2);
    assertThat(weight(down.key(), down.destinations().get(0))).as("the health change").isZero();
    IpvsService edited = next.services().get(2);
    assertThat(weight(edited.key(), edited.destinations().get(0))).as("the plan's change").isEqualTo(7);
    assertThat(d.runPending()).as("nothing left for the fast path").isNull();
  }

  /** Checks whose thread never answers a waited-for follow (stuck, or starved of CPU): only followLater returns. */
  static final class StuckHealth implements HealthChecks {
    final TestDoubles.SteeredHealth inner = new TestDoubles.SteeredHealth();
    volatile DirectorPlan followedLater;

    @Override
    public void follow(DirectorPlan plan) {
      try {
        Thread.sleep(60_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("health checker thread did not answer");
    }

    @Override
    public void follow(DirectorPlan plan, java.util.function.BiPredicate<ServiceKey, Destination> inRotation) {
      inner.follow(plan, inRotation); // the first pass's adoption, before the checker got stuck
    }

    @Override
    public void followLater(DirectorPlan plan) {
      followedLater = plan;
    }

    @Override
    public DestinationHealth view() {
      return inner.view();
    }

    @Override
    public Map<String, io.halvs.plan.publish.AgentReport.ServiceHealth> report() {
      return inner.report();
    }

    @Override
    public void onChange(java.util.function.Consumer<java.util.Set<ServiceKey>> listener) {
      inner.onChange(listener);
    }

    @Override
    public void close() {}
  }

  @Test
  void aFullPassHandsThePlanToTheChecksWithoutWaitingForThem() {
    StuckHealth stuck = new StuckHealth();
    director = new Director(kernel, new OwnershipJournal(dir.resolve("owned")), stuck, election, null,
        Duration.ofHours(1));
    DirectorPlan plan = TestDoubles.plan(10, 10, null);
    director.offer(new Director.Target(plan, "h1", false));
    director.runPending();
    DirectorPlan next = plan.withServices(KernelReconcilerTest.withWeight(plan.services(), 2, 0, 7));
    director.offer(new Director.Target(next, "h2", false));

    Director.Pass p = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(20),
        director::runPending, "the pass waited for the checker thread");

    assertThat(p.converged()).as(String.join("; ", p.failures())).isTrue();
    assertThat(stuck.followedLater).isSameAs(next);
    IpvsService edited = next.services().get(2);
    assertThat(weight(edited.key(), edited.destinations().get(0))).isEqualTo(7);
  }

  int weight(ServiceKey service, Destination d) {
    return kernel.destinations(service).stream().filter(k -> k.address().equals(d.address()) && k.port() == d.port())
        .findFirst().orElseThrow().weight();
  }

  static DirectorPlan withTimeouts(DirectorPlan p, DirectorPlan.TimeoutsPlan t) {
    return new DirectorPlan(p.pair(), p.nodes(), p.vipInterface(), p.vips(), p.gateway(), p.sysctls(),
        p.syncDaemon(), p.highAvailability(), p.services(), t);
  }

  @Test
  void connectionTimeoutsAreSetReadBackAndLeftAloneOnceTheKernelHoldsThem() {
    Director d = director(null);
    DirectorPlan plan = withTimeouts(TestDoubles.plan(2, 2, null), new DirectorPlan.TimeoutsPlan(7200, 0, 60));
    d.offer(new Director.Target(plan, "h1", false));

    Director.Pass p = d.runPending();

    assertThat(p.converged()).as("%s", p.failures()).isTrue();
    assertThat(p.changes()).contains("set IPVS timeouts (ipvsadm --set 7200 0 60)");
    // 0 in the plan: the kernel's tcpfin (120) stays.
    assertThat(kernel.timeouts()).isEqualTo(new IpvsTimeouts(7200, 120, 60));
    d.offer(new Director.Target(plan, "h1", false));
    kernel.resetCounts();
    assertThat(d.runPending().changes()).isEmpty();
    assertThat(kernel.count(Op.SET_TIMEOUTS)).isZero();
  }

  @Test
  void aPlanWithoutTimeoutsNeverTouchesTheKernels() {
    Director d = director(null);
    kernel.setTimeouts(new IpvsTimeouts(3600, 30, 10)); // someone else's, e.g. kube-proxy's --ipvs-tcp-timeout
    kernel.resetCounts();
    d.offer(new Director.Target(TestDoubles.plan(2, 2, null), "h1", false));
    assertThat(d.runPending().converged()).isTrue();
    assertThat(kernel.count(Op.SET_TIMEOUTS)).isZero();
    assertThat(kernel.timeouts()).isEqualTo(new IpvsTimeouts(3600, 30, 10));
  }

  /** A refused set fails the pass (the report and Programmed say so); the IPVS table is still programmed. */
  @Test
  void aTimeoutTheKernelRefusesFailsThePassAndIsRetried() {
    Director d = director(null);
    DirectorPlan plan = withTimeouts(TestDoubles.plan(2, 2, null), new DirectorPlan.TimeoutsPlan(7200, 0, 0));
    kernel.failNext("IpvsTimeouts", 1, 22);
    d.offer(new Director.Target(plan, "h1", false));

    Director.Pass p = d.runPending();

    assertThat(p.failures()).singleElement().asString().startsWith("IPVS timeouts: ").contains("EINVAL");
    assertThat(d.status().programmed()).isFalse();
    assertThat(kernel.count(Op.ADD_SERVICE)).isEqualTo(2);
    d.offer(new Director.Target(plan, "h1", false));
    assertThat(d.runPending().converged()).isTrue();
    assertThat(kernel.timeouts().tcp()).isEqualTo(7200);
  }

  @Test
  void healthChangeTakesTheFastPathOnTheLoopThreadWithExactlyOneOperation() {
    Director d = director(null);
    DirectorPlan plan = TestDoubles.plan(100, 10, SYNC);
    d.start("director-test");
    d.offer(new Director.Target(plan, "h1", false));
    await().atMost(Duration.ofSeconds(10)).until(() -> d.status().programmed());
    kernel.resetCounts();
    List<Director.Pass> passes = new CopyOnWriteArrayList<>();
    d.onPass(passes::add);

    IpvsService s = plan.services().get(42);
    health.set(s.key(), s.destinations().get(3), DestinationHealth.Verdict.QUIESCE);

    await().atMost(Duration.ofSeconds(10)).until(() -> !passes.isEmpty());
    assertThat(passes.get(0).full()).isFalse();
    assertThat(kernel.totalOperations()).isEqualTo(1);
    assertThat(kernel.count(Op.EDIT_DEST)).isEqualTo(1);
    assertThat(kernel.destinations(s.key())).filteredOn(k -> k.address().equals(s.destinations().get(3).address()))
        .extracting(k -> k.weight()).containsExactly(0);
    assertThat(d.status().programmed()).isTrue();
  }

  @Test
  void aFailedOperationIsReportedAndRetriedByTheLoop() {
    Director d = director(null);
    DirectorPlan plan = TestDoubles.plan(3, 2, null);
    ServiceKey failing = plan.services().get(1).key();
    kernel.failNext(failing.toString(), 1, 22);
    List<Director.Pass> passes = new CopyOnWriteArrayList<>();
    d.onPass(passes::add);
    d.start("director-test");
    d.offer(new Director.Target(plan, "h1", false));

    await().atMost(Duration.ofSeconds(10)).until(() -> passes.size() >= 2);
    assertThat(passes.get(0).failures()).singleElement().asString().contains("EINVAL").contains(failing.toString());
    assertThat(passes.get(1).converged()).isTrue();
    assertThat(passes.get(1).kernel().applied()).contains("add service " + failing);
    assertThat(kernel.services()).extracting(KernelService::key).contains(failing);
    assertThat(d.status().programmed()).isTrue();
  }

  @Test
  void failedFirstPassLeavesTheHashUnprogrammed() {
    Director d = director(null);
    DirectorPlan plan = TestDoubles.plan(3, 2, null);
    kernel.failNext(plan.services().get(0).key().toString(), 1, 22);
    d.offer(new Director.Target(plan, "h1", false));
    d.runPending();
    assertThat(d.status().programmed()).isFalse();
    assertThat(d.status().programmedPlanHash()).isNull();
    assertThat(d.status().failures()).hasSize(1);
  }

  @Test
  void deletingRemovesWhatThisAgentOwnsThenReportsCleaned() {
    Director d = director(dir.resolve("owned"));
    DirectorPlan plan = TestDoubles.plan(5, 3, SYNC);
    ServiceKey foreign = ServiceKey.of(Protocol.UDP, IpAddress.parse("192.0.2.9"), 53);
    kernel.addService(new KernelService(foreign, "rr", 0, 0, 0xffffffffL, null));
    d.offer(new Director.Target(plan, "h1", false));
    d.runPending();
    assertThat(d.status().cleaned()).isFalse();

    d.offer(new Director.Target(plan, "h2", true));
    Director.Pass p = d.runPending();

    assertThat(p.converged()).isTrue();
    assertThat(kernel.services()).extracting(KernelService::key).containsExactly(foreign);
    assertThat(kernel.daemons()).isEmpty();
    assertThat(election.released).isEqualTo(1);
    assertThat(health.followed.services()).isEmpty();
    assertThat(d.status().cleaned()).isTrue();
    assertThat(new OwnershipJournal(dir.resolve("owned")).owned()).isEmpty();
  }

  @Test
  void aRestartedAgentAdoptsTheKernelWithZeroOperations() {
    DirectorPlan plan = TestDoubles.plan(20, 5, SYNC);
    Director first = director(dir.resolve("owned"));
    first.offer(new Director.Target(plan, "h1", false));
    first.runPending();
    first.close();
    kernel.resetCounts();

    // Same journal: nothing to do. Journal lost: every service is adopted, still nothing to do.
    for (Path journal : new Path[] {dir.resolve("owned"), dir.resolve("lost")}) {
      Director again = director(journal);
      again.offer(new Director.Target(plan, "h1", false));
      Director.Pass p = again.runPending();
      assertThat(kernel.totalOperations()).isZero();
      assertThat(p.kernel().adopted()).hasSize(journal.endsWith("lost") ? 20 : 0);
      assertThat(again.status().programmed()).isTrue();
      again.close();
    }
  }

  /**
   * The checks of a restarted agent adopt what the kernel held in rotation at the planned weight, as found before
   * the first pass changed anything: not a destination the agent before had drained (weight 0), not one whose
   * weight the plan changes, not one of a service the pass adds. Later plans are followed without adopting.
   */
  @Test
  void aRestartedAgentsChecksAdoptWhatTheKernelHeldInRotation() {
    DirectorPlan plan = TestDoubles.plan(2, 3, null);
    Director first = director(dir.resolve("owned"));
    first.offer(new Director.Target(plan, "h1", false));
    first.runPending();
    first.close();
    List<IpvsService> services = KernelReconcilerTest.plan(2, 3);
    Destination drained = services.get(0).destinations().get(0);
    kernel.updateDestination(services.get(0).key(), KernelReconciler.toKernel(drained, 0)); // quiescent: down
    List<IpvsService> next = new ArrayList<>(KernelReconcilerTest.withWeight(services, 1, 1, 50));
    next.add(KernelReconcilerTest.plan(3, 3).get(2));
    DirectorPlan restartedPlan = plan.withServices(next);

    Director again = director(dir.resolve("owned"));
    again.offer(new Director.Target(restartedPlan, "h2", false));
    Director.Pass p = again.runPending();

    assertThat(p.converged()).as("%s", p.failures()).isTrue();
    assertThat(health.followed).isSameAs(restartedPlan);
    // Adopted: all but the drained one of service 0, all but the re-weighted one of service 1, none of service 2.
    List<String> expected = new ArrayList<>();
    for (int s = 0; s < 2; s++) {
      for (Destination d : next.get(s).destinations()) {
        if (!d.equals(drained) && !d.equals(next.get(1).destinations().get(1))) {
          expected.add(next.get(s).key() + " " + d.id());
        }
      }
    }
    assertThat(health.adopted).containsExactlyInAnyOrderElementsOf(expected).hasSize(4);

    health.adopted = null;
    again.offer(new Director.Target(plan, "h1", false));
    again.runPending();
    assertThat(health.followed).isSameAs(plan);
    assertThat(health.adopted).as("only the first pass adopts").isNull();
  }

  @Test
  void subsetReconcileWorksFromTheKeptStateOrDumpsOnlyTheNamedServices() {
    CountingKernel k = new CountingKernel();
    List<IpvsService> services = KernelReconcilerTest.plan(5, 4);
    KernelReconciler r = new KernelReconciler(k.kernel, new OwnershipJournal(null));
    r.reconcile(services, DestinationHealth.allUp());
    ServiceKey gone = KernelReconcilerTest.key(4);
    k.table.deleteService(gone); // a resync would add it back; the fast path does not look
    k.reset();
    Destination first = services.get(0).destinations().get(0);
    DestinationHealth removeFirst = (s, d) -> d.address().equals(first.address())
        ? DestinationHealth.Verdict.REMOVE : DestinationHealth.Verdict.UP;

    KernelReconciler.Result res = r.reconcileDestinations(List.of(services.get(0), services.get(4)), removeFirst);
    assertThat(res.applied()).containsExactly("delete destination " + first.id() + " of " + services.get(0).key());
    assertThat(k.calls()).as("from the kept state").containsExactly(Map.entry("deleteDestination", 1L));

    r.forget();
    k.reset();
    res = r.reconcileDestinations(List.of(services.get(0), services.get(4)), removeFirst);
    assertThat(res.applied()).isEmpty();
    assertThat(res.failures()).singleElement().asString().contains(gone.toString());
    assertThat(k.calls()).as("nothing kept: the two services' destinations only")
        .containsExactly(Map.entry("destinations", 2L));
  }

  Director director(CountingKernel k, Duration resync) {
    director = new Director(k.kernel, new OwnershipJournal(null), health, election, null, resync);
    return director;
  }

  @Test
  void aNewPlanIsItsOperationsAndNoDumpUntilTheResync() {
    CountingKernel k = new CountingKernel();
    Director d = director(k, Duration.ofHours(1));
    DirectorPlan plan = TestDoubles.plan(100, 10, SYNC);
    d.offer(new Director.Target(plan, "h1", false));
    assertThat(d.runPending().converged()).isTrue();

    k.reset();
    d.offer(new Director.Target(withWeight(plan, 42, 3, 7), "h2", false));
    Director.Pass p = d.runPending();
    assertThat(p.converged()).isTrue();
    assertThat(k.calls()).as("one weight, sync daemons planned: one netlink operation")
        .containsExactly(Map.entry("updateDestination", 1L));
    assertThat(d.status().programmedPlanHash()).isEqualTo("h2");

    // Behind the director's back; KernelWatch's repair (or the resync) dumps and restores.
    k.table.deleteService(plan.services().get(7).key());
    k.table.stopDaemon(SyncDaemon.BACKUP);
    k.reset();
    d.fullPassNow();
    p = d.runPending();
    assertThat(p.kernel().applied()).contains("add service " + plan.services().get(7).key());
    assertThat(p.changes()).containsExactly("start sync daemon backup on eth1 sync id 7");
    assertThat(k.calls("services")).isEqualTo(1);
    assertThat(k.calls("daemons")).isEqualTo(1);
  }

  /** Timeouts read back as planned are kept like the table: a plan change does not read them, the resync does. */
  @Test
  void heldTimeoutsAreNotReadAgainUntilTheResync() {
    CountingKernel k = new CountingKernel();
    Director d = director(k, Duration.ofHours(1));
    DirectorPlan.TimeoutsPlan t = new DirectorPlan.TimeoutsPlan(7200, 0, 60);
    DirectorPlan plan = withTimeouts(TestDoubles.plan(10, 10, null), t);
    d.offer(new Director.Target(plan, "h1", false));
    assertThat(d.runPending().converged()).isTrue();

    k.reset();
    d.offer(new Director.Target(withTimeouts(withWeight(plan, 4, 3, 7), t), "h2", false));
    assertThat(d.runPending().converged()).isTrue();
    assertThat(k.calls()).as("one weight: one netlink operation, the timeouts not read")
        .containsExactly(Map.entry("updateDestination", 1L));

    k.table.setTimeouts(new IpvsTimeouts(900, 120, 300)); // behind the director's back
    k.reset();
    d.fullPassNow();
    Director.Pass p = d.runPending();
    assertThat(p.changes()).containsExactly("set IPVS timeouts (ipvsadm --set 7200 0 60)");
    assertThat(k.table.timeouts()).isEqualTo(new IpvsTimeouts(7200, 120, 60));
  }

  @Test
  void plansArrivingFasterThanTheResyncStillResyncEveryInterval() {
    CountingKernel k = new CountingKernel();
    Director d = director(k, Duration.ofNanos(1)); // every pass is at least one interval after the last resync
    DirectorPlan plan = TestDoubles.plan(3, 2, null);
    d.offer(new Director.Target(plan, "h1", false));
    d.runPending();
    k.table.deleteService(plan.services().get(1).key());
    k.reset();
    d.offer(new Director.Target(withWeight(plan, 0, 0, 7), "h2", false));
    Director.Pass p = d.runPending();
    assertThat(k.calls()).as("the plan first, from the state kept").containsExactly(Map.entry("updateDestination", 1L));
    assertThat(d.status().programmedPlanHash()).isEqualTo("h2");
    // another plan before the resync ran: it is put off once only, so plans streaming in cannot starve it
    d.offer(new Director.Target(withWeight(plan, 0, 0, 8), "h3", false));
    p = d.runPending();
    assertThat(k.calls("services")).as("the resync, as the very next pass").isEqualTo(1);
    assertThat(p.kernel().applied()).containsExactly(
        "edit destination 172.16.0.0:80 of " + plan.services().get(0).key() + " weight 8",
        "add service " + plan.services().get(1).key(),
        "add destination 172.16.0.2:80 of " + plan.services().get(1).key() + " weight 100",
        "add destination 172.16.0.3:80 of " + plan.services().get(1).key() + " weight 100");
  }

  /** A repair KernelWatch asked for is never put off behind a plan arriving with it. */
  @Test
  void aRepairIsNotPutOffByAPlanArrivingWithIt() {
    CountingKernel k = new CountingKernel();
    Director d = director(k, Duration.ofHours(1));
    DirectorPlan plan = TestDoubles.plan(3, 2, null);
    d.offer(new Director.Target(plan, "h1", false));
    d.runPending();
    k.table.deleteService(plan.services().get(1).key());
    d.fullPassNow();
    d.offer(new Director.Target(withWeight(plan, 0, 0, 7), "h2", false));
    k.reset();
    Director.Pass p = d.runPending();
    assertThat(k.calls("services")).isEqualTo(1);
    assertThat(p.kernel().applied()).contains("add service " + plan.services().get(1).key());
  }

  /** With a long interval, the resync an edit owes runs right after it, then not again until the next interval. */
  @Test
  void theResyncAnEditOwesRunsRightAfterItThenWaitsItsInterval() throws Exception {
    CountingKernel k = new CountingKernel();
    Director d = director(k, Duration.ofSeconds(2));
    DirectorPlan plan = TestDoubles.plan(3, 2, null);
    d.offer(new Director.Target(plan, "h1", false));
    d.runPending();
    Thread.sleep(2100);
    k.reset();
    d.offer(new Director.Target(withWeight(plan, 0, 0, 7), "h2", false));
    d.runPending();
    assertThat(k.calls("services")).as("the edit's pass").isZero();
    assertThat(d.runPending()).as("the resync").isNotNull();
    assertThat(k.calls("services")).isEqualTo(1);
    assertThat(d.runPending()).as("nothing due until the next interval").isNull();
    k.reset();
    d.offer(new Director.Target(withWeight(plan, 0, 0, 8), "h3", false));
    d.runPending();
    assertThat(k.calls()).as("an edit inside the interval: no resync").containsExactly(
        Map.entry("updateDestination", 1L));
    assertThat(d.runPending()).isNull();
  }

  static DirectorPlan withWeight(DirectorPlan p, int service, int dest, int weight) {
    return new DirectorPlan(p.pair(), p.nodes(), p.vipInterface(), p.vips(), p.gateway(), p.sysctls(),
        p.syncDaemon(), p.highAvailability(), KernelReconcilerTest.withWeight(p.services(), service, dest, weight));
  }

  @Test
  void staticElectionMakesTheFirstNodeActiveAndNeverTouchesAddressesWithoutVipManager() {
    DirectorPlan plan = TestDoubles.plan(1, 1, null);
    StaticElection first = StaticElection.firstNodeActive("lvs-01", null, c -> {});
    StaticElection second = StaticElection.firstNodeActive("lvs-02", null, c -> {});
    assertThat(first.state().role()).isEqualTo(Election.Role.UNKNOWN);
    first.follow(plan);
    second.follow(plan);
    assertThat(first.state().role()).isEqualTo(Election.Role.ACTIVE);
    assertThat(second.state().role()).isEqualTo(Election.Role.STANDBY);
    assertThat(second.state().peer()).isEqualTo("lvs-01");
    StaticElection always = StaticElection.alwaysActive(null, c -> {});
    always.follow(plan);
    assertThat(always.state().role()).isEqualTo(Election.Role.ACTIVE);
  }
}
