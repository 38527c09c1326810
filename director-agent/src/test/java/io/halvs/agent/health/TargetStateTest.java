package io.halvs.agent.health;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The rise/fall state machine with made-up times (ms): no sockets, no sleeping. */
class TargetStateTest {
  static final int INTERVAL = 1000;

  @Test
  void startsUpAndTheFirstResultAloneDecides() {
    TargetState ok = new TargetState(2, 3, 0);
    assertThat(ok.up()).as("trusted before its first verdict").isTrue();
    assertThat(ok.confirmed()).isFalse();
    assertThat(ok.record(true, null, 1000)).isFalse();
    assertThat(ok.up()).isTrue();
    assertThat(ok.confirmed()).isTrue();

    TargetState dead = new TargetState(2, 3, 0);
    assertThat(dead.record(false, "connection refused", 1000)).as("nothing ever showed it alive").isTrue();
    assertThat(dead.up()).isFalse();
    assertThat(dead.sinceMillis()).isEqualTo(1000);
    assertThat(dead.message(INTERVAL, 1000)).isEqualTo("connection refused");
  }

  /** A restarted agent found it in rotation: its first failure is one of fall, as for the agent before. */
  @Test
  void anAdoptedTargetNeedsFallFailuresFromTheFirst() {
    TargetState s = new TargetState(2, 3, 0);
    s.adopt();
    assertThat(s.up()).isTrue();
    assertThat(s.confirmed()).isTrue();
    assertThat(s.record(false, "connect timed out", 1000)).as("one timeout under load drains nothing").isFalse();
    assertThat(s.record(false, "connect timed out", 2000)).isFalse();
    assertThat(s.up()).isTrue();
    assertThat(s.record(false, "connect timed out", 3000)).isTrue();
    assertThat(s.up()).isFalse();

    TargetState late = new TargetState(2, 3, 0);
    late.record(false, "connection refused", 1000);
    late.adopt();
    assertThat(late.up()).as("a result came first: adopting changes nothing").isFalse();
  }

  @Test
  void fallConsecutiveFailuresTakeAConfirmedTargetDown() {
    TargetState s = confirmedUp(2, 3);
    assertThat(s.record(false, "HTTP 503", 2000)).isFalse();
    assertThat(s.record(false, "HTTP 503", 3000)).isFalse();
    assertThat(s.up()).isTrue();
    assertThat(s.message(INTERVAL, 3000)).isEqualTo("HTTP 503 (2 of 3 failures)");
    assertThat(s.record(false, "HTTP 503", 4000)).isTrue();
    assertThat(s.up()).isFalse();
    assertThat(s.sinceMillis()).isEqualTo(4000);
    assertThat(s.message(INTERVAL, 4000)).isEqualTo("HTTP 503");
  }

  @Test
  void aSuccessInBetweenResetsTheFailureCount() {
    TargetState s = confirmedUp(2, 3);
    s.record(false, "connect timeout 1000 ms", 2000);
    s.record(false, "connect timeout 1000 ms", 3000);
    s.record(true, null, 4000);
    assertThat(s.message(INTERVAL, 4000)).isNull();
    s.record(false, "connect timeout 1000 ms", 5000);
    s.record(false, "connect timeout 1000 ms", 6000);
    assertThat(s.up()).isTrue();
  }

  @Test
  void riseConsecutiveSuccessesBringItBack() {
    TargetState s = new TargetState(2, 3, 0);
    s.record(false, "connection refused", 1000);
    assertThat(s.record(true, null, 2000)).isFalse();
    assertThat(s.message(INTERVAL, 2000)).isEqualTo("connection refused (recovering: 1 of 2 checks passed)");
    assertThat(s.record(false, "connection refused", 3000)).isFalse();
    assertThat(s.record(true, null, 4000)).isFalse();
    assertThat(s.record(true, null, 5000)).isTrue();
    assertThat(s.up()).isTrue();
    assertThat(s.sinceMillis()).isEqualTo(5000);
  }

  @Test
  void riseAndFallOfOneActAtOnce() {
    TargetState s = confirmedUp(1, 1);
    assertThat(s.record(false, "x", 2000)).isTrue();
    assertThat(s.record(true, null, 3000)).isTrue();
  }

  @Test
  void newThresholdsKeepTheStateAndApplyToTheNextResult() {
    TargetState s = confirmedUp(2, 5);
    s.record(false, "HTTP 500", 2000);
    s.record(false, "HTTP 500", 3000);
    s.thresholds(2, 3);
    assertThat(s.up()).isTrue();
    assertThat(s.record(false, "HTTP 500", 4000)).isTrue();
  }

  @Test
  void flappingIsNotedInTheMessage() {
    TargetState s = new TargetState(1, 1, 0);
    long t = 0;
    for (int i = 0; i < 4; i++) {
      s.record(false, "HTTP 502", t += 1000);
      s.record(true, null, t += 1000);
    }
    assertThat(s.up()).isTrue();
    assertThat(s.message(INTERVAL, t)).isEqualTo("flapping: 8 state changes in 20 s");
    s.record(false, "HTTP 502", t += 1000);
    assertThat(s.message(INTERVAL, t)).isEqualTo("HTTP 502; flapping: 9 state changes in 20 s");
    assertThat(s.message(INTERVAL, t + 21_000)).as("quiet for a window: no longer flapping").isEqualTo("HTTP 502");
    s.record(true, null, t += 22_000);
    assertThat(s.message(INTERVAL, t)).as("up, one change in the window").isNull();
    for (int i = 0; i < 2; i++) {
      s.record(false, "HTTP 502", t += 1000);
      s.record(true, null, t += 1000);
    }
    assertThat(s.message(INTERVAL, t)).as("up again: its fifth change in the window").isEqualTo(
        "flapping: 5 state changes in 20 s");
    assertThat(s.message(INTERVAL, t + 30_000)).as("up and quiet for a window").isNull();
    assertThat(new TargetState(1, 1, 0).message(INTERVAL, 1000)).as("never changed").isNull();
  }

  private static TargetState confirmedUp(int rise, int fall) {
    TargetState s = new TargetState(rise, fall, 0);
    s.record(true, null, 1000);
    return s;
  }
}
