package io.halvs.logging;

import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * --log-level and --log-format for every halvs command line (a picocli mixin on the top command; inherited, so
 * they go before or after the subcommand).
 */
public final class LogOptions {
  @Option(names = "--log-level", scope = ScopeType.INHERIT, paramLabel = "LEVEL[,LOGGER=LEVEL...]",
      converter = LevelsConverter.class, description = "trace, debug, info, warn or error; then per logger or "
      + "package, e.g. info,io.fabric8=warn (default: $HALVS_LOG_LEVEL, else info; commands whose output is the "
      + "result, such as render and demo: warn).")
  void logLevel(LogLevels levels) {
    if (levels != null) {
      Logging.levels(levels);
    }
  }

  @Option(names = "--log-format", scope = ScopeType.INHERIT, paramLabel = "text|json", description = "Lines on "
      + "stderr as text or as JSON objects (default: $HALVS_LOG_FORMAT, else text).")
  void logFormat(Logging.Format format) {
    if (format != null) {
      Logging.format(format);
    }
  }

  /** --log-level's value, or picocli's "Invalid value" message with what is expected. */
  static final class LevelsConverter implements CommandLine.ITypeConverter<LogLevels> {
    @Override
    public LogLevels convert(String value) {
      try {
        return LogLevels.parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
