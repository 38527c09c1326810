package io.halvs.agent.http;

import io.halvs.agent.http.AgentHttpServer.Response;
import io.halvs.agent.runtime.Director;
import io.halvs.agent.runtime.Election;
import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * /healthz and /readyz, the kubelet's liveness and readiness probes of the agent.
 *
 * <ul>
 *   <li>healthz, 200 while the director loop is alive and no pass has hung for {@link #PASS_STUCK_AFTER} and the
 *       election keeps ticking; 503 with the reason otherwise (the kubelet then restarts the container);</li>
 *   <li>readyz, 200 once the current plan has been applied to the kernel (a converged full pass, at least once)
 *       and the election runs (the role is ACTIVE or STANDBY); 503 with the reason otherwise. A rolling update
 *       waits for it before it replaces the other director.</li>
 * </ul>
 * Both only read volatile state, so an answer never waits for the loop or the election.
 */
public final class Health {
  /** A full pass at 100,000 destinations from empty takes seconds: a minute means a call that never returns. */
  public static final Duration PASS_STUCK_AFTER = Duration.ofSeconds(60);

  private final Supplier<Director> director;
  private final LongSupplier nanos;
  private volatile String stopping;

  /** @param director null until there is one (standalone makes it with the first good plan) */
  public Health(Supplier<Director> director, LongSupplier nanos) {
    this.director = director;
    this.nanos = nanos;
  }

  public Health(Supplier<Director> director) {
    this(director, System::nanoTime);
  }

  /** Adds /healthz and /readyz to the server. */
  public AgentHttpServer register(AgentHttpServer server) {
    return server.route("/healthz", this::healthz).route("/readyz", this::readyz);
  }

  /** From now on not ready, with this reason (the agent is shutting down and handing over). */
  public void stopping(String reason) {
    stopping = reason;
  }

  public Response healthz() {
    Director d = director.get();
    if (d == null) {
      return Response.ok(); // no plan loaded yet: nothing runs that could hang
    }
    long now = nanos.getAsLong();
    String problem = d.stuck(now, PASS_STUCK_AFTER);
    if (problem == null) {
      problem = d.election().stuck(now);
    }
    return problem == null ? Response.ok() : new Response(503, problem);
  }

  public Response readyz() {
    String s = stopping;
    if (s != null) {
      return new Response(503, s);
    }
    Director d = director.get();
    if (d == null) {
      return new Response(503, "no plan yet");
    }
    String problem = d.notApplied();
    if (problem != null) {
      return new Response(503, problem);
    }
    Election.State e = d.election().state();
    if (e.role() == Election.Role.UNKNOWN) {
      return new Response(503, "no election role yet: " + e.reason());
    }
    return new Response(200, "ok: plan applied, " + e.role().name().toLowerCase() + " (" + e.reason() + ")");
  }
}
