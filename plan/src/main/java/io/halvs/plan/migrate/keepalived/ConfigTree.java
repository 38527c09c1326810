package io.halvs.plan.migrate.keepalived;

import io.halvs.plan.migrate.Diagnostics.SyntaxError;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * keepalived.conf as keepalived's parser reads it: lines of whitespace-separated words, a comment from '!' or '#'
 * outside quotes to the end of the line, quotes removed ("a b" is one word), a statement per line whose '{'
 * opens a block that a '}' closes, and {@code include FILE} (a glob, relative to the including file's folder)
 * read in place.
 */
final class ConfigTree {
  /** One statement: its keyword, its arguments, and its block (null if it has none). */
  record Node(String keyword, List<String> args, List<Node> block, String file, int line) {
    String arg(int i) {
      return i < args.size() ? args.get(i) : null;
    }

    String where() {
      return file + ":" + line;
    }
  }

  private record Word(String text, boolean quoted, String file, int line, boolean lineStart) {}

  private final List<Word> words = new ArrayList<>();
  private int pos;

  private ConfigTree() {}

  static List<Node> parse(Path file, String text) throws SyntaxError {
    ConfigTree t = new ConfigTree();
    t.read(file, text, 0);
    List<Node> top = t.block(null);
    return top;
  }

  private void read(Path file, String text, int depth) throws SyntaxError {
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      List<Word> line = split(lines[i], file.toString(), i + 1);
      if (!line.isEmpty() && line.get(0).text().equals("include") && !line.get(0).quoted()) {
        if (line.size() != 2) {
          throw new SyntaxError(file.toString(), i + 1, "include takes one file name (or glob)");
        }
        if (depth >= 8) {
          throw new SyntaxError(file.toString(), i + 1, "includes nested deeper than 8 (a loop?)");
        }
        for (Path included : glob(file, line.get(1).text(), i + 1)) {
          try {
            read(included, Files.readString(included), depth + 1);
          } catch (IOException e) {
            throw new SyntaxError(file.toString(), i + 1, "cannot read included file " + included + ": " + e);
          }
        }
        continue;
      }
      words.addAll(line);
    }
  }

  private static List<Path> glob(Path including, String pattern, int line) throws SyntaxError {
    Path base = including.toAbsolutePath().getParent();
    Path p = base.resolve(pattern).normalize();
    if (!pattern.contains("*") && !pattern.contains("?") && !pattern.contains("[")) {
      if (!Files.isRegularFile(p)) {
        throw new SyntaxError(including.toString(), line, "include " + pattern + ": no such file");
      }
      return List.of(relative(p));
    }
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(p.getParent(), p.getFileName().toString())) {
      s.forEach(f -> out.add(relative(f)));
    } catch (IOException e) {
      throw new SyntaxError(including.toString(), line, "include " + pattern + ": " + e.getMessage());
    }
    out.sort(null);
    return out; // a glob that matches nothing includes nothing, as keepalived does
  }

  private static Path relative(Path p) {
    Path cwd = Path.of("").toAbsolutePath();
    return p.startsWith(cwd) ? cwd.relativize(p) : p;
  }

  /** The words of one line: comments cut, quotes joined, '{' and '}' words of their own. */
  private static List<Word> split(String line, String file, int lineNo) throws SyntaxError {
    List<Word> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean inWord = false;
    boolean quoted = false;
    char quote = 0;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else if (c == '\\' && i + 1 < line.length()) {
          cur.append(line.charAt(++i));
        } else {
          cur.append(c);
        }
        continue;
      }
      if (c == '"' || c == '\'') {
        quote = c;
        inWord = true;
        quoted = true;
        continue;
      }
      if (c == '!' || c == '#') {
        break;
      }
      if (Character.isWhitespace(c) || c == '{' || c == '}') {
        if (inWord) {
          out.add(new Word(cur.toString(), quoted, file, lineNo, out.isEmpty()));
          cur.setLength(0);
          inWord = false;
          quoted = false;
        }
        if (c == '{' || c == '}') {
          out.add(new Word(String.valueOf(c), false, file, lineNo, out.isEmpty()));
        }
        continue;
      }
      cur.append(c);
      inWord = true;
    }
    if (quote != 0) {
      throw new SyntaxError(file, lineNo, "unterminated quote");
    }
    if (inWord) {
      out.add(new Word(cur.toString(), quoted, file, lineNo, out.isEmpty()));
    }
    return out;
  }

  private boolean isBrace(Word w, String brace) {
    return !w.quoted() && w.text().equals(brace);
  }

  /** Statements up to the '}' that closes the block opened at open (or the end of input at top level). */
  private List<Node> block(Word open) throws SyntaxError {
    List<Node> out = new ArrayList<>();
    while (pos < words.size()) {
      Word first = words.get(pos);
      if (isBrace(first, "}")) {
        if (open == null) {
          throw new SyntaxError(first.file(), first.line(), "'}' without a block to close");
        }
        pos++;
        return out;
      }
      if (isBrace(first, "{")) {
        throw new SyntaxError(first.file(), first.line(), "'{' without a keyword before it");
      }
      pos++;
      List<String> args = new ArrayList<>();
      while (pos < words.size() && !words.get(pos).lineStart() && !isBrace(words.get(pos), "{")
          && !isBrace(words.get(pos), "}")) {
        args.add(words.get(pos++).text());
      }
      List<Node> children = null;
      // A '{' on this line, or starting the next one, opens this statement's block.
      if (pos < words.size() && isBrace(words.get(pos), "{")) {
        Word brace = words.get(pos++);
        children = block(brace);
      }
      out.add(new Node(first.text(), List.copyOf(args), children, first.file(), first.line()));
    }
    if (open != null) {
      throw new SyntaxError(open.file(), open.line(), "'{' is never closed (a '}' is missing)");
    }
    return out;
  }
}
