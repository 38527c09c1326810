package io.halvs.agent.cluster;

import static io.halvs.agent.cluster.WatchOutage.Event.NONE;
import static io.halvs.agent.cluster.WatchOutage.Event.REACHABLE_AGAIN;
import static io.halvs.agent.cluster.WatchOutage.Event.UNREACHABLE;
import static io.halvs.agent.cluster.WatchOutage.Event.UNREACHABLE_SINCE_START;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WatchOutageTest {

  @Test
  void aSlowFirstWatchIsNotAnOutageUntilTheStartupBound() {
    WatchOutage o = new WatchOutage(1_000);
    assertThat(o.observe(false, 1_000 + WatchOutage.OUTAGE_MILLIS + 1_000)).isEqualTo(NONE);
    assertThat(o.observe(false, 1_000 + WatchOutage.STARTUP_MILLIS)).isEqualTo(NONE);
    assertThat(o.observe(true, 1_000 + WatchOutage.STARTUP_MILLIS)).isEqualTo(NONE);
  }

  @Test
  void aFirstWatchThatNeverOpensIsSaidOnceAndItsReturnOnce() {
    WatchOutage o = new WatchOutage(0);
    assertThat(o.observe(false, WatchOutage.STARTUP_MILLIS + 1)).isEqualTo(UNREACHABLE_SINCE_START);
    assertThat(o.observe(false, WatchOutage.STARTUP_MILLIS + 60_000)).isEqualTo(NONE);
    assertThat(o.observe(true, WatchOutage.STARTUP_MILLIS + 61_000)).isEqualTo(REACHABLE_AGAIN);
    assertThat(o.observe(true, WatchOutage.STARTUP_MILLIS + 62_000)).isEqualTo(NONE);
  }

  @Test
  void onceWatchingAWatchDownForLongerThanTheOutageBoundIsSaidOnce() {
    WatchOutage o = new WatchOutage(0);
    assertThat(o.observe(true, 100)).isEqualTo(NONE);
    assertThat(o.observe(false, 10_000)).isEqualTo(NONE); // first look down: the outage starts here
    assertThat(o.observe(false, 10_000 + WatchOutage.OUTAGE_MILLIS)).isEqualTo(NONE); // a routine reconnect
    assertThat(o.observe(false, 10_001 + WatchOutage.OUTAGE_MILLIS)).isEqualTo(UNREACHABLE);
    assertThat(o.observe(false, 20_000 + WatchOutage.OUTAGE_MILLIS)).isEqualTo(NONE);
    assertThat(o.observe(true, 30_000)).isEqualTo(REACHABLE_AGAIN);
  }

  @Test
  void aReconnectShorterThanTheBoundSaysNothing() {
    WatchOutage o = new WatchOutage(0);
    o.observe(true, 100);
    assertThat(o.observe(false, 5_000)).isEqualTo(NONE);
    assertThat(o.observe(false, 7_000)).isEqualTo(NONE);
    assertThat(o.observe(true, 8_000)).isEqualTo(NONE);
    assertThat(o.observe(false, 9_000)).isEqualTo(NONE); // a new outage starts its own clock
    assertThat(o.observe(false, 11_000)).isEqualTo(NONE);
  }
}
