package io.halvs.plan.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.halvs.api.v1alpha1.RealServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loader from the point of view of someone gating a GitOps repository: what the API server would store, the
 * loader reads the same way; what it would refuse, the loader refuses, naming the file, the line and the object.
 * (The fixtures under render/apiserver/ are also fed to a real API server by e2e/apiserver/render-agrees.sh.)
 */
class ManifestLoaderTest {
  @TempDir
  Path dir;

  private static final String RS = """
      apiVersion: halvs.io/v1alpha1
      kind: RealServer
      metadata:
        name: web-1
        labels: {app: web}
      spec:
        address: 10.0.1.11
      """;

  Path write(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
    return p;
  }

  static ManifestLoader.Result load(Path... paths) {
    return new ManifestLoader().load(List.of(paths));
  }

  static RealServer only(ManifestLoader.Result r) {
    assertThat(r.problems()).isEmpty();
    assertThat(r.input().realServers()).hasSize(1);
    return r.input().realServers().get(0);
  }

  @Test
  void valuesAreTypedAsGoYamlV2TypesThem() throws IOException {
    RealServer rs = only(load(write("a.yaml", """
        apiVersion: halvs.io/v1alpha1
        kind: RealServer
        metadata:
          name: typed
          labels: {since: 2024-01-01, ok: "yes"}
        spec:
          address: 10.0.1.11
          port: 0120
          weight: 1_000
          drain: on
        """)));
    assertThat(rs.getSpec().getPort()).isEqualTo(80); // YAML 1.1 octal
    assertThat(rs.getSpec().getWeight()).isEqualTo(1000);
    assertThat(rs.getSpec().getDrain()).isTrue();
    assertThat(rs.getMetadata().getLabels()).containsEntry("since", "2024-01-01").containsEntry("ok", "yes");
  }

  @Test
  void anUnquotedYesWhereAStringBelongsIsRefusedAsTheApiServerRefusesIt() throws IOException {
    Path f = write("a.yaml", RS.replace("labels: {app: web}", "labels: {app: web, canary: yes}"));
    assertThat(load(f).problems()).singleElement().asString()
        .isEqualTo(f + ":1: RealServer default/web-1: metadata.labels.canary: expected a string");
  }

  @Test
  void aliasesAndMergeKeysAreExpanded() throws IOException {
    RealServer rs = only(load(write("a.yaml", """
        apiVersion: halvs.io/v1alpha1
        kind: RealServer
        metadata:
          name: web-1
          labels: &l {app: web}
          annotations: *l
        spec:
          <<: {weight: 7, port: 8080}
          address: 10.0.1.11
        """)));
    assertThat(rs.getMetadata().getAnnotations()).containsEntry("app", "web");
    assertThat(rs.getSpec().getWeight()).isEqualTo(7);
    assertThat(rs.getSpec().getPort()).isEqualTo(8080);
  }

  @Test
  void anAnchorDoesNotReachIntoTheNextDocument() throws IOException {
    // kubectl splits the documents first, so an alias to another document's anchor is undefined there too.
    Path f = write("a.yaml", RS.replace("labels: {app: web}", "labels: &l {app: web}") + "---\n"
        + RS.replace("web-1", "web-2").replace("labels: {app: web}", "labels: *l"));
    assertThat(load(f).problems()).singleElement().asString().startsWith(f + ":9: RealServer default/web-2: line 13: ")
        .contains("undefined alias l");
  }

  @Test
  void aKeyMergedAndGivenIsAKeySetTwice() throws IOException {
    Path f = write("a.yaml", RS + """
        ---
        apiVersion: halvs.io/v1alpha1
        kind: RealServer
        metadata:
          name: web-2
          labels: &l {app: web}
        spec:
          <<: {address: 10.0.1.12}
          address: 10.0.1.13
        """);
    assertThat(load(f).problems()).singleElement().asString().startsWith(f + ":9: RealServer default/web-2: line 15: ")
        .contains("key \"address\" is set both through the merge key (<<) and on line 16");
  }

  @Test
  void aDuplicateKeyNamesFileDocumentLineObjectAndBothLines() throws IOException {
    Path f = write("a.yaml", RS + """
        ---
        apiVersion: halvs.io/v1alpha1
        kind: RealServer
        metadata:
          name: web-2
          namespace: shop
        spec:
          address: 10.0.1.12
          weight: 100
          weight: 50
        """);
    ManifestLoader.Result r = load(f);
    assertThat(r.problems()).singleElement().asString().startsWith(f + ":9: RealServer shop/web-2: line 17: key "
        + "\"weight\" is given twice in one mapping (first on line 16)");
    assertThat(r.input().realServers()).hasSize(1); // the other document still reads
  }

