package io.halvs.plan;

import java.util.ArrayList;
import java.util.List;

/** Collects the findings of one object while its fields are checked one by one. */
final class Checks {
  private final ObjectRef object;
  private final List<Finding> findings = new ArrayList<>();

  Checks(ObjectRef object) {
    this.object = object;
  }

  ObjectRef object() {
    return object;
  }

  void error(String field, String reason, String message) {
    findings.add(Finding.error(object, field, reason, message));
  }

  void warning(String field, String reason, String message) {
    findings.add(Finding.warning(object, field, reason, message));
  }

  boolean ok() {
    return findings.stream().noneMatch(f -> f.severity() == Finding.Severity.ERROR);
  }

  List<Finding> findings() {
    return findings;
  }

  /** Range check for optional integers; absent values are fine. */
  void range(String field, Number value, long min, long max) {
    if (value != null && (value.longValue() < min || value.longValue() > max)) {
      error(field, "OutOfRange", field + " " + value + " is out of range " + min + "-" + max);
    }
  }

  IpAddress address(String field, String text, boolean required) {
    if (text == null || text.isEmpty()) {
      if (required) {
        error(field, "Required", field + " is required");
      }
      return null;
    }
    IpAddress a = IpAddress.tryParse(text).orElse(null);
    if (a == null) {
      error(field, "InvalidAddress", field + " '" + text + "' is not an IPv4 or IPv6 address");
    } else if (a.isUnspecified()) {
      error(field, "InvalidAddress", field + " '" + text + "' is the unspecified address");
      return null;
    }
    return a;
  }

  static int orDefault(Integer value, int dflt) {
    return value == null ? dflt : value;
  }
}
