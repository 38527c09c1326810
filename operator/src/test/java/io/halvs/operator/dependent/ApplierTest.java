package io.halvs.operator.dependent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.halvs.operator.demo.EmbeddedApiServer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The applier against fabric8's CRUD mock, with a clock of its own for the recheck period. */
class ApplierTest {
  static final String NS = "halvs-system";
  static final Duration RECHECK = Duration.ofMinutes(1);
  EmbeddedApiServer api;
  KubernetesClient client;
  final AtomicLong now = new AtomicLong();

  @BeforeEach
  void start() {
    api = new EmbeddedApiServer();
    client = api.client();
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .create();
  }

  @AfterEach
  void stop() {
    api.close();
  }

  static ServiceAccount account(String name) {
    return new ServiceAccountBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata().build();
  }

  long reads(String name) {
    return api.requests("GET", "/serviceaccounts/" + name);
  }

  ServiceAccount live(String name) {
    return client.serviceAccounts().inNamespace(NS).withName(name).get();
  }

  void deleteByHand(String name) {
    client.serviceAccounts().inNamespace(NS).withName(name).delete();
    await().atMost(Duration.ofSeconds(10)).until(() -> live(name) == null);
  }

  @Test
  void anObjectSeenInItsDesiredFormIsReadAgainOnlyAfterTheRecheck() {
    Applier applier = new Applier(client, RECHECK, now::get);
    assertThat(applier.apply(account("a"))).isTrue();
    long afterCreate = reads("a");
    assertThat(applier.apply(account("a"))).isFalse();
    assertThat(applier.apply(account("a"))).isFalse();
    assertThat(reads("a")).isEqualTo(afterCreate);

    now.addAndGet(RECHECK.toNanos());
    assertThat(applier.apply(account("a"))).isFalse();
    assertThat(reads("a")).isEqualTo(afterCreate + 1);
  }

  @Test
  void anObjectDeletedByHandComesBackAfterTheRecheckOrAtOnceWhenForgotten() {
    Applier applier = new Applier(client, RECHECK, now::get);
    applier.apply(account("a"));
    deleteByHand("a");
    assertThat(applier.apply(account("a"))).isFalse(); // within the period: not read, so not seen gone
    assertThat(live("a")).isNull();

    applier.forget(account("a")); // what the DaemonSet's informer does
    assertThat(applier.apply(account("a"))).isTrue();
    assertThat(live("a")).isNotNull();

    deleteByHand("a");
    now.addAndGet(RECHECK.toNanos() - 1);
    assertThat(applier.apply(account("a"))).isFalse();
    now.addAndGet(1);
    assertThat(applier.apply(account("a"))).isTrue();
    assertThat(live("a")).isNotNull();
  }

  @Test
  void aChangedDesiredFormIsWrittenAtOnce() {
    Applier applier = new Applier(client, RECHECK, now::get);
    applier.apply(account("a"));
    ServiceAccount changed = account("a");
    changed.getMetadata().setLabels(Map.of("tier", "agents"));
    assertThat(applier.apply(changed)).isTrue();
    assertThat(live("a").getMetadata().getLabels()).containsEntry("tier", "agents");
  }

  @Test
  void withoutARecheckEveryApplyReads() {
    Applier applier = new Applier(client);
    applier.apply(account("a"));
    long afterCreate = reads("a");
    applier.apply(account("a"));
    applier.apply(account("a"));
    assertThat(reads("a")).isEqualTo(afterCreate + 2);
    deleteByHand("a");
    assertThat(applier.apply(account("a"))).isTrue();
  }

  @Test
  void aCreatedOnceObjectIsLookedForAgainOnlyAfterTheRecheck() {
    Applier applier = new Applier(client, RECHECK, now::get);
    Secret key = new SecretBuilder().withNewMetadata().withName("k").withNamespace(NS).endMetadata()
        .addToStringData("key", "one").build();
    assertThat(applier.createIfMissing(key)).isTrue();
    client.secrets().inNamespace(NS).withName("k").delete();
    await().atMost(Duration.ofSeconds(10)).until(() -> client.secrets().inNamespace(NS).withName("k").get() == null);
    assertThat(applier.createIfMissing(key)).isFalse();
    now.addAndGet(RECHECK.toNanos());
    assertThat(applier.createIfMissing(key)).isTrue();
  }

  @Test
  void aReadThatAForgetOvertookIsNotRemembered() throws Exception {
    Applier applier = new Applier(client, RECHECK, now::get);
    applier.apply(account("a"));
    now.addAndGet(RECHECK.toNanos()); // the next apply reads
    api.delay(r -> "GET".equals(r.getMethod()) && r.getPath().contains("/serviceaccounts/a"), Duration.ofMillis(800));
    long before = reads("a");
    CompletableFuture<Boolean> reading = CompletableFuture.supplyAsync(() -> applier.apply(account("a")));
    await().atMost(Duration.ofSeconds(10)).until(() -> reads("a") > before);
    applier.forget(account("a")); // the informer saw it change while the read was answered
    assertThat(reading.get()).isFalse();
    api.delay(r -> false, Duration.ZERO);
    applier.apply(account("a"));
    assertThat(reads("a")).isEqualTo(before + 2);
  }
}
