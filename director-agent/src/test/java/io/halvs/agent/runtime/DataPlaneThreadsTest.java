package io.halvs.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DataPlaneThreadsTest {
  @AfterEach
  void processValue() {
    DataPlaneThreads.nice(0);
  }

  /** The calling thread's nice value, field 19 of /proc/thread-self/stat (after the command's parentheses). */
  static int niceOfThisThread() throws Exception {
    String stat = Files.readString(Path.of("/proc/thread-self/stat"));
    return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]);
  }

  static int niceOfADataPlaneThread() throws Exception {
    CompletableFuture<Integer> seen = new CompletableFuture<>();
    DataPlaneThreads.daemon(() -> {
      try {
        seen.complete(niceOfThisThread());
      } catch (Exception e) {
        seen.completeExceptionally(e);
      }
    }, "data-plane-test").start();
    return seen.get(10, TimeUnit.SECONDS);
  }

  @Test
  void aDataPlaneThreadTakesTheNiceValueAsItStarts() throws Exception {
    assumeThat(Path.of("/proc/thread-self/stat")).exists();
    int process = niceOfThisThread();
    assumeThat(process).as("room above the process's nice value").isLessThan(17);
    // above the process's value: no CAP_SYS_NICE needed, so this runs anywhere
    DataPlaneThreads.nice(process + 3);
    assertThat(niceOfADataPlaneThread()).isEqualTo(process + 3);
    assertThat(niceOfThisThread()).as("only that thread").isEqualTo(process);
    DataPlaneThreads.nice(0);
    assertThat(niceOfADataPlaneThread()).as("0: the process's, nothing changed").isEqualTo(process);
  }

  @Test
  void aNiceValueIsMinus20To19() {
    assertThatThrownBy(() -> DataPlaneThreads.nice(-21)).hasMessageContaining("-20 to 19, not -21");
    assertThatThrownBy(() -> DataPlaneThreads.nice(20)).hasMessageContaining("-20 to 19, not 20");
    DataPlaneThreads.nice(-20);
    assertThat(DataPlaneThreads.nice()).isEqualTo(-20);
  }
}
