package io.halvs.logging;

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/** The SLF4J 2 provider (META-INF/services): halvs' own backend for every entry point. */
public final class HalvsServiceProvider implements SLF4JServiceProvider {
  private ILoggerFactory loggers;
  private IMarkerFactory markers;

  @Override
  public void initialize() {
    loggers = Logging::logger;
    markers = new BasicMarkerFactory();
  }

  @Override
  public ILoggerFactory getLoggerFactory() {
    return loggers;
  }

  @Override
  public IMarkerFactory getMarkerFactory() {
    return markers;
  }

  @Override
  public MDCAdapter getMDCAdapter() {
    return Logging.MDC;
  }

  @Override
  public String getRequestedApiVersion() {
    return "2.0.99";
  }
}
