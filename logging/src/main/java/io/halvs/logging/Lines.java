package io.halvs.logging;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.event.KeyValuePair;
import org.slf4j.event.Level;

/**
 * An event as one text line (a stack trace below it, or an expected failure's one line as {@code error=}) or one
 * JSON object on one line (with the MDC too).
 */
final class Lines {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
  private static final Set<String> FIELDS = Set.of("time", "level", "logger", "thread", "msg", "error", "stack");

  private Lines() {}

  static String text(Logging.Event e) {
    StringBuilder b = new StringBuilder(128);
    b.append(TIME.format(Instant.ofEpochMilli(e.millis()))).append(' ');
    String level = e.level().name();
    b.append(level).append(" ".repeat(Math.max(0, 6 - level.length())));
    b.append('[');
    textEscaped(b, e.thread());
    b.append("] ").append(shortName(e.logger())).append(": ");
    textEscaped(b, e.message());
    // The event's own pairs only: the MDC (JOSDK puts seven resource.* entries there on every reconcile line)
    // would bury the message; JSON lines carry it.
    if (e.pairs() != null) {
      for (KeyValuePair p : e.pairs()) {
        textPair(b, p.key, Messages.string(p.value));
      }
    }
    if (e.brief() != null) {
      textPair(b, "error", e.brief());
    }
    b.append('\n');
    if (e.throwable() != null && e.brief() == null) {
      b.append(stack(e.throwable()));
    }
    return b.toString();
  }

  static String json(Logging.Event e) {
    StringBuilder b = new StringBuilder(192);
    b.append("{\"time\":\"").append(TIME.format(Instant.ofEpochMilli(e.millis()))).append('"');
    b.append(",\"level\":\"").append(e.level().name().toLowerCase(Locale.ROOT)).append('"');
    b.append(",\"logger\":");
    jsonString(b, e.logger());
    b.append(",\"thread\":");
    jsonString(b, e.thread());
    b.append(",\"msg\":");
    jsonString(b, e.message());
    Set<String> used = new HashSet<>(FIELDS);
    if (e.mdc() != null) {
      for (Map.Entry<String, String> m : e.mdc().entrySet()) {
        b.append(',');
        jsonString(b, unique(used, m.getKey()));
        b.append(':');
        jsonString(b, m.getValue());
      }
    }
    if (e.pairs() != null) {
      for (KeyValuePair p : e.pairs()) {
        b.append(',');
        jsonString(b, unique(used, p.key));
        b.append(':');
        jsonValue(b, p.value);
      }
    }
    if (e.throwable() != null) {
      b.append(",\"error\":");
      jsonString(b, e.brief() != null ? e.brief() : Messages.string(e.throwable()));
      if (e.brief() == null) {
        b.append(",\"stack\":");
        jsonString(b, stack(e.throwable()));
      }
    }
    return b.append("}\n").toString();
  }

  /** When formatting itself failed: still one well-formed line that says so. */
  static String failed(String logger, Level level, Throwable failure, Logging.Format format) {
    String what = "could not format a log event: " + failure.getClass().getName();
    if (format == Logging.Format.JSON) {
      StringBuilder b = new StringBuilder("{\"level\":\"").append(level.name().toLowerCase(Locale.ROOT))
          .append("\",\"logger\":");
      jsonString(b, logger);
      b.append(",\"msg\":");
      jsonString(b, what);
      return b.append("}\n").toString();
    }
    return level.name() + " " + shortName(logger) + ": " + what + "\n";
  }

  static String shortName(String logger) {
    return logger.substring(logger.lastIndexOf('.') + 1);
  }

  private static String stack(Throwable t) {
    try {
      StringWriter w = new StringWriter();
      t.printStackTrace(new PrintWriter(w));
      return w.toString();
    } catch (Throwable failed) {
      return t.getClass().getName() + " (its stack trace failed: " + failed.getClass().getName() + ")\n";
    }
  }

  /** A key not yet in the object: the fixed fields and earlier keys win, a later one gets a trailing _. */
  private static String unique(Set<String> used, String key) {
    String k = key == null ? "null" : key;
    while (!used.add(k)) {
      k = k + "_";
    }
    return k;
  }

  private static void textPair(StringBuilder b, String key, String value) {
    b.append(' ');
    textEscaped(b, String.valueOf(key));
    b.append('=');
    boolean quote = value.isEmpty();
    for (int i = 0; i < value.length() && !quote; i++) {
      char c = value.charAt(i);
      quote = c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f;
    }
    if (!quote) {
      b.append(value);
      return;
    }
    b.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else {
        textChar(b, c);
      }
    }
    b.append('"');
  }

  /** Text lines stay one line each: control characters are written as escapes. */
  private static void textEscaped(StringBuilder b, String s) {
    for (int i = 0; i < s.length(); i++) {
      textChar(b, s.charAt(i));
    }
  }

  private static void textChar(StringBuilder b, char c) {
    if (c == '\n') {
      b.append("\\n");
    } else if (c == '\r') {
      b.append("\\r");
    } else if (c < ' ' && c != '\t' || c == 0x7f) {
      b.append(String.format("\\u%04x", (int) c));
    } else {
      b.append(c);
    }
  }

  private static void jsonValue(StringBuilder b, Object v) {
    if (v == null) {
      b.append("null");
    } else if (v instanceof Boolean
        || v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte
        || v instanceof BigInteger || v instanceof BigDecimal) {
      b.append(v);
    } else if ((v instanceof Double || v instanceof Float) && Double.isFinite(((Number) v).doubleValue())) {
      b.append(v);
    } else {
      jsonString(b, Messages.string(v));
    }
  }

  /** A JSON string: quotes, backslashes and control characters escaped, unpaired surrogates as \\u escapes. */
  static void jsonString(StringBuilder b, String s) {
    if (s == null) {
      b.append("null");
      return;
    }
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        case '\b' -> b.append("\\b");
        case '\f' -> b.append("\\f");
        default -> {
          if (c < ' ' || c == 0x7f || c == '\u2028' || c == '\u2029') {
            hex(b, c);
          } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
            b.append(c).append(s.charAt(++i));
          } else if (Character.isSurrogate(c)) {
            hex(b, c); // alone it has no UTF-8 form: the escape keeps it without breaking the line's encoding
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }

  private static void hex(StringBuilder b, char c) {
    b.append("\\u");
    String h = Integer.toHexString(c);
    b.append("0".repeat(4 - h.length())).append(h);
  }
}
