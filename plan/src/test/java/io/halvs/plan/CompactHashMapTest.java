package io.halvs.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.ConcurrentModificationException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CompactHashMapTest {
  /** A key whose hash codes collide in groups, so runs are long and wrap around the table's end. */
  record Key(int id, int hash) {
    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && k.id == id;
    }
  }

  /**
   * Random puts, removals (by key, through each view's iterator, by removeIf) and entry writes against a HashMap
   * doing the same: after every step the two are equal, both ways, and every key is found.
   */
  @Test
  void behavesAsAHashMapUnderRandomChanges() {
    for (int hashes : new int[] {1, 3, 17, 1 << 20}) {
      Random random = new Random(42 + hashes);
      Map<Key, Integer> expected = new HashMap<>();
      CompactHashMap<Key, Integer> actual = new CompactHashMap<>();
      for (int step = 0; step < 4_000; step++) {
        Key k = new Key(random.nextInt(300), 0);
        k = new Key(k.id(), Math.floorMod(k.id() * 31, hashes));
        int op = random.nextInt(100);
        if (op < 50) {
          Integer v = random.nextInt(10) == 0 ? null : random.nextInt();
          assertThat(actual.put(k, v)).isEqualTo(expected.put(k, v));
        } else if (op < 75) {
          assertThat(actual.remove(k)).isEqualTo(expected.remove(k));
        } else if (op < 85) {
          int parity = random.nextInt(7);
          removeThroughIterator(actual, parity);
          removeThroughIterator(expected, parity);
        } else if (op < 90) {
          int parity = random.nextInt(5);
          actual.values().removeIf(v -> v != null && Math.floorMod(v, 5) == parity);
          expected.values().removeIf(v -> v != null && Math.floorMod(v, 5) == parity);
        } else if (op < 94) {
          for (Map.Entry<Key, Integer> e : actual.entrySet()) {
            if (e.getKey().id() % 3 == 0) {
              e.setValue(e.getKey().id());
            }
          }
          expected.replaceAll((key, v) -> key.id() % 3 == 0 ? Integer.valueOf(key.id()) : v);
        } else if (op == 94) { // a copy is equal, and independent of its source from then on
          CompactHashMap<Key, Integer> copy = new CompactHashMap<>(actual);
          assertThat(copy).isEqualTo(expected);
          copy.put(new Key(-1, 0), 0);
          copy.putAll(new HashMap<>(Map.of(new Key(-2, 0), 0)));
          assertThat(actual).isEqualTo(expected);
          CompactHashMap<Key, Integer> merged = new CompactHashMap<>(new HashMap<>(expected));
          merged.putAll(actual);
          assertThat(merged).isEqualTo(expected);
          actual = copy;
          expected.put(new Key(-1, 0), 0);
          expected.put(new Key(-2, 0), 0);
        } else if (op == 95) {
          actual.clear();
          expected.clear();
        } else {
          assertThat(actual.getOrDefault(k, -1)).isEqualTo(expected.getOrDefault(k, -1));
          assertThat(actual.containsKey(k)).isEqualTo(expected.containsKey(k));
        }
        assertThat(actual).hasSize(expected.size());
        assertThat(actual.equals(expected)).isTrue();
        assertThat(expected.equals(actual)).isTrue();
        assertThat(actual.hashCode()).isEqualTo(expected.hashCode());
        for (Key key : expected.keySet()) {
          assertThat(actual.containsKey(key)).as("%s in %s", key, actual).isTrue();
        }
        List<Key> walked = new ArrayList<>(actual.keySet());
        assertThat(walked).doesNotHaveDuplicates().hasSize(expected.size());
        List<Integer> values = new ArrayList<>();
        actual.forEach((key, v) -> values.add(v));
        assertThat(values).containsExactlyInAnyOrderElementsOf(expected.values());
      }
    }
  }

  /** Removes the keys of one id class through the key set's iterator: each key met once, none skipped. */
  private static void removeThroughIterator(Map<Key, Integer> map, int parity) {
    Set<Key> seen = new HashSet<>();
    for (Iterator<Key> it = map.keySet().iterator(); it.hasNext(); ) {
      Key k = it.next();
      assertThat(seen.add(k)).as("met twice: %s", k).isTrue();
      if (k.id() % 7 == parity) {
        it.remove();
      }
    }
    assertThat(seen).as("every key met once while removing").hasSize(map.size() + (int) seen.stream()
        .filter(k -> k.id() % 7 == parity).count());
  }

  @Test
  void keepsTheKeyAlreadyMappedAsHashMapDoes() {
    CompactHashMap<String, Integer> map = new CompactHashMap<>();
    String first = new String("rs-1");
    String second = new String("rs-1");
    map.put(first, 1);
    map.put(second, 2);
    assertThat(map.keySet().iterator().next()).isSameAs(first);
    assertThat(map.get(second)).isEqualTo(2);
    map.remove(second);
    map.put(second, 3);
    assertThat(map.keySet().iterator().next()).isSameAs(second);
  }

  @Test
  void refusesNullKeysAndFailsFastOnChangesBesideAnIterator() {
    CompactHashMap<String, Integer> map = new CompactHashMap<>(4);
    assertThatThrownBy(() -> map.put(null, 1)).isInstanceOf(NullPointerException.class);
    assertThat(map.get(null)).isNull();
    assertThat(map.containsKey(null)).isFalse();
    map.put("a", 1);
    map.put("b", 2);
    Iterator<String> it = map.keySet().iterator();
    it.next();
    map.put("c", 3);
    assertThatThrownBy(it::next).isInstanceOf(ConcurrentModificationException.class);
    Iterator<Integer> values = map.values().iterator();
    assertThatThrownBy(values::remove).isInstanceOf(IllegalStateException.class);
    assertThat(new CompactHashMap<>(Map.of("x", 1, "y", 2))).isEqualTo(Map.of("x", 1, "y", 2));
    assertThat(new CompactHashMap<String, Integer>().entrySet().iterator().hasNext()).isFalse();
  }
}
