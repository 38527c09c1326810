package io.halvs.agent;

import io.halvs.plan.ObjectRef;
import java.util.Locale;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Log lines name the halvs objects they are about as key-values, the same in text and JSON lines:
 * {@code virtualservice=ns/name}, {@code realserver=ns/name}, {@code directorpair=name}.
 */
public final class Logs {
  public static final String DIRECTOR_PAIR = "directorpair";

  private Logs() {}

  /** The builder with one key-value per object given (null ones skipped); nothing is built when the level is off. */
  public static LoggingEventBuilder about(LoggingEventBuilder b, ObjectRef... objects) {
    for (ObjectRef o : objects) {
      if (o != null) {
        b = b.addKeyValue(o.kind().toLowerCase(Locale.ROOT), () -> o.key());
      }
    }
    return b;
  }

  /** The builder naming the DirectorPair (cluster-scoped: its name). */
  public static LoggingEventBuilder pair(LoggingEventBuilder b, String pair) {
    return pair == null ? b : b.addKeyValue(DIRECTOR_PAIR, pair);
  }
}
