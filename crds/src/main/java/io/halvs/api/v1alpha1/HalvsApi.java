package io.halvs.api.v1alpha1;

/** Names shared by every halvs.io/v1alpha1 kind. */
public final class HalvsApi {
  public static final String GROUP = "halvs.io";
  public static final String VERSION = "v1alpha1";
  public static final String API_VERSION = GROUP + "/" + VERSION;

  /** Longest textual IPv6 address, with room for an embedded IPv4 tail. */
  static final int MAX_IP_LENGTH = 45;

  private HalvsApi() {}
}
