package io.halvs.plan.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.StringReader;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.composer.Composer;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * YAML text read the way the API server and kubectl read it (sigs.k8s.io/yaml: go-yaml v2, YAML 1.1, then
 * JSON), so render sees the object the cluster would store:
 * <ul>
 * <li>plain scalars typed as go-yaml v2 types them: {@code yes}/{@code no}/{@code on}/{@code off}/{@code y}/{@code n}
 * are booleans, {@code 0x50} and {@code 0120} are 80, {@code 1_000} is 1000, {@code 80.0} is the integer 80 (JSON
 * has one number type); a quoted {@code "80"} stays a string, which an integer field refuses;
 * <li>anchors, aliases and merge keys ({@code <<: *base}) expanded, as kubectl does (a key both merged and
 * given explicitly is a key given twice);
 * <li>a key given twice in one mapping is an error: the API server's strict decoding and kustomize refuse it
 * (plain {@code kubectl apply -f} keeps the last one silently, which is the ambiguity a gate exists to catch).
 * </ul>
 * Cost stays linear: the text is cut into documents at their "---" lines before any parsing, and a document over
 * {@link #MAX_DOCUMENT_BYTES} or with a line over {@link #MAX_LINE_BYTES} is refused without being parsed
 * (SnakeYAML copies its read-ahead window once per KiB of a single token, so one long line costs its length
 * squared).
 */
final class KubeYaml {
  /** The API server refuses a request body over 3 MiB (and a default etcd an object over 1.5 MiB). */
  static final int MAX_DOCUMENT_BYTES = 3 * 1024 * 1024;
  /**
   * The longest line read: etcd's default request limit, so no value this long can be stored in a default cluster
   * (a halvs object's longest values, its annotations, have 256 KiB in all; a ConfigMap holds at most 1 MiB).
   * Beyond it, one line would cost seconds.
   */
  static final int MAX_LINE_BYTES = 3 * 1024 * 1024 / 2;
  /** Values one document may expand to through aliases (go-yaml refuses "excessive aliasing" likewise). */
  static final int MAX_VALUES = 1_000_000;

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  /** The tag of a plain scalar without one: typed below as go-yaml types it, not by SnakeYAML's regexes. */
  private static final Tag PLAIN = new Tag("tag:halvs.io,2026:plain");
  private static final Resolver RESOLVER = new Resolver() {
    @Override
    public Tag resolve(org.yaml.snakeyaml.nodes.NodeId kind, String value, boolean implicit) {
      return kind == org.yaml.snakeyaml.nodes.NodeId.scalar && implicit ? PLAIN : super.resolve(kind, value, implicit);
    }
  };

  /** One document: its first line (1-based, in the file) and its tree, or the problem that stopped reading it. */
  record Document(int line, JsonNode tree, String problem) {}

  /** A piece of the text between "---" lines: where it starts and what is in it. */
  record Piece(int line, String text, String problem) {}

  private KubeYaml() {}

  /**
   * Cuts the text at its document markers ("---" at the start of a line, which YAML forbids inside any scalar),
   * measuring each piece on the way: one linear pass, nothing parsed.
   */
  static List<Piece> pieces(String text) {
    List<Piece> out = new ArrayList<>();
    int n = text.length();
    int start = 0;
    int startLine = 1;
    int line = 1;
    long bytes = 0;
    long lineBytes = 0;
    long longest = 0;
    int longestLine = 0;
    for (int i = 0; i <= n; i++) {
      char c = i < n ? text.charAt(i) : '\n';
      if (c == '\n') {
        if (lineBytes > longest) {
          longest = lineBytes;
          longestLine = line;
        }
        lineBytes = 0;
        line++;
        int next = i + 1;
        if (next + 3 <= n && text.startsWith("---", next)
            && (next + 3 == n || " \t\r\n".indexOf(text.charAt(next + 3)) >= 0)) {
          out.add(piece(text.substring(start, i + 1), startLine, bytes, longest, longestLine));
          start = next + 3; // the rest of the marker's line ("--- # comment") belongs to the next document
          startLine = line;
          bytes = 0;
          longest = 0;
          i = next + 2;
          lineBytes = 3;
        }
        bytes++;
        continue;
      }
      int b = c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3; // a surrogate pair is 4 bytes
      bytes += b;
      lineBytes += b;
    }
    if (start < n || out.isEmpty()) {
      out.add(piece(text.substring(Math.min(start, n)), startLine, bytes, longest, longestLine));
    }
    return out;
  }

  private static Piece piece(String text, int line, long bytes, long longest, int longestLine) {
    if (bytes > MAX_DOCUMENT_BYTES || longest > MAX_LINE_BYTES) {
      line = firstContentLine(text, line);
    }
    if (bytes > MAX_DOCUMENT_BYTES) {
      return new Piece(line, null, "the document is " + mib(bytes) + ", over the API server's limit of "
          + mib(MAX_DOCUMENT_BYTES) + " per object (etcd's default: 1.5 MiB); not read");
    }
    if (longest > MAX_LINE_BYTES) {
      return new Piece(line, null, "line " + longestLine + " is " + mib(longest) + " long, over render's limit of "
          + mib(MAX_LINE_BYTES) + " per line (etcd's default request limit: no value that long can be stored); "
          + "not read");
    }
    return new Piece(line, text, null);
  }

  /**
   * The line a document's content starts on: after the rest of its "---" line, blank lines and comments. A problem
   * found before any node is read is reported there.
   */
  static int firstContentLine(String text, int line) {
    int i = text.indexOf('\n');
    if (i < 0 || !text.substring(0, i).isBlank() && !text.substring(0, i).trim().startsWith("#")) {
      return line; // content on the marker's own line, or a file's first line
    }
    int n = line + 1;
    while (i + 1 < text.length()) {
      int end = text.indexOf('\n', i + 1);
      String l = text.substring(i + 1, end < 0 ? text.length() : end).trim();
      if (!l.isEmpty() && !l.startsWith("#")) {
        return n;
      }
      if (end < 0) {
        break;
      }
      i = end;
      n++;
    }
    return line;
  }

  static String mib(long bytes) {
    return String.format(java.util.Locale.ROOT, "%.1f MiB (%,d bytes)", bytes / 1048576.0, bytes);
  }

  /** The documents of one piece (usually one), each with its line; never throws. */
  static List<Document> read(Piece piece) {
    List<Document> out = new ArrayList<>();
    if (piece.problem() != null) {
      out.add(new Document(piece.line(), null, piece.problem()));
      return out;
    }
    LoaderOptions options = new LoaderOptions();
    options.setCodePointLimit(Integer.MAX_VALUE); // sizes are checked above, before parsing
    options.setAllowRecursiveKeys(false);
    Composer composer = new Composer(new ParserImpl(new StreamReader(new StringReader(piece.text())), options),
        RESOLVER, options);
    int line = firstContentLine(piece.text(), piece.line());
    try {
      while (composer.checkNode()) {
        Node node = composer.getNode();
        line = piece.line() + node.getStartMark().getLine();
        out.add(new Document(line, new Converter(piece.line()).value(node), null));
      }
    } catch (Problem p) {
      out.add(new Document(line, null, identify(piece.text()) + p.getMessage()));
    } catch (MarkedYAMLException e) {
      Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      int at = m == null ? line : piece.line() + m.getLine();
      out.add(new Document(line, null, identify(piece.text()) + "line " + at + ": not valid YAML: " + e.getProblem()));
    } catch (YAMLException e) {
      out.add(new Document(line, null, identify(piece.text()) + "not valid YAML: " + e.getMessage()));
    }
    return out;
  }

  private static final Pattern KIND = Pattern.compile("(?m)^kind:[ \t]*[\"']?([A-Za-z0-9]+)");
  private static final Pattern NAME = Pattern.compile("(?m)^metadata:[ \t]*\\{?[^\\n]*?(?:\\n[ \t]+[^\\n]*?)*?"
      + "\\bname:[ \t]*[\"']?([-a-zA-Z0-9_.]+)");
  private static final Pattern NAMESPACE = Pattern.compile("(?m)^[ \t]+namespace:[ \t]*[\"']?([-a-zA-Z0-9_.]+)");

  /**
   * "Kind namespace/name: " of a document that could not be read, found in its text as well as can be without a
   * parser, or "" when it cannot be told: so a problem names the object, not just a line.
   */
  static String identify(String text) {
    java.util.regex.Matcher kind = KIND.matcher(text);
    java.util.regex.Matcher name = NAME.matcher(text);
    if (!kind.find() || !name.find()) {
      return "";
    }
    java.util.regex.Matcher ns = NAMESPACE.matcher(text);
    String k = kind.group(1);
    String namespace = "DirectorPair".equals(k) ? "" : (ns.find() ? ns.group(1) : "default") + "/";
    return k + " " + namespace + name.group(1) + ": ";
  }

  /** A problem with a value, at a line of the file. */
  private static final class Problem extends RuntimeException {
    Problem(String message) {
      super(message, null, false, false);
    }
  }

  /** SnakeYAML's nodes to JSON values with go-yaml v2's types; aliases expanded within a budget. */
  private static final class Converter {
    private final int firstLine;
    private int values;

    Converter(int firstLine) {
      this.firstLine = firstLine;
    }

    private int line(Node n) {
      return firstLine + n.getStartMark().getLine();
    }

    JsonNode value(Node n) {
      if (++values > MAX_VALUES) {
        throw new Problem("line " + line(n) + ": aliases expand this document to more than " + MAX_VALUES
            + " values");
      }
      if (n instanceof ScalarNode s) {
        return scalar(s);
      }
      if (n instanceof SequenceNode s) {
        ArrayNode a = JSON.arrayNode();
        for (Node item : s.getValue()) {
          a.add(value(item));
        }
        return a;
      }
      MappingNode m = (MappingNode) n;
      ObjectNode o = JSON.objectNode();
      Map<String, Integer> lines = new HashMap<>();
      List<Node> merges = new ArrayList<>();
      for (NodeTuple t : m.getValue()) {
        Node k = t.getKeyNode();
        if (k instanceof ScalarNode ks && ks.isPlain() && "<<".equals(ks.getValue())) {
          merges.add(t.getValueNode());
          continue;
        }
        String key = key(k);
        Integer first = lines.putIfAbsent(key, line(k));
        if (first != null) {
          throw new Problem("line " + line(k) + ": key \"" + key + "\" is given twice in one mapping (first on line "
              + first + "); the API server's strict decoding and kustomize refuse that, and kubectl apply -f "
              + "silently keeps the last one");
        }
        o.set(key, value(t.getValueNode()));
      }
      // Merge keys: a key both merged and given (or merged twice) is a key given twice to the API server's
      // strict decoding too ("already set in map"), so it is refused rather than resolved by precedence.
      for (Node merge : merges) {
        List<Node> sources = merge instanceof SequenceNode seq ? seq.getValue() : List.of(merge);
        for (Node source : sources) {
          JsonNode v = value(source);
          if (!v.isObject()) {
            throw new Problem("line " + line(source) + ": a merge key (<<) takes a mapping or a list of mappings");
          }
          for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            if (o.has(e.getKey())) {
              throw new Problem("line " + line(merge) + ": key \"" + e.getKey() + "\" is set both through the merge "
                  + "key (<<) and " + (lines.containsKey(e.getKey()) ? "on line " + lines.get(e.getKey())
                  : "by another merged mapping") + "; the API server's strict decoding refuses a key set twice");
            }
            o.set(e.getKey(), e.getValue());
          }
        }
      }
      return o;
    }

    /** A mapping key as JSON has it: a string (sigs.k8s.io/yaml writes a boolean or number key as its text). */
    private String key(Node k) {
      if (!(k instanceof ScalarNode s)) {
        throw new Problem("line " + line(k) + ": a mapping key must be a scalar, not a "
            + (k instanceof SequenceNode ? "list" : "mapping"));
      }
      JsonNode v = scalar(s);
      return v.isNull() ? "null" : v.asText();
    }

    private JsonNode scalar(ScalarNode s) {
      String v = s.getValue();
      Tag tag = s.getTag();
      if (tag == PLAIN) {
        return plainScalar(v);
      }
      if (tag.equals(Tag.STR)) { // quoted, a block scalar, or tagged !!str
        return JSON.textNode(v);
      }
      JsonNode typed = plainScalar(v);
      boolean ok = (tag.equals(Tag.INT) && typed.isIntegralNumber()) || (tag.equals(Tag.FLOAT) && typed.isNumber())
          || (tag.equals(Tag.BOOL) && typed.isBoolean()) || (tag.equals(Tag.NULL) && typed.isNull());
      if (!ok) {
        throw new Problem("line " + line(s) + ": cannot read '" + shorten(v) + "' as " + tag);
      }
      return typed;
    }
  }

  private static final Pattern FLOAT = Pattern.compile("^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$");

  /** go-yaml v2's resolve() for a plain scalar. */
  static JsonNode plainScalar(String v) {
    switch (v) {
      case "", "~", "null", "Null", "NULL":
        return JSON.nullNode();
      case "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON":
        return JSON.booleanNode(true);
      case "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF":
        return JSON.booleanNode(false);
      default:
        break;
    }
    char c = v.charAt(0);
    if (!(c >= '0' && c <= '9') && c != '-' && c != '+' && c != '.') {
      return JSON.textNode(v);
    }
    String p = v.replace("_", "");
    BigInteger i = goInteger(p);
    if (i != null) {
      return i.bitLength() < 64 ? JSON.numberNode(i.longValue()) : JSON.numberNode(i);
    }
    if (FLOAT.matcher(p).matches()) {
      double d = Double.parseDouble(p);
      // JSON has one number type: 80.0 reaches the API server as 80, an integer.
      if (d == Math.rint(d) && Math.abs(d) < 1e15) {
        return JSON.numberNode((long) d);
      }
      return JSON.numberNode(d);
    }
    return JSON.textNode(v);
  }

  /** strconv.ParseInt(s, 0, 64) and ParseUint: sign, then 0x, 0o, 0b, a leading 0 (octal) or decimal. */
  private static BigInteger goInteger(String s) {
    String digits = s;
    boolean negative = false;
    if (digits.startsWith("-") || digits.startsWith("+")) {
      negative = digits.charAt(0) == '-';
      digits = digits.substring(1);
    }
    int radix = 10;
    if (digits.length() > 1 && digits.charAt(0) == '0') {
      char k = Character.toLowerCase(digits.charAt(1));
      if (k == 'x' || k == 'o' || k == 'b') {
        radix = k == 'x' ? 16 : k == 'o' ? 8 : 2;
        digits = digits.substring(2);
      } else {
        radix = 8;
        digits = digits.substring(1);
      }
    }
    if (digits.isEmpty()) {
      return null;
    }
    for (int i = 0; i < digits.length(); i++) {
      if (Character.digit(digits.charAt(i), radix) < 0) {
        return null;
      }
    }
    BigInteger b = new BigInteger(digits, radix);
    b = negative ? b.negate() : b;
    return b.bitLength() < 64 || (!negative && b.bitLength() == 64) ? b : null;
  }

  static String shorten(String s) {
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }
}
