package io.halvs.agent.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's small HTTP server on the host network (the kubelet's probes, Prometheus' /metrics): plain-text GET
 * routes, answered by two daemon threads, so a scrape that reads a large IPVS table never delays a probe; the
 * probes' handlers only read volatile state, never wait. Streamed routes (/metrics) write their body as they go,
 * chunked, gzip-compressed when the client accepts it (Prometheus does). The JDK's com.sun.net.httpserver: no
 * dependency, and the image's runtime carries jdk.httpserver.
 *
 * <p>The data plane comes first: when the address cannot be bound (another process holds the port), one error
 * line says so and the agent runs on without the endpoints; binding is retried in the background and one line
 * says when it succeeded. The kubelet's liveness probe then fails and restarts the container, which with the
 * graceful handover costs no second VIP holder and at most one failover.
 */
public final class AgentHttpServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AgentHttpServer.class);
  static final long RETRY_MILLIS = 10_000;

  /** What a route answers: a status and one line of plain text. */
  public record Response(int status, String body) {
    public static Response ok() {
      return new Response(200, "ok");
    }
  }

  private final InetSocketAddress address;
  private final Map<String, Supplier<Response>> routes = new ConcurrentHashMap<>();
  private final Map<String, Streamed> streamed = new ConcurrentHashMap<>();

  /** A body written onto the response as it is produced. */
  public interface Body {
    void write(OutputStream out) throws IOException;
  }

  private record Streamed(String contentType, Body body) {}
  private volatile HttpServer server;
  private volatile java.util.concurrent.ExecutorService executor;
  private volatile Thread retry;
  private volatile boolean closed;

  /** @param address port 0: any free port (tests) */
  public AgentHttpServer(InetSocketAddress address) {
    this.address = address;
  }

  /** Adds a GET route; routes may be added after start. */
  public AgentHttpServer route(String path, Supplier<Response> handler) {
    routes.put(path, handler);
    return this;
  }

  /** Adds a GET route whose body is streamed (200, chunked); routes may be added after start. */
  public AgentHttpServer stream(String path, String contentType, Body body) {
    streamed.put(path, new Streamed(contentType, body));
    return this;
  }

  /**
   * Binds now; true when listening. When the address cannot be bound: one error line, retries every 10 s on a
   * daemon thread, false.
   */
  public boolean start() {
    try {
      bind();
      LOG.info("health endpoints on http://{}:{}/healthz and /readyz, metrics on /metrics", address.getHostString(),
          port());
      return true;
    } catch (IOException e) {
      LOG.error("health endpoints: cannot listen on {}:{} ({}): /healthz, /readyz and /metrics are off, the data "
          + "plane runs on; retrying every {} s", address.getHostString(), address.getPort(), e.getMessage(),
          RETRY_MILLIS / 1000);
      Thread t = new Thread(this::retry, "halvs-http-bind");
      t.setDaemon(true);
      retry = t;
      t.start();
      return false;
    }
  }

  private void retry() {
    while (!closed) {
      try {
        Thread.sleep(RETRY_MILLIS);
        bind();
        LOG.info("health endpoints: now listening on {}:{}", address.getHostString(), port());
        return;
      } catch (IOException e) {
        // said once already; keep trying quietly
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private synchronized void bind() throws IOException {
    if (closed) {
      return;
    }
    HttpServer s = HttpServer.create(address, 16);
    s.createContext("/", this::handle);
    // two threads: a scrape being written never holds up a probe
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "halvs-http");
      t.setDaemon(true);
      return t;
    });
    s.setExecutor(pool);
    executor = pool;
    // start() creates the dispatcher thread, which inherits daemon-ness from its creator: a daemon, so the
    // server never keeps the JVM alive on its own
    Thread starter = new Thread(s::start, "halvs-http-start");
    starter.setDaemon(true);
    starter.start();
    try {
      starter.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server = s;
  }

  /** The bound port, -1 while not listening. */
  public int port() {
    HttpServer s = server;
    return s == null ? -1 : s.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    String method = exchange.getRequestMethod();
    Streamed stream = streamed.get(path);
    if (stream != null && (method.equals("GET") || method.equals("HEAD"))) {
      stream(exchange, stream, method.equals("HEAD"));
      return;
    }
    try (exchange) {
      Supplier<Response> route = routes.get(path);
      Response r;
      if (route == null && stream == null) {
        r = new Response(404, "not found; try /healthz, /readyz or /metrics");
      } else if (!method.equals("GET") && !method.equals("HEAD")) {
        r = new Response(405, "GET or HEAD only");
      } else {
        try {
          r = route.get();
        } catch (RuntimeException e) {
          r = new Response(500, "error: " + e);
        }
      }
      byte[] body = (r.body().replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
      exchange.getResponseHeaders().set("Cache-Control", "no-store");
      boolean head = method.equals("HEAD");
      exchange.sendResponseHeaders(r.status(), head ? -1 : body.length);
      if (!head) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
    }
  }

  private static void stream(HttpExchange exchange, Streamed stream, boolean head) throws IOException {
    String accept = exchange.getRequestHeaders().getFirst("Accept-Encoding");
    boolean gzip = accept != null && accept.contains("gzip");
    exchange.getResponseHeaders().set("Content-Type", stream.contentType());
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    if (gzip) {
      exchange.getResponseHeaders().set("Content-Encoding", "gzip");
    }
    if (head) {
      exchange.sendResponseHeaders(200, -1);
      return;
    }
    exchange.sendResponseHeaders(200, 0); // chunked: the size is known only at the end
    OutputStream raw = exchange.getResponseBody();
    try {
      OutputStream out = gzip ? new FastGzip(raw) : raw;
      stream.body().write(out);
      out.close(); // the gzip trailer and the last chunk: only now is the response complete
    } catch (IOException | RuntimeException | LinkageError e) {
      // The status is sent already. Closing the body would end it as a complete 200 with what was written so far
      // (a scrape with half its samples, or none, that Prometheus takes as good): thrown instead, the HTTP
      // server drops the connection without the last chunk and the scraper records a failed scrape.
      LOG.warn("{} cut short, the connection is dropped: {}", exchange.getRequestURI().getPath(), e.toString());
      throw e instanceof IOException io ? io : new IOException(e);
    }
    exchange.close();
  }

  /** gzip at the fastest level: a full-size scrape compresses ~20:1 even so, for a fraction of the CPU. */
  private static final class FastGzip extends java.util.zip.GZIPOutputStream {
    FastGzip(OutputStream out) throws IOException {
      super(out, 64 * 1024);
      def.setLevel(java.util.zip.Deflater.BEST_SPEED);
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    Thread t = retry;
    if (t != null) {
      t.interrupt();
    }
    HttpServer s = server;
    if (s != null) {
      s.stop(0);
    }
    java.util.concurrent.ExecutorService e = executor;
    if (e != null) {
      e.shutdownNow();
    }
  }
}
