package io.halvs.agent.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link FileQuorum}'s compare-and-set beyond the rules every store shares ({@link QuorumTest#file}). */
class FileQuorumTest {
  @Test
  void aWriterOnAVersionLongSinceDeletedWinsNothing(@TempDir Path dir) throws Exception {
    FileQuorum q = new FileQuorum(dir.resolve("lease"), "lvs-a");
    Quorum.Record first = q.write(q.read(), "lvs-a", 1, false);
    for (int i = 0; i < 3 * FileQuorum.KEPT; i++) {
      assertThat(q.write(q.read(), "lvs-b", 2 + i, false)).isNotNull();
    }
    try (Stream<Path> kept = Files.list(dir.resolve("lease"))) {
      assertThat(kept.count()).as("old versions deleted").isEqualTo(FileQuorum.KEPT + 1);
    }
    Quorum.Record newest = q.read();
    // a's renewal on its own write from long ago (a director resumed after a freeze): that name is free again
    assertThat(q.write(first, "lvs-a", 100, false)).isNull();
    assertThat(q.read()).isEqualTo(newest);
    assertThat(Files.exists(dir.resolve("lease").resolve("2"))).as("the stale write removed").isFalse();
    assertThat(q.write(newest, "lvs-a", 101, false).term()).isEqualTo(newest.term() + 1);
  }

  @Test
  void aFileInItsPlaceIsAClearError(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("lease"), "lvs-a 1 1 false\n");
    assertThatThrownBy(() -> new FileQuorum(dir.resolve("lease"), "lvs-a").read())
        .isInstanceOf(IOException.class).hasMessageContaining("is not a directory");
  }

  /**
   * The netns benchmark's freeze stops the active with SIGSTOP wherever it is, also inside a renewal: the standby
   * must still read and take the record (an API server never waits for a stalled client either).
   */
  @Test
  void aDirectorStoppedInsideACallHoldsThePeerNotUp(@TempDir Path dir) throws Exception {
    Path lease = dir.resolve("lease");
    FileQuorum q = new FileQuorum(lease, "lvs-a");
    Process writer = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
        Renewing.class.getName(), lease.toString(), Long.toString(ProcessHandle.current().pid())).inheritIO().start();
    try {
      for (int round = 0; round < 10; round++) {
        long seen = q.read().term();
        while (q.read().term() < seen + 20) { // lvs-b writes as fast as it can
          assertThat(writer.isAlive()).as("the writing process runs").isTrue();
          Thread.sleep(1);
        }
        signal("STOP", writer);
        awaitStopped(writer);
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
          Quorum.Record r = q.read();
          while (q.write(r, "lvs-a", 1, true) == null) {
            r = q.read(); // lvs-b's last write landed after this read
          }
        }, "lvs-a's call while lvs-b is stopped (round " + round + ")");
        assertThat(q.read().holder()).isEqualTo("lvs-a");
        signal("CONT", writer);
      }
    } finally {
      writer.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static void signal(String sig, Process p) throws Exception {
    // the shell's own kill: a machine without procps has no kill binary
    assertThat(new ProcessBuilder("sh", "-c", "kill -" + sig + " " + p.pid()).start().waitFor()).isZero();
  }

  /**
   * kill(1) returns once the signal is queued; a thread inside link(2) finishes it before it stops, and that write
   * could land after lvs-a's. So the round starts once every thread of the writer is in state T.
   */
  private static void awaitStopped(Process p) throws Exception {
    Path tasks = Path.of("/proc", Long.toString(p.pid()), "task");
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!allStopped(tasks)) {
      assertThat(System.nanoTime()).as("every thread of the writer stopped within 10 s").isLessThan(end);
      Thread.sleep(1);
    }
  }

  private static boolean allStopped(Path tasks) throws IOException {
    try (Stream<Path> each = Files.list(tasks)) {
      return each.allMatch(task -> {
        try {
          String stat = Files.readString(task.resolve("stat"));
          return stat.charAt(stat.lastIndexOf(')') + 2) == 'T'; // the state follows the command's name
        } catch (IOException gone) {
          return true; // a thread that ended writes nothing
        }
      });
    }
  }

  /**
   * The other director, in its own process: renews as fast as it can until killed, or until the test's JVM is gone
   * or two minutes passed (a test JVM that died must not leave it spinning).
   */
  public static final class Renewing {
    public static void main(String[] args) throws Exception {
      FileQuorum q = new FileQuorum(Path.of(args[0]), "lvs-b");
      ProcessHandle test = ProcessHandle.of(Long.parseLong(args[1])).orElseThrow();
      long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      for (long i = 0; (i & 1023) != 0 || (test.isAlive() && System.nanoTime() < end); i++) {
        q.write(q.read(), "lvs-b", System.currentTimeMillis(), false);
      }
    }
  }
}
