package io.halvs.api.client;

import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A component's requests to the API server, counted by verb, resource and answer, as the API server counts every
 * client's together (apiserver_request_total): which component loads the API server, and with what, is then a
 * graph, not a guess. Each HTTP exchange counts once (a retry is another), a watch once per connection, a request
 * that reached no server under code {@code error}. Names never become labels: a resource is its type and
 * subresource ({@code realservers/status}), so the series stay a few dozen at any size.
 */
public final class ApiRequests implements Interceptor {
  /** The code of a request that got no answer (the connection failed). */
  public static final String NO_ANSWER = "error";

  /** One series: the API server's verb (get, list, watch, create, update, patch, delete, ...). */
  public record Key(String verb, String resource, String code) implements Comparable<Key> {
    @Override
    public int compareTo(Key o) {
      int c = resource.compareTo(o.resource);
      c = c != 0 ? c : verb.compareTo(o.verb);
      return c != 0 ? c : code.compareTo(o.code);
    }
  }

  private final Map<Key, LongAdder> counts = new ConcurrentHashMap<>();

  /** The builder, its client's requests counted here. */
  public KubernetesClientBuilder install(KubernetesClientBuilder builder) {
    return builder.withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("halvs-api-requests", this));
  }

  @Override
  public void after(HttpRequest request, HttpResponse<?> response, AsyncBody.Consumer<List<ByteBuffer>> consumer) {
    count(request.method(), request.uri(), Integer.toString(response.code()));
  }

  @Override
  public void afterConnectionFailure(HttpRequest request, Throwable failure) {
    count(request.method(), request.uri(), NO_ANSWER);
  }

  /** One exchange: the request's method and URI, the answer's HTTP code (or {@link #NO_ANSWER}). */
  public void count(String method, URI uri, String code) {
    counts.computeIfAbsent(new Key(verb(method, uri), resource(uri.getRawPath()), code), k -> new LongAdder())
        .increment();
  }

  /** Every series so far with its count, in a stable order. */
  public Map<Key, Long> snapshot() {
    Map<Key, Long> out = new TreeMap<>();
    counts.forEach((k, n) -> out.put(k, n.sum()));
    return out;
  }

  /**
   * The API server's verb: a GET is watch (watch=true), get (of one named object) or list; a DELETE of no name is
   * deletecollection.
   */
  static String verb(String method, URI uri) {
    String m = method.toUpperCase(Locale.ROOT);
    boolean named = named(uri.getRawPath());
    return switch (m) {
      case "GET" -> watch(uri.getRawQuery()) ? "watch" : named ? "get" : "list";
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> named ? "delete" : "deletecollection";
      default -> m.toLowerCase(Locale.ROOT);
    };
  }

  /**
   * The resource of a path: {@code /api/v1/namespaces/ns/pods/p} is pods, {@code .../realservers/r/status}
   * realservers/status, {@code /api/v1/namespaces/ns} namespaces; a group or version's discovery is discovery,
   * anything else (/version, /openapi) other.
   */
  static String resource(String path) {
    String[] s = segments(path);
    if (s == null) {
      return "other";
    }
    if (s.length == 0) {
      return "discovery";
    }
    return s.length >= 3 ? s[0] + "/" + s[2] : s[0];
  }

  private static boolean named(String path) {
    String[] s = segments(path);
    return s != null && s.length >= 2;
  }

  /** The segments after the group and version, without a namespace's; null for a path outside /api and /apis. */
  private static String[] segments(String path) {
    String p = path == null ? "" : path;
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    String[] all = p.startsWith("/") ? p.substring(1).split("/", -1) : p.split("/", -1);
    int skip;
    if (all.length >= 2 && all[0].equals("api")) {
      skip = 2; // api, v1
    } else if (all.length >= 3 && all[0].equals("apis")) {
      skip = 3; // apis, group, version
    } else if (all.length >= 1 && (all[0].equals("api") || all[0].equals("apis"))) {
      return new String[0]; // the list of versions or groups
    } else {
      return null;
    }
    // namespaces/ns/<resource>...: a namespaced resource; namespaces/ns alone is the namespace, and
    // namespaces/ns/status or /finalize its subresources
    if (all.length >= skip + 3 && all[skip].equals("namespaces") && !(all.length == skip + 3
        && (all[skip + 2].equals("status") || all[skip + 2].equals("finalize")))) {
      skip += 2;
    }
    String[] s = new String[all.length - skip];
    System.arraycopy(all, skip, s, 0, s.length);
    return s;
  }

  private static boolean watch(String query) {
    if (query == null) {
      return false;
    }
    for (String kv : query.split("&")) {
      if (kv.equals("watch=true") || kv.equals("watch=1")) {
        return true;
      }
    }
    return false;
  }
}
