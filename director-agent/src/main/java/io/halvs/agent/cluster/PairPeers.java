package io.halvs.agent.cluster;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.publish.Names;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Base64;

/**
 * What the pair election needs from the API server besides the plan: both directors' heartbeat addresses (each
 * Node's InternalIP from status.addresses: the peer's is where heartbeats go, this node's is where they are
 * received and sent from, so the two agents agree on the link) and the HMAC key from the pair's Secret. The
 * agent's RBAC allows get on exactly its pair's two Nodes and that one Secret.
 */
public final class PairPeers {
  /** Everything the election needs; or, when something is missing, why (one line for the log). */
  public record Resolved(InetAddress self, InetSocketAddress peer, byte[] hmacKey, String problem) {
    static Resolved missing(String problem) {
      return new Resolved(null, null, null, problem);
    }

    public boolean ok() {
      return problem == null;
    }
  }

  private final KubernetesClient client;
  private final String namespace;

  public PairPeers(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  public Resolved resolve(DirectorPlan plan, String node) {
    if (plan.nodes().size() != 2 || !plan.nodes().contains(node)) {
      return Resolved.missing("node " + node + " is not one of the pair's two nodes " + plan.nodes());
    }
    String peer = plan.nodes().get(0).equals(node) ? plan.nodes().get(1) : plan.nodes().get(0);
    try {
      InetAddress self = internalIp(node);
      if (self == null) {
        return Resolved.missing("this director's Node " + node + " has no InternalIP address yet");
      }
      InetAddress peerIp = internalIp(peer);
      if (peerIp == null) {
        return Resolved.missing("peer Node " + peer + " is missing or has no InternalIP address yet");
      }
      var ha = plan.highAvailability();
      String secretName = ha.authSecretName() != null ? ha.authSecretName() : Names.hmacSecret(plan.pair());
      String key = ha.authSecretName() != null ? ha.authSecretKey() : Names.HMAC_KEY;
      Secret s = client.secrets().inNamespace(namespace).withName(secretName).get();
      String data = s == null || s.getData() == null ? null : s.getData().get(key);
      if (data == null || data.isEmpty()) {
        return Resolved.missing("heartbeat key " + key + " of Secret " + namespace + "/" + secretName
            + " is missing");
      }
      return new Resolved(self, new InetSocketAddress(peerIp, ha.heartbeatPort()), Base64.getDecoder().decode(data),
          null);
    } catch (RuntimeException e) {
      return Resolved.missing("cannot read the pair's Nodes or Secret: " + e.getMessage());
    }
  }

  /** The Node's first InternalIP, or null when the Node or the address does not exist (yet). */
  InetAddress internalIp(String node) {
    Node n = client.nodes().withName(node).get();
    if (n == null || n.getStatus() == null || n.getStatus().getAddresses() == null) {
      return null;
    }
    for (NodeAddress a : n.getStatus().getAddresses()) {
      if ("InternalIP".equals(a.getType()) && a.getAddress() != null) {
        try {
          return InetAddress.getByName(a.getAddress()); // a literal: no DNS lookup
        } catch (UnknownHostException e) {
          return null;
        }
      }
    }
    return null;
  }
}
