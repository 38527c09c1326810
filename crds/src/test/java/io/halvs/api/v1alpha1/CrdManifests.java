package io.halvs.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The CRD YAML that is committed under crds/manifests: what fabric8's crd-generator writes, with the printer
 * columns in the order the API class declares them (the generator sorts them by JSON path, which would put Age
 * first).
 */
final class CrdManifests {
  static final List<Class<?>> KINDS = List.of(VirtualService.class, RealServer.class, DirectorPair.class);
  static final String HEADER = "# Generated from the halvs API classes by fabric8's crd-generator; do not edit.\n"
      + "# Regenerate with: HALVS_UPDATE_CRDS=true ./mvnw -pl crds test\n";

  private CrdManifests() {}

  static String crdName(Class<?> kind) {
    return kind.getAnnotation(io.fabric8.kubernetes.model.annotation.Plural.class).value() + "." + HalvsApi.GROUP;
  }

  /** The plugin's output, read from the test classpath (target/classes/META-INF/fabric8). */
  static CustomResourceDefinition generated(Class<?> kind) {
    String resource = "/META-INF/fabric8/" + crdName(kind) + "-v1.yml";
    try (InputStream in = CrdManifests.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " is missing: did crd-generator-maven-plugin run?");
      }
      return Serialization.unmarshal(in, CustomResourceDefinition.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The committed form: columns in declaration order, then serialized with a header. */
  static String render(Class<?> kind) {
    CustomResourceDefinition crd = generated(kind);
    List<String> declared = Arrays.stream(kind.getAnnotationsByType(AdditionalPrinterColumn.class))
        .map(AdditionalPrinterColumn::name).toList();
    crd.getSpec().getVersions().forEach(v -> {
      List<CustomResourceColumnDefinition> columns = v.getAdditionalPrinterColumns();
      if (columns != null) {
        columns.sort(Comparator.comparingInt(c -> declared.indexOf(c.getName())));
      }
    });
    return HEADER + Serialization.asYaml(crd);
  }

  static Path committedPath(Path crdsModule, Class<?> kind) {
    return crdsModule.resolve("manifests").resolve(crdName(kind) + ".yaml");
  }

  static String committed(Path crdsModule, Class<?> kind) throws IOException {
    Path p = committedPath(crdsModule, kind);
    return Files.exists(p) ? Files.readString(p) : "";
  }
}
