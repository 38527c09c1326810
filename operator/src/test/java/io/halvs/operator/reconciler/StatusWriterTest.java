package io.halvs.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.RealServerSpec;
import io.halvs.api.v1alpha1.RealServerStatus;
import io.halvs.operator.metrics.OperatorMetrics;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The status writer's order: one write per object at a time, the newest status wins, failures are retried. */
class StatusWriterTest {
  static final Duration TIMEOUT = Duration.ofSeconds(30);
  final List<String> writes = new CopyOnWriteArrayList<>();
  StatusWriter writer;

  @AfterEach
  void close() {
    writer.close();
  }

  /** A write that records "object:before->status" once the latch opens. */
  StatusWriter.Write write(String object, String status, CountDownLatch open) {
    return before -> {
      try {
        open.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      writes.add(object + ":" + before + "->" + status);
      return true;
    };
  }

  /**
   * A plan being published goes first (PublishFirst): no status write starts meanwhile, the held ones start once
   * it is written, and a publish that does not end holds them for PublishFirst.MAX_WAIT only.
   */
  @Test
  void noStatusWriteStartsWhileAPlanIsPublished() throws Exception {
    PublishFirst first = new PublishFirst();
    writer = new StatusWriter(OperatorMetrics.unexported(), 2, first);
    CountDownLatch publishing = new CountDownLatch(1);
    CountDownLatch written = new CountDownLatch(1);
    CountDownLatch open = new CountDownLatch(0);
    Thread publish = new Thread(() -> first.publishing(() -> {
      publishing.countDown();
      try {
        written.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return 2;
    }));
    publish.start();
    assertThat(publishing.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    writer.submit("RealServer", "default/a", "s0", "s1", write("a", "s1", open));
    writer.submit("RealServer", "default/b", "s0", "s1", write("b", "s1", open));
    Thread.sleep(500); // without the hold both are written within milliseconds
    assertThat(writes).as("written while the plan was").isEmpty();
    written.countDown();
    publish.join();
    await().atMost(TIMEOUT).until(writer::idle);
    assertThat(writes).containsExactlyInAnyOrder("a:s0->s1", "b:s0->s1");

    CountDownLatch never = new CountDownLatch(1);
    Thread stuck = new Thread(() -> first.publishing(() -> {
      try {
        never.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return 0;
    }));
    stuck.start();
    await().atMost(TIMEOUT).until(() -> stuck.getState() == Thread.State.TIMED_WAITING);
    long start = System.nanoTime();
    writer.submit("RealServer", "default/a", "s1", "s2", write("a", "s2", open));
    await().atMost(TIMEOUT).until(writer::idle);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).as("held behind a publish that does not end")
        .isGreaterThanOrEqualTo(PublishFirst.MAX_WAIT.minusMillis(100));
    never.countDown();
    stuck.join();
  }

  @Test
  void aNewerStatusReplacesOneNotYetWrittenAndFollowsTheOneBeingWritten() {
    writer = new StatusWriter(OperatorMetrics.unexported(), 1);
    CountDownLatch open = new CountDownLatch(1);
    writer.submit("RealServer", "default/a", "s0", "s1", write("a", "s1", open));
    await().atMost(TIMEOUT).until(() -> writer.waiting() == 0); // s1 is being written
    writer.submit("RealServer", "default/a", "s0", "s2", write("a", "s2", open));
    writer.submit("RealServer", "default/a", "s0", "s3", write("a", "s3", open));
    assertThat(writer.waiting()).as("s3 replaced s2").isEqualTo(1);
    open.countDown();
    await().atMost(TIMEOUT).until(writer::idle);
    // s3 replaces what s1's write left, not the cache's s0 (which had not seen s1 yet)
    assertThat(writes).containsExactly("a:s0->s1", "a:s1->s3");
  }

  @Test
  void anotherObjectIsWrittenWhileOneWaitsForItsOwnEarlierWrite() {
    writer = new StatusWriter(OperatorMetrics.unexported(), 2);
    CountDownLatch slow = new CountDownLatch(1);
    CountDownLatch open = new CountDownLatch(0);
    writer.submit("RealServer", "default/a", "s0", "s1", write("a", "s1", slow));
    await().atMost(TIMEOUT).until(() -> writer.waiting() == 0);
    writer.submit("RealServer", "default/a", "s0", "s2", write("a", "s2", open)); // must wait for a's s1
    writer.submit("RealServer", "default/b", "s0", "s1", write("b", "s1", open));
    await().atMost(TIMEOUT).until(() -> writes.contains("b:s0->s1"));
    assertThat(writes).as("a's second write waits for its first, on a free thread").containsExactly("b:s0->s1");
    slow.countDown();
    await().atMost(TIMEOUT).until(writer::idle);
    assertThat(writes).containsExactly("b:s0->s1", "a:s0->s1", "a:s1->s2");
  }

  @Test
  void anUnchangedStatusIsNotWrittenUnlessAWriteOfTheObjectIsUnderWay() {
    writer = new StatusWriter(OperatorMetrics.unexported(), 1);
    writer.submit("RealServer", "default/a", "s0", "s0", write("a", "s0", new CountDownLatch(0)));
    assertThat(writer.idle()).isTrue();
    CountDownLatch open = new CountDownLatch(1);
    writer.submit("RealServer", "default/a", "s0", "s1", write("a", "s1", open));
    await().atMost(TIMEOUT).until(() -> writer.waiting() == 0); // s1 is being written
    // back to s0 (the cache's status) before s1 was written: s0 must follow, or s1 would stay
    writer.submit("RealServer", "default/a", "s0", "s0", write("a", "s0", open));
    open.countDown();
    await().atMost(TIMEOUT).until(writer::idle);
    assertThat(writes).containsExactly("a:s0->s1", "a:s1->s0");
  }

  /**
   * e2e/faults, an API server killed and started again: the operator wrote a VirtualService's "2/3" while its cache's
   * watch was still reconnecting, so the cache kept the "3/3" copy that write replaced. The real server came back
   * and the model said "3/3" again: compared with the cache, nothing to write, and the status stayed "2/3" until
   * something else changed (a status-only change of the cache starts no reconcile).
   */
  @Test
  void aStatusBackToTheCachedOneIsWrittenWhileTheCacheLagsTheWriteBeforeIt() {
    writer = new StatusWriter(OperatorMetrics.unexported(), 1);
    CountDownLatch open = new CountDownLatch(0);
    writer.submit("VirtualService", "default/web", "3/3", "7", "2/3", write("web", "2/3", open));
    await().atMost(TIMEOUT).until(writer::idle);
    writer.submit("VirtualService", "default/web", "3/3", "7", "3/3", write("web", "3/3", open));
    await().atMost(TIMEOUT).until(writer::idle);
    assertThat(writes).containsExactly("web:3/3->2/3", "web:2/3->3/3");
  }

  @Test
  void theCacheIsBelievedAgainOnceItMovesPastTheCopyAWriteReplaced() {
    writer = new StatusWriter(OperatorMetrics.unexported(), 1);
    CountDownLatch open = new CountDownLatch(0);
    writer.submit("RealServer", "default/a", "s0", "7", "s1", write("a", "s1", open));
    await().atMost(TIMEOUT).until(writer::idle);
    assertThat(writer.unseen()).isEqualTo(1);
    writer.seen("RealServer", "default", "b", "8"); // another object
    writer.seen("RealServer", "default", "a", "7"); // the replaced copy again (a relist before the write)
    assertThat(writer.unseen()).as("the cache has not shown the write").isEqualTo(1);
    writer.seen("RealServer", "default", "a", "8");
    assertThat(writer.unseen()).as("the cache shows the write").isZero();
    writer.submit("RealServer", "default/a", "s1", "8", "s1", write("a", "s1", open));
    assertThat(writer.idle()).as("nothing to write: the cache has it").isTrue();

    // the cache moved past the replaced copy without a call of seen(): a later copy says s0 (another writer)
    writer.submit("RealServer", "default/a", "s1", "8", "s2", write("a", "s2", open));
    await().atMost(TIMEOUT).until(writer::idle);
    writer.submit("RealServer", "default/a", "s0", "10", "s2", write("a", "s2", open));
    await().atMost(TIMEOUT).until(writer::idle);
    assertThat(writes).containsExactly("a:s0->s1", "a:s1->s2", "a:s0->s2");
    assertThat(writer.unseen()).isEqualTo(1);
    writer.seen("RealServer", "default", "a", null); // deleted
    assertThat(writer.unseen()).isZero();
  }

  /**
   * The watch may bring a write before its PUT's answer: that must not leave the write recorded as unseen (at
   * 100,000 RealServers a record per status written, kept for good). Nor may a write that wrote nothing.
   */
  @Test
  void aWriteTheCacheShowsBeforeItsAnswerOrThatWroteNothingLeavesNoRecord() {
    writer = new StatusWriter(OperatorMetrics.unexported(), 1);
    writer.submit("RealServer", "default/a", "s0", "7", "s1", before -> {
      writer.seen("RealServer", "default", "a", "8"); // the watch's event, before the answer
      writes.add("a:" + before + "->s1");
      return true;
    });
    await().atMost(TIMEOUT).until(writer::idle);
    assertThat(writes).containsExactly("a:s0->s1");
    assertThat(writer.unseen()).isZero();

    writer.submit("RealServer", "default/b", "s0", "7", "s1", before -> false); // gone meanwhile, or there already
    await().atMost(TIMEOUT).until(writer::idle);
    assertThat(writer.unseen()).isZero();
  }

  @Test
  void aFailedWriteIsRetriedUnlessANewerStatusReplacedIt() {
    writer = new StatusWriter(OperatorMetrics.unexported(), 1);
    AtomicInteger attempts = new AtomicInteger();
    writer.submit("RealServer", "default/a", "s0", "s1", before -> {
      if (attempts.incrementAndGet() == 1) {
        throw new KubernetesClientException("the API server is unreachable");
      }
      writes.add("a:" + before + "->s1");
      return true;
    });
    await().atMost(TIMEOUT).until(writer::idle);
    assertThat(attempts).hasValue(2);
    assertThat(writes).containsExactly("a:s0->s1");

    CountDownLatch failing = new CountDownLatch(1);
    AtomicInteger failed = new AtomicInteger();
    writer.submit("RealServer", "default/b", "s0", "s1", before -> {
      try {
        failing.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      failed.incrementAndGet();
      throw new KubernetesClientException("conflict", 409, null);
    });
    await().atMost(TIMEOUT).until(() -> writer.waiting() == 0);
    writer.submit("RealServer", "default/b", "s0", "s2", write("b", "s2", new CountDownLatch(0)));
    failing.countDown();
    await().atMost(TIMEOUT).until(writer::idle);
    assertThat(failed).as("the failed s1 was not retried: s2 replaced it").hasValue(1);
    assertThat(writes).containsExactly("a:s0->s1", "b:s0->s2");
  }

  /**
   * A waiting write keeps the object's kind, name, namespace, uid and version, not the reconcile's copy of it: after
   * a bulk apply with the operator down, 100,000 writes wait at once (StatusBacklogBenchmark). What it writes and
   * what the kind's Events are about is an object made of those.
   */
  @Test
  void aWaitingWriteDoesNotKeepTheReconcilesCopy() {
    writer = new StatusWriter(OperatorMetrics.unexported(), 0); // no thread: the write waits
    RealServer copy = new RealServer();
    copy.setMetadata(new ObjectMetaBuilder().withName("web-1").withNamespace("default").withUid("u-1")
        .withResourceVersion("42").withLabels(Map.of("app", "web")).build());
    copy.setSpec(new RealServerSpec());
    copy.getSpec().setAddress("10.0.1.13");
    WeakReference<RealServer> held = new WeakReference<>(copy);
    RealServerStatus desired = new RealServerStatus();
    desired.setObservedGeneration(1L);
    writer.submit(null, "RealServer", copy, null, desired, (o, before, after) -> {});
    copy = null; // only the writer may hold it now
    assertThat(writer.waiting()).isEqualTo(1);
    await().atMost(TIMEOUT).until(() -> {
      System.gc();
      return held.get() == null;
    });

    RealServer rs = new RealServer();
    rs.setMetadata(new ObjectMetaBuilder().withName("web-2").withNamespace("default").withUid("u-2")
        .withResourceVersion("43").withLabels(Map.of("app", "web")).build());
    rs.setSpec(new RealServerSpec());
    RealServer object = StatusSupport.Target.of(rs).object();
    assertThat(object).isNotSameAs(rs);
    assertThat(object.getKind()).isEqualTo("RealServer");
    assertThat(object.getApiVersion()).isEqualTo(rs.getApiVersion());
    assertThat(object.getMetadata().getName()).isEqualTo("web-2");
    assertThat(object.getMetadata().getNamespace()).isEqualTo("default");
    assertThat(object.getMetadata().getUid()).isEqualTo("u-2");
    assertThat(object.getMetadata().getResourceVersion()).isEqualTo("43");
    assertThat(object.getSpec()).isNull();
    assertThat(object.getMetadata().getLabels()).isNullOrEmpty();
  }

  @Test
  void closingDropsWhatWaits() {
    writer = new StatusWriter(OperatorMetrics.unexported(), 1);
    CountDownLatch open = new CountDownLatch(1);
    writer.submit("RealServer", "default/a", "s0", "s1", write("a", "s1", open));
    await().atMost(TIMEOUT).until(() -> writer.waiting() == 0);
    writer.submit("RealServer", "default/b", "s0", "s1", write("b", "s1", open));
    writer.close();
    writer.submit("RealServer", "default/c", "s0", "s1", write("c", "s1", open));
    assertThat(writer.waiting()).isZero();
    assertThat(writer.idle()).isTrue();
  }
}
