package io.halvs.operator;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The API server's answers the operator meets in operation and retries: a 403 while a restarted API server's RBAC
 * cache fills (or a ClusterRole edited by hand), a 409 conflict, a 410 for an expired watch, a 429 or 5xx under
 * load. fabric8's informers log them as warnings with a stack trace per retry, which reads as a bug; as one line
 * ({@code GET /apis/...: HTTP 403 Forbidden: <the server's message>}) the log says what was refused and by whom.
 * 400 and 422 are left out: a request the server cannot parse is the operator's bug, and its stack trace finds it.
 */
public final class ApiAnswers {
  private static final Set<Integer> IN_OPERATION = Set.of(401, 403, 404, 408, 409, 410, 429, 500, 502, 503, 504);
  /** fabric8's message starts "Failure executing: GET at: https://host:port/path. Message: ...". */
  private static final Pattern REQUEST = Pattern.compile("^Failure executing: (\\S+) at: \\S+?://[^/\\s]+(\\S*?)\\. ");
  private static final int CAUSES = 8;

  private ApiAnswers() {}

  /** The answer's one line when {@code t} is or wraps one the operator meets in operation; null otherwise. */
  public static String summary(Throwable t) {
    Throwable c = t;
    for (int depth = 0; c != null && depth < CAUSES; depth++, c = c.getCause()) {
      if (c instanceof KubernetesClientException k && IN_OPERATION.contains(k.getCode())) {
        return line(k);
      }
    }
    return null;
  }

  private static String line(KubernetesClientException k) {
    StringBuilder b = new StringBuilder(160);
    String message = k.getMessage() == null ? "" : k.getMessage();
    Matcher m = REQUEST.matcher(message);
    if (m.find()) {
      b.append(m.group(1)).append(' ').append(m.group(2).isEmpty() ? "/" : m.group(2)).append(": ");
    }
    b.append("HTTP ").append(k.getCode());
    Status s = k.getStatus();
    if (s != null && s.getReason() != null && !s.getReason().isEmpty()) {
      b.append(' ').append(s.getReason());
    }
    String said = s != null && s.getMessage() != null && !s.getMessage().isEmpty() ? s.getMessage()
        : firstLine(message, "");
    if (!said.isEmpty()) {
      b.append(": ").append(said);
    }
    return b.toString();
  }

  /** A message's first line (an API error's message carries the response body after it); ifNull without one. */
  public static String firstLine(String s, String ifNull) {
    if (s == null) {
      return ifNull;
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
