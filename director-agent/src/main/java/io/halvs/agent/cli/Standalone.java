package io.halvs.agent.cli;

import io.halvs.agent.health.HealthMonitor;
import io.halvs.agent.http.AgentHttpServer;
import io.halvs.agent.http.Health;
import io.halvs.agent.kernel.IpvsKernel;
import io.halvs.agent.kernel.OwnershipJournal;
import io.halvs.agent.metrics.MetricsExporter;
import io.halvs.agent.netlink.AddressTable;
import io.halvs.agent.runtime.AllUpHealthChecks;
import io.halvs.agent.runtime.Director;
import io.halvs.agent.runtime.HealthChecks;
import io.halvs.agent.runtime.KernelWatch;
import io.halvs.agent.runtime.StaticElection;
import io.halvs.agent.netfilter.MarkTable;
import io.halvs.agent.netfilter.NftMarkTable;
import io.halvs.agent.sysctl.Sysctls;
import io.halvs.agent.vip.VipManager;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.Finding;
import io.halvs.plan.PlanBuilder;
import io.halvs.plan.PlanResult;
import io.halvs.plan.load.ManifestLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** halvs-agent standalone: the director loop fed from YAML files instead of the API server. */
@Command(name = "standalone", description = "Program this director from CR YAML files (no Kubernetes): the "
    + "same objects render reads. Loops every --interval-ms; invalid input keeps the last good plan serving.")
final class Standalone implements Callable<Integer> {
  @Option(names = "--plan", required = true, arity = "1..*", description = "YAML files or folders.")
  List<Path> plan;

  @Option(names = "--pair", description = "DirectorPair to program (default: the only one).")
  String pair;

  @Option(names = "--once", description = "Apply once; exit 0 when the kernel matches, 1 otherwise.")
  boolean once;

  @Option(names = "--interval-ms", defaultValue = "2000")
  long intervalMillis;

  @Option(names = "--state-dir", defaultValue = "/var/lib/halvs", description = "Where the ownership journal lives.")
  Path stateDir;

  @Option(names = "--hold-vips", description = "Add the plan's VIPs and gateway to the interfaces (this "
      + "director is active; standalone mode runs no election).")
  boolean holdVips;

  @Option(names = "--sysctls", description = "Apply the plan's sysctls.")
  boolean sysctls;

  @Option(names = "--fake-ipvs", description = "Program an in-memory IPVS table instead of the kernel's (for "
      + "network-namespace tests on kernels without IPVS); VIPs and sysctls stay real.")
  boolean fakeIpvs;

  @Option(names = "--no-health-checks", description = "Keep every real server in rotation: run no health "
      + "checks (with --once none run anyway: one pass cannot wait for their results).")
  boolean noHealthChecks;

  @Option(names = "--node", description = "This director's node name (default: the host name).")
  String node;

  @Mixin
  ElectionOptions election = new ElectionOptions();

  @Mixin
  HealthOptions healthOptions = new HealthOptions();

  @Option(names = "--watch-interval-ms", defaultValue = "0", description = "Dump the kernel's IPVS services this "
      + "often and restore at once any the plan wants that someone deleted or changed (kube-proxy); 0 (default): "
      + "off, the full pass every --interval-ms restores them.")
  long watchIntervalMillis;

  /** Stops the kernel watch, which starts with the first plan, when the loop ends. */
  private interface WatchStopper extends AutoCloseable {
    @Override
    void close();
  }

