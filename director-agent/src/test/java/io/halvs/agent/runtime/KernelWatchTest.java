package io.halvs.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.halvs.agent.kernel.FakeIpvsKernel;
import io.halvs.agent.kernel.FakeIpvsKernel.Op;
import io.halvs.agent.kernel.IpvsKernel;
import io.halvs.agent.kernel.KernelReconciler;
import io.halvs.agent.kernel.KernelService;
import io.halvs.agent.kernel.OwnershipJournal;
import io.halvs.api.v1alpha1.Protocol;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpAddress;
import io.halvs.plan.IpvsService;
import io.halvs.plan.ServiceKey;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Services deleted or changed behind the director's back (kube-proxy) come back without waiting for the resync. */
class KernelWatchTest {
  final FakeIpvsKernel kernel = new FakeIpvsKernel();
  final TestDoubles.SteeredHealth health = new TestDoubles.SteeredHealth();
  // A resync of an hour: whatever comes back within the test came back through the watch.
  final Director director = new Director(kernel, new OwnershipJournal(null), health,
      new TestDoubles.RecordingElection(), null, Duration.ofHours(1));
  final AtomicInteger repairs = new AtomicInteger();
  KernelWatch watch;

  @AfterEach
  void close() {
    if (watch != null) {
      watch.close();
    }
    director.close();
  }

  KernelWatch watch(IpvsKernel k) {
    watch = new KernelWatch(k, director, "edge", () -> {
      repairs.incrementAndGet();
      director.fullPassNow();
    }, Duration.ofMillis(10));
    return watch;
  }

  DirectorPlan programmed(int services, int perService) {
    DirectorPlan plan = TestDoubles.plan(services, perService, null);
    director.offer(new Director.Target(plan, "h1", false));
    assertThat(director.runPending().converged()).isTrue();
    kernel.resetCounts();
    return plan;
  }

  @Test
  void aServiceDeletedBehindTheDirectorsBackIsRestoredByTheNextPassWithOnlyItsOwnOperations() {
    DirectorPlan plan = programmed(20, 10);
    IpvsService victim = plan.services().get(7);
    kernel.deleteService(victim.key()); // what kube-proxy's cleanLegacyService does
    kernel.resetCounts();

    KernelWatch.Drift d = watch(kernel).check();

    assertThat(d.vanished()).containsExactly(victim.key());
    assertThat(d.altered()).isEmpty();
    assertThat(d.servicesInKernel()).isEqualTo(19);
    assertThat(repairs).hasValue(1);
    assertThat(kernel.totalOperations()).as("a look is a dump, no operation").isZero();
    Director.Pass p = director.runPending();
    assertThat(p).as("the full pass is due now, not in an hour").isNotNull();
    assertThat(p.full()).isTrue();
    assertThat(kernel.count(Op.ADD_SERVICE)).isEqualTo(1);
    assertThat(kernel.count(Op.ADD_DEST)).isEqualTo(10);
    assertThat(kernel.totalOperations()).isEqualTo(11);
    assertThat(kernel.destinations(victim.key())).hasSize(10);
    assertThat(watch.check().found()).as("nothing missing after the pass").isFalse();
    assertThat(repairs).hasValue(1);
  }

  @Test
  void aFlushedTableIsRestoredWhole() {
    DirectorPlan plan = programmed(5, 4);
    kernel.flush(); // kube-proxy in nftables mode, at start
    kernel.resetCounts();

    assertThat(watch(kernel).check().vanished()).hasSize(5);
    director.runPending();

    assertThat(kernel.services()).extracting(KernelService::key)
        .containsExactlyInAnyOrderElementsOf(plan.services().stream().map(IpvsService::key).toList());
    assertThat(kernel.count(Op.ADD_SERVICE)).isEqualTo(5);
    assertThat(kernel.count(Op.ADD_DEST)).isEqualTo(20);
  }

  @Test
  void aServiceChangedBehindTheDirectorsBackIsEditedBackInOneOperation() {
    DirectorPlan plan = programmed(3, 2);
    IpvsService s = plan.services().get(1);
    KernelService want = KernelReconciler.toKernel(s);
    kernel.updateService(new KernelService(s.key(), "sh", want.flags(), want.timeoutSeconds(), want.netmask(), null));
    kernel.resetCounts();

    KernelWatch.Drift d = watch(kernel).check();
    assertThat(d.vanished()).isEmpty();
    assertThat(d.altered()).containsExactly(s.key());
    director.runPending();

    assertThat(kernel.totalOperations()).isEqualTo(1);
    assertThat(kernel.count(Op.EDIT_SERVICE)).isEqualTo(1);
    assertThat(kernel.services()).filteredOn(k -> k.key().equals(s.key())).extracting(KernelService::scheduler)
        .containsExactly(want.scheduler());
  }

