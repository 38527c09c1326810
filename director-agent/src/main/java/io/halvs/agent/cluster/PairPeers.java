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
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * What the pair election needs from the API server besides the plan: both directors' heartbeat addresses (each
 * Node's InternalIP from status.addresses: the peer's is where heartbeats go, this node's is where they are
 * received and sent from, so the two agents agree on the link) and the HMAC key from the pair's Secret, followed by a
 * watch ({@link SecretFollower}). The agent's RBAC allows get on exactly its pair's two Nodes, and get, list and
 * watch on that one Secret.
 */
public final class PairPeers implements AutoCloseable {
  /** Everything the election needs; or, when something is missing, why (one line for the log). */
  public record Resolved(InetAddress self, InetSocketAddress peer, byte[] hmacKey, List<byte[]> acceptedKeys,
      String problem) {
    public Resolved(InetAddress self, InetSocketAddress peer, byte[] hmacKey, String problem) {
      this(self, peer, hmacKey, List.of(), problem);
    }

    static Resolved missing(String problem) {
      return new Resolved(null, null, null, problem);
    }

    public boolean ok() {
      return problem == null;
    }
  }

  private final KubernetesClient client;
  private final String namespace;
  private final SecretFollower secret;
  private volatile Runnable keysChanged = () -> {};

  public PairPeers(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
    this.secret = new SecretFollower(client, namespace, () -> keysChanged.run());
  }

  /** Called on the watch's thread when the pair's Secret changed: the keys may have. */
  public void onKeysChanged(Runnable listener) {
    this.keysChanged = listener;
  }

  /** True while the pair's Secret is read from its watch, not with GETs (tests). */
  boolean watchingSecret() {
    return secret.watching();
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
      Keys keys = keys(plan);
      if (keys.problem() != null) {
        return Resolved.missing(keys.problem());
      }
      return new Resolved(self, new InetSocketAddress(peerIp, ha.heartbeatPort()), keys.key(), keys.accepted(),
          null);
    } catch (RuntimeException e) {
      return Resolved.missing("cannot read the pair's Nodes or Secret: " + e.getMessage());
    }
  }

  /**
   * The heartbeat keys from the pair's Secret: data key {@code key} (or authSecretRef's) signs; any data key
   * {@code key.<suffix>} (e.g. key.next, key.previous) is accepted as well, for a rotation without a split.
   */
  public record Keys(byte[] key, List<byte[]> accepted, String problem) {
    /** Same key material (the record's own equals would compare the arrays by identity). */
    public boolean sameAs(Keys o) {
      if (o == null || !java.util.Arrays.equals(key, o.key) || accepted.size() != o.accepted.size()) {
        return false;
      }
      for (int i = 0; i < accepted.size(); i++) {
        if (!java.util.Arrays.equals(accepted.get(i), o.accepted.get(i))) {
          return false;
        }
      }
      return true;
    }
  }

  /** The keys from the Secret as its watch has it, or as a GET reads it; API errors as a problem, never thrown. */
  public Keys keys(DirectorPlan plan) {
    var ha = plan.highAvailability();
    String secretName = ha.authSecretName() != null ? ha.authSecretName() : Names.hmacSecret(plan.pair());
    String key = ha.authSecretName() != null ? ha.authSecretKey() : Names.HMAC_KEY;
    try {
      SecretFollower.Cached cached = secret.current(secretName);
      Secret s = cached != null ? cached.secret() : client.secrets().inNamespace(namespace).withName(secretName).get();
      String data = s == null || s.getData() == null ? null : s.getData().get(key);
      if (data == null || data.isEmpty()) {
        return new Keys(null, List.of(), "heartbeat key " + key + " of Secret " + namespace + "/" + secretName
            + " is missing");
      }
      List<byte[]> accepted = new ArrayList<>();
      new java.util.TreeMap<>(s.getData()).forEach((k, v) -> {
        if (k.startsWith(key + ".") && v != null && !v.isEmpty()) {
          accepted.add(Base64.getDecoder().decode(v));
        }
      });
      return new Keys(Base64.getDecoder().decode(data), List.copyOf(accepted), null);
    } catch (RuntimeException e) {
      return new Keys(null, List.of(), "cannot read the pair's Secret " + namespace + "/" + secretName + ": "
          + e.getMessage());
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

  @Override
  public void close() {
    secret.close();
  }
}