  @Override
  public Integer call() {
    if (node == null) {
      node = AgentSetup.hostName();
    }
    List<String> addressChanges = new ArrayList<>();
    // Health changes wake this loop for the director's fast path instead of waiting for the next reload.
    Semaphore healthChanged = new Semaphore(0);
    AtomicReference<Director> current = new AtomicReference<>();
    Health health = new Health(current::get);
    MetricsExporter metrics = new MetricsExporter(pair, node, current::get);
    AtomicReference<KernelWatch> watch = new AtomicReference<>();
    try (IpvsKernel kernel = AgentSetup.kernel(fakeIpvs);
        AddressTable addresses = holdVips || election.enabled() ? new AddressTable() : null;
        HealthChecks checks = once || noHealthChecks ? new AllUpHealthChecks() : new HealthMonitor();
        IpvsKernel metricsKernel = once ? null : AgentSetup.metricsKernel(fakeIpvs, kernel);
        AddressTable metricsAddresses = once ? null : new AddressTable();
        AgentHttpServer http = once ? null
            : healthOptions.start(health, metrics.kernel(() -> metricsKernel)
                .addresses(AgentSetup.addresses(metricsAddresses)));
        IpvsKernel watchKernel = once ? null : AgentSetup.watchKernel(fakeIpvs, kernel, watchIntervalMillis);
        MarkTable marking = new NftMarkTable(); // nf_tables stays real with --fake-ipvs, as VIPs and sysctls do
        WatchStopper stopWatch = () -> {
          KernelWatch w = watch.get();
          if (w != null) {
            w.close();
          }
        }) {
      if (!once) {
        // SIGTERM: hand over, then stop heartbeats; the JVM halts after (this thread is not waited for)
        Runtime.getRuntime().addShutdownHook(AgentSetup.shutdownHook(health,
            () -> current.get() == null ? null : current.get().election(), () -> {
              Director d = current.get();
              if (d != null) {
                d.election().close();
              }
            }));
      }
      Director director = null;
      DirectorPlan lastGood = null;
      while (true) {
        DirectorPlan planNow = load();
        if (planNow != null) {
          lastGood = planNow;
        } else if (lastGood == null && once) {
          return 1;
        }
        boolean converged = false;
        if (lastGood != null) {
          if (director == null) {
            director = new Director(kernel,
                new OwnershipJournal(stateDir.resolve(lastGood.pair()).resolve("owned-services")),
                checks,
                election.enabled() ? election.create(lastGood, node, addresses, kernel)
                    : StaticElection.alwaysActive(addresses == null ? null : new VipManager(addresses),
                        addressChanges::add),
                sysctls ? Sysctls.fromEnvironment() : null, Duration.ofMillis(intervalMillis));
            if (fakeIpvs) {
              director.ignoreSysctls(AgentSetup.IPVS_SYSCTLS);
            }
            director.marking(marking);
            checks.onChange(changed -> healthChanged.release()); // after the director's own listener
            current.set(director);
            Director d = director;
            KernelWatch w = AgentSetup.watch(watchKernel, fakeIpvs, director, lastGood.pair(), watchIntervalMillis,
                () -> {
                  d.fullPassNow();
                  healthChanged.release();
                });
            if (w != null) {
              watch.set(w);
              w.start();
            }
          }
          // Standalone publishes nothing, so the plan needs no hash; every loop is one full pass.
          director.offer(new Director.Target(lastGood, null, false));
          converged = print(director.runPending(), addressChanges);
        }
        if (once) {
          return converged ? 0 : 1;
        }
        try {
          long reloadAt = System.nanoTime() + intervalMillis * 1_000_000L;
          long left;
          while ((left = reloadAt - System.nanoTime()) > 0) {
            if (healthChanged.tryAcquire(left, TimeUnit.NANOSECONDS) && director != null) {
              healthChanged.drainPermits();
              Director.Pass p = director.runPending();
              if (p != null) {
                print(p, addressChanges);
              }
            }
          }
        } catch (InterruptedException e) {
          return 1;
        }
      }
    }
  }

  /** The output e2e/vm/suites/agent-dataplane.sh reads: keep these lines as they are. */
  private static boolean print(Director.Pass p, List<String> addressChanges) {
    p.kernel().applied().forEach(a -> System.out.println("applied: " + a));
    p.kernel().failures().forEach(f -> System.err.println("failed: " + f));
    p.kernel().foreign().forEach(f -> System.out.println("foreign (left alone): " + f));
    System.out.printf("pass: %d operations, %d failures, %.1f ms%n", p.operations(), p.kernel().failures().size(),
        p.nanos() / 1e6);
    addressChanges.forEach(c -> System.out.println("applied: " + c));
    addressChanges.clear();
    p.changes().forEach(c -> System.out.println("applied: " + c));
    for (Sysctls.Change c : p.sysctls()) {
      (c.error() == null ? System.out : System.err).println("sysctl: " + c);
    }
    p.failures().stream().filter(f -> !p.kernel().failures().contains(f) && !f.startsWith("sysctl "))
        .forEach(f -> System.err.println("failed: " + f));
    System.out.flush();
    return p.converged();
  }

  private DirectorPlan load() {
    ManifestLoader.Result loaded = new ManifestLoader().load(plan);
    PlanResult result = PlanBuilder.build(loaded.input());
    boolean bad = !loaded.problems().isEmpty();
    loaded.problems().forEach(p -> System.err.println("invalid: " + p));
    for (Finding f : result.findings()) {
      System.err.println((f.severity() == Finding.Severity.ERROR ? "invalid: " : "warning: ") + f);
      bad |= f.severity() == Finding.Severity.ERROR;
    }
    if (bad) {
      System.err.println("input has errors: the last good plan keeps serving");
      return null;
    }
    if (pair == null && result.plans().size() != 1) {
      System.err.println("name the pair to program with --pair: found " + result.plans().keySet());
      return null;
    }
    DirectorPlan p = result.plans().get(pair != null ? pair : result.plans().firstKey());
    if (p == null) {
      System.err.println("no DirectorPair " + pair + " in " + plan);
    }
    return p;
  }
}
