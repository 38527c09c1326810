package io.halvs.agent.health;

/**
 * Why a check failed, in one short word: the reason label of halvs_health_check_failures_total. Read from the
 * probes' messages (they say it for people, see Probe.describe and each probe), except timeouts, which the
 * checker knows by itself.
 */
public enum FailureReason {
  TIMEOUT, REFUSED, RESET, UNREACHABLE, BAD_STATUS, BAD_BODY, BAD_RESPONSE, TLS, DNS, OTHER;

  /** The label value: timeout, refused, bad_status, ... */
  public final String label = name().toLowerCase();

  static FailureReason of(String message) {
    if (message == null) {
      return OTHER;
    }
    if (message.startsWith("connection refused")) {
      return REFUSED;
    }
    if (message.startsWith("connection reset")) {
      return RESET;
    }
    if (message.startsWith("no route to host") || message.startsWith("port unreachable")
        || message.contains("unreachable")) {
      return UNREACHABLE;
    }
    if ((message.startsWith("HTTP ") && !message.startsWith("HTTP response") && !message.startsWith("HTTP body"))
        || (message.startsWith("SMTP ") && !message.startsWith("SMTP:"))) {
      return BAD_STATUS;
    }
    if (message.startsWith("body does not") || message.startsWith("answer does not contain")
        || message.startsWith("reply does not match")) {
      return BAD_BODY;
    }
    if (message.startsWith("not an HTTP response") || message.startsWith("incomplete HTTP response")
        || message.startsWith("connection closed") || message.startsWith("HTTP response")
        || message.startsWith("SMTP:") || message.startsWith("reply over")) {
      return BAD_RESPONSE;
    }
    if (message.startsWith("TLS")) {
      return TLS;
    }
    if (message.startsWith("DNS")) {
      return DNS;
    }
    return OTHER;
  }
}
