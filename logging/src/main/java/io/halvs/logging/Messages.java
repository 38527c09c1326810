package io.halvs.logging;

import java.util.Arrays;

/** SLF4J's {} placeholders, filled without ever throwing: an argument whose toString fails prints a marker. */
final class Messages {
  private Messages() {}

  static String format(String pattern, Object[] args) {
    if (pattern == null) {
      return "null";
    }
    if (args == null || args.length == 0) {
      return pattern;
    }
    StringBuilder b = new StringBuilder(pattern.length() + 16 * args.length);
    int from = 0;
    int a = 0;
    while (a < args.length) {
      int at = pattern.indexOf("{}", from);
      if (at < 0) {
        break;
      }
      boolean escaped = at > 0 && pattern.charAt(at - 1) == '\\';
      boolean escapedBackslash = escaped && at > 1 && pattern.charAt(at - 2) == '\\';
      if (escaped && !escapedBackslash) { // \{} is a literal {}
        b.append(pattern, from, at - 1).append("{}");
      } else { // \\{} is a backslash, then the argument
        b.append(pattern, from, escapedBackslash ? at - 1 : at);
        b.append(string(args[a++]));
      }
      from = at + 2;
    }
    return b.append(pattern, from, pattern.length()).toString();
  }

  /** An object as text; a failing toString is a marker naming the class and the failure. */
  static String string(Object o) {
    try {
      if (o == null) {
        return "null";
      } else if (!o.getClass().isArray()) {
        return String.valueOf(o);
      } else if (o instanceof Object[] arr) {
        return Arrays.deepToString(arr);
      } else if (o instanceof int[] arr) {
        return Arrays.toString(arr);
      } else if (o instanceof long[] arr) {
        return Arrays.toString(arr);
      } else if (o instanceof byte[] arr) {
        return Arrays.toString(arr);
      } else if (o instanceof short[] arr) {
        return Arrays.toString(arr);
      } else if (o instanceof char[] arr) {
        return Arrays.toString(arr);
      } else if (o instanceof boolean[] arr) {
        return Arrays.toString(arr);
      } else if (o instanceof float[] arr) {
        return Arrays.toString(arr);
      } else {
        return Arrays.toString((double[]) o);
      }
    } catch (Throwable t) {
      return "[toString() of " + o.getClass().getName() + " failed: " + t.getClass().getName() + "]";
    }
  }
}
