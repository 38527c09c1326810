package io.halvs.plan;

/**
 * A problem the plan found with one object. ERROR: the object (or the part named by field) is left out of the
 * plan and the last good state keeps serving; WARNING: it is in the plan, but the user should know.
 *
 * @param field JSON path of the offending field, e.g. "spec.vip"; null when the object as a whole is meant
 * @param reason CamelCase, for a condition's reason, e.g. "DuplicateService"
 */
public record Finding(ObjectRef object, Severity severity, String field, String reason, String message)
    implements Comparable<Finding> {

  public enum Severity { ERROR, WARNING }

  public static Finding error(ObjectRef object, String field, String reason, String message) {
    return new Finding(object, Severity.ERROR, field, reason, message);
  }

  public static Finding warning(ObjectRef object, String field, String reason, String message) {
    return new Finding(object, Severity.WARNING, field, reason, message);
  }

  @Override
  public int compareTo(Finding o) {
    int c = object.compareTo(o.object);
    if (c != 0) {
      return c;
    }
    c = String.valueOf(field).compareTo(String.valueOf(o.field));
    c = c != 0 ? c : message.compareTo(o.message);
    // total, so the sorted findings do not depend on the order they were found in
    c = c != 0 ? c : severity.compareTo(o.severity);
    return c != 0 ? c : String.valueOf(reason).compareTo(String.valueOf(o.reason));
  }

  @Override
  public String toString() {
    return severity.name().toLowerCase(java.util.Locale.ROOT) + ": " + object
        + (field == null ? "" : " " + field) + ": " + message;
  }
}
