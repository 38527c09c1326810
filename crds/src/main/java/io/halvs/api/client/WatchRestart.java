package io.halvs.api.client;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.utils.Utils;

/**
 * The clients' configuration: fabric8's default (kubeconfig, in-cluster service account) with a watch started
 * again 100 ms after it ends instead of 1 s. Every informer's watch is ended by the client every 5-10 minutes and
 * started again after this interval, its events held back meanwhile: at full size each such restart made an edit
 * about 1 s late (the operator's RealServer watch, an agent's plan watch; docs/PERFORMANCE.md, fsBG). The interval
 * doubles on each failed attempt, at most 32 times it (3.2 s while the API server is away, not 32 s). fabric8's own
 * setting (the system property kubernetes.watch.reconnectInterval or KUBERNETES_WATCH_RECONNECTINTERVAL in the
 * environment) still wins when given.
 */
public final class WatchRestart {
  public static final int RECONNECT_MILLIS = 100;

  private WatchRestart() {}

  public static Config config() {
    Config c = new ConfigBuilder().build();
    if (Utils.getSystemPropertyOrEnvVar(Config.KUBERNETES_WATCH_RECONNECT_INTERVAL_SYSTEM_PROPERTY) == null) {
      c.setWatchReconnectInterval(RECONNECT_MILLIS);
    }
    return c;
  }
}
