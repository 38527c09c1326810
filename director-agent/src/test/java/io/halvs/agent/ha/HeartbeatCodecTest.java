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
