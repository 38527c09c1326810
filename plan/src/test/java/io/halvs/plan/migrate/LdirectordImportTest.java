package io.halvs.plan.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class LdirectordImportTest {
  @TempDir
  Path tmp;

  static Stream<String> valid() {
    return ImportFixtures.valid("ldirectord");
  }

  static Stream<String> invalid() {
    return ImportFixtures.invalid("ldirectord");
  }

  @Test
  void atLeastTenConfigsOfEachKind() {
    assertThat(valid().count()).isGreaterThanOrEqualTo(10);
    assertThat(invalid().count()).isGreaterThanOrEqualTo(10);
  }

  @ParameterizedTest
  @MethodSource("valid")
  void importedAndRenderedAsLdirectordProgramsIt(String name) throws IOException {
    ImportFixtures.check(Import.Format.LDIRECTORD, "ldirectord", name, tmp);
  }

  @ParameterizedTest
  @MethodSource("invalid")
  void syntaxErrorNamesTheLineAndPrintsNothing(String name) throws IOException {
    ImportFixtures.checkInvalid(Import.Format.LDIRECTORD, "ldirectord", name);
  }

  @Test
  void placeholderNodesAreMarked() {
    var r = ImportFixtures.importRun(Import.Format.LDIRECTORD,
        ImportFixtures.ROOT.resolve("ldirectord").resolve("seed.conf"), false);
    assertThat(r.out()).contains("kind: DirectorPair").contains("nodes: # placeholders")
        .contains("vipInterface: eth0 # placeholder").contains("weight: 100");
  }

  @Test
  void missingFileIsAnErrorNotACrash() {
    var r = ImportFixtures.importRun(Import.Format.LDIRECTORD, tmp.resolve("nope.cf"), false);
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains("nope.cf: cannot read");
  }
}
