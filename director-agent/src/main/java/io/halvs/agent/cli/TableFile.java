package io.halvs.agent.cli;

import io.halvs.agent.kernel.IpvsKernel;
import io.halvs.agent.kernel.KernelFormat;
import io.halvs.agent.netlink.AddressTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A file that shows what this director holds: its VIPs and its IPVS table as ipvsadm -Ln prints it, rewritten
 * (atomically) when either changes. It is how another process, the demo, reads an in-memory host.
 */
final class TableFile implements AutoCloseable {
  static final long INTERVAL_MILLIS = 100;

  private final Path file;
  private final IpvsKernel kernel;
  private final AddressTable addresses;
  private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "halvs-table-file");
    t.setDaemon(true);
    return t;
  });
  private String written; // worker thread only

  TableFile(Path file, IpvsKernel kernel, AddressTable addresses) {
    this.file = file.toAbsolutePath();
    this.kernel = kernel;
    this.addresses = addresses;
  }

  void start() {
    worker.scheduleWithFixedDelay(this::write, 0, INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
  }

  String render() {
    List<String> lines = new ArrayList<>();
    List<String> held = addresses.list(null).stream()
        .map(a -> a.address() + "/" + a.prefixLength() + " on " + a.interfaceName()).sorted().toList();
    lines.add("VIPs: " + (held.isEmpty() ? "none" : String.join(", ", held)));
    lines.addAll(KernelFormat.list(kernel.info(), KernelFormat.dump(kernel), false));
    return String.join("\n", lines) + "\n";
  }

  private void write() {
    try {
      String now = render();
      if (now.equals(written)) {
        return;
      }
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, now, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      written = now;
    } catch (IOException | RuntimeException e) {
      System.err.println("halvs-agent: cannot write " + file + ": " + e.getMessage());
    }
  }

  @Override
  public void close() {
    worker.shutdownNow();
  }
}
