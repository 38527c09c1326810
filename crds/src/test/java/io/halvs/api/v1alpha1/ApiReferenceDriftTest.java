package io.halvs.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;

/** Fails when docs/API.md differs from what the committed CRD YAML says, as CrdDriftTest does for the CRDs. */
class ApiReferenceDriftTest {
  private static final Path MODULE = Paths.get("").toAbsolutePath();
  private static final Path API_MD = MODULE.getParent().resolve("docs").resolve("API.md");

  @Test
  void apiReferenceMatchesTheCommittedCrds() throws Exception {
    Generated.assertCommitted(API_MD, ApiReference.render(MODULE), Generated.updateMode(), "crds/manifests");
  }

  @Test
  void everySpecFieldIsDocumented() throws Exception {
    String doc = ApiReference.render(MODULE);
    // A few fields from each kind, with their defaults and validation as the CRDs carry them.
    assertThat(doc).contains("| `spec.weight` | integer | `1` | 0-65535 |")
        .contains("| `spec.vip` | string |  | **required**; 2-45 characters; CEL `isIP(self)")
        .contains("| `spec.scheduler` | string | `wlc` | one of `dh`, `fo`")
        .contains("| `spec.nodes` | []string |  | **required**; exactly 2 items;")
        .contains("| `spec.healthCheck.http.expectStatus` | []integer |");
  }
}
