package io.halvs.operator.reconciler;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * The statuses this operator wrote that its caches do not show yet. A cache lags the writes: by milliseconds
 * normally, by seconds after an API server restart while its watch reconnects. A status compared with the cache
 * alone is skipped when it went back to the cached one in that time, and the object keeps the status written
 * before it (e2e/faults: a VirtualService left at 2/3 after its real server came back) until something else
 * changes it: a status-only change of the cache starts no reconcile. So until the cache moves past the copy a
 * write replaced, the status written is what the object has. Keyed by kind/namespace/name. Thread-safe.
 */
final class UnseenWrites {
  /** The status written, and the resourceVersion of the copy that write replaced. */
  private record Write(String replacedVersion, Object status) {}

  private final Map<String, Write> writes = new ConcurrentHashMap<>();

  static String key(String kind, String namespace, String name) {
    return kind + "/" + namespace + "/" + name;
  }

  /**
   * The status the object has, the cache's copy of it being {@code cached} at {@code cachedVersion}: the one
   * written last while the cache still holds the copy that write replaced; the cache's once it moved past it.
   */
  Object status(String key, Object cached, String cachedVersion) {
    Write w = writes.get(key);
    if (w == null) {
      return cached;
    }
    if (Objects.equals(cachedVersion, w.replacedVersion())) {
      return w.status();
    }
    writes.remove(key, w); // the cache has that write, or a later copy
    return cached;
  }

  /**
   * Writes {@code status} over the cache's copy at {@code replacedVersion} ({@code write} returns whether it wrote)
   * and returns whether it did. Recorded before the write, as the cache may show the write before its answer comes;
   * dropped when the write fails or writes nothing (the cache's copy is then what the object has). A conflict's
   * second PUT replaces a newer copy than that: once the cache has the newer copy, it is believed again,
   * milliseconds before it shows the write.
   */
  boolean write(String key, String replacedVersion, Object status, BooleanSupplier write) {
    Write w = new Write(replacedVersion, status);
    writes.put(key, w);
    boolean wrote = false;
    try {
      wrote = write.getAsBoolean();
      return wrote;
    } finally {
      if (!wrote) {
        writes.remove(key, w);
      }
    }
  }

  /**
   * The cache now holds this copy of an object ({@code version} null: the object is gone): a write the cache did
   * not show yet is there now, or was overtaken. Called for every change of the caches; costs nothing while every
   * write is seen.
   */
  void seen(String kind, String namespace, String name, String version) {
    if (writes.isEmpty()) {
      return;
    }
    String key = key(kind, namespace, name);
    Write w = writes.get(key);
    if (w != null && (version == null || !version.equals(w.replacedVersion()))) {
      writes.remove(key, w);
    }
  }

  int size() {
    return writes.size();
  }

  void clear() {
    writes.clear();
  }
}
