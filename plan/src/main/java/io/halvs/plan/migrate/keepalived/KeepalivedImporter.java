package io.halvs.plan.migrate.keepalived;

import io.halvs.plan.migrate.Diagnostics;
import io.halvs.plan.migrate.Diagnostics.SyntaxError;
import io.halvs.plan.migrate.Manifest;
import java.nio.file.Path;

/** keepalived.conf into halvs objects. */
public final class KeepalivedImporter {
  private KeepalivedImporter() {}

  public static Manifest read(Path file, String text, String pairName, Diagnostics d) throws SyntaxError {
    throw new SyntaxError(file.toString(), 1, "keepalived import is not implemented yet");
  }
}
