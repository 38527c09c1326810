package io.halvs.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A committed file that is generated (the CRD YAML, docs/API.md) must equal what generates it. HALVS_UPDATE_CRDS=true
 * rewrites a drifted file, and the run still fails: a drift test passes only when nothing had to change, so update
 * mode can never turn a drift into a pass (in CI or anywhere). Run it again to check the rewrite, then commit.
 */
final class Generated {
  static final String REGENERATE = "HALVS_UPDATE_CRDS=true ./mvnw -pl crds test";

  private Generated() {}

  static boolean updateMode() {
    return "true".equals(System.getenv("HALVS_UPDATE_CRDS"));
  }

  static void assertCommitted(Path path, String expected, boolean update, String source) throws IOException {
    String committed = Files.exists(path) ? Files.readString(path) : "";
    if (update && !committed.equals(expected)) {
      Files.createDirectories(path.getParent());
      Files.writeString(path, expected);
    }
    assertThat(committed)
        .as(update ? "%s drifted from %s and was rewritten: check the diff, run again, commit it"
            : "%s drifted from %s; regenerate with: " + REGENERATE, path, source)
        .isEqualTo(expected);
  }
}
