package io.halvs.operator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.halvs.operator.metrics.OperatorMetrics;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The operator's probes: GET /readyz (200 once its caches are synced, leader or standby) and /healthz (200
 * while not wedged), and GET /metrics (Prometheus text format). Up before the operator waits for its CRDs, so a
 * wait is "not ready", never a restart.
 */
public final class HealthServer implements AutoCloseable {
  private final HttpServer server;

  public HealthServer(int port, BooleanSupplier ready, BooleanSupplier alive, Supplier<String> role)
      throws IOException {
    this(port, ready, alive, role, null);
  }

  /** With {@code metrics} null, /metrics is not served. */
  public HealthServer(int port, BooleanSupplier ready, BooleanSupplier alive, Supplier<String> role,
      OperatorMetrics metrics) throws IOException {
    server = HttpServer.create(new InetSocketAddress(port), 8);
    server.createContext("/readyz", x -> answer(x, ready.getAsBoolean(), role.get()));
    server.createContext("/healthz", x -> answer(x, alive.getAsBoolean(), role.get()));
    if (metrics != null) {
      server.createContext("/metrics", x -> send(x, 200, OperatorMetrics.CONTENT_TYPE,
          metrics.scrape().getBytes(StandardCharsets.UTF_8)));
    }
    server.setExecutor(Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "halvs-health");
      t.setDaemon(true);
      return t;
    }));
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void answer(HttpExchange x, boolean ok, String role) throws IOException {
    send(x, ok ? 200 : 503, "text/plain", ((ok ? "ok" : "not ok") + " (" + role + ")\n")
        .getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange x, int code, String type, byte[] body) throws IOException {
    x.getResponseHeaders().set("Content-Type", type);
    x.sendResponseHeaders(code, body.length);
    try (OutputStream out = x.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
