package io.halvs.agent.cli;

import io.halvs.agent.kernel.DestinationHealth;
import io.halvs.agent.kernel.IpvsKernel;
import io.halvs.agent.kernel.KernelFormat;
import io.halvs.agent.kernel.KernelReconciler;
import io.halvs.agent.kernel.OwnershipJournal;
import io.halvs.agent.netlink.AddressTable;
import io.halvs.agent.netlink.NetlinkIpvsKernel;
import io.halvs.agent.sysctl.Sysctls;
import io.halvs.agent.vip.VipManager;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.Finding;
import io.halvs.plan.PlanBuilder;
import io.halvs.plan.PlanResult;
import io.halvs.plan.load.ManifestLoader;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The director agent's command line. */
@Command(name = "halvs-agent", mixinStandardHelpOptions = true, version = "halvs-agent 0.1.0",
    description = "The halvs director agent: programs IPVS, VIPs and sysctls on a director.",
    subcommands = {Main.Standalone.class, Main.Ipvs.class, Bench.class, io.halvs.agent.conn.ConnsCommand.class})
public final class Main {

  public static void main(String[] args) {
    System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
    System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSZ");
    CommandLine cli = new CommandLine(new Main());
    // Bad input and kernel refusals are messages for people, not stack traces.
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("halvs-agent: " + e.getMessage());
      return 1;
    });
    System.exit(cli.execute(args));
  }

  @Command(name = "standalone", description = "Program this director from CR YAML files (no Kubernetes): the "
      + "same objects render reads. Loops every --interval-ms; invalid input keeps the last good plan serving.")
  static final class Standalone implements Callable<Integer> {
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

    @Override
    public Integer call() throws InterruptedException {
      DirectorPlan lastGood = null;
      try (IpvsKernel kernel = new NetlinkIpvsKernel(); AddressTable addresses = holdVips ? new AddressTable() : null) {
        KernelReconciler reconciler = null;
        VipManager vips = addresses == null ? null : new VipManager(addresses);
        Sysctls sys = Sysctls.fromEnvironment();
        while (true) {
          DirectorPlan planNow = load();
          if (planNow != null) {
            lastGood = planNow;
          } else if (lastGood == null) {
            if (once) {
              return 1;
            }
          }
          boolean converged = false;
          if (lastGood != null) {
            if (reconciler == null) {
              reconciler = new KernelReconciler(kernel,
                  new OwnershipJournal(stateDir.resolve(lastGood.pair()).resolve("owned-services")));
            }
            long t = System.nanoTime();
            KernelReconciler.Result r = reconciler.reconcile(lastGood.services(), DestinationHealth.allUp());
            r.applied().forEach(a -> System.out.println("applied: " + a));
            r.failures().forEach(f -> System.err.println("failed: " + f));
            r.foreign().forEach(f -> System.out.println("foreign (left alone): " + f));
            System.out.printf("pass: %d operations, %d failures, %.1f ms%n", r.applied().size(), r.failures().size(),
                (System.nanoTime() - t) / 1e6);
            converged = r.converged();
            if (vips != null) {
              vips.hold(lastGood).forEach(c -> System.out.println("applied: " + c));
            }
            if (sysctls) {
              for (Sysctls.Change c : sys.apply(lastGood.sysctls())) {
                (c.error() == null ? System.out : System.err).println("sysctl: " + c);
                converged &= c.error() == null;
              }
            }
            System.out.flush();
          }
          if (once) {
            return converged ? 0 : 1;
          }
          Thread.sleep(intervalMillis);
        }
      }
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

  @Command(name = "ipvs", description = "Show the kernel's IPVS table.")
  static final class Ipvs implements Callable<Integer> {
    @Parameters(index = "0", defaultValue = "list", description = "list (like ipvsadm -Ln) or save (ipvsadm -Sn).")
    String what;

    @Option(names = "--stats", description = "With list: counters, like ipvsadm -Ln --stats.")
    boolean stats;

    @Option(names = "--thresholds", description = "With list: upper/lower thresholds, like ipvsadm -Ln --thresholds.")
    boolean thresholds;

    @Override
    public Integer call() {
      try (IpvsKernel kernel = new NetlinkIpvsKernel()) {
        var table = KernelFormat.dump(kernel);
        List<String> lines = switch (what) {
          case "list" -> KernelFormat.list(kernel.info(), table, stats, thresholds);
          case "save" -> KernelFormat.save(table);
          default -> throw new CommandLine.ParameterException(new CommandLine(this), "list or save, not " + what);
        };
        lines.forEach(System.out::println);
        return 0;
      }
    }
  }

  static Path defaultStateDir() {
    return Paths.get("/var/lib/halvs");
  }
}
