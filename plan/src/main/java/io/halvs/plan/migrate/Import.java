package io.halvs.plan.migrate;

import io.halvs.plan.migrate.Diagnostics.SyntaxError;
import io.halvs.plan.migrate.ldirectord.LdirectordImporter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code halvs import ldirectord|keepalived FILE}: the config in, CR YAML out on stdout (exit 0). A directive
 * halvs cannot express is one warning on stderr ({@code FILE:LINE: warning: ...}) and the rest is imported;
 * with strict, warnings are fatal. A syntax error prints {@code FILE:LINE: error: ...}, nothing on stdout, exit 1.
 */
public final class Import {
  private Import() {}

  public enum Format { LDIRECTORD, KEEPALIVED }

  /** What an import produced: the YAML (null on error), the warnings, the error line (null if none). */
  public record Outcome(String yaml, java.util.List<Diagnostics.Warning> warnings, String error) {}

  public static Outcome convert(Format format, Path file) {
    Diagnostics d = new Diagnostics();
    String name = file.toString();
    try {
      String text;
      try {
        text = Files.readString(file, StandardCharsets.UTF_8);
      } catch (IOException e) {
        return new Outcome(null, d.warnings(), name + ": cannot read: " + e.getMessage());
      }
      String base = file.getFileName().toString().replaceFirst("\\.[^.]*$", "");
      String pair = Manifest.dnsName(base.isEmpty() ? format.name() : base);
      Manifest m = switch (format) {
        case LDIRECTORD -> LdirectordImporter.read(name, text, pair, d);
        case KEEPALIVED -> io.halvs.plan.migrate.keepalived.KeepalivedImporter.read(file, text, pair, d);
      };
      return new Outcome(m.toYaml(), d.warnings(), null);
    } catch (SyntaxError e) {
      return new Outcome(null, d.warnings(), e.where() + ": error: " + e.getMessage());
    }
  }

  /** The command line's form: the format by name. */
  public static int run(String format, Path file, boolean strict, PrintStream out, PrintStream err) {
    for (Format f : Format.values()) {
      if (f.name().equalsIgnoreCase(format)) {
        return run(f, file, strict, out, err);
      }
    }
    err.println("import: unknown format '" + format + "': ldirectord or keepalived");
    return 2;
  }

  public static int run(Format format, Path file, boolean strict, PrintStream out, PrintStream err) {
    Outcome o = convert(format, file);
    o.warnings().forEach(w -> err.println(w));
    if (o.error() != null) {
      err.println(o.error());
      return 1;
    }
    if (strict && !o.warnings().isEmpty()) {
      err.println("import: " + o.warnings().size() + (o.warnings().size() == 1 ? " warning" : " warnings")
          + " and --strict: nothing printed");
      return 1;
    }
    out.print(o.yaml());
    out.flush();
    return 0;
  }
}
