package io.halvs.agent.conn;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code halvs-agent conns}: the IPVS connection table of this network namespace, like ipvsadm -Lnc. */
@Command(name = "conns", description = "List IPVS connections, like ipvsadm -Lnc (reads /proc/net/ip_vs_conn).")
public final class ConnsCommand implements Callable<Integer> {
  @Option(names = "--file", description = "Read this file instead of ${DEFAULT-VALUE}.",
      defaultValue = "/proc/net/ip_vs_conn")
  Path file;

  @Override
  public Integer call() throws IOException {
    IpvsConnections.format(IpvsConnections.read(file)).forEach(System.out::println);
    return 0;
  }
}
