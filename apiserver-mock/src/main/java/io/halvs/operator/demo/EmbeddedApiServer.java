package io.halvs.operator.demo;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.VirtualService;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

/**
 * fabric8's CRUD mock of the Kubernetes API on a free loopback port, taught the halvs kinds. It stores and
 * watches objects but does no schema validation, no server-side apply and no garbage collection; the real
 * API server tier (e2e/apiserver) checks those.
 */
public final class EmbeddedApiServer implements AutoCloseable {
  /** Held so the JUL logger (and its level) is not garbage collected: the mock logs every request at INFO. */
  private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  static {
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  private final KubernetesMockServer server;
  private final KubernetesClient client;
  private final NoRbacDispatcher dispatcher;

  public EmbeddedApiServer() {
    List<CustomResourceDefinitionContext> kinds = List.of(
        CustomResourceDefinitionContext.fromCustomResourceType(VirtualService.class),
        CustomResourceDefinitionContext.fromCustomResourceType(RealServer.class),
        CustomResourceDefinitionContext.fromCustomResourceType(DirectorPair.class));
    dispatcher = new NoRbacDispatcher(kinds);
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    client = server.createClient();
  }

  /**
   * The mock has no RBAC: every SelfSubjectRulesReview (JOSDK asks one before leader election) answers that
   * everything is allowed, instead of the CRUD store's 422 for an object without metadata.
   */
  static final class NoRbacDispatcher extends KubernetesCrudDispatcher {
    private volatile Predicate<RecordedRequest> slow = r -> false;
    private volatile Duration delay = Duration.ZERO;
    /** Requests so far by "METHOD path" (no query): bounded by the objects, as the demo runs for long. */
    private final ConcurrentHashMap<String, LongAdder> requests = new ConcurrentHashMap<>();

    NoRbacDispatcher(List<CustomResourceDefinitionContext> kinds) {
      super(kinds);
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      String path = request.getPath() == null ? "" : request.getPath();
      int query = path.indexOf('?');
      requests.computeIfAbsent(request.getMethod() + " " + (query < 0 ? path : path.substring(0, query)),
          k -> new LongAdder()).increment();
      MockResponse response = super.dispatch(request);
      // Applied now, answered later (a timer, not a blocked event loop): the client waits as on a slow server.
      return slow.test(request) ? response.setBodyDelay(delay) : response;
    }

    @Override
    public MockResponse handleCreate(RecordedRequest request) {
      if (request.getPath().startsWith("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")) {
        return new MockResponse().setResponseCode(201).setBody("{\"apiVersion\":\"authorization.k8s.io/v1\","
            + "\"kind\":\"SelfSubjectRulesReview\",\"metadata\":{},\"spec\":{},\"status\":{\"incomplete\":false,"
            + "\"resourceRules\":[{\"verbs\":[\"*\"],\"apiGroups\":[\"*\"],\"resources\":[\"*\"]}],"
            + "\"nonResourceRules\":[]}}");
      }
      return super.handleCreate(request);
    }
  }

  /**
   * From now on, requests {@code which} matches are carried out at once and answered after {@code delay}: an API
   * server slow for some requests, for tests of what must not wait for them.
   */
  public void delay(Predicate<RecordedRequest> which, Duration delay) {
    dispatcher.delay = delay;
    dispatcher.slow = which;
  }

  /** How many requests so far were {@code method} on a path containing {@code pathPart}. */
  public long requests(String method, String pathPart) {
    return dispatcher.requests.entrySet().stream()
        .filter(e -> e.getKey().startsWith(method + " ") && e.getKey().contains(pathPart))
        .mapToLong(e -> e.getValue().sum()).sum();
  }

  public KubernetesClient client() {
    return client;
  }

  @Override
  public void close() {
    client.close();
    CrudMockServers.stop(server);
  }
}
