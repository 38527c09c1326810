package io.halvs.agent.metrics;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A text exposition parsed strictly, as Prometheus would refuse it: every sample belongs to a family declared
 * before it by HELP and TYPE, a family's samples are one group, names and label names are valid, no series twice.
 * A violation throws with the line.
 */
final class Scraped {
  record Sample(String name, Map<String, String> labels, double value) {}

  static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"");

  final Map<String, String> types = new LinkedHashMap<>();
  final Map<String, String> help = new LinkedHashMap<>();
  final List<Sample> samples = new ArrayList<>();

  static Scraped parse(String text) {
    Scraped s = new Scraped();
    Set<String> closed = new HashSet<>();
    Set<String> series = new HashSet<>();
    String current = null;
    for (String line : text.split("\n", -1)) {
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("# HELP ")) {
        String[] p = line.substring(7).split(" ", 2);
        check(NAME.matcher(p[0]).matches(), line, "bad name");
        check(!s.help.containsKey(p[0]), line, "HELP twice");
        s.help.put(p[0], p.length > 1 ? p[1] : "");
        if (current != null) {
          closed.add(current);
        }
        current = p[0];
        continue;
      }
      if (line.startsWith("# TYPE ")) {
        String[] p = line.substring(7).split(" ");
        check(p.length == 2 && p[0].equals(current), line, "TYPE without its HELP just before");
        check(Set.of("counter", "gauge", "histogram", "summary", "untyped").contains(p[1]), line, "bad type");
        s.types.put(p[0], p[1]);
        continue;
      }
      check(!line.startsWith("#"), line, "unknown comment");
      int brace = line.indexOf('{');
      int space = brace >= 0 ? line.lastIndexOf("} ") + 1 : line.indexOf(' ');
      String name = line.substring(0, brace >= 0 ? brace : space);
      check(NAME.matcher(name).matches(), line, "bad name");
      String family = familyOf(name, s.types);
      check(family != null && family.equals(current), line, "sample outside its family's group");
      check(!closed.contains(family), line, "family split");
      Map<String, String> labels = new TreeMap<>();
      if (brace >= 0) {
        String body = line.substring(brace + 1, space - 1);
        Matcher m = LABEL.matcher(body);
        int at = 0;
        while (at < body.length()) {
          check(m.find(at) && m.start() == at, line, "bad labels");
          check(labels.put(m.group(1), unescape(m.group(2))) == null, line, "label twice");
          at = m.end();
          if (at < body.length()) {
            check(body.charAt(at) == ',', line, "bad labels");
            at++;
          }
        }
      }
      String value = line.substring(space + 1);
      double v = switch (value) {
        case "+Inf" -> Double.POSITIVE_INFINITY;
        case "-Inf" -> Double.NEGATIVE_INFINITY;
        case "NaN" -> Double.NaN;
        default -> Double.parseDouble(value);
      };
      check(series.add(name + labels), line, "series twice");
      s.samples.add(new Sample(name, labels, v));
    }
    return s;
  }

  private static String familyOf(String sample, Map<String, String> types) {
    if (types.containsKey(sample)) {
      return sample;
    }
    for (String suffix : new String[] {"_bucket", "_sum", "_count"}) {
      if (sample.endsWith(suffix)) {
        String f = sample.substring(0, sample.length() - suffix.length());
        if ("histogram".equals(types.get(f))) {
          return f;
        }
      }
    }
    return null;
  }

  private static String unescape(String v) {
    return v.replace("\\n", "\n").replace("\\\"", "\"").replace("\\\\", "\\");
  }

  private static void check(boolean ok, String line, String problem) {
    if (!ok) {
      throw new IllegalArgumentException(problem + ": " + line);
    }
  }

  List<Sample> samples(String name) {
    return samples.stream().filter(x -> x.name().equals(name)).toList();
  }

  /** The one sample of name whose labels include these (key, value, key, value...); fails unless exactly one. */
  Sample one(String name, String... labels) {
    List<Sample> found = samples(name).stream().filter(x -> {
      for (int i = 0; i < labels.length; i += 2) {
        if (!labels[i + 1].equals(x.labels().get(labels[i]))) {
          return false;
        }
      }
      return true;
    }).toList();
    if (found.size() != 1) {
      throw new AssertionError(found.size() + " samples of " + name + " with " + List.of(labels) + "; all: "
          + samples(name));
    }
    return found.get(0);
  }

  double value(String name, String... labels) {
    return one(name, labels).value();
  }
}
