package io.halvs.operator.demo;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.HashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/** fabric8's CRUD mock started and stopped the same way by every test that needs a bare API server. */
public final class CrudMockServers {
  private static final int CLOSE_WAIT_SECONDS = 5;

  private CrudMockServers() {}

  /** A CRUD mock (stores and watches any kind, no schema) over plain HTTP on a free loopback port. */
  public static KubernetesMockServer start() {
    return start(new KubernetesCrudDispatcher());
  }

  /** The same with {@code dispatcher}: a subclass that answers some requests its own way (a refusal, say). */
  public static KubernetesMockServer start(KubernetesCrudDispatcher dispatcher) {
    KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
        dispatcher, false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    return server;
  }

  /**
   * Stops {@code server}. mockwebserver 7.5.2's shutdown closes Vert.x from a listener on the HTTP server's close
   * and then waits on that close itself; when the listener wins, the wait is dispatched to a terminated event loop
   * and throws RejectedExecutionException (fabric8 kubernetes-client issue 7747). By then the HTTP server is closed
   * and Vert.x is closing, which is all a test's teardown needs.
   *
   * <p>Either way the server's close has completed before Vert.x's event loop has closed the listening socket: a
   * connection made just after {@code destroy()} returns was accepted in about 1 of 100 stops here. So this returns
   * once the port refuses connections, or throws after {@link #CLOSE_WAIT_SECONDS}.
   */
  public static void stop(KubernetesMockServer server) {
    int port = server.getPort();
    try {
      server.destroy();
    } catch (RejectedExecutionException closedWhileWaiting) {
      // the race above: the HTTP server is closed, Vert.x closing
    }
    awaitRefused(port);
  }

  private static void awaitRefused(int port) {
    InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CLOSE_WAIT_SECONDS);
    do {
      try (Socket probe = new Socket()) {
        probe.connect(address, 1_000);
      } catch (IOException refused) {
        return;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    } while (System.nanoTime() < deadline);
    throw new IllegalStateException("the CRUD mock still accepts connections on port " + port + " "
        + CLOSE_WAIT_SECONDS + " s after its shutdown");
  }
}
