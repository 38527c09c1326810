package io.halvs.agent.ha;

import static org.assertj.core.api.Assertions.assertThat;

import io.halvs.agent.runtime.Election.Role;
import io.halvs.agent.testing.Fuzz;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * The heartbeat decoder on any datagram: random bytes, and valid heartbeats mutated — half of them signed again
 * with the pair's key, so the mutation gets past the HMAC into the parser (a peer with a bug, or a key that
 * leaked). Property: decode returns a message or null and counts exactly one verdict, whatever the bytes or the
 * length it is given; it never throws. See {@link Fuzz} for running it longer.
 */
class HeartbeatCodecFuzzTest {
  static final byte[] KEY = "fuzz-key-0123456789".getBytes(StandardCharsets.UTF_8);
  static final long NOW = 1_800_000_000_000L;

  record Datagram(byte[] data, int length) {}

  static byte[] resign(byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(KEY, "HmacSHA256"));
      int n = Math.max(0, body.length - HeartbeatCodec.TAG);
      mac.update(body, 0, n);
      byte[] out = Arrays.copyOf(body, n + HeartbeatCodec.TAG);
      System.arraycopy(mac.doFinal(), 0, out, n, HeartbeatCodec.TAG);
      return out;
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static Datagram datagram(Random r) {
    byte[] b;
    if (r.nextInt(6) == 0) {
      b = Fuzz.randomBytes(r, 300);
    } else {
      HeartbeatCodec sender = new HeartbeatCodec(KEY, "edge", "lvs-01");
      byte[] valid = sender.encode(new HeartbeatCodec.Message("edge", "lvs-01", r.nextInt(3), r.nextInt(100),
          NOW + r.nextInt(60_000) - 30_000, Role.values()[r.nextInt(Role.values().length)], r.nextInt(1000),
          r.nextBoolean(), r.nextInt(5), r.nextInt(10), r.nextBoolean(), r.nextBoolean()));
      b = r.nextInt(8) == 0 ? valid : Fuzz.mutate(r, valid);
      if (r.nextInt(5) == 0) {
        Fuzz.extremeInt(r, b, 4 + r.nextInt(Math.max(1, b.length - 4))); // a string length, say
      }
      if (r.nextBoolean()) {
        b = resign(b);
      }
    }
    // The length decode is told: usually the datagram's, sometimes anything.
    int length = switch (r.nextInt(8)) {
      case 0 -> r.nextInt();
      case 1 -> r.nextInt(b.length + 1);
      case 2 -> b.length + 1 + r.nextInt(10);
      default -> b.length;
    };
    return new Datagram(b, length);
  }

  @Test
  void decodeTakesAnyDatagram() {
    HeartbeatCodec receiver = new HeartbeatCodec(KEY, "edge", "lvs-01");
    long[] calls = {0};
    Fuzz.run("heartbeat decode", 20_000, HeartbeatCodecFuzzTest::datagram,
        d -> "length " + d.length() + ", " + Fuzz.hex(d.data()), d -> (16L << 20) + 8L * d.data().length, d -> {
          receiver.decode(d.data(), d.length(), NOW);
          calls[0]++;
          long verdicts = receiver.accepted.get() + receiver.badMac.get() + receiver.replayed.get()
              + receiver.malformed.get() + receiver.foreign.get();
          assertThat(verdicts).as("one verdict per datagram").isEqualTo(calls[0]);
        });
    assertThat(receiver.accepted.get()).as("valid heartbeats got through: the generator reaches the parser")
        .isPositive();
    assertThat(receiver.malformed.get()).as("so did signed malformed ones").isPositive();
  }
}
