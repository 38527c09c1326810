package io.halvs.agent.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.halvs.agent.ha.ElectionMachine.Answer;
import io.halvs.agent.ha.ElectionMachine.Request;
import io.halvs.operator.demo.CrudMockServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Lease rules of {@link Quorum#call} against each store: fabric8's CRUD mock API server, a file, memory. */
class QuorumTest {
  static final long LEASE = 4000;
  static final long T = 1_800_000_000_000L;

  static void rules(Quorum q) throws Exception {
    assertThat(Quorum.call(q, Request.CLAIM, "lvs-b", T - 1, Long.MIN_VALUE, 0, LEASE).term()).isEqualTo(1);
    assertThat(Quorum.call(q, Request.CLAIM, "lvs-a", T, Long.MIN_VALUE, 0, LEASE))
        .extracting(Quorum.Outcome::answer, Quorum.Outcome::term).containsExactly(Answer.HELD, 2L);
    assertThat(q.read().holder()).isEqualTo("lvs-a");
    // b lost a's heartbeats at T+100 (+150 = silent since T+250); a renewed at T+300: a is alive, partitioned
    assertThat(Quorum.call(q, Request.CONFIRM, "lvs-a", T + 300, Long.MIN_VALUE, 0, LEASE).answer()).isEqualTo(Answer.HELD);
    assertThat(Quorum.call(q, Request.CONFIRM, "lvs-b", T + 500, T + 250, 0, LEASE).answer()).isEqualTo(Answer.HELD_BY_PEER);
    // the offset measured from heartbeats moves a's renewal to b's clock: 100 ms behind, renewal looks older
    assertThat(Quorum.call(q, Request.CONFIRM, "lvs-b", T + 500, T + 250, -100, LEASE).answer()).isEqualTo(Answer.HELD);
    assertThat(q.read().holder()).isEqualTo("lvs-b");
    // a, partitioned, then finds the Lease taken
    assertThat(Quorum.call(q, Request.CONFIRM, "lvs-a", T + 600, T + 250, 0, LEASE).answer())
        .isEqualTo(Answer.HELD_BY_PEER);
    // a periodic renewal (peer in view, not silent) proves nothing about a silence that began after it
    assertThat(Quorum.call(q, Request.CLAIM, "lvs-a", T + 700, Long.MIN_VALUE, 0, LEASE).answer())
        .isEqualTo(Answer.HELD);
    assertThat(Quorum.call(q, Request.CONFIRM, "lvs-b", T + 720, T + 650, 0, LEASE).answer()).isEqualTo(Answer.HELD);
    // an expired holder is free even for one that never heard its peer
    assertThat(Quorum.call(q, Request.CONFIRM, "lvs-a", T + 720 + LEASE + 1, Long.MIN_VALUE, 0, LEASE).answer())
        .isEqualTo(Answer.HELD);
  }

  @Test
  void aLapsedLeaseIsTakenOnlyAfterTheGraceAndAMissingProofOfLifeAtOnce() throws Exception {
    long lapsedAfter = LEASE - 150;
    MemoryQuorum q = new MemoryQuorum();
    assertThat(Quorum.call(q, Request.CONFIRM, "lvs-b", T, T - 100, 0, LEASE, lapsedAfter, false))
        .as("free: before the grace").isEqualTo(new Quorum.Outcome(Answer.LAPSED));
    assertThat(q.read().holder()).as("nothing written").isNull();
    assertThat(Quorum.call(q, Request.CLAIM, "lvs-a", T, Long.MIN_VALUE, 0, LEASE, lapsedAfter, false).answer())
        .as("a claim (peer in view) is never held back").isEqualTo(Answer.HELD);
    // a's periodic renewal, 1 s old: no silent write since b lost it, so b takes it at once
    assertThat(Quorum.call(q, Request.CONFIRM, "lvs-b", T + 1000, T + 500, 0, LEASE, lapsedAfter, false).answer())
        .isEqualTo(Answer.HELD);
    // b's write, not renewed for the term minus 150 ms: lapsed for a before the grace, taken after it
    assertThat(Quorum.call(q, Request.CONFIRM, "lvs-a", T + 1000 + lapsedAfter + 1, T + 2000, 0, LEASE, lapsedAfter,
        false).answer()).isEqualTo(Answer.LAPSED);
    assertThat(Quorum.call(q, Request.CONFIRM, "lvs-a", T + 1000 + lapsedAfter + 1, T + 2000, 0, LEASE, lapsedAfter,
        true).answer()).isEqualTo(Answer.HELD);
    // its own record is lapsed too for a director that is not active (mayTakeLapsed false)
    assertThat(Quorum.call(q, Request.CONFIRM, "lvs-a", T + 5000, T + 4900, 0, LEASE, lapsedAfter, false).answer())
        .isEqualTo(Answer.LAPSED);
  }

  /**
   * A's plan already says a 15 s term, b's still the 4 s default (a changed term reaches the two agents apart): a's
   * record counts by a's term, so b neither counts it expired nor lapsed after 4 s.
   */
  static void aLongerTermWrittenByTheHolderCounts(Quorum q) throws Exception {
    q.leaseTerm(15_000);
    assertThat(Quorum.call(q, Request.CLAIM, "lvs-a", T, Long.MIN_VALUE, 0, 15_000).answer()).isEqualTo(Answer.HELD);
    // a misses b from T+100 and leaves its proof of life; cut off from the API after it
    assertThat(Quorum.call(q, Request.CONFIRM, "lvs-a", T + 300, Long.MIN_VALUE, 0, 15_000).answer())
        .isEqualTo(Answer.HELD);
    q.leaseTerm(LEASE);
    assertThat(Quorum.call(q, Request.CONFIRM, "lvs-b", T + 5_000, T + 250, 0, LEASE, LEASE - 150, false))
        .as("not expired, not lapsed by a's 15 s").isEqualTo(new Quorum.Outcome(Answer.HELD_BY_PEER));
    assertThat(Quorum.call(q, Request.CONFIRM, "lvs-b", T + 15_000 - 100, T + 250, 0, LEASE, LEASE - 150, true)
        .answer()).isEqualTo(Answer.HELD_BY_PEER);
    assertThat(Quorum.call(q, Request.CONFIRM, "lvs-b", T + 300 + 15_001, T + 250, 0, LEASE, LEASE - 150, true)
        .answer()).as("a's own term over").isEqualTo(Answer.HELD);
  }

  @Test
  void aLongerTermWrittenByTheHolderCountsInMemory() throws Exception {
    aLongerTermWrittenByTheHolderCounts(new MemoryQuorum());
  }

  @Test
  void compareAndSetLosesToAConcurrentWriter() throws Exception {
    MemoryQuorum q = new MemoryQuorum();
    Quorum.Record r = q.read();
    assertThat(q.write(r, "lvs-a", T, false)).isEqualTo(q.read());
    assertThat(q.write(r, "lvs-b", T, false)).as("stale version").isNull();
    q.reachable.set(false);
    assertThat(Quorum.call(q, Request.CLAIM, "lvs-b", T, 0, 0, LEASE).answer()).isEqualTo(Answer.UNREACHABLE);
  }

  /** Counts the reads and writes of a store (one caller thread at a time; read by another). */
  static final class Counting implements Quorum {
    final Quorum store;
    volatile int reads;
    volatile int writes;

    Counting(Quorum store) {
      this.store = store;
    }

    @Override
    public Record read() throws Exception {
      reads++;
      return store.read();
    }

    @Override
    public Record write(Record expected, String holder, long renewWallMillis, boolean silent) throws Exception {
      writes++;
      return store.write(expected, holder, renewWallMillis, silent);
    }
  }

  static Quorum.Outcome confirmAhead(Quorum q, String self, long now, long silentSince, Quorum.Record ahead) {
    return Quorum.call(q, Request.CONFIRM, self, now, silentSince, 0, LEASE, LEASE, true, ahead);
  }

  /**
   * A takeover judges the record read when the peer went silent (ElectionMachine.takeReadAhead): a write on it needs
   * no read; a proof of life written since fails its compare-and-set and is read; any other answer it gives is
   * asked again on a fresh read.
   */
  static void readAhead(Quorum store) throws Exception {
    Counting q = new Counting(store);
    assertThat(Quorum.call(q, Request.CLAIM, "lvs-a", T, Long.MIN_VALUE, 0, LEASE).answer()).isEqualTo(Answer.HELD);
    // a crashed after its periodic renewal at T; b counts it dead at T+250 and reads ahead, asks at T+300
    Quorum.Record ahead = q.read();
    q.reads = 0;
    assertThat(confirmAhead(q, "lvs-b", T + 300, T + 250, ahead))
        .extracting(Quorum.Outcome::answer, Quorum.Outcome::term).containsExactly(Answer.HELD, ahead.term() + 1);
    assertThat(q.reads).as("reads in the takeover").isZero();
    assertThat(q.read().holder()).isEqualTo("lvs-b");

    // now a is the standby: it counts b dead and reads ahead; b, alive but cut off from a, then writes its proof
    // of life before a asks
    ahead = q.read();
    assertThat(Quorum.call(q, Request.CONFIRM, "lvs-b", T + 1400, Long.MIN_VALUE, 0, LEASE).answer())
        .isEqualTo(Answer.HELD);
    q.reads = 0;
    assertThat(confirmAhead(q, "lvs-a", T + 1500, T + 1350, ahead).answer()).isEqualTo(Answer.HELD_BY_PEER);
    assertThat(q.reads).as("the failed compare-and-set, then a fresh read").isEqualTo(1);
    assertThat(q.read().holder()).isEqualTo("lvs-b");

    // a record that says the peer is alive is not taken as the answer: asked again on a fresh read
    ahead = q.read();
    q.reads = 0;
    assertThat(confirmAhead(q, "lvs-a", T + 1500, T + 1350, ahead).answer()).isEqualTo(Answer.HELD_BY_PEER);
    assertThat(q.reads).isEqualTo(1);
  }

  /**
   * A renewal judges the record as the holder's last write left it: one write, no read, while nobody else wrote;
   * the record it wrote is the one the store holds. Once the peer wrote, the renewal's compare-and-set fails and the
   * call is answered from a fresh read, as without it.
   */
  static void renewalOnItsOwnWrite(Quorum store) throws Exception {
    Counting q = new Counting(store);
    Quorum.Outcome first = Quorum.call(q, Request.CLAIM, "lvs-a", T, Long.MIN_VALUE, 0, LEASE);
    assertThat(first.answer()).isEqualTo(Answer.HELD);
    assertThat(first.written()).as("the record as written").isEqualTo(store.read());
    Quorum.Outcome held = first;
    for (int i = 1; i <= 3; i++) {
      q.reads = 0;
      q.writes = 0;
      held = Quorum.call(q, Request.CLAIM, "lvs-a", T + i * 2000L, Long.MIN_VALUE, 0, LEASE, LEASE, true,
          held.written());
      assertThat(held.answer()).isEqualTo(Answer.HELD);
      assertThat(held.term()).isEqualTo(first.term() + i);
      assertThat(q.reads).as("reads in renewal " + i).isZero();
      assertThat(q.writes).isEqualTo(1);
      assertThat(store.read()).isEqualTo(held.written());
      assertThat(store.read().renewWallMillis()).isEqualTo(T + i * 2000L);
    }
    // a partition: a leaves its proof of life on its own record too
    held = Quorum.call(q, Request.CONFIRM, "lvs-a", T + 7000, Long.MIN_VALUE, 0, LEASE, LEASE, true,
        held.written());
    assertThat(held.answer()).isEqualTo(Answer.HELD);
    assertThat(store.read().silent()).isTrue();

    // b, alive but cut off from a, then writes its own proof of life: a's renewal on its record loses, is read
    Counting b = new Counting(store);
    Quorum.Record stale = held.written();
    assertThat(Quorum.call(b, Request.CLAIM, "lvs-b", T + 7100, Long.MIN_VALUE, 0, LEASE).answer())
        .isEqualTo(Answer.HELD);
    assertThat(Quorum.call(b, Request.CONFIRM, "lvs-b", T + 7200, Long.MIN_VALUE, 0, LEASE).answer())
        .isEqualTo(Answer.HELD);
    q.reads = 0;
    q.writes = 0;
    Quorum.Outcome lost = Quorum.call(q, Request.CONFIRM, "lvs-a", T + 7300, T + 7150, 0, LEASE, LEASE, true, stale);
    assertThat(lost.answer()).isEqualTo(Answer.HELD_BY_PEER);
    assertThat(lost.written()).isNull();
    assertThat(q.writes).as("the failed compare-and-set").isEqualTo(1);
    assertThat(q.reads).as("then a fresh read").isEqualTo(1);
    assertThat(store.read().holder()).isEqualTo("lvs-b");
  }

  @Test
  void memory() throws Exception {
    rules(new MemoryQuorum());
    readAhead(new MemoryQuorum());
    renewalOnItsOwnWrite(new MemoryQuorum());
  }

  @Test
  void file(@TempDir Path dir) throws Exception {
    FileQuorum q = new FileQuorum(dir.resolve("lease"), "lvs-a");
    rules(q);
    readAhead(new FileQuorum(dir.resolve("ahead"), "lvs-a"));
    renewalOnItsOwnWrite(new FileQuorum(dir.resolve("renewal"), "lvs-a"));
    Files.createFile(dir.resolve("lease.lvs-b.down"));
    assertThat(q.read().holder()).as("another director's marker").isEqualTo("lvs-a");
    Files.createFile(dir.resolve("lease.lvs-a.down"));
    assertThat(Quorum.call(q, Request.CLAIM, "lvs-a", T, 0, 0, LEASE).answer()).isEqualTo(Answer.UNREACHABLE);
    Files.delete(dir.resolve("lease.lvs-a.down"));
    Files.createFile(dir.resolve("lease.down"));
    assertThat(Quorum.call(q, Request.CLAIM, "lvs-a", T, 0, 0, LEASE).answer()).isEqualTo(Answer.UNREACHABLE);
  }

  @Test
  void kubernetesLease() throws Exception {
    KubernetesMockServer server = CrudMockServers.start();
    try (KubernetesClient client = server.createClient()) {
      aLongerTermWrittenByTheHolderCounts(new LeaseQuorum(client, "halvs-system", "pair-longer-term", 4));
      readAhead(new LeaseQuorum(client, "halvs-system", "pair-ahead", 4));
      LeaseQuorum renewing = new LeaseQuorum(client, "halvs-system", "pair-renewal", 4);
      Quorum.Outcome claimed = Quorum.call(renewing, Request.CLAIM, "lvs-a", T, Long.MIN_VALUE, 0, LEASE);
      int requests = server.getRequestCount();
      Quorum.Outcome renewed = Quorum.call(renewing, Request.CLAIM, "lvs-a", T + 2000, Long.MIN_VALUE, 0, LEASE,
          LEASE, true, claimed.written());
      assertThat(renewed.answer()).isEqualTo(Answer.HELD);
      assertThat(server.getRequestCount() - requests).as("a renewal on its own write: one request").isEqualTo(1);
      assertThat(server.getLastRequest().getMethod()).isEqualTo("PUT");
      assertThat(client.leases().inNamespace("halvs-system").withName("halvs-pair-renewal").get().getMetadata()
          .getResourceVersion()).isEqualTo(renewed.written().version());
      renewalOnItsOwnWrite(new LeaseQuorum(client, "halvs-system", "pair-renewal-rules", 4));
      // the Lease deleted under its holder (by hand, or the pair's cleanup racing a renewal): the renewal's write
      // answers 404, and the call reads it, which creates it again, and takes it
      client.leases().inNamespace("halvs-system").withName("halvs-pair-renewal").delete();
      Quorum.Outcome recreated = Quorum.call(renewing, Request.CLAIM, "lvs-a", T + 4000, Long.MIN_VALUE, 0, LEASE,
          LEASE, true, renewed.written());
      assertThat(recreated.answer()).isEqualTo(Answer.HELD);
      assertThat(client.leases().inNamespace("halvs-system").withName("halvs-pair-renewal").get().getSpec()
          .getHolderIdentity()).isEqualTo("lvs-a");
      LeaseQuorum q = new LeaseQuorum(client, "halvs-system", "pair-1", 4);
      rules(q);
      var lease = client.leases().inNamespace("halvs-system").withName("halvs-pair-1").get();
      assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("lvs-a");
      assertThat(lease.getSpec().getLeaseTransitions()).isEqualTo(6);
      assertThat(lease.getSpec().getLeaseDurationSeconds()).isEqualTo(4);
      assertThat(lease.getMetadata().getAnnotations()).containsEntry("halvs.io/term", "7");
      // a second client's write in between makes a stale compare-and-set fail
      Quorum.Record r = q.read();
      LeaseQuorum other = new LeaseQuorum(client, "halvs-system", "pair-1", 4);
      assertThat(other.write(other.read(), "lvs-b", T + 9000, false)).isNotNull();
      assertThat(q.write(r, "lvs-a", T + 9001, false)).isNull();

      // the warm-up: the Lease as read, sent back as a dry run. The mock ignores dryRun and stores what it was
      // sent, which shows the body: the record unchanged.
      LeaseQuorum standby = new LeaseQuorum(client, "halvs-system", "pair-1", 4);
      int before = server.getRequestCount();
      standby.warmUp();
      assertThat(server.getRequestCount() - before).as("a read and the dry run").isEqualTo(2);
      var request = server.getLastRequest();
      assertThat(request.getMethod()).isEqualTo("PUT");
      assertThat(request.getPath()).contains("dryRun=All");
      Lease stored = client.leases().inNamespace("halvs-system").withName("halvs-pair-1").get();
      assertThat(stored.getSpec().getHolderIdentity()).isEqualTo("lvs-b");
      assertThat(stored.getSpec().getRenewTime().toInstant().toEpochMilli()).isEqualTo(T + 9000);
      assertThat(stored.getMetadata().getAnnotations()).containsEntry("halvs.io/term", "8")
          .containsEntry("halvs.io/written-while-peer-silent", "false");
    } finally {
      CrudMockServers.stop(server);
    }
  }

  static final String LEASE_PATH = "/apis/coordination.k8s.io/v1/namespaces/halvs-system/leases/halvs-pair-1";

  /** The peer's takeover lands between the warm-up's read and its dry run: the stale version's 409, read again. */
  @Test
  void aWarmUpOvertakenByThePeersWriteReadsAgain() throws Exception {
    KubernetesMockServer server = expecting(1);
    try (KubernetesClient client = server.createClient()) {
      new LeaseQuorum(client, "halvs-system", "pair-1", 4).warmUp();
      assertThat(server.getRequestCount()).as("read, dry run (409), read, dry run").isEqualTo(4);
      assertThat(server.getLastRequest().getMethod()).isEqualTo("PUT");
      assertThat(server.getLastRequest().getPath()).contains("dryRun=All");
    } finally {
      CrudMockServers.stop(server);
    }
  }

  /** A Lease written on every attempt: the warm-up gives up after its attempts and says why (the caller logs it). */
  @Test
  void aWarmUpAlwaysOvertakenGivesUp() throws Exception {
    KubernetesMockServer server = expecting(LeaseQuorum.WARM_UP_ATTEMPTS);
    try (KubernetesClient client = server.createClient()) {
      assertThatThrownBy(() -> new LeaseQuorum(client, "halvs-system", "pair-1", 4).warmUp())
          .isInstanceOf(KubernetesClientException.class).extracting(e -> ((KubernetesClientException) e).getCode())
          .isEqualTo(409);
      assertThat(server.getRequestCount()).isEqualTo(2 * LeaseQuorum.WARM_UP_ATTEMPTS);
    } finally {
      CrudMockServers.stop(server);
    }
  }

  /** A mock whose Lease reads answer version 1 and whose dry runs answer 409 the first {@code conflicts} times. */
  static KubernetesMockServer expecting(int conflicts) {
    KubernetesMockServer server = new KubernetesMockServer(false);
    server.init();
    Lease lease = new LeaseBuilder().withNewMetadata().withName("halvs-pair-1").withNamespace("halvs-system")
        .withResourceVersion("1").endMetadata().withNewSpec().withHolderIdentity("lvs-a").endSpec().build();
    server.expect().get().withPath(LEASE_PATH).andReturn(200, lease).always();
    server.expect().put().withPath(LEASE_PATH + "?dryRun=All").andReturn(409, new StatusBuilder().withCode(409)
        .withReason("Conflict").withMessage("the object has been modified").build()).times(conflicts);
    server.expect().put().withPath(LEASE_PATH + "?dryRun=All").andReturn(200, lease).always();
    return server;
  }
}
