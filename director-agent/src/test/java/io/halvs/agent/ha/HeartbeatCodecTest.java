package io.halvs.agent.ha;

import static org.assertj.core.api.Assertions.assertThat;

import io.halvs.agent.ha.HeartbeatCodec.Message;
import io.halvs.agent.metrics.AgentMetrics;
import io.halvs.agent.runtime.Election.Role;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HeartbeatCodecTest {
  static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
  static final long NOW = 1_800_000_000_000L;

  static Message msg(long epoch, long seq, long sent) {
    return new Message("pair-1", "lvs-a", epoch, seq, sent, Role.ACTIVE, 1234, true, 5, 99);
  }

  @Test
  void aHeartbeatRoundTrips() {
    HeartbeatCodec sender = new HeartbeatCodec(KEY, "pair-1", "lvs-b");
    HeartbeatCodec receiver = new HeartbeatCodec(KEY, "pair-1", "lvs-a");
    byte[] d = sender.encode(msg(7, 1, NOW));
    assertThat(receiver.decode(d, d.length, NOW + 3)).isEqualTo(msg(7, 1, NOW));
    assertThat(receiver.accepted.get()).isEqualTo(1);
  }

  @Test
  void aWrongKeyOrAFlippedBitIsDroppedAndCounted() {
    long before = AgentMetrics.get().rejected(AgentMetrics.Rejection.BAD_HMAC);
    HeartbeatCodec receiver = new HeartbeatCodec(KEY, "pair-1", "lvs-a");
    byte[] other = new HeartbeatCodec("another key".getBytes(), "pair-1", "lvs-a").encode(msg(7, 1, NOW));
    assertThat(receiver.decode(other, other.length, NOW)).isNull();
    byte[] d = new HeartbeatCodec(KEY, "pair-1", "x").encode(msg(7, 2, NOW));
    d[20] ^= 1;
    assertThat(receiver.decode(d, d.length, NOW)).isNull();
    assertThat(receiver.badMac.get()).isEqualTo(2);
    assertThat(receiver.accepted.get()).isZero();
    // and in halvs_heartbeats_rejected_total{reason="bad_hmac"}, which outlives this codec
    assertThat(AgentMetrics.get().rejected(AgentMetrics.Rejection.BAD_HMAC) - before).isEqualTo(2);
  }

  /**
   * A key rotation in three steps (accept the new key, sign with it, drop the old), each taken by the two
   * directors at different moments: in every combination each accepts the other's heartbeats.
   */
  @Test
  void aKeyRotationNeverRejectsThePeer() {
    byte[] newKey = "fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.US_ASCII);
    java.util.List<java.util.function.Consumer<HeartbeatCodec>> steps = java.util.List.of(
        c -> {}, // old key only
        c -> c.rekey(KEY, java.util.List.of(newKey)), // 1: sign old, accept new
        c -> c.rekey(newKey, java.util.List.of(KEY)), // 2: sign new, accept old
        c -> c.rekey(newKey, java.util.List.of())); // 3: new key only
    long seq = 0;
    for (int a = 0; a < steps.size(); a++) {
      for (int b = Math.max(0, a - 1); b <= Math.min(steps.size() - 1, a + 1); b++) { // one step apart at most
        HeartbeatCodec da = new HeartbeatCodec(KEY, "pair-1", "lvs-b");
        HeartbeatCodec db = new HeartbeatCodec(KEY, "pair-1", "lvs-a");
        for (int i = 1; i <= a; i++) {
          steps.get(i).accept(da);
        }
        for (int i = 1; i <= b; i++) {
          steps.get(i).accept(db);
        }
        byte[] ab = da.encode(new Message("pair-1", "lvs-a", 1, ++seq, NOW, Role.ACTIVE, 0, false, 0, 0));
        byte[] ba = db.encode(new Message("pair-1", "lvs-b", 1, ++seq, NOW, Role.STANDBY, 0, false, 0, 0));
        assertThat(db.decode(ab, ab.length, NOW)).as("step %d -> step %d", a, b).isNotNull();
        assertThat(da.decode(ba, ba.length, NOW)).as("step %d -> step %d", b, a).isNotNull();
      }
    }
    // skipping step 1 is the split the steps avoid: old and new key alone reject each other
    HeartbeatCodec old = new HeartbeatCodec(KEY, "pair-1", "lvs-b");
    HeartbeatCodec rotated = new HeartbeatCodec(newKey, "pair-1", "lvs-a");
    byte[] d = rotated.encode(msg(7, 1, NOW));
    assertThat(old.decode(d, d.length, NOW)).isNull();
    // once dropped, the old key is refused
    HeartbeatCodec done = new HeartbeatCodec(KEY, "pair-1", "lvs-a");
    done.rekey(newKey, java.util.List.of());
    byte[] stale = new HeartbeatCodec(KEY, "pair-1", "x").encode(msg(7, 2, NOW));
    assertThat(done.decode(stale, stale.length, NOW)).isNull();
  }

  /**
   * The receiver's wall clock jumps (an hour forward, then back): heartbeats of the epoch it follows are still
   * accepted (the sequence decides, not the time), so the peer stays visible and there is no takeover. A new
   * epoch is judged by the timestamp against this clock: a peer restarted while the clocks disagree by more
   * than the window is not heard (a documented limit: the Lease then keeps the roles).
   */
  @Test
  void aWallClockJumpDoesNotSilenceThePeer() {
    HeartbeatCodec sender = new HeartbeatCodec(KEY, "pair-1", "lvs-b");
    HeartbeatCodec receiver = new HeartbeatCodec(KEY, "pair-1", "lvs-a");
    byte[] d = sender.encode(msg(7, 1, NOW));
    assertThat(receiver.decode(d, d.length, NOW)).isNotNull();
    d = sender.encode(msg(7, 2, NOW + 50));
    assertThat(receiver.decode(d, d.length, NOW + 3_600_000)).as("receiver jumped forward an hour").isNotNull();
    d = sender.encode(msg(7, 3, NOW + 100));
    assertThat(receiver.decode(d, d.length, NOW - 3_600_000)).as("and back two hours").isNotNull();
    d = sender.encode(msg(7, 4, NOW + 3_600_000));
    assertThat(receiver.decode(d, d.length, NOW + 150)).as("the sender's clock jumped instead").isNotNull();
    byte[] restarted = sender.encode(msg(8, 1, NOW + 200));
    assertThat(receiver.decode(restarted, restarted.length, NOW + 200 + HeartbeatCodec.NEW_EPOCH_WINDOW_MILLIS + 1))
        .as("a new epoch outside the window").isNull();
  }

  @Test
  void replaysAndStaleEpochsAreRejected() {
    HeartbeatCodec sender = new HeartbeatCodec(KEY, "pair-1", "lvs-b");
    HeartbeatCodec receiver = new HeartbeatCodec(KEY, "pair-1", "lvs-a");
    byte[] first = sender.encode(msg(7, 5, NOW));
    byte[] second = sender.encode(msg(7, 6, NOW + 100));
    assertThat(receiver.decode(first, first.length, NOW)).isNotNull();
    assertThat(receiver.decode(second, second.length, NOW + 100)).isNotNull();
    assertThat(receiver.decode(first, first.length, NOW + 200)).as("replayed").isNull();
    assertThat(receiver.decode(second, second.length, NOW + 200)).as("replayed").isNull();
    byte[] old = sender.encode(msg(8, 1, NOW - 60_000));
    assertThat(receiver.decode(old, old.length, NOW)).as("new epoch, captured a minute ago").isNull();
    byte[] restarted = sender.encode(msg(9, 1, NOW + 300));
    assertThat(receiver.decode(restarted, restarted.length, NOW + 300)).as("a restarted peer").isNotNull();
    assertThat(receiver.replayed.get()).isEqualTo(3);
  }

  @Test
  void theHandoverFlagsAreAuthenticatedAndReplayGuarded() {
    HeartbeatCodec sender = new HeartbeatCodec(KEY, "pair-1", "lvs-b");
    HeartbeatCodec receiver = new HeartbeatCodec(KEY, "pair-1", "lvs-a");
    Message released = new Message("pair-1", "lvs-a", 7, 40, NOW, Role.STANDBY, 0, false, 0, 99, true, true);
    byte[] d = sender.encode(released);
    Message got = receiver.decode(d, d.length, NOW);
    assertThat(got).isEqualTo(released);
    assertThat(got.released()).isTrue();
    assertThat(got.leaving()).isTrue();
    // a captured "released" heartbeat replayed later (to make the peer take over from a live active) is dropped
    assertThat(receiver.decode(d, d.length, NOW + 5_000)).isNull();
    // and the flag cannot be set on an ordinary heartbeat without the key: the flags byte is under the MAC
    byte[] plain = sender.encode(msg(7, 41, NOW));
    int flags = plain.length - HeartbeatCodec.TAG - 8 - 1;
    plain[flags] |= HeartbeatCodec.RELEASED;
    assertThat(receiver.decode(plain, plain.length, NOW)).isNull();
    assertThat(receiver.badMac.get()).isEqualTo(1);
    assertThat(receiver.replayed.get()).isEqualTo(1);
  }

  @Test
  void anotherPairOrSenderIsIgnored() {
    HeartbeatCodec receiver = new HeartbeatCodec(KEY, "pair-1", "lvs-a");
    byte[] d = new HeartbeatCodec(KEY, "pair-2", "x").encode(
        new Message("pair-2", "lvs-a", 1, 1, NOW, Role.ACTIVE, 0, false, 0, 0));
    assertThat(receiver.decode(d, d.length, NOW)).isNull();
    assertThat(receiver.foreign.get()).isEqualTo(1);
  }

  @Test
  void garbageNeverThrows() {
    HeartbeatCodec receiver = new HeartbeatCodec(KEY, "pair-1", "lvs-a");
    Random r = new Random(42);
    for (int i = 0; i < 10_000; i++) {
      byte[] d = new byte[r.nextInt(200)];
      r.nextBytes(d);
      assertThat(receiver.decode(d, d.length, NOW)).isNull();
    }
    assertThat(receiver.badMac.get() + receiver.malformed.get()).isEqualTo(10_000);
  }
}
