package io.halvs.agent.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.halvs.agent.kernel.DestinationHealth;
import io.halvs.agent.kernel.FakeIpvsKernel;
import io.halvs.agent.kernel.OwnershipJournal;
import io.halvs.agent.runtime.Director;
import io.halvs.agent.runtime.Election;
import io.halvs.agent.runtime.HealthChecks;
import io.halvs.agent.runtime.TestDoubles;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.ServiceKey;
import io.halvs.plan.publish.AgentReport;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The agent's /healthz and /readyz over real HTTP on loopback, driven by a Director with test doubles. */
class HealthTest {
  final FakeIpvsKernel kernel = new FakeIpvsKernel();
  final SteeredElection election = new SteeredElection();
  final AtomicLong clockAhead = new AtomicLong();
  final AtomicReference<Director> current = new AtomicReference<>();
  final Health health = new Health(current::get, () -> System.nanoTime() + clockAhead.get());
  final HttpClient client = HttpClient.newHttpClient();
  AgentHttpServer server;

  @AfterEach
  void close() {
    if (server != null) {
      server.close();
    }
    if (current.get() != null) {
      current.get().close();
    }
  }

  AgentHttpServer serve() {
    server = health.register(new AgentHttpServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)));
    assertThat(server.start()).isTrue();
    return server;
  }

  HttpResponse<String> get(String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  Director director(HealthChecks checks) {
    Director d = new Director(kernel, new OwnershipJournal(null), checks, election, null, Duration.ofHours(1));
    current.set(d);
    return d;
  }

  @Test
  void readyOnlyOnceThePlanIsAppliedAndTheElectionHasARole() throws Exception {
    serve();
    assertThat(get("/readyz").statusCode()).isEqualTo(503);
    assertThat(get("/readyz").body()).isEqualTo("no plan yet\n");
    assertThat(get("/healthz").statusCode()).isEqualTo(200);

    Director d = director(new TestDoubles.SteeredHealth());
    DirectorPlan plan = TestDoubles.plan(3, 2, null);
    d.offer(new Director.Target(plan, "h1", false));
    assertThat(get("/readyz").statusCode()).isEqualTo(503); // offered, not yet applied
    assertThat(get("/readyz").body()).contains("not been applied");

    assertThat(d.runPending().converged()).isTrue();
    assertThat(get("/readyz").statusCode()).isEqualTo(503); // applied, but no election role yet
    assertThat(get("/readyz").body()).startsWith("no election role yet: listening");

    election.role = Election.Role.STANDBY;
    HttpResponse<String> ready = get("/readyz");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).startsWith("ok: plan applied, standby");
    assertThat(ready.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");

    // a new plan whose pass fails: not ready until it is applied, with the failure in the one line
    kernel.failNext("10.100.0", 100, 22);
    d.offer(new Director.Target(TestDoubles.plan(4, 2, null), "h2", false));
    assertThat(d.runPending().converged()).isFalse();
    HttpResponse<String> failing = get("/readyz");
    assertThat(failing.statusCode()).isEqualTo(503);
    assertThat(failing.body()).contains("not been applied").contains("first:");
    assertThat(failing.body().strip()).doesNotContain("\n");

    health.stopping("shutting down: handing the VIPs over");
    assertThat(get("/readyz").statusCode()).isEqualTo(503);
    assertThat(get("/healthz").statusCode()).isEqualTo(200);
  }

  @Test
  void healthzIs503WhileAPassHangsAndWhenTheElectionStopsTicking() throws Exception {
    serve();
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Director d = director(new WedgedHealth(entered, release));
    election.role = Election.Role.ACTIVE;
    d.start("halvs-director-test");
    d.offer(new Director.Target(TestDoubles.plan(1, 1, null), "h1", false));
    entered.await(); // the loop is inside the pass, blocked

    assertThat(get("/healthz").statusCode()).isEqualTo(200); // not for long enough yet
    clockAhead.set(Health.PASS_STUCK_AFTER.plusSeconds(1).toNanos());
    HttpResponse<String> stuck = get("/healthz");
    assertThat(stuck.statusCode()).isEqualTo(503);
    assertThat(stuck.body()).contains("director pass has been running for 61 s").contains("stuck");
    assertThat(get("/readyz").statusCode()).isEqualTo(503); // and the plan was never applied

    release.countDown();
    await().atMost(Duration.ofSeconds(5)).until(() -> d.notApplied() == null);
    assertThat(get("/healthz").statusCode()).isEqualTo(200); // waiting for work is not being stuck
    assertThat(get("/readyz").statusCode()).isEqualTo(200);

    election.stuck = "the election has not ticked for 6000 ms";
    assertThat(get("/healthz").statusCode()).isEqualTo(503);
    assertThat(get("/healthz").body()).isEqualTo("the election has not ticked for 6000 ms\n");
  }

  @Test
  void unknownPathsAndMethodsAreRefused() throws Exception {
    serve();
    assertThat(get("/metrics").statusCode()).isEqualTo(404);
    var post = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/healthz"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
  }

  /**
   * A streamed body that fails half-way (the image once lacked a class the process metrics need) must not reach
   * the scraper as a complete 200: the connection drops, so the scrape counts as failed. A whole one, plain and
   * gzipped, still arrives complete.
   */
  @Test
  void aStreamedBodyThatFailsHalfWayIsNoCompleteResponse() throws Exception {
    serve();
    server.stream("/whole", "text/plain", out -> out.write("a 1\nb 2\n".getBytes(StandardCharsets.UTF_8)));
    server.stream("/broken", "text/plain", out -> {
      out.write("a 1\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
      throw new NoClassDefFoundError("com/sun/management/OperatingSystemMXBean");
    });
    assertThat(get("/whole").body()).isEqualTo("a 1\nb 2\n");
    var gzipped = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/whole"))
        .header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(new String(new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gzipped.body()))
        .readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("a 1\nb 2\n");
    for (String encoding : new String[] {"identity", "gzip"}) {
      assertThatThrownBy(() -> client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
          + "/broken")).header("Accept-Encoding", encoding).build(), HttpResponse.BodyHandlers.ofByteArray()))
          .as(encoding).isInstanceOf(java.io.IOException.class);
    }
    assertThat(get("/whole").statusCode()).as("the server goes on serving").isEqualTo(200);
  }

  @Test
  void aPortInUseLeavesTheAgentRunningWithoutEndpoints() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      server = health.register(new AgentHttpServer(new InetSocketAddress(InetAddress.getLoopbackAddress(),
          taken.getLocalPort())));
      assertThat(server.start()).isFalse(); // no exception: the caller goes on to run the data plane
      assertThat(server.port()).isEqualTo(-1);
    }
  }

  /** An election whose role and liveness the test sets. */
  static final class SteeredElection implements Election {
    volatile Role role = Role.UNKNOWN;
    volatile String stuck;

    @Override
    public void follow(DirectorPlan plan) {}

    @Override
    public State state() {
      return new State(role, Instant.EPOCH, role == Role.UNKNOWN ? "listening for the peer" : "test", 0, null);
    }

    @Override
    public String stuck(long nowNanos) {
      return stuck;
    }

    @Override
    public void onChange(Consumer<State> listener) {}

    @Override
    public void releaseAll() {}

    @Override
    public void close() {}
  }

  /** Health checks whose follow() — the first step of a full pass — blocks until released: a hung pass. */
  record WedgedHealth(CountDownLatch entered, CountDownLatch release) implements HealthChecks {
    @Override
    public void follow(DirectorPlan plan) {
      entered.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public DestinationHealth view() {
      return DestinationHealth.allUp();
    }

    @Override
    public Map<String, AgentReport.ServiceHealth> report() {
      return Map.of();
    }

    @Override
    public void onChange(Consumer<Set<ServiceKey>> listener) {}

    @Override
    public void close() {}
  }
}
