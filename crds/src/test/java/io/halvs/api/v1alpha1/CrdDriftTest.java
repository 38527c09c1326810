package io.halvs.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;

/** Fails when the committed CRD YAML differs from what the API classes generate. */
class CrdDriftTest {
  private static final Path MODULE = Paths.get("").toAbsolutePath();

  @Test
  void committedCrdsMatchTheApiClasses() throws Exception {
    boolean update = "true".equals(System.getenv("HALVS_UPDATE_CRDS"));
    for (Class<?> kind : CrdManifests.KINDS) {
      String expected = CrdManifests.render(kind);
      Path path = CrdManifests.committedPath(MODULE, kind);
      if (update) {
        Files.createDirectories(path.getParent());
        Files.writeString(path, expected);
      }
      assertThat(CrdManifests.committed(MODULE, kind))
          .as("%s drifted from the API classes; regenerate with: HALVS_UPDATE_CRDS=true ./mvnw -pl crds test", path)
          .isEqualTo(expected);
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
