package io.halvs.operator.model;

import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.Indexer;
import io.javaoperatorsdk.operator.RegisteredController;
import io.javaoperatorsdk.operator.processing.Controller;
import java.lang.reflect.Field;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drops the namespace index fabric8 gives every informer's cache. Nothing reads it (JOSDK lists a namespace by
 * filtering the store, the model reads the stores whole), yet it keeps each object's key once more, as a string
 * of its own in a concurrent set: about 100 bytes a RealServer, 10 MiB of the operator's heap at 100,000.
 * JOSDK keeps the informer out of reach, so the cache is found through its private fields: if a JOSDK release
 * moves them, the index stays (memory only) and this says so once at start (OperatorTest fails first).
 */
public final class NamespaceIndex {
  private static final Logger LOG = LoggerFactory.getLogger(NamespaceIndex.class);

  private NamespaceIndex() {}

  /** Removes the index from the controller's primary informers (one per watched namespace); after they started. */
  public static void drop(RegisteredController<?> registered) {
    try {
      Object source = ((Controller<?>) registered).getEventSourceManager().getControllerEventSource();
      Object manager = field(source, "cache");
      for (Object wrapper : ((Map<?, ?>) field(manager, "sources")).values()) {
        ((Indexer<?>) field(wrapper, "cache")).removeIndexer(Cache.NAMESPACE_INDEX);
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.info("{}: the informer's namespace index stays ({}): each object's key is kept once more",
          registered.getConfiguration().getName(), e.toString());
    }
  }

  private static Object field(Object o, String name) throws ReflectiveOperationException {
    for (Class<?> c = o.getClass(); c != null; c = c.getSuperclass()) {
      try {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f.get(o);
      } catch (NoSuchFieldException e) {
        // declared higher up
      }
    }
    throw new NoSuchFieldException(o.getClass().getName() + "." + name);
  }
}
