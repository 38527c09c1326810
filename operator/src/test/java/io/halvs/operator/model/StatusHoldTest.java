package io.halvs.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.halvs.plan.ObjectRef;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A rebuild that changed a plan hands on the pair at once and the statuses once that plan is published. */
class StatusHoldTest {
  static final ObjectRef PAIR = new ObjectRef("DirectorPair", null, "lvs");
  static final ObjectRef VS = new ObjectRef("VirtualService", "default", "vs-1");
  static final ObjectRef RS = new ObjectRef("RealServer", "default", "rs-1");

  @Test
  void statusesWaitForThePlanTheirRebuildChanged() {
    StatusHold hold = new StatusHold();
    assertThat(hold.changed(List.of(PAIR, VS, PlanService.REAL_SERVER_NODES, RS), Map.of("lvs", "h1")))
        .containsExactly(PAIR, PlanService.REAL_SERVER_NODES);
    assertThat(hold.holding()).isTrue();
    assertThat(hold.published("lvs", "h0")).isEmpty(); // an older plan: still waiting
    // a newer rebuild before the publish: its statuses join, and its plan is the one awaited
    assertThat(hold.changed(List.of(PAIR, new ObjectRef("RealServer", "default", "rs-2")), Map.of("lvs", "h2")))
        .containsExactly(PAIR);
    assertThat(hold.published("lvs", "h1")).isEmpty();
    assertThat(hold.published("lvs", "h2")).containsExactly(VS, RS, new ObjectRef("RealServer", "default", "rs-2"));
    assertThat(hold.holding()).isFalse();
  }

  @Test
  void withoutAPlanChangedNothingWaits() {
    StatusHold hold = new StatusHold();
    assertThat(hold.changed(List.of(VS, RS), Map.of())).containsExactly(VS, RS);
    assertThat(hold.holding()).isFalse();
  }

  /** A hold's time limit ends that hold, not a later one. */
  @Test
  void anEarlierHoldsTimeEndsOnlyThatHold() {
    StatusHold hold = new StatusHold();
    hold.changed(List.of(PAIR, VS), Map.of("lvs", "h1"));
    long first = hold.episode();
    assertThat(hold.published("lvs", "h1")).containsExactly(VS);
    hold.changed(List.of(PAIR, RS), Map.of("lvs", "h2"));
    assertThat(hold.expire(first)).isEmpty();
    assertThat(hold.holding()).isTrue();
    assertThat(hold.expire(hold.episode())).containsExactly(RS);
  }

  @Test
  void releaseHandsOnEverythingHeld() {
    StatusHold hold = new StatusHold();
    hold.changed(List.of(PAIR, VS), Map.of("lvs", "h1"));
    assertThat(hold.release()).containsExactly(VS);
    assertThat(hold.holding()).isFalse();
    assertThat(hold.release()).isEmpty();
  }
}
