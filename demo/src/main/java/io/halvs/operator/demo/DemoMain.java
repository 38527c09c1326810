package io.halvs.operator.demo;

import io.halvs.logging.LogLevels;
import io.halvs.logging.Logging;
import io.halvs.operator.cli.Main;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.slf4j.event.Level;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The halvs command line with `demo` added: what `./halvs demo` runs (demo/target/halvs-demo.jar). The demo lives
 * here, beside the CRUD mock it needs, so the operator's jar and image carry neither.
 */
public final class DemoMain {
  private DemoMain() {}

  public static void main(String[] args) {
    // the demo's mock API server warns on every set-based label selector (the agents' plan source uses one)
    Logging.defaults(LogLevels.parse(Main.LOG_DEFAULTS + ",io.fabric8.kubernetes.client.server.mock=error"));
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    return Main.commandLine(new DemoCommand());
  }

  @Command(name = "demo", mixinStandardHelpOptions = true, description = "The whole loop on this machine, no cluster and no root: an embedded API "
      + "server, the operator, two director agents (in-memory IPVS and VIPs) health-checking three HTTP servers on "
      + "loopback; a real server fails and comes back, then the active director stops and the standby takes over.")
  static final class DemoCommand implements Callable<Integer> {
    @Option(names = "--agent-jar", description = "The director agent's jar (default: "
        + "$HALVS_HOME/director-agent/target/halvs-agent.jar).")
    Path agentJar;

    @Option(names = "--timeout", defaultValue = "20", description = "Seconds to wait for each step.")
    int timeoutSeconds;

    @Override
    public Integer call() throws InterruptedException {
      // The demo prints its own story; the operator's info logs would drown it.
      Logging.commandDefault(Level.WARN);
      Path jar = agentJar;
      if (jar == null) {
        String home = System.getenv("HALVS_HOME");
        jar = Paths.get(home != null ? home : ".", "director-agent", "target", "halvs-agent.jar");
      }
      return new Demo(System.out, jar).run(Duration.ofSeconds(timeoutSeconds));
    }
  }
}
