package io.halvs.api.v1alpha1;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * docs/API.md, generated from the committed CRD YAML (what the API server enforces, not the Java classes): per
 * kind its names and columns, then every field with its type, default, validation and description.
 */
final class ApiReference {
  static final String HEADER = "<!-- Generated from crds/manifests/*.yaml by ApiReference (crds tests); do not edit.\n"
      + "     Regenerate with: HALVS_UPDATE_CRDS=true ./mvnw -pl crds test -->\n";

  private ApiReference() {}

  static String render(Path crdsModule) throws IOException {
    StringBuilder b = new StringBuilder(HEADER);
    b.append("\n# halvs API reference (").append(HalvsApi.API_VERSION).append(")\n\n");
    b.append("Every field of the three kinds as the API server validates it: the CRDs in `crds/manifests/`.\n");
    b.append("Fields without a default are optional unless marked **required**. Rules under \"validation\" are\n");
    b.append("checked at admission (OpenAPI schema and CEL); `halvs render` and the operator apply the same ones.\n\n");
    for (Class<?> kind : CrdManifests.KINDS) {
      CustomResourceDefinition crd = Serialization.unmarshal(CrdManifests.committed(crdsModule, kind),
          CustomResourceDefinition.class);
      String name = crd.getSpec().getNames().getKind();
      b.append("- [").append(name).append("](#").append(name.toLowerCase(java.util.Locale.ROOT)).append(")\n");
    }
    for (Class<?> kind : CrdManifests.KINDS) {
      CustomResourceDefinition crd = Serialization.unmarshal(CrdManifests.committed(crdsModule, kind),
          CustomResourceDefinition.class);
      kind(b, crd);
    }
    return b.toString();
  }

  private static void kind(StringBuilder b, CustomResourceDefinition crd) {
    var names = crd.getSpec().getNames();
    b.append("\n## ").append(names.getKind()).append("\n\n");
    b.append("`").append(crd.getSpec().getGroup()).append("/");
    CustomResourceDefinitionVersion v = crd.getSpec().getVersions().get(0);
    b.append(v.getName()).append("`, ").append(crd.getSpec().getScope().toLowerCase(java.util.Locale.ROOT))
        .append(", plural `").append(names.getPlural()).append("`");
    if (names.getShortNames() != null && !names.getShortNames().isEmpty()) {
      b.append(", short name").append(names.getShortNames().size() > 1 ? "s " : " ");
      b.append(String.join(", ", names.getShortNames().stream().map(s -> "`" + s + "`").toList()));
    }
    if (names.getCategories() != null && !names.getCategories().isEmpty()) {
      b.append(", category `").append(String.join("`, `", names.getCategories())).append("`");
    }
    b.append(".\n");
    if (v.getAdditionalPrinterColumns() != null && !v.getAdditionalPrinterColumns().isEmpty()) {
      b.append("\n`kubectl get` columns: ");
      List<String> cols = new ArrayList<>();
      for (CustomResourceColumnDefinition c : v.getAdditionalPrinterColumns()) {
        cols.add(c.getName() + " (`" + c.getJsonPath() + "`)");
      }
      b.append(String.join(", ", cols)).append(".\n");
    }
    JSONSchemaProps root = v.getSchema().getOpenAPIV3Schema();
    b.append("\n| field | type | default | validation | description |\n|---|---|---|---|---|\n");
    for (String top : List.of("spec", "status")) {
      JSONSchemaProps p = root.getProperties() == null ? null : root.getProperties().get(top);
      if (p != null) {
        fields(b, top, p, root.getRequired() != null && root.getRequired().contains(top));
      }
    }
    if (root.getXKubernetesValidations() != null && !root.getXKubernetesValidations().isEmpty()) {
      b.append("\nObject-level rules: ").append(rules(root.getXKubernetesValidations())).append("\n");
    }
  }

