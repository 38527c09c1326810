package io.halvs.plan.migrate;

import java.util.ArrayList;
import java.util.List;

/**
 * What an importer has to say about the file it reads, each tied to FILE:LINE: warnings (a directive halvs cannot
 * express; the rest is still imported) and the one syntax error that stops the import.
 */
public final class Diagnostics {
  /** A syntax error: the import stops, nothing is printed on stdout. */
  public static final class SyntaxError extends Exception {
    private final String file;
    private final int line;

    public SyntaxError(String file, int line, String message) {
      super(message);
      this.file = file;
      this.line = line;
    }

    public String where() {
      return file + ":" + line;
    }
  }

  public record Warning(String file, int line, String message) {
    @Override
    public String toString() {
      return file + ":" + line + ": warning: " + message;
    }
  }

  private final List<Warning> warnings = new ArrayList<>();

  public void warn(String file, int line, String message) {
    warnings.add(new Warning(file, line, message));
  }

  public List<Warning> warnings() {
    // In file order, whatever order the importer found them in.
    List<Warning> sorted = new ArrayList<>(warnings);
    sorted.sort(java.util.Comparator.comparing(Warning::file).thenComparingInt(Warning::line));
    return List.copyOf(sorted);
  }
}