  @Test
  void foreignServicesComingAndGoingAreNotItsBusiness() {
    programmed(3, 2);
    ServiceKey foreign = ServiceKey.of(Protocol.TCP, IpAddress.parse("10.96.0.1"), 443); // kube-proxy's own
    kernel.addService(new KernelService(foreign, "rr", 0, 0, 0xffffffffL, null));
    assertThat(watch(kernel).check().found()).isFalse();
    kernel.deleteService(foreign);
    assertThat(watch.check().found()).isFalse();
    assertThat(repairs).hasValue(0);
  }

  @Test
  void aLookThatOverlapsAPassIsDiscarded() {
    DirectorPlan plan = programmed(4, 2);
    // The plan shrinks while the watch dumps: the dump shows a service the director itself is deleting.
    DirectorPlan smaller = TestDoubles.plan(2, 2, null);
    IpvsKernel dumpingDuringAPass = (IpvsKernel) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {IpvsKernel.class}, (proxy, m, args) -> {
          Object r = m.invoke(kernel, args);
          if (m.getName().equals("services")) {
            director.offer(new Director.Target(smaller, "h2", false));
            director.runPending();
          }
          return r;
        });
    assertThat(plan.services()).hasSize(4);

    assertThat(watch(dumpingDuringAPass).check()).isNull();
    assertThat(repairs).hasValue(0);
    assertThat(watch(kernel).check().found()).as("the next look compares with the new plan").isFalse();
  }

  @Test
  void nothingIsComparedBeforeAPassSucceeded() {
    DirectorPlan plan = TestDoubles.plan(2, 1, null);
    kernel.failNext(plan.services().get(0).key().toString(), 1, 22);
    director.offer(new Director.Target(plan, "h1", false));
    assertThat(director.runPending().converged()).isFalse();
    // The director retries the failed service with its own backoff; the watch does not hurry it.
    assertThat(watch(kernel).check()).isNull();
    assertThat(repairs).hasValue(0);
  }

  @Test
  void startedOnItsOwnThreadItRestoresADeletedServiceWhileTheDirectorLoopRuns() {
    List<Director.Pass> passes = new java.util.concurrent.CopyOnWriteArrayList<>();
    director.onPass(passes::add);
    director.start("director-test");
    DirectorPlan plan = TestDoubles.plan(10, 5, null);
    director.offer(new Director.Target(plan, "h1", false));
    await().atMost(Duration.ofSeconds(10)).until(() -> director.status().programmed());
    kernel.resetCounts();
    watch(kernel).start();

    ServiceKey victim = plan.services().get(3).key();
    kernel.deleteService(victim);

    await().atMost(Duration.ofSeconds(10)).until(() -> kernel.count(Op.ADD_DEST) == 5);
    assertThat(kernel.services()).extracting(KernelService::key).contains(victim);
    assertThat(kernel.count(Op.DELETE_SERVICE)).isEqualTo(1); // the one done behind its back
    assertThat(kernel.count(Op.ADD_SERVICE)).isEqualTo(1);
    assertThat(repairs).hasValue(1);
    assertThat(passes).filteredOn(Director.Pass::full).hasSize(2);
  }

  @Test
  void theLogLineNamesTheServicesAndTheLikelyCause() {
    ServiceKey a = ServiceKey.of(Protocol.TCP, IpAddress.parse("192.0.2.1"), 80);
    ServiceKey b = ServiceKey.of(Protocol.UDP, IpAddress.parse("192.0.2.1"), 53);
    String line = KernelWatch.describe("edge", new KernelWatch.Drift(List.of(a), List.of(b), 7, 0));
    assertThat(line).isEqualTo("pair edge: 1 IPVS service(s) deleted outside halvs - kube-proxy without "
        + "ipvs.excludeCIDRs? " + a + "; 1 IPVS service(s) changed outside halvs: " + b
        + "; restoring them now with a full pass");
  }
}
