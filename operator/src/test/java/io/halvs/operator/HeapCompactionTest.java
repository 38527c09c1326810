package io.halvs.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * When the operator asks for its one full collection after a burst: the decision on a simulated clock, and a JVM
 * with the Deployment's options that gives its heap back once after a burst and not again at rest.
 */
class HeapCompactionTest {
  static final long MIB = 1L << 20;

  HeapCompaction.Decider decider() {
    return new HeapCompaction.Decider(10_000, HeapCompaction.MIN_GROWTH_BYTES, 60_000, 64 * MIB);
  }

  @Test
  void aGrownHeapIsCompactedOnceNoCollectionRanForTheQuietSpell() {
    HeapCompaction.Decider d = decider();
    assertThat(d.due(0, 5, 400 * MIB)).as("the first look sees collections").isFalse();
    assertThat(d.due(9_999, 5, 400 * MIB)).as("quiet for less than 10 s").isFalse();
    assertThat(d.due(10_000, 5, 400 * MIB)).isTrue();
  }

  @Test
  void aCollectionStartsTheQuietSpellAgain() {
    HeapCompaction.Decider d = decider();
    d.due(0, 5, 400 * MIB);
    assertThat(d.due(8_000, 6, 400 * MIB)).isFalse();
    assertThat(d.due(17_000, 6, 400 * MIB)).as("9 s after the last collection").isFalse();
    assertThat(d.due(18_000, 6, 400 * MIB)).isTrue();
  }

  @Test
  void lessGrowthThanTheThresholdIsNotWorthAPause() {
    HeapCompaction.Decider d = decider();
    d.due(0, 5, 79 * MIB);
    assertThat(d.due(20_000, 5, 79 * MIB)).as("15 MiB above the start").isFalse();
    assertThat(d.due(22_000, 5, 80 * MIB)).as("16 MiB above it").isTrue();
  }

  @Test
  void afterACompactionOnlyNewGrowthAndNotItsOwnCollectionMakeAnother() {
    HeapCompaction.Decider d = decider();
    d.due(0, 5, 400 * MIB);
    assertThat(d.due(10_000, 5, 400 * MIB)).isTrue();
    d.compacted(10_600, 6, 160 * MIB); // its own full collection counted
    assertThat(d.due(200_000, 6, 160 * MIB)).as("at rest: nothing to give back, no repeated pause").isFalse();
    assertThat(d.due(202_000, 9, 300 * MIB)).as("a new burst").isFalse();
    assertThat(d.due(212_000, 9, 300 * MIB)).isTrue();
  }

  @Test
  void atMostOneCompactionPerInterval() {
    HeapCompaction.Decider d = decider();
    d.due(0, 5, 400 * MIB);
    d.compacted(10_000, 6, 100 * MIB);
    d.due(11_000, 7, 300 * MIB);
    assertThat(d.due(30_000, 7, 300 * MIB)).as("20 s after the last compaction").isFalse();
    assertThat(d.due(70_000, 7, 300 * MIB)).isTrue();
  }

  /** A burst of 256 MiB held briefly, then quiet: what HeapCompaction does in a JVM started as the Deployment's. */
  public static final class BurstThenQuiet {
    public static void main(String[] args) throws Exception {
      HeapCompaction c = HeapCompaction.start(Duration.ofSeconds(1), 32 * MIB, Duration.ofSeconds(30),
          Duration.ofMillis(200));
      List<byte[]> held = new ArrayList<>();
      for (int i = 0; i < 4096; i++) {
        held.add(new byte[64 << 10]); // not humongous: young collections carry them to the old regions
      }
      System.out.println("burst " + HeapCompaction.committed() / MIB + " MiB committed");
      held.clear();
      Thread.sleep(6_000); // 1 s of quiet and a check, then 30 s may not pass before the next: one compaction only
      System.out.println("rest " + HeapCompaction.committed() / MIB + " MiB committed");
      c.close();
    }
  }

  @Test
  void aJvmWithTheDeploymentsOptionsGivesItsHeapBackOnceAfterABurst() throws Exception {
    String[] out = DeployedJvmOptionsTest.run(DeployedJvmOptionsTest.operatorOptions()
        + " -Xmx768m -Xms16m -Xlog:gc", DeployedJvmOptionsTest.imageCollector("operator"),
        "-cp", System.getProperty("java.class.path"), BurstThenQuiet.class.getName());
    assertThat(out[0]).as(out[1]).isEqualTo("0");
    long burst = Long.parseLong(out[1].replaceAll("(?s).*\nburst (\\d+) MiB.*", "$1"));
    long rest = Long.parseLong(out[1].replaceAll("(?s).*\nrest (\\d+) MiB.*", "$1"));
    assertThat(burst).as(out[1]).isGreaterThanOrEqualTo(256);
    assertThat(rest).as("given back at rest: %s", out[1]).isLessThan(burst / 4);
    assertThat(out[1].split("Pause Full \\(System.gc\\(\\)\\)", -1).length - 1).as("one full collection: %s", out[1])
        .isEqualTo(1);
    assertThat(out[1]).contains("heap compacted after 1 s without a collection");
  }
}