  @Test
  void aParserErrorNamesTheObjectAndTheLineNotJustADocumentNumber() throws IOException {
    Path f = write("a.yaml", RS + """
        ---
        apiVersion: halvs.io/v1alpha1
        kind: VirtualService
        metadata:
          name: web
          namespace: shop
        spec: {directorPair: lvs, vip: 192.0.2.1
        """);
    assertThat(load(f).problems()).singleElement().asString()
        .startsWith(f + ":9: VirtualService shop/web: line ").contains("not valid YAML").doesNotContain("document");
  }

  @Test
  void objectsInErrorAreNamedWithTheirLineAndNamespace() throws IOException {
    Path f = write("a.yaml", RS + "---\n" + RS.replace("web-1", "web-2").replace("10.0.1.11", "\"x\"\n  port: \"80\"")
        .replace("metadata:", "metadata:\n  namespace: shop"));
    assertThat(load(f).problems()).singleElement().asString()
        .isEqualTo(f + ":9: RealServer shop/web-2: spec.port: expected an integer");
  }

  @Test
  void theApiServersMetadataRulesWithItsWords() throws IOException {
    String name254 = "a".repeat(63) + "." + "a".repeat(63) + "." + "a".repeat(63) + "." + "b".repeat(62);
    Path f = write("a.yaml", RS.replace("web-1", name254) + "---\n" + RS.replace("web-1", "web-2")
        .replace("labels: {app: web}", "namespace: Shop\n  labels: {app: web, tier: \"" + "v".repeat(64) + "\"}"));
    assertThat(load(f).problems()).containsExactly(
        f + ":1: RealServer default/" + name254 + ": metadata.name: Invalid value: \"" + KubeYaml.shorten(name254)
            + "\": must be no more than 253 characters",
        f + ":9: RealServer Shop/web-2: metadata.namespace: Invalid value: \"Shop\": a lowercase RFC 1123 label must "
            + "consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric "
            + "character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
        f + ":9: RealServer Shop/web-2: metadata.labels: Invalid value: \"" + KubeYaml.shorten("v".repeat(64))
            + "\": must be no more than 63 characters");
  }

  @Test
  void annotationsOverTheApiServersTotalAreRefused() throws IOException {
    String fits = "x".repeat(ObjectMetaRules.MAX_ANNOTATIONS_BYTES - "note".length());
    Path ok = write("ok.yaml", RS.replace("labels:", "annotations: {note: " + fits + "}\n  labels:"));
    assertThat(load(ok).problems()).isEmpty();
    Path big = write("big.yaml", RS.replace("labels:", "annotations: {note: " + fits + "x}\n  labels:"));
    assertThat(load(big).problems()).singleElement().asString()
        .endsWith("metadata.annotations: Too long: may not be more than 262144 bytes");
  }

  @Test
  void aMisspelledSelectorFieldIsUnknownNotASelectorOfEverything() throws IOException {
    Path f = write("a.yaml", """
        apiVersion: halvs.io/v1alpha1
        kind: VirtualService
        metadata: {name: web}
        spec:
          directorPair: lvs
          vip: 192.0.2.1
          port: 80
          realServerSelector:
            matchLabel: {app: web}
        """);
    assertThat(load(f).problems()).containsExactly(
        f + ":1: VirtualService default/web: unknown field \"spec.realServerSelector.matchLabel\"");
  }

  @Test
  void aDocumentOverTheApiServersLimitIsRefusedUnread() throws IOException {
    StringBuilder b = new StringBuilder(RS).append("---\n").append(RS.replace("web-1", "web-2"));
    String comment = "# " + "x".repeat(1000) + "\n";
    while (b.length() <= KubeYaml.MAX_DOCUMENT_BYTES + 2000) {
      b.append(comment);
    }
    Path f = write("a.yaml", b.toString());
    ManifestLoader.Result r = load(f);
    assertThat(r.problems()).singleElement().asString().startsWith(f + ":9: the document is 3.0 MiB")
        .contains("over the API server's limit of 3.0 MiB (3,145,728 bytes) per object");
    assertThat(r.input().realServers()).hasSize(1);
  }

