package io.halvs.agent.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TransitionLogTest {
  static final long S = 1_000_000_000L;

  @Test
  void theFirstChangesOfAWindowGetTheirLinesAndTheRestAreCountedByDirection() {
    TransitionLog log = new TransitionLog(2, 10 * S);
    assertThat(log.admit(true, 0)).isTrue();
    assertThat(log.admit(false, 1)).isTrue();
    assertThat(log.admit(true, 2)).isFalse();
    assertThat(log.admit(true, 3)).isFalse();
    assertThat(log.admit(false, 4)).isFalse();
    assertThat(log.flush(10 * S - 1)).as("the window still runs").isNull();
    assertThat(log.flush(10 * S)).isEqualTo(new TransitionLog.Unlogged(2, 1, 10 * S));
    assertThat(log.flush(11 * S)).as("said once").isNull();
  }

  @Test
  void aNewWindowStartsWithTheFirstChangeAfterTheLastOneEnded() {
    TransitionLog log = new TransitionLog(1, 10 * S);
    log.admit(true, 0);
    log.admit(true, 1);
    assertThat(log.flush(10 * S)).isEqualTo(new TransitionLog.Unlogged(1, 0, 10 * S));
    // quiet for a minute: the next change is news again, and its window starts there
    assertThat(log.admit(false, 70 * S)).isTrue();
    assertThat(log.admit(false, 71 * S)).isFalse();
    assertThat(log.flush(79 * S)).isNull();
    assertThat(log.flush(80 * S)).isEqualTo(new TransitionLog.Unlogged(0, 1, 10 * S));
  }

  @Test
  void aWindowThatLoggedEveryChangeLeavesNothingToSay() {
    TransitionLog log = new TransitionLog(3, 10 * S);
    log.admit(true, 0);
    log.admit(false, 1);
    assertThat(log.flush(20 * S)).isNull();
    assertThat(log.drain()).isNull();
  }

  @Test
  void drainSaysWhatTheRunningWindowCountedWhenTheChecksStop() {
    TransitionLog log = new TransitionLog(0, 10 * S);
    assertThat(log.admit(true, 0)).as("no budget: every change counted").isFalse();
    assertThat(log.drain()).isEqualTo(new TransitionLog.Unlogged(1, 0, 10 * S));
    assertThat(log.drain()).isNull();
  }

  @Test
  void aNegativeBudgetOrAnEmptyWindowIsRefused() {
    assertThatThrownBy(() -> new TransitionLog(-1, S)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TransitionLog(1, 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
