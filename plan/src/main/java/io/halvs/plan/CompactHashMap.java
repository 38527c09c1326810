package io.halvs.plan;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

/**
 * A hash map without an object per mapping, for the model's maps that hold an entry per RealServer (eight of
 * them, 100,000 entries each at the design size). A {@link java.util.HashMap} spends a 32-byte node per entry
 * plus its table's slot; this one keeps keys and values in two arrays (open addressing, linear probing, at most
 * two thirds full): 12-24 bytes per entry instead of 37-43.
 *
 * <p>The {@link Map} contract of a HashMap, with these differences: no null keys (a null value is fine); the
 * iteration order is the table's, not HashMap's (neither is specified); {@link #put} keeps the key already mapped,
 * as HashMap does. Removal shifts later entries of the same run back (no tombstones), and iterators walk the
 * table downwards from an empty slot, so removing through an iterator neither skips nor repeats an entry. Not
 * thread-safe; iterators fail fast on a change not made through them.
 */
public final class CompactHashMap<K, V> extends AbstractMap<K, V> {
  private static final Object[] EMPTY = {};
  private Object[] keys = EMPTY;
  private Object[] values = EMPTY;
  private int size;
  /** Changes of structure (a mapping added or removed), for the iterators' fail-fast check. */
  private int modCount;

  public CompactHashMap() {}

  /** Sized for {@code expected} mappings without a resize. */
  public CompactHashMap(int expected) {
    if (expected < 0) {
      throw new IllegalArgumentException("expected size " + expected);
    }
    if (expected > 0) {
      allocate(capacityFor(expected));
    }
  }

  /** A copy; of another CompactHashMap, its arrays copied as they are (the overlays fold whole maps so). */
  public CompactHashMap(Map<? extends K, ? extends V> m) {
    if (m instanceof CompactHashMap<?, ?> c) {
      keys = c.keys.length == 0 ? EMPTY : c.keys.clone();
      values = c.values.length == 0 ? EMPTY : c.values.clone();
      size = c.size;
    } else {
      putAll(m); // sized once, up front
    }
  }

  @Override
  public void putAll(Map<? extends K, ? extends V> m) {
    if (m.size() > size && (long) m.size() * 3 > keys.length * 2L) {
      resize(capacityFor(m.size()));
    }
    m.forEach(this::put); // no entry object per mapping from a CompactHashMap
  }

  private static int capacityFor(int entries) {
    long needed = (long) entries * 3 / 2 + 1; // at most two thirds full
    int capacity = 2;
    while (capacity < needed) {
      capacity <<= 1;
      if (capacity <= 0) {
        throw new IllegalStateException("too many entries: " + entries);
      }
    }
    return capacity;
  }

  private void allocate(int capacity) {
    keys = new Object[capacity];
    values = new Object[capacity];
  }

  /** Fibonacci hashing: spreads the hash codes' bits over the slots (records' and strings' codes cluster). */
  private static int slot(Object key, int mask) {
    int h = key.hashCode() * 0x9E3779B9;
    return (h ^ (h >>> 16)) & mask;
  }

