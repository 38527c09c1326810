package io.halvs.agent.cli;

import io.halvs.agent.kernel.IpvsKernel;
import io.halvs.agent.kernel.KernelFormat;
import io.halvs.agent.netlink.NetlinkIpvsKernel;
import io.halvs.logging.LogLevels;
import io.halvs.logging.LogOptions;
import io.halvs.logging.Logging;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The director agent's command line. */
@Command(name = "halvs-agent", mixinStandardHelpOptions = true, version = "halvs-agent 0.1.0",
    description = "The halvs director agent: programs IPVS, VIPs and sysctls on a director; in real-server mode "
        + "configures a DR/TUN real server.",
    subcommands = {Standalone.class, InCluster.class, LoadModules.class, Main.Ipvs.class, Bench.class,
        io.halvs.agent.conn.ConnsCommand.class, io.halvs.agent.realserver.RealServerCommand.class})
public final class Main {

  public static void main(String[] args) {
    // The client's own retry logging is a stack trace per attempt while the API server is away; the agent
    // says it once in its own words (PlanSource, ReportWriter). --log-level goes on top of these.
    Logging.defaults(LogLevels.parse("info,io.fabric8=error,io.vertx=error"));
    CommandLine cli = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
    // Bad input and kernel refusals are messages for people, not stack traces.
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("halvs-agent: " + e.getMessage());
      return 1;
    });
    System.exit(cli.execute(args));
  }

  @Mixin
  LogOptions logOptions; // --log-level, --log-format

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
}
