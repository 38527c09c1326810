package io.halvs.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Overlay against a plain map: every change, every size of base, the older snapshots left as they were. */
class OverlayTest {
  @Test
  void randomChangesReadAsAPlainMapAndOlderOverlaysStayAsTheyWere() {
    long seed = new Random().nextLong();
    Random r = new Random(seed);
    for (int size : new int[] {0, 10, 1_000, 40_000}) {
      Map<Integer, String> reference = new HashMap<>();
      for (int i = 0; i < size; i++) {
        reference.put(i, "v" + i);
      }
      Overlay<Integer, String> overlay = Overlay.of(reference);
      List<Overlay<Integer, String>> kept = new ArrayList<>();
      List<Map<Integer, String>> keptAs = new ArrayList<>();
      int keys = Math.max(20, size * 2);
      for (int step = 0; step < 400; step++) {
        // mostly a few keys, sometimes a bulk, as an edit and a selector change are
        int n = r.nextInt(10) == 0 ? 1 + r.nextInt(Math.max(1, size / 20)) : 1 + r.nextInt(3);
        Map<Integer, String> set = new HashMap<>();
        Set<Integer> removed = new HashSet<>();
        for (int i = 0; i < n; i++) {
          int k = r.nextInt(keys);
          if (r.nextInt(4) == 0) {
            removed.add(k);
            set.remove(k);
          } else {
            set.put(k, r.nextInt(8) == 0 ? null : "s" + step + "-" + i);
            removed.remove(k);
          }
        }
        overlay = overlay.with(set, removed);
        removed.forEach(reference::remove);
        reference.putAll(set);
        String context = "seed " + seed + ", base " + size + ", step " + step;
        for (int i = 0; i < 30; i++) {
          int k = r.nextInt(keys);
          assertThat(overlay.get(k)).as(context + ", get " + k).isEqualTo(reference.get(k));
          assertThat(overlay.containsKey(k)).as(context + ", containsKey " + k).isEqualTo(reference.containsKey(k));
          assertThat(overlay.getOrDefault(k, "none")).as(context).isEqualTo(reference.getOrDefault(k, "none"));
        }
        for (Integer k : set.keySet()) {
          assertThat(overlay.get(k)).as(context).isEqualTo(reference.get(k));
        }
        for (Integer k : removed) {
          assertThat(overlay.containsKey(k)).as(context).isFalse();
        }
        // counted from the changes (a key set again, removed from the base, added then removed), not a copy
        assertThat(overlay.size()).as(context + ", size").isEqualTo(reference.size());
        if (step % 10 == 0) {
          assertThat(reference.equals(overlay)).as(context + ", a plain map's equals (the audit's)").isTrue();
        }
        if (step % 50 == 0) {
          kept.add(overlay);
          keptAs.add(new HashMap<>(reference));
        }
      }
      assertThat(new HashMap<>(overlay)).isEqualTo(reference);
      assertThat(overlay.size()).isEqualTo(reference.size());
      for (int i = 0; i < kept.size(); i++) {
        assertThat(new HashMap<>(kept.get(i))).as("seed " + seed + ", overlay kept at " + i).isEqualTo(keptAs.get(i));
      }
    }
  }

  @Test
  void aOneEntryChangeOnALargeBaseKeepsFewChangesAndTheBulkIsFolded() {
    Map<Integer, Integer> base = new HashMap<>();
    for (int i = 0; i < 100_000; i++) {
      base.put(i, i);
    }
    Overlay<Integer, Integer> o = Overlay.of(base);
    for (int i = 0; i < 1_000; i++) {
      o = o.with(Map.of(i, -i), Set.of());
    }
    assertThat(o.changes()).isEqualTo(1_000);
    assertThat(o.get(999)).isEqualTo(-999);
    assertThat(o.get(1_000)).isEqualTo(1_000);
    Map<Integer, Integer> bulk = new HashMap<>();
    for (int i = 0; i < 12_600; i++) {
      bulk.put(50_000 + i, 0);
    }
    o = o.with(bulk, Set.of(7));
    assertThat(o.changes()).as("folded into a new base").isZero();
    assertThat(o.containsKey(7)).isFalse();
    assertThat(o.get(8)).isEqualTo(-8);
    assertThat(o.get(50_001)).isZero();
    assertThat(o.size()).isEqualTo(99_999);
  }
}
