package io.halvs.operator.kubectl;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.halvs.plan.IpAddress;
import io.halvs.plan.publish.Names;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The active director's IPVS connection table, read by exec into its agent pod: `halvs-agent conns` there reads
 * /proc/net/ip_vs_conn of the host network namespace (the pod runs with hostNetwork). Exec rather than an HTTP
 * endpoint on the agent: no new network surface on the directors, and the right to see it is the user's own
 * (RBAC pods/exec in the agents' namespace), not the agent's.
 */
final class Connections {
  /** The agent container of the DaemonSet (operator/src/main/resources/templates/agent-daemonset.yaml). */
  static final String CONTAINER = "agent";
  /**
   * The image has no shell: the jlink'd java and jib's classpath file, as its entrypoint uses them. A small heap
   * and the client compiler: a one-off next to the running agent, inside the pod's memory limit (the command
   * line's -Xmx wins over the container's JAVA_TOOL_OPTIONS).
   */
  static final List<String> AGENT_COMMAND = List.of("/opt/java/bin/java", "-XX:+UseSerialGC", "-Xms8m", "-Xmx64m",
      "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp", "@/app/jib-classpath-file", "io.halvs.agent.cli.Main");
  static final long TIMEOUT_SECONDS = 60;

  private Connections() {}

  /** A failure to reach the table, said for people (no pod, exec refused, the command failed). */
  static final class Unavailable extends Exception {
    Unavailable(String message) {
      super(message);
    }
  }

  /** The agent pod of the pair on that node. */
  static Pod agentPod(KubernetesClient client, String halvsNamespace, String pair, String node) throws Unavailable {
    String ds = Names.agent(pair);
    List<Pod> pods = client.pods().inNamespace(halvsNamespace).withLabel("app.kubernetes.io/instance", ds).list()
        .getItems().stream().filter(p -> p.getSpec() != null && node.equals(p.getSpec().getNodeName()))
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
    Pod running = pods.stream().filter(p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase()))
        .findFirst().orElse(null);
    if (running == null) {
      throw new Unavailable("no running agent pod of DaemonSet " + halvsNamespace + "/" + ds + " on node " + node
          + (pods.isEmpty() ? "" : " (" + pods.get(0).getMetadata().getName() + " is "
              + (pods.get(0).getStatus() == null ? "pending" : pods.get(0).getStatus().getPhase()) + ")"));
    }
    return running;
  }

  /** Runs `halvs-agent ARGS` in the agent pod and returns its standard output. */
  static String exec(KubernetesClient client, Pod pod, String... args) throws Unavailable {
    List<String> command = new ArrayList<>(AGENT_COMMAND);
    command.addAll(List.of(args));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String where = "pod " + pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    try (ExecWatch watch = client.pods().inNamespace(pod.getMetadata().getNamespace())
        .withName(pod.getMetadata().getName()).inContainer(CONTAINER)
        // No wait for Ready: an agent whose probe fails is when its table matters most; Running is enough.
        .withReadyWaitTimeout(0).writingOutput(out).writingError(err)
        .exec(command.toArray(String[]::new))) {
      Integer code = watch.exitCode().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      String errors = agentErrors(err.toString(StandardCharsets.UTF_8));
      // null: the stream closed without the status frame (seen when the close overtakes it); its output frames
      // came before the close, so the output is whole unless the command said something on stderr.
      if (code == null && !errors.isEmpty()) {
        throw new Unavailable("halvs-agent " + String.join(" ", args) + " in " + where + " ended without an exit "
            + "status: " + errors);
      }
      if (code != null && code != 0) {
        throw new Unavailable("halvs-agent " + String.join(" ", args) + " in " + where + " exited " + code + ": "
            + (errors.isEmpty() ? "(nothing on stderr)" : errors));
      }
      return out.toString(StandardCharsets.UTF_8);
    } catch (KubernetesClientException e) {
      throw new Unavailable("cannot exec into " + where + ": " + e.getMessage()
          + (e.getCode() == 403 ? " (needs RBAC create pods/exec in " + pod.getMetadata().getNamespace() + ")" : ""));
    } catch (ExecutionException e) {
      throw new Unavailable("cannot exec into " + where + ": " + e.getCause().getMessage());
    } catch (TimeoutException e) {
      throw new Unavailable("halvs-agent " + String.join(" ", args) + " in " + where + " did not finish in "
          + TIMEOUT_SECONDS + " s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unavailable("interrupted");
    }
  }

  /** The JVM's note about JAVA_TOOL_OPTIONS is not an error. */
  static String agentErrors(String stderr) {
    return stderr.lines().filter(l -> !l.startsWith("Picked up JAVA_TOOL_OPTIONS")).filter(l -> !l.isBlank())
        .reduce((a, b) -> a + "\n" + b).orElse("");
  }

  /**
   * The lines of `halvs-agent conns` output (ipvsadm -Lnc's columns: pro expire state source virtual
   * destination), without the JVM's notes; with a VIP, only the connections to it (the header stays).
   */
  static List<String> filter(String conns, String vip) {
    IpAddress want = vip == null ? null : IpAddress.tryParse(vip).orElse(null);
    List<String> out = new ArrayList<>();
    for (String line : conns.lines().toList()) {
      String[] f = line.trim().split("\\s+");
      if (f.length != 6 || f[0].equals("pro")) {
        if (line.startsWith("IPVS connection entries") || f[0].equals("pro")) {
          out.add(line);
        }
        continue;
      }
      if (want == null || want.equals(hostOf(f[4]))) {
        out.add(line);
      }
    }
    return out;
  }

  /** Connections to the destination address (and port, when given). */
  static long countTo(String conns, String address, Integer port) {
    IpAddress want = IpAddress.tryParse(address).orElse(null);
    return conns.lines().map(l -> l.trim().split("\\s+")).filter(f -> f.length == 6 && !f[0].equals("pro"))
        .filter(f -> want != null && want.equals(hostOf(f[5])) && (port == null || port == portOf(f[5]))).count();
  }

  /** "10.0.1.11:80" or "[2001:db8::1]:80": the address. */
  static IpAddress hostOf(String endpoint) {
    int colon = endpoint.lastIndexOf(':');
    if (colon < 0) {
      return null;
    }
    String host = endpoint.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return IpAddress.tryParse(host).orElse(null);
  }

  static int portOf(String endpoint) {
    try {
      return Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
