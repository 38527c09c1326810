package io.halvs.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PromptSpacingTest {
  long now = 1_000_000_000L;
  final PromptSpacing spacing = new PromptSpacing(() -> now);
  final long spaced = PromptSpacing.SPACING.toNanos();

  @Test
  void theFirstPublishAndOneAfterAQuietSpellGoAtOnce() {
    assertThat(spacing.waitNanos("lvs")).isZero();
    spacing.published("lvs", 2);
    now += spaced;
    assertThat(spacing.waitNanos("lvs")).isZero();
  }

  @Test
  void aPublishSoonAfterOneThatWroteWaitsForTheRestOfTheSpacing() {
    spacing.published("lvs", 2);
    now += spaced / 4;
    assertThat(spacing.waitNanos("lvs")).isEqualTo(spaced - spaced / 4);
    assertThat(spacing.waitNanos("other")).as("each pair its own").isZero();
  }

  @Test
  void aPublishThatWroteNothingSpacesNothing() {
    spacing.published("lvs", 0);
    assertThat(spacing.waitNanos("lvs")).isZero();
    spacing.published("lvs", 3);
    now += 1;
    spacing.published("lvs", 0);
    assertThat(spacing.waitNanos("lvs")).as("still from the one that wrote").isEqualTo(spaced - 1);
  }
}
