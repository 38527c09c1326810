package io.halvs.api.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.Config;
import org.junit.jupiter.api.Test;

class WatchRestartTest {
  @Test
  void aWatchStartsAgainAfterATenthOfASecond() {
    assertThat(WatchRestart.config().getWatchReconnectInterval()).isEqualTo(100);
  }

  /** An interval set the way fabric8 documents it is the user's choice: it wins over halvs' default. */
  @Test
  void fabric8sOwnSettingWins() {
    String property = Config.KUBERNETES_WATCH_RECONNECT_INTERVAL_SYSTEM_PROPERTY;
    System.setProperty(property, "2500");
    try {
      assertThat(WatchRestart.config().getWatchReconnectInterval()).isEqualTo(2500);
    } finally {
      System.clearProperty(property);
    }
    assertThat(WatchRestart.config().getWatchReconnectInterval()).isEqualTo(100);
  }
}
