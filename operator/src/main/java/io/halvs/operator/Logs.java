package io.halvs.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Locale;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Log lines name the halvs objects they are about as key-values, the same in text and JSON lines:
 * {@code virtualservice=ns/name}, {@code realserver=ns/name}, {@code directorpair=name}.
 */
public final class Logs {
  public static final String DIRECTOR_PAIR = "directorpair";

  private Logs() {}

  /** The builder naming this object by its kind: namespace/name, or name when cluster-scoped. */
  public static LoggingEventBuilder about(LoggingEventBuilder b, HasMetadata o) {
    if (o == null || o.getMetadata() == null) {
      return b;
    }
    String ns = o.getMetadata().getNamespace();
    return about(b, o.getKind(), ns == null || ns.isEmpty() ? o.getMetadata().getName()
        : ns + "/" + o.getMetadata().getName());
  }

  /** The builder naming an object of this kind (VirtualService, RealServer, DirectorPair) by its key. */
  public static LoggingEventBuilder about(LoggingEventBuilder b, String kind, String key) {
    return kind == null ? b : b.addKeyValue(kind.toLowerCase(Locale.ROOT), key);
  }

  /** The builder naming the DirectorPair (cluster-scoped: its name). */
  public static LoggingEventBuilder pair(LoggingEventBuilder b, String pair) {
    return pair == null ? b : b.addKeyValue(DIRECTOR_PAIR, pair);
  }
}
