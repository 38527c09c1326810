package io.halvs.operator.model;

import java.lang.ref.WeakReference;
import java.util.WeakHashMap;

/**
 * Equal values kept once: the first instance seen is handed out for every equal one while something still holds
 * it. Held weakly, so a value no cached object uses any more goes with a collection and the table holds only the
 * values in use (a status whose transition time is a second of the past goes when its last object changes). For
 * values nobody writes to after they are handed in: every holder shares the instance.
 */
final class Interner<T> {
  private final WeakHashMap<T, WeakReference<T>> kept = new WeakHashMap<>();

  synchronized T intern(T value) {
    if (value == null) {
      return null;
    }
    WeakReference<T> ref = kept.get(value);
    T first = ref == null ? null : ref.get();
    if (first != null) {
      return first;
    }
    kept.put(value, new WeakReference<>(value));
    return value;
  }

  /** Distinct values held (some possibly collected and not yet expunged). */
  synchronized int size() {
    return kept.size();
  }
}