  /** The key's slot, or -1. */
  private int find(Object key) {
    if (key == null || size == 0) {
      return -1;
    }
    Object[] ks = keys;
    int mask = ks.length - 1;
    for (int i = slot(key, mask); ; i = (i + 1) & mask) {
      Object k = ks[i];
      if (k == null) {
        return -1;
      }
      if (k == key || k.equals(key)) {
        return i;
      }
    }
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public boolean containsKey(Object key) {
    return find(key) >= 0;
  }

  @Override
  @SuppressWarnings("unchecked")
  public V get(Object key) {
    int i = find(key);
    return i < 0 ? null : (V) values[i];
  }

  @Override
  @SuppressWarnings("unchecked")
  public V getOrDefault(Object key, V defaultValue) {
    int i = find(key);
    return i < 0 ? defaultValue : (V) values[i];
  }

  @Override
  @SuppressWarnings("unchecked")
  public V put(K key, V value) {
    Objects.requireNonNull(key, "CompactHashMap: null key");
    if ((size + 1) * 3L > keys.length * 2L) {
      resize(keys.length == 0 ? 2 : keys.length * 2);
    }
    Object[] ks = keys;
    int mask = ks.length - 1;
    for (int i = slot(key, mask); ; i = (i + 1) & mask) {
      Object k = ks[i];
      if (k == null) {
        ks[i] = key;
        values[i] = value;
        size++;
        modCount++;
        return null;
      }
      if (k == key || k.equals(key)) {
        V old = (V) values[i];
        values[i] = value;
        return old;
      }
    }
  }

  private void resize(int capacity) {
    Object[] oldKeys = keys;
    Object[] oldValues = values;
    allocate(capacity);
    int mask = capacity - 1;
    for (int j = 0; j < oldKeys.length; j++) {
      Object k = oldKeys[j];
      if (k != null) {
        int i = slot(k, mask);
        while (keys[i] != null) {
          i = (i + 1) & mask;
        }
        keys[i] = k;
        values[i] = oldValues[j];
      }
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public V remove(Object key) {
    int i = find(key);
    if (i < 0) {
      return null;
    }
    V old = (V) values[i];
    removeAt(i);
    return old;
  }

  /**
   * Empties slot {@code i} and moves back each later entry of its run that may live there (its home slot not
   * cyclically inside (i, j]), so every lookup still finds its key before an empty slot.
   */
  private void removeAt(int i) {
    Object[] ks = keys;
    int mask = ks.length - 1;
    for (int j = (i + 1) & mask; ks[j] != null; j = (j + 1) & mask) {
      int home = slot(ks[j], mask);
      boolean stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (!stays) {
        ks[i] = ks[j];
        values[i] = values[j];
        i = j;
      }
    }
    ks[i] = null;
    values[i] = null;
    size--;
    modCount++;
  }

  @Override
  public void clear() {
    if (size > 0) {
      java.util.Arrays.fill(keys, null);
      java.util.Arrays.fill(values, null);
      size = 0;
      modCount++;
    }
  }

  @Override
  public Set<Map.Entry<K, V>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public Iterator<Map.Entry<K, V>> iterator() {
        return new Walk<>() {
          @Override
          Map.Entry<K, V> at(int i) {
            return new Entry(i);
          }
        };
      }

      @Override
      public int size() {
        return size;
      }

      @Override
      public boolean contains(Object o) {
        if (!(o instanceof Map.Entry<?, ?> e)) {
          return false;
        }
        int i = find(e.getKey());
        return i >= 0 && Objects.equals(values[i], e.getValue());
      }

      @Override
      public boolean remove(Object o) {
        if (!contains(o)) {
          return false;
        }
        CompactHashMap.this.remove(((Map.Entry<?, ?>) o).getKey());
        return true;
      }

      @Override
      public void clear() {
        CompactHashMap.this.clear();
      }
    };
  }

  /** The keys, walked without an entry object each. */
  @Override
  public Set<K> keySet() {
    return new AbstractSet<>() {
      @Override
      public Iterator<K> iterator() {
        return new Walk<>() {
          @Override
          @SuppressWarnings("unchecked")
          K at(int i) {
            return (K) keys[i];
          }
        };
      }

      @Override
      public int size() {
        return size;
      }

      @Override
      public boolean contains(Object o) {
        return containsKey(o);
      }

      @Override
      public boolean remove(Object o) {
        int i = find(o);
        if (i < 0) {
          return false;
        }
        removeAt(i);
        return true;
      }

      @Override
      public void clear() {
        CompactHashMap.this.clear();
      }
    };
  }

  /** The values, walked without an entry object each. */
  @Override
  public java.util.Collection<V> values() {
    return new java.util.AbstractCollection<>() {
      @Override
      public Iterator<V> iterator() {
        return new Walk<>() {
          @Override
          @SuppressWarnings("unchecked")
          V at(int i) {
            return (V) values[i];
          }
        };
      }

      @Override
      public int size() {
        return size;
      }

      @Override
      public void clear() {
        CompactHashMap.this.clear();
      }
    };
  }

  @Override
  @SuppressWarnings("unchecked")
  public void forEach(java.util.function.BiConsumer<? super K, ? super V> action) {
    Object[] ks = keys;
    Object[] vs = values;
    int expected = modCount;
    for (int i = 0; i < ks.length; i++) {
      if (ks[i] != null) {
        action.accept((K) ks[i], (V) vs[i]);
      }
    }
    if (modCount != expected) {
      throw new ConcurrentModificationException();
    }
  }

  /**
   * Walks the table downwards, starting below an empty slot: a removal moves entries back only within their run,
   * from slots already passed into the one being left, so nothing is skipped or seen twice.
   */
  private abstract class Walk<T> implements Iterator<T> {
    private final Object[] ks = keys;
    private final int mask = ks.length - 1;
    private final int stop;
    private int next;
    private int remaining = size;
    private int current = -1;
    private int expectedModCount = modCount;

    Walk() {
      int empty = 0;
      while (remaining > 0 && ks[empty] != null) {
        empty++;
      }
      stop = empty;
      next = (empty - 1) & mask;
    }

    abstract T at(int i);

    @Override
    public boolean hasNext() {
      return remaining > 0;
    }

    @Override
    public T next() {
      if (modCount != expectedModCount || ks != keys) {
        throw new ConcurrentModificationException();
      }
      if (remaining == 0) {
        throw new NoSuchElementException();
      }
      while (ks[next] == null) {
        next = (next - 1) & mask;
        if (next == stop) {
          throw new ConcurrentModificationException();
        }
      }
      current = next;
      next = (next - 1) & mask;
      remaining--;
      return at(current);
    }

    @Override
    public void remove() {
      if (current < 0) {
        throw new IllegalStateException();
      }
      if (modCount != expectedModCount) {
        throw new ConcurrentModificationException();
      }
      removeAt(current);
      current = -1;
      expectedModCount = modCount;
    }
  }

  /** A mapping as the iterator found it; setValue writes through while the map's structure is unchanged. */
  private final class Entry implements Map.Entry<K, V> {
    private final int index;
    private final K key;

    @SuppressWarnings("unchecked")
    Entry(int index) {
      this.index = index;
      this.key = (K) keys[index];
    }

    @Override
    public K getKey() {
      return key;
    }

    @Override
    @SuppressWarnings("unchecked")
    public V getValue() {
      return keys[index] == key ? (V) values[index] : CompactHashMap.this.get(key);
    }

    @Override
    @SuppressWarnings("unchecked")
    public V setValue(V value) {
      int i = keys[index] == key ? index : find(key);
      if (i < 0) {
        throw new IllegalStateException("the mapping was removed");
      }
      V old = (V) values[i];
      values[i] = value;
      return old;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Map.Entry<?, ?> e && key.equals(e.getKey()) && Objects.equals(getValue(), e.getValue());
    }

    @Override
    public int hashCode() {
      return key.hashCode() ^ Objects.hashCode(getValue());
    }

    @Override
    public String toString() {
      return key + "=" + getValue();
    }
  }
}
