package io.halvs.agent.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.halvs.agent.kernel.FakeIpvsKernel.Op;
import io.halvs.api.v1alpha1.FailureAction;
import io.halvs.api.v1alpha1.ForwardingMethod;
import io.halvs.api.v1alpha1.HealthCheckType;
import io.halvs.api.v1alpha1.Protocol;
import io.halvs.plan.Destination;
import io.halvs.plan.HealthCheckPlan;
import io.halvs.plan.IpAddress;
import io.halvs.plan.IpvsService;
import io.halvs.plan.ObjectRef;
import io.halvs.plan.ServiceKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class KernelReconcilerTest {
  static final HealthCheckPlan CHECK = new HealthCheckPlan(HealthCheckType.TCP, 0, 1000, 1000, 2, 3, 0,
      FailureAction.QUIESCENT, null, null, null);

  public static ServiceKey key(int i) {
    return ServiceKey.of(Protocol.TCP, IpAddress.parse("10.100." + (i / 250) + "." + (i % 250 + 1)), 80);
  }

  static Destination dest(String address, int weight) {
    return new Destination(IpAddress.parse(address), 80, ForwardingMethod.MASQ, weight, 0, 0, null, 0, null,
        new ObjectRef("RealServer", "default", address));
  }

  static IpvsService service(ServiceKey key, String scheduler, List<Destination> dests, Destination sorry) {
    return new IpvsService(key, key.address(), scheduler, 0, 0, 0xffffffffL, dests, sorry, CHECK,
        new ObjectRef("VirtualService", "default", "vs-" + key.address()));
  }

  /** services x perService destinations. */
  public static List<IpvsService> plan(int services, int perService) {
    List<IpvsService> plan = new ArrayList<>();
    for (int i = 0; i < services; i++) {
      List<Destination> ds = new ArrayList<>();
      for (int j = 0; j < perService; j++) {
        int n = i * perService + j;
        ds.add(dest("172." + (16 + n / 65536) + "." + (n / 256 % 256) + "." + (n % 256), 100));
      }
      plan.add(service(key(i), "wlc", ds, null));
    }
    return plan;
  }

  final FakeIpvsKernel kernel = new FakeIpvsKernel();
  final KernelReconciler reconciler = new KernelReconciler(kernel, new OwnershipJournal(null));

  @Test
  void programsFromEmptyWithServicesBeforeTheirDestinations() {
    var r = reconciler.reconcile(plan(2, 3), DestinationHealth.allUp());
    assertThat(r.converged()).isTrue();
    assertThat(r.applied()).hasSize(8);
    assertThat(r.applied().get(0)).startsWith("add service");
    assertThat(r.applied().get(1)).startsWith("add destination");
    assertThat(kernel.count(Op.ADD_SERVICE)).isEqualTo(2);
    assertThat(kernel.count(Op.ADD_DEST)).isEqualTo(6);
  }

  @Test
  void aKernelThatMatchesCostsNothing() {
    reconciler.reconcile(plan(10, 10), DestinationHealth.allUp());
    kernel.resetCounts();
    // A restarted agent: new reconciler, journal read back, no flush, no churn.
    var restarted = new KernelReconciler(kernel, new OwnershipJournal(null));
    var r = restarted.reconcile(plan(10, 10), DestinationHealth.allUp());
    assertThat(kernel.totalOperations()).isZero();
    assertThat(r.adopted()).hasSize(10); // no journal file here: it adopts what matches its plan
  }

  @Test
  void oneWeightChangeInAHundredThousandDestinationsIsOneOperation() {
    List<IpvsService> plan = plan(1000, 100);
    reconciler.reconcile(plan, DestinationHealth.allUp());
    kernel.resetCounts();
    IpvsService s = plan.get(500);
    List<Destination> ds = new ArrayList<>(s.destinations());
    Destination d = ds.get(42);
    ds.set(42, new Destination(d.address(), d.port(), d.method(), 7, 0, 0, null, 0, null, d.realServer()));
    plan.set(500, service(s.key(), "wlc", ds, null));
    var r = reconciler.reconcile(plan, DestinationHealth.allUp());
    assertThat(kernel.totalOperations()).isEqualTo(1);
    assertThat(kernel.count(Op.EDIT_DEST)).isEqualTo(1);
    assertThat(r.applied()).containsExactly("edit destination " + d.id() + " of " + s.key() + " weight 7");
  }

  public static List<IpvsService> withWeight(List<IpvsService> plan, int service, int dest, int weight) {
    List<IpvsService> out = new ArrayList<>(plan);
    IpvsService s = plan.get(service);
    List<Destination> ds = new ArrayList<>(s.destinations());
    Destination d = ds.get(dest);
    ds.set(dest, new Destination(d.address(), d.port(), d.method(), weight, 0, 0, null, 0, null, d.realServer()));
    out.set(service, service(s.key(), s.scheduler(), ds, s.sorryServer()));
    return out;
  }

  /** Counts the destinations a pass compares: it asks one verdict for each. */
  static final class CountingHealth implements DestinationHealth {
    final Map<ServiceKey, Integer> asked = new java.util.HashMap<>();
    final Map<String, Verdict> verdicts = new java.util.HashMap<>();

    @Override
    public Verdict verdict(ServiceKey service, Destination d) {
      asked.merge(service, 1, Integer::sum);
      return verdicts.getOrDefault(service + " " + d.id(), Verdict.UP);
    }
  }

  /**
   * The plan's decoder keeps the service objects of the shards that did not change: a pass compares the
   * destinations of the services whose objects changed and of those the caller names (their health changed),
   * and no other; without a set, after forget() and on the first pass, every service's.
   */
  @Test
  void aPassComparesOnlyTheServicesWhoseObjectsOrHealthChanged() {
    List<IpvsService> plan = plan(10, 10);
    CountingHealth health = new CountingHealth();
    reconciler.reconcile(plan, health, Set.of());
    assertThat(health.asked).as("the first pass").hasSize(10);

    health.asked.clear();
    kernel.resetCounts();
    List<IpvsService> next = withWeight(plan, 3, 4, 7);
    reconciler.reconcile(next, health, Set.of());
    assertThat(health.asked).containsOnlyKeys(key(3));
    assertThat(kernel.count(Op.EDIT_DEST)).isEqualTo(1);

    health.asked.clear();
    kernel.resetCounts();
    health.verdicts.put(key(5) + " " + next.get(5).destinations().get(0).id(), DestinationHealth.Verdict.QUIESCE);
    reconciler.reconcile(next, health, Set.of(key(5)));
    assertThat(health.asked).as("named by the caller").containsOnlyKeys(key(5));
    assertThat(kernel.count(Op.EDIT_DEST)).isEqualTo(1);

    health.asked.clear();
    reconciler.reconcile(next, health);
    assertThat(health.asked).as("no set: any service's health may have changed").hasSize(10);

    health.asked.clear();
    reconciler.forget();
    reconciler.reconcile(next, health, Set.of());
    assertThat(health.asked).as("after forget()").hasSize(10);
  }

  @Test
  void afterTheFirstPassAChangeIsItsOperationsAndNoDump() {
    CountingKernel k = new CountingKernel();
    KernelReconciler r = new KernelReconciler(k.kernel, new OwnershipJournal(null));
    List<IpvsService> plan = plan(100, 10);
    r.reconcile(plan, DestinationHealth.allUp());
    assertThat(k.calls("services")).as("the first pass dumps").isEqualTo(1);

    k.reset();
    r.reconcile(withWeight(plan, 50, 3, 7), DestinationHealth.allUp());
    assertThat(k.calls()).as("one weight: one netlink operation").containsExactly(Map.entry("updateDestination", 1L));

    k.reset();
    List<IpvsService> more = new ArrayList<>(withWeight(plan, 50, 3, 7));
    more.add(service(key(100), "wlc", List.of(dest("192.0.2.1", 5)), null));
    more.remove(0);
    r.reconcile(more, DestinationHealth.allUp());
    assertThat(k.calls()).as("a service added, one removed").containsOnly(Map.entry("addService", 1L),
        Map.entry("addDestination", 1L), Map.entry("deleteService", 1L));
    assertThat(k.table.services()).hasSize(100);
    assertThat(k.table.destinations(key(100))).hasSize(1);
  }

  @Test
  void aChangeBehindItsBackIsFoundWhenToldToForget() {
    CountingKernel k = new CountingKernel();
    KernelReconciler r = new KernelReconciler(k.kernel, new OwnershipJournal(null));
    List<IpvsService> plan = plan(3, 2);
    r.reconcile(plan, DestinationHealth.allUp());
    KernelDestination d = k.table.destinations(key(1)).get(0);
    k.table.deleteDestination(key(1), d.address(), d.port());
    k.table.deleteService(key(2));

    assertThat(r.reconcile(plan, DestinationHealth.allUp()).applied()).as("the kept state trusts itself").isEmpty();
    r.forget();
    k.reset();
    var resync = r.reconcile(plan, DestinationHealth.allUp());
    assertThat(resync.applied()).containsExactly("add destination " + d.address().withPort(d.port()) + " of " + key(1)
        + " weight 100", "add service " + key(2), "add destination 172.16.0.4:80 of " + key(2) + " weight 100",
        "add destination 172.16.0.5:80 of " + key(2) + " weight 100");
    assertThat(k.calls("services")).isEqualTo(1);
    assertThat(k.calls("destinations")).as("the two services still there").isEqualTo(2);
  }

  /**
   * A resync merges the dump into the kept table: a weight edited, a destination removed and one added behind
   * the reconciler's back are each found and undone, and a second resync finds nothing to do.
   */
  @Test
  void aResyncMergesEveryKindOfChangeBehindItsBack() {
    CountingKernel k = new CountingKernel();
    KernelReconciler r = new KernelReconciler(k.kernel, new OwnershipJournal(null));
    List<IpvsService> plan = plan(2, 3);
    r.reconcile(plan, DestinationHealth.allUp());
    List<KernelDestination> held = k.table.destinations(key(0));
    KernelDestination edited = held.get(0);
    KernelDestination removed = held.get(1);
    k.table.updateDestination(key(0), new KernelDestination(edited.address(), edited.port(), edited.forwardMethod(),
        7, 0, 0, edited.addressFamily(), 0, 0, 0, 0, 0, 0, null));
    k.table.deleteDestination(key(0), removed.address(), removed.port());
    k.table.addDestination(key(0), KernelReconciler.toKernel(dest("10.9.9.9", 5), 5));

    r.forget();
    k.reset();
    assertThat(r.reconcile(plan, DestinationHealth.allUp()).applied()).containsExactlyInAnyOrder(
        "delete destination 10.9.9.9:80 of " + key(0),
        "add destination " + removed.address().withPort(80) + " of " + key(0) + " weight 100",
        "edit destination " + edited.address().withPort(80) + " of " + key(0) + " weight 100");
    assertThat(k.table.destinations(key(0))).extracting(KernelDestination::weight).containsOnly(100);
    r.forget();
    assertThat(r.reconcile(plan, DestinationHealth.allUp()).applied()).isEmpty();
    assertThat(r.keepsState()).isTrue();
  }

  @Test
  void afterAFailureTheNextPassDumpsAgain() {
    CountingKernel k = new CountingKernel();
    KernelReconciler r = new KernelReconciler(k.kernel, new OwnershipJournal(null));
    List<IpvsService> plan = plan(3, 2);
    r.reconcile(plan, DestinationHealth.allUp());
    k.table.failNext(key(1).toString(), 1, 16);
    assertThat(r.reconcile(withWeight(plan, 1, 0, 3), DestinationHealth.allUp()).converged()).isFalse();
    assertThat(r.keepsState()).isFalse();
    k.reset();
    var retry = r.reconcile(withWeight(plan, 1, 0, 3), DestinationHealth.allUp());
    assertThat(retry.converged()).isTrue();
    assertThat(k.calls("services")).isEqualTo(1);
    assertThat(k.table.destinations(key(1))).extracting(KernelDestination::weight).containsExactlyInAnyOrder(3, 100);
    assertThat(r.keepsState()).isTrue();
  }

  /**
   * A pass passes over a service whose plan object it left matching; a failure must not let that hide an edit
   * still owed: the same plan object, its scheduler edit refused once, is edited on the next pass.
   */
  @Test
  void aRefusedServiceEditIsRetriedForTheSamePlanObject() {
    List<IpvsService> plan = plan(3, 5);
    reconciler.reconcile(plan, DestinationHealth.allUp(), Set.of());
    plan.set(1, service(plan.get(1).key(), "rr", plan.get(1).destinations(), null));
    kernel.failNext(key(1).toString(), 1, 16);
    assertThat(reconciler.reconcile(plan, DestinationHealth.allUp(), Set.of()).converged()).isFalse();
    kernel.resetCounts();
    var retry = reconciler.reconcile(plan, DestinationHealth.allUp(), Set.of());
    assertThat(retry.applied()).containsExactly("edit service " + key(1));
    assertThat(kernel.services()).filteredOn(s -> s.key().equals(key(1))).extracting(KernelService::scheduler)
        .containsExactly("rr");
    kernel.resetCounts();
    assertThat(reconciler.reconcile(plan, DestinationHealth.allUp(), Set.of()).applied()).isEmpty();
  }

  @Test
  void aSchedulerChangeIsOneEditNeverDeleteAndAdd() {
    List<IpvsService> plan = plan(3, 5);
    reconciler.reconcile(plan, DestinationHealth.allUp());
    kernel.resetCounts();
    plan.set(1, service(plan.get(1).key(), "rr", plan.get(1).destinations(), null));
    reconciler.reconcile(plan, DestinationHealth.allUp());
    assertThat(kernel.totalOperations()).isEqualTo(1);
    assertThat(kernel.count(Op.EDIT_SERVICE)).isEqualTo(1);
  }

  @Test
  void foreignServicesAreNeverTouched() {
    KernelService foreign = new KernelService(ServiceKey.of(Protocol.UDP, IpAddress.parse("198.51.100.1"), 53), "rr",
        0, 0, 0xffffffffL, null);
    kernel.addService(foreign);
    kernel.resetCounts();
    var r = reconciler.reconcile(plan(1, 1), DestinationHealth.allUp());
    assertThat(r.foreign()).containsExactly(foreign.key());
    assertThat(kernel.services()).extracting(KernelService::key).contains(foreign.key());
    assertThat(kernel.count(Op.DELETE_SERVICE)).isZero();
  }

  @Test
  void servicesLeavingThePlanAreDeletedOnlyWhenJournaled(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("owned-services");
    var first = new KernelReconciler(kernel, new OwnershipJournal(file));
    first.reconcile(plan(3, 2), DestinationHealth.allUp());
    assertThat(Files.readAllLines(file)).hasSize(3);
    // A restarted agent reads its journal and removes what left the plan, with one operation per service.
    var second = new KernelReconciler(kernel, new OwnershipJournal(file));
    kernel.resetCounts();
    second.reconcile(plan(1, 2), DestinationHealth.allUp());
    assertThat(kernel.count(Op.DELETE_SERVICE)).isEqualTo(2);
    assertThat(kernel.count(Op.DELETE_DEST)).isZero();
    assertThat(kernel.totalOperations()).isEqualTo(2);
    assertThat(Files.readAllLines(file)).containsExactly("TCP 10.100.0.1 80");
  }

  @Test
  void aPlanServiceAlreadyThereIsAdoptedAndEdited() {
    ServiceKey k = key(0);
    kernel.addService(new KernelService(k, "rr", 0, 0, 0xffffffffL, null));
    kernel.resetCounts();
    var r = reconciler.reconcile(plan(1, 1), DestinationHealth.allUp());
    assertThat(r.adopted()).containsExactly(k);
    assertThat(kernel.count(Op.EDIT_SERVICE)).isEqualTo(1);
    assertThat(kernel.count(Op.ADD_DEST)).isEqualTo(1);
  }

  @Test
  void aFailedOperationDoesNotStopTheRestAndIsRetried() {
    List<IpvsService> plan = plan(3, 2);
    kernel.failNext(key(1).toString(), 1, 12);
    var r = reconciler.reconcile(plan, DestinationHealth.allUp());
    assertThat(r.converged()).isFalse();
    assertThat(r.failures()).singleElement().asString().contains("add service " + key(1)).contains("errno 12");
    assertThat(kernel.services()).extracting(KernelService::key).containsExactly(key(0), key(2));
    var retry = reconciler.reconcile(plan, DestinationHealth.allUp());
    assertThat(retry.converged()).isTrue();
    assertThat(kernel.services()).hasSize(3);
    assertThat(kernel.destinations(key(1))).hasSize(2);
  }

  @Test
  void aMissingSchedulerModuleIsReportedByName() {
    kernel.availableSchedulers(Set.of("rr", "wlc"));
    List<IpvsService> plan = List.of(service(key(0), "mh", List.of(dest("10.0.0.1", 1)), null),
        service(key(1), "wlc", List.of(dest("10.0.0.2", 1)), null));
    var r = reconciler.reconcile(plan, DestinationHealth.allUp());
    assertThat(r.failures()).singleElement().asString().contains("scheduler 'mh' not available");
    assertThat(kernel.services()).extracting(KernelService::key).containsExactly(key(1));
  }

  @Test
  void healthQuiescesRemovesAndCallsTheSorryServer() {
    Destination a = dest("10.0.0.1", 100);
    Destination b = dest("10.0.0.2", 50);
    Destination sorry = dest("10.0.0.99", 1);
    List<IpvsService> plan = List.of(service(key(0), "wlc", List.of(a, b), sorry));
    reconciler.reconcile(plan, DestinationHealth.allUp());
    assertThat(kernel.destinations(key(0))).extracting(KernelDestination::weight).containsExactlyInAnyOrder(100, 50);

    kernel.resetCounts();
    reconciler.reconcile(plan, (s, d) -> d.equals(a) ? DestinationHealth.Verdict.QUIESCE : DestinationHealth.Verdict.UP);
    assertThat(kernel.totalOperations()).isEqualTo(1);
    assertThat(kernel.destinations(key(0))).filteredOn(d -> d.address().equals(a.address()))
        .extracting(KernelDestination::weight).containsExactly(0);

    // Everything down: the quiesced stay (established connections), the removed go, the sorry server comes.
    reconciler.reconcile(plan, (s, d) -> d.equals(a) ? DestinationHealth.Verdict.QUIESCE
        : DestinationHealth.Verdict.REMOVE);
    assertThat(kernel.destinations(key(0))).extracting(d -> d.address().toString())
        .containsExactlyInAnyOrder("10.0.0.1", "10.0.0.99");

    // One recovers: the sorry server leaves, weights come back.
    reconciler.reconcile(plan, DestinationHealth.allUp());
    assertThat(kernel.destinations(key(0))).extracting(d -> d.address() + "=" + d.weight())
        .containsExactlyInAnyOrder("10.0.0.1=100", "10.0.0.2=50");
  }

  /** keepalived's sorry_server_inhibit: the sorry server never leaves; weight 0 while a real server is up. */
  @Test
  void anInhibitedSorryServerStaysAtWeightZeroWhileARealServerIsUp() {
    Destination a = dest("10.0.0.1", 100);
    Destination sorry = dest("10.0.0.99", 1);
    IpvsService s = service(key(0), "wlc", List.of(a), sorry);
    List<IpvsService> plan = List.of(new IpvsService(s.key(), s.vip(), s.scheduler(), s.flags(), s.timeoutSeconds(),
        s.netmask(), s.destinations(), sorry, s.healthCheck(), s.owner(), null, true));
    reconciler.reconcile(plan, DestinationHealth.allUp());
    assertThat(kernel.destinations(key(0))).extracting(d -> d.address() + "=" + d.weight())
        .containsExactlyInAnyOrder("10.0.0.1=100", "10.0.0.99=0");

    kernel.resetCounts();
    reconciler.reconcile(plan, (x, d) -> DestinationHealth.Verdict.REMOVE);
    assertThat(kernel.destinations(key(0))).extracting(d -> d.address() + "=" + d.weight())
        .containsExactly("10.0.0.99=1");
    assertThat(kernel.count(FakeIpvsKernel.Op.EDIT_DEST)).as("the sorry server's weight, not a delete + add")
        .isEqualTo(1);

    reconciler.reconcile(plan, DestinationHealth.allUp());
    assertThat(kernel.destinations(key(0))).extracting(d -> d.address() + "=" + d.weight())
        .containsExactlyInAnyOrder("10.0.0.1=100", "10.0.0.99=0");
  }

  /** ipvsadm --pe sip: added with the service, and taken away by an edit when the plan drops it. */
  @Test
  void thePersistenceEngineIsPartOfTheServiceAndEditedInPlace() {
    IpvsService s = service(key(0), "wlc", List.of(dest("10.0.0.1", 1)), null);
    IpvsService sip = new IpvsService(s.key(), s.vip(), s.scheduler(), IpvsService.F_PERSISTENT, 60, s.netmask(),
        s.destinations(), null, s.healthCheck(), s.owner(), "sip", false);
    reconciler.reconcile(List.of(sip), DestinationHealth.allUp());
    assertThat(kernel.services()).singleElement().extracting(KernelService::persistenceEngine).isEqualTo("sip");
    kernel.resetCounts();
    assertThat(reconciler.reconcile(List.of(sip), DestinationHealth.allUp()).applied()).isEmpty();
    IpvsService plain = new IpvsService(s.key(), s.vip(), s.scheduler(), IpvsService.F_PERSISTENT, 60, s.netmask(),
        s.destinations(), null, s.healthCheck(), s.owner());
    assertThat(reconciler.reconcile(List.of(plain), DestinationHealth.allUp()).applied())
        .containsExactly("edit service " + key(0));
    assertThat(kernel.services()).singleElement().extracting(KernelService::persistenceEngine).isNull();
  }

  /**
   * The kept state holds what the persistence engine and an inhibited sorry server wrote: each change is its own
   * operation and no dump, and a resync's dump then finds nothing to do (the kept state was the kernel's).
   */
  @Test
  void thePersistenceEngineAndAnInhibitedSorryServerAreKeptAsWritten() {
    CountingKernel k = new CountingKernel();
    KernelReconciler r = new KernelReconciler(k.kernel, new OwnershipJournal(null));
    Destination a = dest("10.0.0.1", 100);
    Destination sorry = dest("10.0.0.99", 1);
    IpvsService s = service(key(0), "wlc", List.of(a), sorry);
    IpvsService plain = new IpvsService(s.key(), s.vip(), s.scheduler(), IpvsService.F_PERSISTENT, 60, s.netmask(),
        s.destinations(), sorry, s.healthCheck(), s.owner(), null, true);
    IpvsService sip = new IpvsService(s.key(), s.vip(), s.scheduler(), IpvsService.F_PERSISTENT, 60, s.netmask(),
        s.destinations(), sorry, s.healthCheck(), s.owner(), "sip", true);
    r.reconcile(List.of(plain), DestinationHealth.allUp());

    k.reset();
    r.reconcile(List.of(sip), DestinationHealth.allUp());
    assertThat(k.calls()).as("the engine: one edit").containsExactly(Map.entry("updateService", 1L));
    k.reset();
    r.reconcile(List.of(sip), (x, d) -> DestinationHealth.Verdict.REMOVE);
    assertThat(k.calls()).as("the sorry server to weight 1, the real server out")
        .containsOnly(Map.entry("updateDestination", 1L), Map.entry("deleteDestination", 1L));
    k.reset();
    r.reconcile(List.of(sip), DestinationHealth.allUp());
    assertThat(k.calls()).as("back: the sorry server to weight 0, the real server in")
        .containsOnly(Map.entry("updateDestination", 1L), Map.entry("addDestination", 1L));

    r.forget();
    k.reset();
    assertThat(r.reconcile(List.of(sip), DestinationHealth.allUp()).applied()).isEmpty();
    assertThat(k.calls()).containsOnly(Map.entry("services", 1L), Map.entry("destinations", 1L));
  }

  @Test
  void operationOrderIsDeterministic() {
    var r1 = new KernelReconciler(new FakeIpvsKernel(), new OwnershipJournal(null))
        .reconcile(plan(5, 5), DestinationHealth.allUp());
    var r2 = new KernelReconciler(new FakeIpvsKernel(), new OwnershipJournal(null))
        .reconcile(plan(5, 5), DestinationHealth.allUp());
    assertThat(r1.applied()).isEqualTo(r2.applied());
  }
}
