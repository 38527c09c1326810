package io.halvs.api.client;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;

/**
 * The clients' configuration: fabric8's default (kubeconfig, in-cluster service account) with a watch started
 * again 100 ms after it ends instead of 1 s. Every informer's watch is ended by the client every 5-10 minutes and
 * started again after this interval, its events held back meanwhile: at full size each such restart made an edit
 * about 1 s late (the operator's RealServer watch, an agent's plan watch; docs/PERFORMANCE.md, fsBG). The interval
 * doubles on each failed attempt, at most 32 times it (3.2 s while the API server is away, not 32 s).
 */
public final class WatchRestart {
  public static final int RECONNECT_MILLIS = 100;

  private WatchRestart() {}

  public static Config config() {
    return new ConfigBuilder().withWatchReconnectInterval(RECONNECT_MILLIS).build();
  }
}
