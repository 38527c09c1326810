package io.halvs.api.v1alpha1;

/**
 * Defaults of optional fields. The CRD schema applies them at admission; the plan applies the same values
 * to objects that never saw an API server (render, the standalone agent), so both read these constants.
 */
public final class Defaults {
  public static final String SCHEDULER = "wlc";
  public static final String METHOD = "masq";
  public static final String PROTOCOL = "TCP";
  public static final int WEIGHT = 1;
  public static final int PERSISTENCE_TIMEOUT_SECONDS = 300;
  public static final String TUNNEL_TYPE = "ipip";

  public static final String CHECK_TYPE = "tcp";
  public static final int CHECK_INTERVAL_MILLIS = 1000;
  public static final int CHECK_TIMEOUT_MILLIS = 1000;
  public static final int CHECK_RISE = 2;
  public static final int CHECK_FALL = 3;
  public static final String CHECK_ON_FAILURE = "quiescent";
  public static final String HTTP_PATH = "/";
  public static final String HTTP_METHOD = "GET";
  public static final int HTTP_EXPECT_STATUS = 200;
  public static final String SMTP_HELO_NAME = "localhost";

  public static final int SYNC_ID = 0;
  public static final String SYNC_MULTICAST_GROUP = "224.0.0.81";
  public static final int SYNC_PORT = 8848;
  public static final int SYNC_TTL = 1;

  public static final int ADVERT_INTERVAL_MILLIS = 50;
  public static final int MISSES_BEFORE_DEAD = 3;
  public static final int PREEMPT_DELAY_SECONDS = 60;
  public static final int HEARTBEAT_PORT = 8849;

  public static final String SYSCTL_PROFILE = "standard";

  private Defaults() {}
}
