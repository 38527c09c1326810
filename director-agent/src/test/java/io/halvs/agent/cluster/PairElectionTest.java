package io.halvs.agent.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.halvs.agent.runtime.Election;
import io.halvs.agent.runtime.StaticElection;
import io.halvs.operator.demo.CrudMockServers;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpAddress;
import io.halvs.plan.publish.Names;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Peer resolution against fabric8's CRUD mock: Nodes with addresses, the HMAC Secret, missing pieces. */
class PairElectionTest {
  static final String NS = "halvs-system";

  static {
    java.util.logging.Logger.getLogger("io.fabric8.mockwebserver").setLevel(java.util.logging.Level.WARNING);
  }

  KubernetesMockServer server;
  KubernetesClient client;

  static DirectorPlan plan(String secretName, String secretKey) {
    return new DirectorPlan("edge", List.of("lvs-01", "lvs-02"), "eth0", List.of(IpAddress.parse("10.100.0.1")),
        null, new TreeMap<>(), null, new DirectorPlan.HaPlan(1000, 3, false, 0, 8849, secretName, secretKey),
        List.of());
  }

  @BeforeEach
  void start() {
    server = CrudMockServers.start();
    client = server.createClient();
  }

  @AfterEach
  void stop() {
    client.close();
    CrudMockServers.stop(server);
  }

  void node(String name, String... typeAddress) {
    var b = new NodeBuilder().withNewMetadata().withName(name).endMetadata().withNewStatus();
    for (int i = 0; i < typeAddress.length; i += 2) {
      b = b.addNewAddress().withType(typeAddress[i]).withAddress(typeAddress[i + 1]).endAddress();
    }
    client.resource(b.endStatus().build()).create();
  }

  void secret(String name, String key, byte[] value) {
    client.resource(new SecretBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata()
        .withData(Map.of(key, Base64.getEncoder().encodeToString(value))).build()).create();
  }

  @Test
  void resolvesBothInternalIpsAndTheGeneratedKey() throws Exception {
    node("lvs-01", "Hostname", "lvs-01", "InternalIP", "192.0.2.1");
    node("lvs-02", "ExternalIP", "203.0.113.2", "InternalIP", "192.0.2.2");
    secret(Names.hmacSecret("edge"), Names.HMAC_KEY, new byte[] {1, 2, 3});

    PairPeers.Resolved r = new PairPeers(client, NS).resolve(plan(null, null), "lvs-02");

    assertThat(r.problem()).isNull();
    assertThat(r.self()).isEqualTo(InetAddress.getByName("192.0.2.2"));
    assertThat(r.peer()).isEqualTo(new InetSocketAddress("192.0.2.1", 8849));
    assertThat(r.hmacKey()).containsExactly(1, 2, 3);
  }

  @Test
  void aUserSecretIsReadByItsKey() {
    node("lvs-01", "InternalIP", "192.0.2.1");
    node("lvs-02", "InternalIP", "192.0.2.2");
    secret("my-key", "hb", new byte[] {9});

    assertThat(new PairPeers(client, NS).resolve(plan("my-key", "hb"), "lvs-01").hmacKey()).containsExactly(9);
    assertThat(new PairPeers(client, NS).resolve(plan("my-key", "other"), "lvs-01").problem())
        .isEqualTo("heartbeat key other of Secret halvs-system/my-key is missing");
  }

  @Test
  void aNodeWithoutInternalIpIsMissing() {
    node("lvs-01", "InternalIP", "192.0.2.1");
    node("lvs-02", "Hostname", "lvs-02");
    assertThat(new PairPeers(client, NS).resolve(plan(null, null), "lvs-01").problem())
        .isEqualTo("peer Node lvs-02 is missing or has no InternalIP address yet");
    assertThat(new PairPeers(client, NS).resolve(plan(null, null), "lvs-02").problem())
        .isEqualTo("this director's Node lvs-02 has no InternalIP address yet");
  }

