package io.halvs.agent;

/** The environment the DaemonSets give their pods (the node's name, the pod's namespace, the pair). */
public final class DaemonSetEnv {
  private DaemonSetEnv() {}

  /** The variable's value; a clear error when it is not set, as it is when the command runs outside its pod. */
  public static String required(String name) {
    String v = System.getenv(name);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException("environment variable " + name + " is not set (the DaemonSet sets it)");
    }
    return v;
  }
}
