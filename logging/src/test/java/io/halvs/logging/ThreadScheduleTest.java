package io.halvs.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import org.junit.jupiter.api.Test;

class ThreadScheduleTest {
  @Test
  void parsesTheKernelsFirstTwoFields() {
    assertThat(ThreadSchedule.parse("394960 77185 3\n")).isEqualTo(new ThreadSchedule(394_960, 77_185));
    assertThatThrownBy(() -> ThreadSchedule.parse("394960")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void saysWhatTheThreadSpentOnACpuAndWaitingForOne() {
    ThreadSchedule spent = ThreadSchedule.between(new ThreadSchedule(1_000_000, 2_000_000),
        new ThreadSchedule(13_900_000, 52_000_000));
    assertThat(spent).isEqualTo(new ThreadSchedule(12_900_000, 50_000_000));
    assertThat(ThreadSchedule.describe(spent)).isEqualTo("; on a CPU 12 ms, waiting for one 50 ms");
    assertThat(ThreadSchedule.between(null, new ThreadSchedule(1, 2))).isNull();
    assertThat(ThreadSchedule.between(new ThreadSchedule(1, 2), null)).isNull();
    assertThat(ThreadSchedule.describe(null)).isEmpty();
    assertThat(ThreadSchedule.since(null)).as("no sample before: nothing said").isEmpty();
  }

  @Test
  void countsThisThreadsOwnWork() {
    ThreadSchedule before = ThreadSchedule.now();
    assumeThat(before).as("a kernel with /proc/thread-self/schedstat").isNotNull();
    long end = System.nanoTime() + 30_000_000;
    long spin = 0;
    while (System.nanoTime() < end) {
      spin++;
    }
    ThreadSchedule after = ThreadSchedule.now();
    assertThat(spin).isPositive();
    assertThat(after.runNanos() - before.runNanos()).as("30 ms of spinning, on a CPU or waiting for one")
        .isGreaterThan(0);
    assertThat(after.runNanos() - before.runNanos() + after.waitNanos() - before.waitNanos())
        .isGreaterThanOrEqualTo(25_000_000L);
  }
}
