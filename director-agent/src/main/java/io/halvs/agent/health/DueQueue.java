package io.halvs.agent.health;

import java.util.Arrays;

/**
 * The targets by the time each is next due (its check's start, or the running check's deadline): a binary min-heap
 * of the targets themselves, each in it at most once, its slot kept in the target. Scheduling a target again moves
 * it: a queue of entries added per schedule left two objects per check as garbage (10,000 checks a second) and kept
 * the superseded ones until their time came (3.6 entries per target at full size). Confined to the checker thread.
 */
final class DueQueue {
  private Target[] heap = new Target[64];
  private int size;

  int size() {
    return size;
  }

  /** The target due first, or null. */
  Target peek() {
    return size == 0 ? null : heap[0];
  }

  /** Sets t due at {@code at} (System.nanoTime() scale), in the queue or not. */
  void schedule(Target t, long at) {
    t.dueAt = at;
    int i = t.dueIndex;
    if (i < 0) {
      if (size == heap.length) {
        heap = Arrays.copyOf(heap, size * 2);
      }
      heap[size] = t;
      t.dueIndex = size++;
      up(t.dueIndex);
    } else {
      up(i);
      down(t.dueIndex);
    }
  }

  /** Takes the target due first out of the queue; null when empty. */
  Target poll() {
    Target first = peek();
    if (first != null) {
      remove(first);
    }
    return first;
  }

  /** Takes t out of the queue; nothing when it is not in it. */
  void remove(Target t) {
    int i = t.dueIndex;
    if (i < 0) {
      return;
    }
    t.dueIndex = -1;
    Target last = heap[--size];
    heap[size] = null;
    if (i < size) {
      heap[i] = last;
      last.dueIndex = i;
      up(i);
      down(last.dueIndex);
    }
  }

  private void up(int i) {
    Target t = heap[i];
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      Target p = heap[parent];
      if (p.dueAt - t.dueAt <= 0) { // nanoTime values compared by difference: they may wrap
        break;
      }
      heap[i] = p;
      p.dueIndex = i;
      i = parent;
    }
    heap[i] = t;
    t.dueIndex = i;
  }

  private void down(int i) {
    Target t = heap[i];
    while (true) {
      int child = 2 * i + 1;
      if (child >= size) {
        break;
      }
      if (child + 1 < size && heap[child + 1].dueAt - heap[child].dueAt < 0) {
        child++;
      }
      Target c = heap[child];
      if (t.dueAt - c.dueAt <= 0) {
        break;
      }
      heap[i] = c;
      c.dueIndex = i;
      i = child;
    }
    heap[i] = t;
    t.dueIndex = i;
  }
}
