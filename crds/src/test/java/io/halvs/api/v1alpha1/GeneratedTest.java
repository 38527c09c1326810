package io.halvs.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The drift tests' rule: update mode rewrites a drifted file and still fails; only an unchanged file passes. */
class GeneratedTest {
  @TempDir
  Path dir;

  @Test
  void aDriftFailsAndIsLeftAloneOutsideUpdateMode() throws Exception {
    Path f = Files.writeString(dir.resolve("a.yaml"), "old\n");
    assertThatThrownBy(() -> Generated.assertCommitted(f, "new\n", false, "the classes"))
        .isInstanceOf(AssertionError.class).hasMessageContaining("regenerate with: " + Generated.REGENERATE);
    assertThat(Files.readString(f)).isEqualTo("old\n");
  }

  @Test
  void updateModeRewritesADriftAndStillFails() throws Exception {
    Path f = dir.resolve("manifests").resolve("a.yaml"); // missing: as a new kind's would be
    assertThatThrownBy(() -> Generated.assertCommitted(f, "new\n", true, "the classes"))
        .isInstanceOf(AssertionError.class).hasMessageContaining("was rewritten");
    assertThat(Files.readString(f)).isEqualTo("new\n");
    // the second run finds nothing to change: it passes
    Generated.assertCommitted(f, "new\n", true, "the classes");
  }

  @Test
  void anUnchangedFileIsNotWritten() throws Exception {
    Path f = Files.writeString(dir.resolve("a.yaml"), "same\n");
    Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.fromMillis(0));
    Generated.assertCommitted(f, "same\n", true, "the classes");
    assertThat(Files.getLastModifiedTime(f).toMillis()).isZero();
  }
}
