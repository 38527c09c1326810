package io.halvs.logging;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.event.KeyValuePair;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.spi.MDCAdapter;

/**
 * halvs' logging: one line per event on stderr, as text or JSON lines, at levels set per logger. The levels are
 * the component's defaults ({@link #defaults}), then a command's own root level ({@link #commandDefault}, e.g. warn
 * for render), then what the person chose ({@link #levels}: --log-level, else HALVS_LOG_LEVEL), each on top of the
 * one before. The format: --log-format, else HALVS_LOG_FORMAT, else text.
 */
public final class Logging {
  /** How each event is written. */
  public enum Format {
    /** Time, level, thread, short logger name, message, key=value pairs; a stack trace below. */
    TEXT,
    /** One JSON object per line: time, level, logger, thread, msg, every key-value pair, error and stack. */
    JSON;

    /** "text" or "json", in any case; a clear IllegalArgumentException for anything else. */
    public static Format parse(String s) {
      try {
        return valueOf(s.strip().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new IllegalArgumentException("unknown log format '" + s + "': expected text or json");
      }
    }
  }

  static final String LEVEL_ENV = "HALVS_LOG_LEVEL";
  static final String FORMAT_ENV = "HALVS_LOG_FORMAT";

  private static final Object CONFIG = new Object();
  private static final Map<String, HalvsLogger> LOGGERS = new ConcurrentHashMap<>();
  static final MDCAdapter MDC = new BasicMDCAdapter();

  // guarded by CONFIG
  private static LogLevels defaults = new LogLevels(Level.INFO, Map.of());
  private static Level commandRoot;
  private static LogLevels chosen;
  private static LogLevels effective = defaults;

  private static volatile Format format = Format.TEXT;
  /** A failure that is an answer, not a bug, as one line (null: print its stack trace); see {@link #brief}. */
  private static volatile Function<Throwable, String> brief = t -> null;
  /** Where lines go; null: System.err as it is at the time of writing. */
  private static volatile OutputStream sink;

  static {
    fromEnvironment(System.getenv());
  }

  private Logging() {}

  /** The component's levels (its root and the quietening of libraries); what a person chooses goes on top. */
  public static void defaults(LogLevels levels) {
    synchronized (CONFIG) {
      defaults = levels;
      apply();
    }
  }

  /** A command's own root level (render and demo: warn, so their output stays theirs) unless one was chosen. */
  public static void commandDefault(Level root) {
    synchronized (CONFIG) {
      commandRoot = root;
      apply();
    }
  }

  /** The levels a person chose (--log-level); null: back to HALVS_LOG_LEVEL's or none. */
  public static void levels(LogLevels levels) {
    synchronized (CONFIG) {
      chosen = levels;
      apply();
    }
  }

  /**
   * How a component names the failures it expects in operation (an API server's 403 while its RBAC cache fills
   * after a restart, a 409 conflict): {@code summary} returns one line for such a throwable, or null. A warning
   * or lower that carries one then prints that line as its {@code error} instead of a stack trace a person would
   * read as a bug; an error keeps its stack trace always.
   */
  public static void brief(Function<Throwable, String> summary) {
    brief = summary == null ? t -> null : summary;
  }

  public static void format(Format f) {
    format = f;
  }

  public static Format format() {
    return format;
  }

  /** Reads HALVS_LOG_LEVEL and HALVS_LOG_FORMAT; a bad value is said in a warning line and ignored. */
  static void fromEnvironment(Map<String, String> env) {
    String level = env.get(LEVEL_ENV);
    String f = env.get(FORMAT_ENV);
    String problem = null;
    if (f != null && !f.isBlank()) {
      try {
        format(Format.parse(f));
      } catch (IllegalArgumentException e) {
        problem = FORMAT_ENV + ": " + e.getMessage() + "; writing text";
      }
    }
    if (level != null && !level.isBlank()) {
      try {
        levels(LogLevels.parse(level));
      } catch (IllegalArgumentException e) {
        problem = (problem == null ? "" : problem + "; ") + LEVEL_ENV + ": " + e.getMessage() + "; ignored";
      }
    }
    if (problem != null) {
      write(Logging.class.getName(), Level.WARN, problem, null, null, null);
    }
  }

  private static void apply() {
    LogLevels e = defaults;
    if (commandRoot != null) {
      e = e.with(new LogLevels(commandRoot, Map.of()));
    }
    if (chosen != null) {
      e = e.with(chosen);
    }
    effective = e;
    for (HalvsLogger l : LOGGERS.values()) {
      l.threshold = threshold(e, l.getName());
    }
  }

  private static int threshold(LogLevels levels, String logger) {
    int o = levels.overrideFor(logger);
    return o >= 0 ? o : (levels.root() != null ? levels.root() : Level.INFO).toInt();
  }

  static HalvsLogger logger(String name) {
    HalvsLogger l = LOGGERS.get(name);
    if (l != null) {
      return l;
    }
    synchronized (CONFIG) { // so that a logger made during a change of levels has the new ones
      return LOGGERS.computeIfAbsent(name, n -> new HalvsLogger(n, threshold(effective, n)));
    }
  }

  /** For tests: where the lines go (null: stderr). */
  static void sink(OutputStream out) {
    sink = out;
  }

  /** Formats and writes one event; never throws into the caller. */
  static void write(String logger, Level level, String pattern, Object[] args, List<KeyValuePair> pairs,
      Throwable t) {
    try {
      Event e = new Event(System.currentTimeMillis(), level, logger, Thread.currentThread().getName(),
          Messages.format(pattern, args), MDC.getCopyOfContextMap(), pairs, t, briefly(level, t));
      emit(format == Format.JSON ? Lines.json(e) : Lines.text(e));
    } catch (Throwable failed) {
      try {
        emit(Lines.failed(logger, level, failed, format));
      } catch (Throwable ignored) {
        // stderr itself is gone: nothing left to tell
      }
    }
  }

  /** The throwable's one line when it is expected at this level; null: its stack trace is printed. */
  private static String briefly(Level level, Throwable t) {
    if (t == null || level.toInt() > Level.WARN.toInt()) {
      return null;
    }
    try {
      return brief.apply(t);
    } catch (RuntimeException failed) {
      return null; // the summary is a nicety: when it fails, the stack trace is still the truth
    }
  }

  private static void emit(String line) throws java.io.IOException {
    byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
    OutputStream out = sink != null ? sink : System.err;
    // One write per event under one lock: lines from different threads never interleave.
    synchronized (Logging.class) {
      out.write(bytes);
      out.flush();
    }
  }

  /** One event, its message formatted; {@code brief}: the throwable's one line instead of its stack, or null. */
  record Event(long millis, Level level, String logger, String thread, String message, Map<String, String> mdc,
      List<KeyValuePair> pairs, Throwable throwable, String brief) {}
}
