package io.halvs.agent.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The announcer's own thread: what stop() guarantees and what a round is, counted (no timing asserts). */
class VipAnnouncerTest {
  /** Records every address sent; the call numbered blockAt waits for release (and says so on blocked). */
  static final class Recorder implements VipAnnouncer.Sender {
    final List<IpAddress> sent = new CopyOnWriteArrayList<>();
    final int blockAt;
    final CountDownLatch blocked = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    volatile boolean inFlight;
    volatile IpAddress failing;
    final List<String> prepared = new CopyOnWriteArrayList<>();
    final java.util.concurrent.atomic.AtomicInteger prepareCalls = new java.util.concurrent.atomic.AtomicInteger();
    volatile boolean failPrepare;

    Recorder(int blockAt) {
      this.blockAt = blockAt;
    }

    @Override
    public void announce(String ifname, IpAddress address) {
      inFlight = true;
      try {
        sent.add(address);
        if (sent.size() == blockAt) {
          blocked.countDown();
          release.await(30, TimeUnit.SECONDS);
        }
        if (address.equals(failing)) {
          throw new IllegalStateException("no such device");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        inFlight = false;
      }
    }

    @Override
    public void prepare(String ifname, IpAddress address) {
      prepareCalls.incrementAndGet();
      if (failPrepare) {
        throw new IllegalStateException("no such device");
      }
      prepared.add(ifname + (address.isV4() ? "/4" : "/6"));
    }
  }

  static DirectorPlan plan(int vips, int firstOctet) {
    List<IpAddress> addresses = new ArrayList<>();
    for (int i = 0; i < vips; i++) {
      addresses.add(IpAddress.parse(firstOctet + ".51." + (i / 250) + "." + (1 + i % 250)));
    }
    return new DirectorPlan("pair-1", List.of("dir-a", "dir-b"), "eth0", addresses, null, new TreeMap<>(), null,
        new DirectorPlan.HaPlan(50, 3, false, 0, 8849, null, null), List.of());
  }

  /** The sockets a standby's first round would open are opened before it: once per interface and family. */
  @Test
  void aPlanIsPreparedOncePerInterfaceAndFamilySendingNothingAndAFailureIsNoRoundsConcern() throws Exception {
    Recorder sender = new Recorder(0);
    DirectorPlan v4 = plan(100, 198);
    List<IpAddress> vips = new ArrayList<>(v4.vips());
    vips.add(IpAddress.parse("2001:db8::1"));
    vips.add(IpAddress.parse("2001:db8::2"));
    DirectorPlan p = new DirectorPlan(v4.pair(), v4.nodes(), v4.vipInterface(), vips, null, v4.sysctls(), null,
        v4.highAvailability(), List.of());
    try (VipAnnouncer announcer = new VipAnnouncer(sender, "test-announce")) {
      announcer.prepare(p);
      await().atMost(Duration.ofSeconds(10)).until(() -> announcer.prepared() == 2);
      assertThat(sender.prepared).containsExactlyInAnyOrder("eth0/4", "eth0/6");
      assertThat(sender.sent).isEmpty();

      sender.failPrepare = true;
      announcer.prepare(p);
      await().atMost(Duration.ofSeconds(10)).until(() -> sender.prepareCalls.get() == 4);
      announcer.round(p);
      await().atMost(Duration.ofSeconds(10)).until(() -> announcer.sent() == 102);
      assertThat(announcer.failed()).isZero();
      assertThat(announcer.prepared()).as("failed preparations are not counted").isEqualTo(2);
    }
  }

  @Test
  void stopWaitsForTheSendInFlightAndNoAddressOfTheEndedBurstGoesOutAfter() throws Exception {
    Recorder sender = new Recorder(10);
    try (VipAnnouncer announcer = new VipAnnouncer(sender, "test-announce")) {
      announcer.round(plan(1000, 198));
      assertThat(sender.blocked.await(10, TimeUnit.SECONDS)).isTrue();

      CompletableFuture<Boolean> inFlightWhenStopped = CompletableFuture.supplyAsync(() -> {
        announcer.stop();
        return sender.inFlight; // what the election relies on before it removes the VIPs
      });
      await().atMost(Duration.ofSeconds(10)).until(() -> announcer.cancelled() == 1);
      sender.release.countDown();
      assertThat(inFlightWhenStopped.get(10, TimeUnit.SECONDS)).as("a send was in flight when stop() returned")
          .isFalse();

      // the thread goes on to the next round; anything of the ended one would have come before its first address
      DirectorPlan next = plan(2, 203);
      announcer.round(next);
      await().atMost(Duration.ofSeconds(10)).until(() -> sender.sent.contains(next.vips().get(0)));
      assertThat(sender.sent.subList(0, 10)).isEqualTo(plan(1000, 198).vips().subList(0, 10));
      assertThat(sender.sent.get(10)).as("the first address after the 10 of the stopped burst")
          .isEqualTo(next.vips().get(0));
    }
  }

