package io.halvs.plan.load;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The API server's rules for the metadata of a custom resource (k8s.io/apimachinery validation, as
 * ValidateObjectMeta applies them): what it would refuse, render refuses, in the API server's words.
 */
final class ObjectMetaRules {
  private static final String DNS1123_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
  private static final String DNS1123_SUBDOMAIN = DNS1123_LABEL + "(\\." + DNS1123_LABEL + ")*";
  private static final String QUALIFIED_NAME = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
  private static final String LABEL_VALUE = "(" + QUALIFIED_NAME + ")?";
  private static final Pattern LABEL = Pattern.compile(DNS1123_LABEL);
  private static final Pattern SUBDOMAIN = Pattern.compile(DNS1123_SUBDOMAIN);
  private static final Pattern QUALIFIED = Pattern.compile(QUALIFIED_NAME);
  private static final Pattern VALUE = Pattern.compile(LABEL_VALUE);
  /** apimachinery's TotalAnnotationSizeLimitB. */
  static final int MAX_ANNOTATIONS_BYTES = 256 * 1024;

  private ObjectMetaRules() {}

  static List<String> problems(ObjectMeta m, boolean namespaced) {
    List<String> out = new ArrayList<>();
    // Custom resources' names are DNS-1123 subdomains (apiextensions-apiserver: NameIsDNSSubdomain).
    subdomain(out, "metadata.name", m.getName());
    if (namespaced && m.getNamespace() != null && !m.getNamespace().isEmpty()) {
      label(out, "metadata.namespace", m.getNamespace());
    }
    if (m.getLabels() != null) {
      for (Map.Entry<String, String> e : m.getLabels().entrySet()) {
        qualifiedName(out, "metadata.labels", e.getKey());
        labelValue(out, "metadata.labels", e.getValue());
      }
    }
    if (m.getAnnotations() != null) {
      long size = 0;
      for (Map.Entry<String, String> e : m.getAnnotations().entrySet()) {
        // Annotation keys are qualified names, checked in lower case (ValidateAnnotations does the same).
        qualifiedName(out, "metadata.annotations", e.getKey().toLowerCase(java.util.Locale.ROOT));
        size += e.getKey().getBytes(StandardCharsets.UTF_8).length
            + (e.getValue() == null ? 0 : e.getValue().getBytes(StandardCharsets.UTF_8).length);
      }
      if (size > MAX_ANNOTATIONS_BYTES) {
        out.add("metadata.annotations: Too long: may not be more than " + MAX_ANNOTATIONS_BYTES + " bytes");
      }
    }
    return out;
  }

  private static void subdomain(List<String> out, String field, String v) {
    if (v.length() > 253) {
      out.add(invalid(field, v, "must be no more than 253 characters"));
    }
    if (!SUBDOMAIN.matcher(v).matches()) {
      out.add(invalid(field, v, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
          + "'-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
          + "validation is '" + DNS1123_SUBDOMAIN + "')"));
    }
  }

  private static void label(List<String> out, String field, String v) {
    if (v.length() > 63) {
      out.add(invalid(field, v, "must be no more than 63 characters"));
    }
    if (!LABEL.matcher(v).matches()) {
      out.add(invalid(field, v, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or "
          + "'-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used "
          + "for validation is '" + DNS1123_LABEL + "')"));
    }
  }

  /** A label or annotation key: an optional DNS-1123 subdomain prefix and "/", then a name of at most 63. */
  private static void qualifiedName(List<String> out, String field, String key) {
    String name = key;
    int slash = key.indexOf('/');
    if (slash >= 0 && key.indexOf('/', slash + 1) >= 0) {
      out.add(invalid(field, key, "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and "
          + "must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
          + "used for validation is '" + QUALIFIED_NAME + "') with an optional DNS subdomain prefix and '/' (e.g. "
          + "'example.com/MyName')"));
      return;
    }
    if (slash >= 0) {
      String prefix = key.substring(0, slash);
      name = key.substring(slash + 1);
      if (prefix.isEmpty()) {
        out.add(invalid(field, key, "prefix part must be non-empty"));
      } else {
        if (prefix.length() > 253) {
          out.add(invalid(field, key, "prefix part must be no more than 253 characters"));
        }
        if (!SUBDOMAIN.matcher(prefix).matches()) {
          out.add(invalid(field, key, "prefix part a lowercase RFC 1123 subdomain must consist of lower case "
              + "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. "
              + "'example.com', regex used for validation is '" + DNS1123_SUBDOMAIN + "')"));
        }
      }
    }
    if (name.isEmpty()) {
      out.add(invalid(field, key, "name part must be non-empty"));
      return;
    }
    if (name.length() > 63) {
      out.add(invalid(field, key, "name part must be no more than 63 characters"));
    }
    if (!QUALIFIED.matcher(name).matches()) {
      out.add(invalid(field, key, "name part must consist of alphanumeric characters, '-', '_' or '.', and must "
          + "start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used "
          + "for validation is '" + QUALIFIED_NAME + "')"));
    }
  }

  private static void labelValue(List<String> out, String field, String v) {
    if (v == null) {
      return;
    }
    if (v.length() > 63) {
      out.add(invalid(field, v, "must be no more than 63 characters"));
    }
    if (!VALUE.matcher(v).matches()) {
      out.add(invalid(field, v, "a valid label must be an empty string or consist of alphanumeric characters, '-', "
          + "'_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
          + "'12345', regex used for validation is '" + LABEL_VALUE + "')"));
    }
  }

  private static String invalid(String field, String value, String rule) {
    return field + ": Invalid value: \"" + KubeYaml.shorten(value) + "\": " + rule;
  }
}
