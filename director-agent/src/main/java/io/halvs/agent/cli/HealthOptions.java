package io.halvs.agent.cli;

import io.halvs.agent.http.AgentHttpServer;
import io.halvs.agent.http.Health;
import io.halvs.agent.metrics.MetricsExporter;
import io.halvs.agent.metrics.TextFormat;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/** Where the agent serves /healthz, /readyz and /metrics (a picocli mixin of both long-running commands). */
final class HealthOptions {
  private static final Logger LOG = LoggerFactory.getLogger(HealthOptions.class);

  @Option(names = "--health-port", defaultValue = "8850", description = "TCP port of /healthz, /readyz and "
      + "/metrics on the host network (the heartbeat is UDP 8849); 0: no HTTP server. Default ${DEFAULT-VALUE}.")
  int port;

  @Option(names = "--health-address", defaultValue = "0.0.0.0", description = "Address the health endpoints "
      + "listen on. Default ${DEFAULT-VALUE}.")
  String address;

  /** The server, listening or retrying (a port in use never stops the agent); null with --health-port 0. */
  AgentHttpServer start(Health health, MetricsExporter metrics) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("--health-port must be 0 (off) or 1-65535, got " + port);
    }
    if (port == 0) {
      return null;
    }
    try {
      AgentHttpServer server = health.register(new AgentHttpServer(new InetSocketAddress(address, port)));
      server.stream("/metrics", TextFormat.CONTENT_TYPE, metrics::write);
      server.start();
      return server;
    } catch (NoClassDefFoundError e) {
      // a Java runtime without the jdk.httpserver module (a custom jlink image): the data plane runs on
      LOG.warn("health endpoints off: this Java runtime lacks the jdk.httpserver module ("
          + e.getMessage() + ")");
      return null;
    }
  }
}
