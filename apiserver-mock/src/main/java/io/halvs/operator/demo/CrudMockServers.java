package io.halvs.operator.demo;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.concurrent.RejectedExecutionException;

/** fabric8's CRUD mock started and stopped the same way by every test that needs a bare API server. */
public final class CrudMockServers {
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
   */
  public static void stop(KubernetesMockServer server) {
    try {
      server.destroy();
    } catch (RejectedExecutionException closedWhileWaiting) {
      // the race above: nothing is left listening
    }
  }
}