  @Test
  void noElectionUntilThePeerNodeExistsThenItStarts() {
    node("lvs-01", "InternalIP", "192.0.2.1");
    secret(Names.hmacSecret("edge"), Names.HMAC_KEY, new byte[] {7});
    List<PairPeers.Resolved> created = new CopyOnWriteArrayList<>();
    List<Election.State> seen = new CopyOnWriteArrayList<>();
    PairElection.Factory factory = (p, r) -> {
      created.add(r);
      StaticElection e = StaticElection.alwaysActive(null, c -> {});
      e.follow(p);
      return e;
    };
    try (PairElection e = new PairElection("lvs-01", new PairPeers(client, NS), factory, null, 100)) {
      e.onChange(seen::add);
      e.follow(plan(null, null));
      e.follow(plan(null, null)); // every pass follows: still one resolution loop

      await().atMost(Duration.ofSeconds(5)).until(() -> !seen.isEmpty());
      assertThat(e.state().role()).isEqualTo(Election.Role.UNKNOWN);
      assertThat(e.state().reason()).isEqualTo("peer Node lvs-02 is missing or has no InternalIP address yet");
      assertThat(e.started()).isFalse();
      assertThat(created).isEmpty();

      node("lvs-02", "InternalIP", "192.0.2.2");
      await().atMost(Duration.ofSeconds(5)).until(e::started);
      assertThat(created).hasSize(1);
      assertThat(created.get(0).peer()).isEqualTo(new InetSocketAddress("192.0.2.2", 8849));
      assertThat(e.state().role()).isEqualTo(Election.Role.ACTIVE); // the delegate's state, passed on
      await().atMost(Duration.ofSeconds(5)).until(() -> seen.get(seen.size() - 1).role() == Election.Role.ACTIVE);
    }
  }

  @Test
  void anUnreadableApiServerIsNoElectionEither() {
    // nothing listens on port 1: refused at once, no retries
    try (KubernetesClient away = new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(
        new io.fabric8.kubernetes.client.ConfigBuilder().withMasterUrl("https://127.0.0.1:1")
            .withRequestRetryBackoffLimit(0).build()).build()) {
      assertThat(new PairPeers(away, NS).resolve(plan(null, null), "lvs-01").problem())
          .startsWith("cannot read the pair's Nodes");
    }
  }

  /** A key rotation reaches the running election (no restart): the Secret is read again, key.<suffix> accepted. */
  @Test
  void aRunningElectionFollowsTheSecretsKeys() {
    node("lvs-01", "InternalIP", "192.0.2.1");
    node("lvs-02", "InternalIP", "192.0.2.2");
    secret(Names.hmacSecret("edge"), Names.HMAC_KEY, new byte[] {1});
    List<String> rekeyed = new CopyOnWriteArrayList<>();
    PairElection.Factory factory = (p, r) -> {
      StaticElection inner = StaticElection.alwaysActive(null, c -> {});
      inner.follow(p);
      return new Election() {
        @Override
        public void follow(DirectorPlan plan) {
          inner.follow(plan);
        }

        @Override
        public State state() {
          return inner.state();
        }

        @Override
        public void onChange(java.util.function.Consumer<State> listener) {
          inner.onChange(listener);
        }

        @Override
        public void releaseAll() {
          inner.releaseAll();
        }

        @Override
        public void rekey(byte[] key, List<byte[]> alsoAccepted) {
          rekeyed.add(key[0] + ":" + alsoAccepted.stream().map(k -> String.valueOf(k[0])).toList());
        }

        @Override
        public void close() {
          inner.close();
        }
      };
    };
    PairPeers peers = new PairPeers(client, NS);
    try (PairElection e = new PairElection("lvs-01", peers, factory, null, 100)) {
      e.follow(plan(null, null));
      await().atMost(Duration.ofSeconds(5)).until(e::started);
      await().atMost(Duration.ofSeconds(5)).until(peers::watchingSecret);
      assertThat(rekeyed).as("no other key: nothing to change").isEmpty();

      var s = client.secrets().inNamespace(NS).withName(Names.hmacSecret("edge")).get();
      s.setData(Map.of(Names.HMAC_KEY, Base64.getEncoder().encodeToString(new byte[] {1}),
          "key.next", Base64.getEncoder().encodeToString(new byte[] {2})));
      client.resource(s).update();
      // the watch's event, well before the periodic look (its first is 5 s after the election was made)
      await().atMost(Duration.ofMillis(PairElection.KEY_REFRESH_MILLIS / 3)).until(() -> rekeyed.size() == 1);
      assertThat(rekeyed).containsExactly("1:[2]");
    }
  }

