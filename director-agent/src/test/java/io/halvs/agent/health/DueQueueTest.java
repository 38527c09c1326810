package io.halvs.agent.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.halvs.api.v1alpha1.Protocol;
import io.halvs.plan.IpAddress;
import io.halvs.plan.ServiceKey;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DueQueueTest {
  private static final ServiceKey SERVICE = ServiceKey.of(Protocol.TCP, IpAddress.parse("10.0.0.1"), 80);

  private static Target target(int i) {
    return new Target(new Target.Key(SERVICE, IpAddress.parse("172.16.0." + (i % 250 + 1)), 1000 + i, 80), 0,
        Plans.tcp(1000, 500, 1, 1));
  }

  @Test
  void pollsInDueOrderARescheduledTargetOnceAtItsNewTime() {
    DueQueue q = new DueQueue();
    Target a = target(1);
    Target b = target(2);
    Target c = target(3);
    q.schedule(a, 30);
    q.schedule(b, 10);
    q.schedule(c, 20);
    q.schedule(b, 40); // moved later: once in the queue, at its new time
    assertThat(q.size()).isEqualTo(3);
    assertThat(List.of(q.poll(), q.poll(), q.poll())).containsExactly(c, a, b);
    assertThat(q.poll()).isNull();
    assertThat(b.dueIndex).as("out of the queue").isEqualTo(-1);
  }

  @Test
  void aRemovedTargetIsNeverPolledAndRemovingTwiceDoesNothing() {
    DueQueue q = new DueQueue();
    Target a = target(1);
    Target b = target(2);
    q.schedule(a, 1);
    q.schedule(b, 2);
    q.remove(a);
    q.remove(a);
    assertThat(q.size()).isEqualTo(1);
    assertThat(q.poll()).isSameAs(b);
    assertThat(q.peek()).isNull();
  }

  @Test
  void timesAcrossTheNanoClocksWrapKeepTheirOrder() {
    DueQueue q = new DueQueue();
    Target before = target(1);
    Target after = target(2);
    q.schedule(after, Long.MIN_VALUE + 5); // wrapped past Long.MAX_VALUE: later
    q.schedule(before, Long.MAX_VALUE - 5);
    assertThat(q.poll()).isSameAs(before);
    assertThat(q.poll()).isSameAs(after);
  }

  /** Random schedules, reschedules and removals against a sorted list of what should be in the queue. */
  @Test
  void agreesWithASortedListThroughRandomOperations() {
    Random random = new Random(42);
    DueQueue q = new DueQueue();
    List<Target> all = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      all.add(target(i));
    }
    List<Target> expected = new ArrayList<>();
    Comparator<Target> byDue = Comparator.comparingLong(t -> t.dueAt);
    for (int op = 0; op < 20_000; op++) {
      Target t = all.get(random.nextInt(all.size()));
      switch (random.nextInt(4)) {
        case 0, 1 -> {
          q.schedule(t, random.nextInt(1_000_000));
          if (!expected.contains(t)) {
            expected.add(t);
          }
        }
        case 2 -> {
          q.remove(t);
          expected.remove(t);
        }
        default -> {
          expected.sort(byDue);
          Target first = q.poll();
          if (expected.isEmpty()) {
            assertThat(first).isNull();
          } else {
            assertThat(first.dueAt).as("op %d", op).isEqualTo(expected.get(0).dueAt);
            assertThat(expected.remove(first)).isTrue();
          }
        }
      }
      assertThat(q.size()).isEqualTo(expected.size());
    }
    expected.sort(byDue);
    for (Target t : expected) {
      assertThat(q.poll().dueAt).isEqualTo(t.dueAt);
    }
    assertThat(q.poll()).isNull();
  }
}