  @Test
  void aLineOverTheLimitIsRefusedUnreadAndAMebibyteValueIsRead() throws IOException {
    String mib = "x".repeat(1 << 20);
    Path ok = write("ok.yaml", RS + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: blob}\ndata:\n  blob: "
        + mib + "\n");
    assertThat(load(ok).problems()).isEmpty();
    Path big = write("big.yaml", RS + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: blob}\ndata:\n  blob: "
        + mib + mib + "\n");
    assertThat(load(big).problems()).singleElement().asString()
        .startsWith(big + ":9: line 13 is 2.0 MiB (2,097,160 bytes) long, over render's limit of 1.5 MiB");
  }

  @Test
  void aliasesThatExpandWithoutBoundAreRefused() throws IOException {
    StringBuilder b = new StringBuilder("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n");
    b.append("  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for (int i = 1; i < 9; i++) {
      String p = "*a" + (i - 1);
      b.append("  a").append(i).append(": &a").append(i).append(" [").append(String.join(", ",
          java.util.Collections.nCopies(10, p))).append("]\n");
    }
    Path f = write("a.yaml", b.toString());
    assertThat(load(f).problems()).singleElement().asString().contains("not valid YAML")
        .contains("aliases");
  }

  @Test
  void symlinkLoopsAndDanglingLinksAreReportedAndALinkedFileIsReadOnce() throws IOException {
    Path repo = dir.resolve("repo");
    write("repo/apps/rs.yaml", RS);
    Files.createSymbolicLink(repo.resolve("apps/current.yaml"), Paths.get("rs.yaml"));
    Files.createSymbolicLink(repo.resolve("apps/loop"), Paths.get(".."));
    Files.createSymbolicLink(repo.resolve("apps/gone.yaml"), Paths.get("deleted.yaml"));
    write("shared/rs2.yaml", RS.replace("web-1", "web-2").replace("10.0.1.11", "10.0.1.12"));
    Files.createSymbolicLink(repo.resolve("shared"), dir.resolve("shared"));
    ManifestLoader.Result r = load(repo);
    assertThat(r.problems()).containsExactlyInAnyOrder(
        repo.resolve("apps/gone.yaml") + ": dangling symbolic link (to deleted.yaml)",
        repo.resolve("apps/loop") + ": symbolic link loop (leads back to a folder above it); not followed");
    assertThat(r.input().realServers()).extracting(rs -> rs.getMetadata().getName())
        .containsExactlyInAnyOrder("web-1", "web-2");
  }

  @Test
  void aDanglingLinkNamedOnTheCommandLineIsSaidToBeOne() throws IOException {
    Path link = dir.resolve("a.yaml");
    Files.createSymbolicLink(link, Paths.get("nowhere.yaml"));
    assertThat(load(link).problems()).containsExactly(link + ": dangling symbolic link (to nowhere.yaml)");
  }

  @Test
  void anUnreadableFileIsUnreadableNotInvalidYaml() throws IOException {
    // /proc/self/mem is a regular file that fails every read at offset 0 (EIO), even for root.
    Path mem = Paths.get("/proc/self/mem");
    assumeTrue(Files.isRegularFile(mem));
    assertThat(load(mem).problems()).singleElement().asString().startsWith(mem + ": cannot read: ")
        .doesNotContain("YAML");
  }

  @Test
  void aFileWithoutReadPermissionSaysPermissionDenied() throws IOException {
    Path f = write("secret.yaml", RS);
    Files.setPosixFilePermissions(f, java.util.Set.of());
    assumeTrue(!Files.isReadable(f), "root reads every file");
    assertThat(load(f).problems()).containsExactly(f + ": cannot read: permission denied");
  }

  @Test
  void textThatIsNotUtf8SaysSo() throws IOException {
    Path f = dir.resolve("latin1.yaml");
    Files.write(f, RS.replace("web-1", "caf\u00e9").getBytes(StandardCharsets.ISO_8859_1));
    assertThat(load(f).problems()).singleElement().asString().contains("not UTF-8");
  }

  @Test
  void windowsLineEndingsAndAByteOrderMarkReadAsTheyDoForKubectl() throws IOException {
    Path f = write("a.yaml", "\ufeff" + (RS + "---\n" + RS.replace("web-1", "web-2")).replace("\n", "\r\n"));
    ManifestLoader.Result r = load(f);
    assertThat(r.problems()).isEmpty();
    assertThat(r.lines()).containsValues(1, 9);
  }

  @Test
  void aFolderAlsoHoldsJsonAsKubectlApplyRecursiveReadsIt() throws IOException {
    write("repo/rs.json", """
        {"apiVersion": "halvs.io/v1alpha1", "kind": "RealServer",
         "metadata": {"name": "web-1", "labels": {"app": "web"}},
         "spec": {"address": "10.0.1.11", "port": "80"}}
        """);
    write("repo/README.md", "not a manifest");
    assertThat(load(dir.resolve("repo")).problems()).containsExactly(dir.resolve("repo/rs.json")
        + ":1: RealServer default/web-1: spec.port: expected an integer");
  }
}