  private static void fields(StringBuilder b, String path, JSONSchemaProps p, boolean required) {
    b.append("| `").append(path).append("` | ").append(type(p)).append(" | ")
        .append(p.getDefault() == null ? "" : "`" + cell(p.getDefault().isTextual() ? p.getDefault().asText()
            : p.getDefault().toString()) + "`").append(" | ")
        .append(validation(p, required)).append(" | ")
        .append(p.getDescription() == null ? "" : cell(p.getDescription())).append(" |\n");
    JSONSchemaProps object = p;
    String prefix = path;
    if ("array".equals(p.getType()) && p.getItems() != null && p.getItems().getSchema() != null) {
      object = p.getItems().getSchema();
      prefix = path + "[]";
    } else if (p.getAdditionalProperties() != null && p.getAdditionalProperties().getSchema() != null) {
      object = p.getAdditionalProperties().getSchema();
      prefix = path + ".*";
      if (object.getProperties() == null) {
        return;
      }
    }
    if (object.getProperties() != null) {
      for (Map.Entry<String, JSONSchemaProps> e : new java.util.TreeMap<>(object.getProperties()).entrySet()) {
        boolean req = object.getRequired() != null && object.getRequired().contains(e.getKey());
        fields(b, prefix + "." + e.getKey(), e.getValue(), req);
      }
    }
  }

  private static String type(JSONSchemaProps p) {
    String t = p.getType() == null ? (Boolean.TRUE.equals(p.getXKubernetesIntOrString()) ? "int or string" : "any")
        : p.getType();
    if ("array".equals(t) && p.getItems() != null && p.getItems().getSchema() != null) {
      return "[]" + type(p.getItems().getSchema());
    }
    if ("object".equals(t) && p.getAdditionalProperties() != null
        && p.getAdditionalProperties().getSchema() != null) {
      return "map[string]" + type(p.getAdditionalProperties().getSchema());
    }
    return p.getFormat() == null ? t : t + " (" + p.getFormat() + ")";
  }

  private static String validation(JSONSchemaProps p, boolean required) {
    List<String> v = new ArrayList<>();
    if (required) {
      v.add("**required**");
    }
    if (p.getEnum() != null && !p.getEnum().isEmpty()) {
      v.add("one of " + String.join(", ", p.getEnum().stream().map(e -> "`" + e.asText() + "`").toList()));
    }
    range(v, p.getMinimum(), p.getMaximum(), "");
    range(v, p.getMinLength() == null ? null : p.getMinLength().doubleValue(),
        p.getMaxLength() == null ? null : p.getMaxLength().doubleValue(), " characters");
    range(v, p.getMinItems() == null ? null : p.getMinItems().doubleValue(),
        p.getMaxItems() == null ? null : p.getMaxItems().doubleValue(), " items");
    if (p.getPattern() != null) {
      v.add("matches `" + cell(p.getPattern()) + "`");
    }
    if (p.getXKubernetesValidations() != null && !p.getXKubernetesValidations().isEmpty()) {
      v.add(rules(p.getXKubernetesValidations()));
    }
    return String.join("; ", v);
  }

  private static void range(List<String> out, Double min, Double max, String unit) {
    if (min == null && max == null) {
      return;
    }
    String lo = min == null ? null : number(min);
    String hi = max == null ? null : number(max);
    out.add(lo != null && hi != null ? (lo.equals(hi) ? "exactly " + lo : lo + "-" + hi) + unit
        : lo != null ? "at least " + lo + unit : "at most " + hi + unit);
  }

  private static String number(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  private static String rules(List<ValidationRule> rules) {
    List<String> out = new ArrayList<>();
    for (ValidationRule r : rules) {
      String s = "CEL `" + cell(r.getRule()) + "`";
      if (r.getMessage() != null) {
        s += " (\"" + cell(r.getMessage()) + "\")";
      }
      out.add(s);
    }
    return String.join("; ", out);
  }

  /** Text fit for one Markdown table cell. */
  private static String cell(String s) {
    return s.replace("|", "\\|").replace("\n", " ").replace("`", "'");
  }
}
