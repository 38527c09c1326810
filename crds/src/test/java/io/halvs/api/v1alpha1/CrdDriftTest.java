package io.halvs.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;

/** Fails when the committed CRD YAML differs from what the API classes generate (in update mode too: Generated). */
class CrdDriftTest {
  private static final Path MODULE = Paths.get("").toAbsolutePath();

  @Test
  void committedCrdsMatchTheApiClasses() throws Exception {
    for (Class<?> kind : CrdManifests.KINDS) {
      Generated.assertCommitted(CrdManifests.committedPath(MODULE, kind), CrdManifests.render(kind),
          Generated.updateMode(), "the API classes");
    }
  }

  @Test
  void kustomizationListsEveryCrd() throws Exception {
    String kustomization = Files.readString(MODULE.resolve("kustomization.yaml"));
    for (Class<?> kind : CrdManifests.KINDS) {
      assertThat(kustomization).contains("manifests/" + CrdManifests.crdName(kind) + ".yaml");
    }
  }
}