  @Test
  void eachRoundIsEveryAddressOnceAndAFailingOneIsCountedNotFatal() throws Exception {
    Recorder sender = new Recorder(0);
    DirectorPlan p = plan(100, 198);
    sender.failing = p.vips().get(7);
    try (VipAnnouncer announcer = new VipAnnouncer(sender, "test-announce")) {
      announcer.round(p);
      await().atMost(Duration.ofSeconds(10)).until(() -> announcer.sent() + announcer.failed() == 100
          && !announcer.announcing());
      announcer.round(p);
      await().atMost(Duration.ofSeconds(10)).until(() -> announcer.sent() + announcer.failed() == 200
          && !announcer.announcing());
      assertThat(announcer.failed()).isEqualTo(2);
      assertThat(sender.sent).isEqualTo(concat(p.vips(), p.vips()));
      assertThat(announcer.cancelled()).isZero();
    }
  }

  @Test
  void aRoundAskedForWhileOneHangsReturnsAtOnceAndFollowsItWithTheLatestAddresses() throws Exception {
    Recorder sender = new Recorder(1);
    try (VipAnnouncer announcer = new VipAnnouncer(sender, "test-announce")) {
      DirectorPlan first = plan(50, 198);
      announcer.round(first);
      assertThat(sender.blocked.await(10, TimeUnit.SECONDS)).isTrue();
      DirectorPlan next = plan(3, 203);
      announcer.round(next); // the tick's request: it must not wait for the send that hangs
      announcer.round(next); // asked twice meanwhile: one round
      sender.release.countDown();
      await().atMost(Duration.ofSeconds(10)).until(() -> announcer.sent() == 53 && !announcer.announcing());
      assertThat(sender.sent).isEqualTo(concat(first.vips(), next.vips()));
    }
  }

  /**
   * A takeover's round: each VIP goes out as soon as the hold gives it, before the hold has ended; the end adds the
   * plan's addresses that were not given (held before, the gateways), each once.
   */
  @Test
  void aStreamedRoundSendsEachAddressAsItIsGivenThenThePlansOthers() throws Exception {
    Recorder sender = new Recorder(0);
    DirectorPlan p = plan(4, 198);
    List<IpAddress> v = p.vips();
    try (VipAnnouncer announcer = new VipAnnouncer(sender, "test-announce")) {
      announcer.stream(p.pair());
      announcer.streamed("eth0", v.get(2));
      await().atMost(Duration.ofSeconds(10)).until(() -> sender.sent.equals(List.of(v.get(2))));
      // the hold gives a request's VIPs together, as the kernel added them
      announcer.streamed(List.of(new DirectorPlan.VipPlan(v.get(0), 32, "eth0"),
          new DirectorPlan.VipPlan(v.get(3), 32, "eth0")));
      await().atMost(Duration.ofSeconds(10)).until(() -> sender.sent.size() == 3);
      assertThat(announcer.announcing()).as("the round waits for the hold's next VIPs").isTrue();
      announcer.endStream(p);
      await().atMost(Duration.ofSeconds(10)).until(() -> !announcer.announcing());
      assertThat(sender.sent).containsExactly(v.get(2), v.get(0), v.get(3), v.get(1));
      assertThat(announcer.cancelled()).isZero();
    }
  }

  /** stop() ends a streamed round that waits for its next address; what is given after it is not sent. */
  @Test
  void stopEndsAStreamedRoundAndNothingGivenAfterItGoesOut() throws Exception {
    Recorder sender = new Recorder(0);
    DirectorPlan p = plan(3, 198);
    try (VipAnnouncer announcer = new VipAnnouncer(sender, "test-announce")) {
      announcer.stream(p.pair());
      announcer.streamed("eth0", p.vips().get(0));
      await().atMost(Duration.ofSeconds(10)).until(() -> sender.sent.size() == 1);
      announcer.stop();
      await().atMost(Duration.ofSeconds(10)).until(() -> !announcer.announcing()); // the waiting round woke, ended
      announcer.streamed("eth0", p.vips().get(1));
      announcer.endStream(p);
      DirectorPlan next = plan(1, 203);
      announcer.round(next);
      await().atMost(Duration.ofSeconds(10)).until(() -> sender.sent.size() == 2 && !announcer.announcing());
      assertThat(sender.sent).containsExactly(p.vips().get(0), next.vips().get(0));
      assertThat(announcer.cancelled()).isEqualTo(1);
    }
  }

  @SafeVarargs
  static <T> List<T> concat(List<T>... lists) {
    List<T> all = new ArrayList<>();
    for (List<T> l : lists) {
      all.addAll(l);
    }
    return all;
  }
}
