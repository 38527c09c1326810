package io.halvs.operator.model;

import io.halvs.plan.CompactHashMap;
import java.util.AbstractMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * An immutable map made of a base map and the changes since, so that a snapshot's per-object maps (100,000
 * RealServers' use, every object's generation) cost an edit what changed since the last fold instead of a copy of
 * all of them: a change makes a new overlay sharing the base; when the changes reach an eighth of the base they
 * are folded into a new base (the whole map copied once every n/8 changed entries). Lookups cost two
 * lookups; its size is counted from the changes; iteration (tests, an overlay's own equals) builds the whole map
 * each time and keeps none of it: a plain map's equals with an overlay (the audit's) reads its size and looks up each
 * key. A whole map kept would be a second copy of 100,000 entries for as long as the snapshot holds the overlay
 * (fsT: 2.3 more map entries per RealServer at rest after the audit). The base and changes are never written after
 * construction, so snapshots read on other threads stay as they were built. No null keys.
 */
final class Overlay<K, V> extends AbstractMap<K, V> {
  private static final Object REMOVED = new Object();
  private static final Object NULL = new Object();
  private static final int MIN_CHANGES = 64;
  private final Map<K, V> base;
  /** key -> value (NULL for null), or REMOVED. */
  private final Map<K, Object> changes;
  /** -1 until counted. */
  private volatile int size = -1;

  private Overlay(Map<K, V> base, Map<K, Object> changes) {
    this.base = base;
    this.changes = changes;
  }

  /** A copy of {@code map} as the base. */
  static <K, V> Overlay<K, V> of(Map<K, V> map) {
    return new Overlay<>(new CompactHashMap<>(map), Map.of());
  }

  /** This map with these keys set ({@code set}) and these removed. */
  Overlay<K, V> with(Map<K, V> set, Set<K> removed) {
    if (set.isEmpty() && removed.isEmpty()) {
      return this;
    }
    Map<K, Object> next = new HashMap<>(changes);
    removed.forEach(k -> next.put(k, REMOVED));
    set.forEach((k, v) -> next.put(k, v == null ? NULL : v));
    if (next.size() > Math.max(MIN_CHANGES, base.size() / 8)) {
      Map<K, V> folded = new CompactHashMap<>(base);
      apply(folded, next);
      return new Overlay<>(folded, Map.of());
    }
    return new Overlay<>(base, next);
  }

  /** The changes not yet folded into the base (tests). */
  int changes() {
    return changes.size();
  }

  @SuppressWarnings("unchecked")
  private static <K, V> void apply(Map<K, V> into, Map<K, Object> changes) {
    changes.forEach((k, v) -> {
      // removed first: a put keeps the old key, the name of an object since replaced (a second instance)
      into.remove(k);
      if (v != REMOVED) {
        into.put(k, v == NULL ? null : (V) v);
      }
    });
  }

  @Override
  @SuppressWarnings("unchecked")
  public V get(Object key) {
    Object v = changes.get(key);
    if (v != null) {
      return v == REMOVED || v == NULL ? null : (V) v;
    }
    return base.get(key);
  }

  @Override
  public boolean containsKey(Object key) {
    Object v = changes.get(key);
    return v != null ? v != REMOVED : base.containsKey(key);
  }

  @Override
  public V getOrDefault(Object key, V defaultValue) {
    return containsKey(key) ? get(key) : defaultValue;
  }

  private Map<K, V> whole() {
    Map<K, V> w = new CompactHashMap<>(base);
    apply(w, changes);
    return java.util.Collections.unmodifiableMap(w);
  }

  @Override
  public int size() {
    int n = size;
    if (n < 0) {
      n = base.size();
      for (Map.Entry<K, Object> e : changes.entrySet()) {
        boolean inBase = base.containsKey(e.getKey());
        if (e.getValue() == REMOVED) {
          n -= inBase ? 1 : 0;
        } else {
          n += inBase ? 0 : 1;
        }
      }
      size = n;
    }
    return n;
  }

  @Override
  public Set<Entry<K, V>> entrySet() {
    return whole().entrySet();
  }
}
