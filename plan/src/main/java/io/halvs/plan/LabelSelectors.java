package io.halvs.plan;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Kubernetes label selector semantics (matchLabels AND every matchExpression), without a client. */
public final class LabelSelectors {
  private LabelSelectors() {}

  /** Why a selector cannot be evaluated, or empty when it is well-formed. */
  public static Optional<String> problem(LabelSelector selector) {
    if (selector.getMatchExpressions() == null) {
      return Optional.empty();
    }
    for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
      String op = r.getOperator();
      List<String> values = r.getValues() == null ? List.of() : r.getValues();
      if (r.getKey() == null || r.getKey().isBlank()) {
        return Optional.of("a matchExpression has no key");
      }
      if (op == null) {
        return Optional.of("matchExpression on '" + r.getKey() + "' has no operator");
      }
      switch (op) {
        case "In", "NotIn" -> {
          if (values.isEmpty()) {
            return Optional.of("operator " + op + " on '" + r.getKey() + "' needs values");
          }
        }
        case "Exists", "DoesNotExist" -> {
          if (!values.isEmpty()) {
            return Optional.of("operator " + op + " on '" + r.getKey() + "' takes no values");
          }
        }
        default -> {
          return Optional.of("unknown operator '" + op + "' (In, NotIn, Exists, DoesNotExist)");
        }
      }
    }
    return Optional.empty();
  }

  /** Whether the labels match; the selector must be well-formed (see {@link #problem}). */
  public static boolean matches(LabelSelector selector, Map<String, String> labels) {
    Map<String, String> l = labels == null ? Map.of() : labels;
    if (selector.getMatchLabels() != null) {
      for (Map.Entry<String, String> e : selector.getMatchLabels().entrySet()) {
        if (!e.getValue().equals(l.get(e.getKey()))) {
          return false;
        }
      }
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
        String v = l.get(r.getKey());
        boolean ok = switch (r.getOperator()) {
          case "In" -> v != null && r.getValues().contains(v);
          case "NotIn" -> v == null || !r.getValues().contains(v);
          case "Exists" -> v != null;
          case "DoesNotExist" -> v == null;
          default -> false;
        };
        if (!ok) {
          return false;
        }
      }
    }
    return true;
  }
}
