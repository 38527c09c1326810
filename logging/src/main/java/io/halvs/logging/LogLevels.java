package io.halvs.logging;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.slf4j.event.Level;

/**
 * A level specification as {@code --log-level} and HALVS_LOG_LEVEL take it: {@code info}, {@code
 * info,io.fabric8=warn}, or only overrides ({@code io.halvs.agent.ha=debug}). A logger takes the level of the longest
 * name prefix (whole dot-separated segments) that has one, else the root level.
 *
 * @param root the level of loggers no override names; null: not given (the component's default applies)
 * @param overrides logger name or package prefix to its level, in the order given
 */
public record LogLevels(Level root, Map<String, Level> overrides) {
  public LogLevels {
    overrides = Collections.unmodifiableMap(new LinkedHashMap<>(overrides));
  }

  /** Parses a specification; a clear IllegalArgumentException for anything else. */
  public static LogLevels parse(String spec) {
    if (spec == null || spec.isBlank()) {
      throw new IllegalArgumentException("empty log level: expected LEVEL[,LOGGER=LEVEL...] with LEVEL one of "
          + "trace, debug, info, warn, error");
    }
    Level root = null;
    Map<String, Level> overrides = new LinkedHashMap<>();
    for (String part : spec.split(",", -1)) {
      String p = part.strip();
      int eq = p.indexOf('=');
      if (eq < 0) {
        if (root != null) {
          throw new IllegalArgumentException("two root levels in '" + spec + "': give one, then LOGGER=LEVEL pairs");
        }
        root = level(p, spec);
      } else {
        String name = p.substring(0, eq).strip();
        if (name.isEmpty()) {
          throw new IllegalArgumentException("no logger name before '=' in '" + spec + "'");
        }
        String v = p.substring(eq + 1).strip();
        overrides.put(name, level(v, spec));
      }
    }
    return new LogLevels(root, overrides);
  }

  private static Level level(String word, String spec) {
    try {
      return Level.valueOf(word.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown log level '" + word + "' in '" + spec + "': expected trace, "
          + "debug, info, warn or error");
    }
  }

  /** The threshold (an SLF4J level int) for a logger name, or -1 when no override matches. */
  int overrideFor(String logger) {
    int best = -1;
    int bestLength = -1;
    for (Map.Entry<String, Level> e : overrides.entrySet()) {
      String p = e.getKey();
      if (p.length() > bestLength && (logger.equals(p) || logger.startsWith(p) && logger.charAt(p.length()) == '.')) {
        best = e.getValue().toInt();
        bestLength = p.length();
      }
    }
    return best;
  }

  /** These levels with {@code on}'s root (when it has one) and overrides on top. */
  LogLevels with(LogLevels on) {
    Map<String, Level> merged = new LinkedHashMap<>(overrides);
    merged.putAll(on.overrides);
    return new LogLevels(on.root != null ? on.root : root, merged);
  }
}
