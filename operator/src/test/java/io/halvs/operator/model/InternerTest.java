package io.halvs.operator.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class InternerTest {
  @Test
  void handsOutTheFirstOfEqualValues() {
    Interner<List<String>> interner = new Interner<>();
    List<String> first = new ArrayList<>(List.of("Ready", "True"));
    assertThat(interner.intern(first)).isSameAs(first);
    assertThat(interner.intern(new ArrayList<>(List.of("Ready", "True")))).isSameAs(first);
    List<String> other = List.of("Ready", "False");
    assertThat(interner.intern(other)).isSameAs(other);
    assertThat(interner.intern(null)).isNull();
    assertThat(interner.size()).isEqualTo(2);
  }

  /** A value nothing else holds leaves the table: the operator's cache is all that keeps one alive. */
  @Test
  void keepsNoValueNobodyHolds() {
    Interner<List<String>> interner = new Interner<>();
    List<String> held = interner.intern(new ArrayList<>(List.of("held")));
    for (int i = 0; i < 1_000; i++) {
      interner.intern(new ArrayList<>(List.of("gone", String.valueOf(i))));
    }
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
      System.gc();
      return interner.size() == 1;
    });
    assertThat(interner.intern(new ArrayList<>(List.of("held")))).isSameAs(held);
  }
}
