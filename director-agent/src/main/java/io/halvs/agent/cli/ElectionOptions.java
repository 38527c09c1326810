package io.halvs.agent.cli;

import io.halvs.agent.cluster.AgentClient;
import io.halvs.agent.ha.FileQuorum;
import io.halvs.agent.ha.HeartbeatElection;
import io.halvs.agent.ha.LeaseQuorum;
import io.halvs.agent.ha.Quorum;
import io.halvs.agent.ha.SyncProgress;
import io.halvs.agent.kernel.IpvsKernel;
import io.halvs.agent.netlink.AddressTable;
import io.halvs.plan.DirectorPlan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The pair election's options (a picocli mixin): without --peer there is no election. */
final class ElectionOptions {
  enum QuorumKind { none, lease, file }

  @Option(names = "--peer", description = "The other director's heartbeat address host:port: runs the pair "
      + "election (heartbeats, VIPs held only while active).")
  String peer;

  @Option(names = "--hmac-key-file", description = "File whose bytes are the heartbeat HMAC-SHA256 key (the "
      + "mounted Secret). Required with --peer.")
  Path hmacKeyFile;

  @Option(names = "--quorum", defaultValue = "none", description = "Tie-breaker while the directors cannot see "
      + "each other: none (a silent peer is dead, like keepalived), lease (the pair's Kubernetes Lease), file "
      + "(--quorum-file, shared by both directors). Default ${DEFAULT-VALUE}.")
  QuorumKind quorum;

  @Option(names = "--quorum-file", description = "With --quorum file: a directory both directors can reach (made "
      + "when missing) that holds the record, one file per write.")
  Path quorumFile;

  @Option(names = "--lease-namespace", defaultValue = "${env:POD_NAMESPACE:-halvs-system}",
      description = "With --quorum lease: the namespace of the pair's Lease. Default ${DEFAULT-VALUE}.")
  String leaseNamespace;

  boolean enabled() {
    return peer != null;
  }

  /** The election for this director; prints its role changes. */
  HeartbeatElection create(DirectorPlan plan, String node, AddressTable addresses, IpvsKernel kernel) {
    if (hmacKeyFile == null) {
      throw new IllegalArgumentException("--peer needs --hmac-key-file");
    }
    int colon = peer.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("--peer must be host:port, got " + peer);
    }
    String host = peer.substring(0, colon).replace("[", "").replace("]", "");
    InetSocketAddress to = new InetSocketAddress(host, Integer.parseInt(peer.substring(colon + 1)));
    Quorum q = switch (quorum) {
      case none -> null;
      case file -> new FileQuorum(java.util.Objects.requireNonNull(quorumFile, "--quorum file needs --quorum-file"), node);
      case lease -> new LeaseQuorum(AgentClient.build(), leaseNamespace, plan.pair(),
          io.halvs.agent.ha.ElectionMachine.leaseSeconds(plan.highAvailability()));
    };
    SyncProgress sync = new SyncProgress(kernel);
    try {
      byte[] key = Files.readAllBytes(hmacKeyFile);
      HeartbeatElection e = new HeartbeatElection(plan, new HeartbeatElection.Options(node, to, key, q,
          sync::connections, sync::backupRunning), addresses);
      e.onChange(s -> {
        System.out.println("role: " + s.role() + " (" + s.reason() + "), transitions " + s.transitions());
        System.out.flush();
      });
      return e;
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }
}
