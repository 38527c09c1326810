package io.halvs.logging;

import java.util.List;
import org.slf4j.Marker;
import org.slf4j.event.KeyValuePair;
import org.slf4j.event.Level;
import org.slf4j.event.LoggingEvent;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.spi.LoggingEventAware;

/** A logger: a level check on one volatile int, so that a disabled call formats nothing. */
final class HalvsLogger extends LegacyAbstractLogger implements LoggingEventAware {
  private static final long serialVersionUID = 1L;

  /** The lowest SLF4J level int this logger writes; set by {@link Logging} when the levels change. */
  volatile int threshold;

  HalvsLogger(String name, int threshold) {
    this.name = name;
    this.threshold = threshold;
  }

  @Override
  public boolean isTraceEnabled() {
    return threshold <= Level.TRACE.toInt();
  }

  @Override
  public boolean isDebugEnabled() {
    return threshold <= Level.DEBUG.toInt();
  }

  @Override
  public boolean isInfoEnabled() {
    return threshold <= Level.INFO.toInt();
  }

  @Override
  public boolean isWarnEnabled() {
    return threshold <= Level.WARN.toInt();
  }

  @Override
  public boolean isErrorEnabled() {
    return threshold <= Level.ERROR.toInt();
  }

  @Override
  protected String getFullyQualifiedCallerName() {
    return null;
  }

  @Override
  protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args,
      Throwable t) {
    Logging.write(name, level, pattern, args, null, t);
  }

  /** The fluent API's events (atInfo().addKeyValue(...).log(...)): their key-value pairs become fields. */
  @Override
  public void log(LoggingEvent e) {
    Level level = e.getLevel();
    if (level == null || level.toInt() < threshold) {
      return;
    }
    Object[] args = e.getArgumentArray();
    Throwable t = e.getThrowable();
    if (t == null && args != null && args.length > 0 && args[args.length - 1] instanceof Throwable last) {
      t = last; // as the classic API does: a trailing throwable is the event's, not a placeholder's
      args = java.util.Arrays.copyOf(args, args.length - 1);
    }
    List<KeyValuePair> pairs = e.getKeyValuePairs();
    Logging.write(name, level, e.getMessage(), args, pairs, t);
  }
}