  /** Once its watch answers, the Secret is read from memory: no request per look, a change seen in the next look. */
  @Test
  void aWatchedSecretIsReadWithoutARequest() {
    secret(Names.hmacSecret("edge"), Names.HMAC_KEY, new byte[] {1});
    AtomicInteger changes = new AtomicInteger();
    try (PairPeers peers = new PairPeers(client, NS)) {
      peers.onKeysChanged(changes::incrementAndGet);
      assertThat(peers.keys(plan(null, null)).key()).containsExactly(1); // a GET: the watch is not up yet
      await().atMost(Duration.ofSeconds(5)).until(peers::watchingSecret);
      int requests = server.getRequestCount();
      for (int i = 0; i < 3; i++) {
        assertThat(peers.keys(plan(null, null)).key()).containsExactly(1);
      }
      assertThat(server.getRequestCount()).as("looks from the watch's cache").isEqualTo(requests);

      int before = changes.get();
      var s = client.secrets().inNamespace(NS).withName(Names.hmacSecret("edge")).get();
      s.setData(Map.of(Names.HMAC_KEY, Base64.getEncoder().encodeToString(new byte[] {9})));
      client.resource(s).update();
      await().atMost(Duration.ofSeconds(5)).until(() -> changes.get() > before);
      requests = server.getRequestCount();
      assertThat(peers.keys(plan(null, null)).key()).containsExactly(9);
      assertThat(server.getRequestCount()).isEqualTo(requests);

      client.secrets().inNamespace(NS).withName(Names.hmacSecret("edge")).delete();
      await().atMost(Duration.ofSeconds(5)).until(() -> peers.keys(plan(null, null)).problem() != null);
      assertThat(peers.keys(plan(null, null)).problem()).endsWith(" is missing");
    }
  }

  /** A Role that grants get alone (an older operator's): the watch is refused once, the keys are read with GETs. */
  @Test
  void aRefusedWatchLeavesTheGets() {
    KubernetesMockServer refusing = CrudMockServers.start(new KubernetesCrudDispatcher() {
      @Override
      public MockResponse handleGet(String path) {
        return path.startsWith("/api/v1/namespaces/" + NS + "/secrets?") ? new MockResponse().setResponseCode(403)
            .setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"Forbidden\","
                + "\"code\":403,\"message\":\"secrets is forbidden: cannot list resource secrets\"}")
            : super.handleGet(path);
      }
    });
    try (KubernetesClient c = refusing.createClient(); PairPeers peers = new PairPeers(c, NS)) {
      c.resource(new SecretBuilder().withNewMetadata().withName(Names.hmacSecret("edge")).withNamespace(NS)
          .endMetadata().withData(Map.of(Names.HMAC_KEY, Base64.getEncoder().encodeToString(new byte[] {4})))
          .build()).create();
      assertThat(peers.keys(plan(null, null)).key()).containsExactly(4);
      await().atMost(Duration.ofSeconds(5)).until(() -> refusing.getRequestCount() >= 3); // create, GET, the list
      for (int i = 0; i < 3; i++) {
        int requests = refusing.getRequestCount();
        assertThat(peers.keys(plan(null, null)).key()).containsExactly(4);
        assertThat(refusing.getRequestCount()).as("a GET per look").isEqualTo(requests + 1);
      }
      assertThat(peers.watchingSecret()).isFalse();
      int requests = refusing.getRequestCount();
      await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(3))
          .until(() -> refusing.getRequestCount() == requests); // no list retried (its backoff starts at 1 s)
    } finally {
      CrudMockServers.stop(refusing);
    }
  }
}
