package io.halvs.agent.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * halvs-agent load-modules: what the agent's init container runs. Kernels before 5.16 (Ubuntu 22.04, RHEL 8/9) do
 * not load ip_vs when its generic netlink family is looked up, and the agent itself has neither CAP_SYS_MODULE nor
 * /lib/modules. This command runs with both (capability SYS_MODULE, the host's /lib/modules read-only) and loads
 * each module that is not already there with Debian's modprobe from the image, which resolves dependencies and
 * decompresses .ko.xz/.ko.zst in userspace, as kernels before 5.17 need.
 *
 * <p>It always exits 0: a pod must not be kept from starting by a kernel without module support, a missing
 * mount or a module that will not load. It says why in its log; the agent then reports the missing module as a
 * condition on the DirectorPair.
 */
@Command(name = "load-modules", description = "Load kernel modules (default ip_vs) that are not loaded yet, with "
    + "their dependencies, from /lib/modules: the init container's command (capability SYS_MODULE, the host's "
    + "/lib/modules mounted read-only). Always exits 0; what it could not load, it says.")
final class LoadModules implements Callable<Integer> {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+");
  static final List<String> MODPROBE = List.of("/usr/sbin/modprobe", "/sbin/modprobe", "/usr/bin/modprobe",
      "/bin/modprobe");

  /** How one module ended. */
  enum Outcome { LOADED, PRESENT, BUILT_IN, NOT_LOADED }

  @Parameters(arity = "0..*", defaultValue = "ip_vs", description = "Module names (default: ${DEFAULT-VALUE}).")
  List<String> modules = new ArrayList<>(List.of("ip_vs"));

  private final Path root;
  private final List<String> modprobe;
  private final PrintStream out;

  LoadModules() {
    this(Path.of("/"), MODPROBE, System.out);
  }

  /** @param root where /proc, /sys and /lib/modules are (tests: a directory laid out like them) */
  LoadModules(Path root, List<String> modprobe, PrintStream out) {
    this.root = root;
    this.modprobe = modprobe;
    this.out = out;
  }

  @Override
  public Integer call() {
    for (String m : modules) {
      load(m);
    }
    return 0;
  }

  /** /sys/module and /proc/modules spell names with underscores; modprobe takes either. */
  static String canonical(String module) {
    return module.replace('-', '_');
  }

  Outcome load(String module) {
    if (!NAME.matcher(module).matches()) {
      say("'" + module + "' is not a module name: skipped");
      return Outcome.NOT_LOADED;
    }
    String name = canonical(module);
    if (Files.isDirectory(root.resolve("sys/module").resolve(name)) || listed(name)) {
      say(name + " is already in the kernel");
      return Outcome.PRESENT;
    }
    if (!Files.exists(root.resolve("proc/modules"))) {
      say("this kernel has no loadable module support (no /proc/modules): nothing to load; " + name
          + " works only if it is built in, else the agent reports it missing");
      return Outcome.NOT_LOADED;
    }
    String release = release();
    Path dir = root.resolve("lib/modules").resolve(release);
    if (!Files.isDirectory(dir)) {
      say("no /lib/modules/" + release + ": mount the host's /lib/modules read-only at /lib/modules; " + name
          + " not loaded, the agent will report it");
      return Outcome.NOT_LOADED;
    }
    if (builtIn(dir.resolve("modules.builtin"), name)) {
      say(name + " is built into the kernel");
      return Outcome.BUILT_IN;
    }
    String tool = modprobe.stream().filter(p -> Files.isExecutable(root.resolve(p.substring(1)))).findFirst()
        .orElse(null);
    if (tool == null) {
      say("no modprobe in this image (looked for " + String.join(", ", modprobe) + "); " + name + " not loaded");
      return Outcome.NOT_LOADED;
    }
    long start = System.nanoTime();
    String result = run(root.resolve(tool.substring(1)).toString(), "-v", "--", name);
    long millis = (System.nanoTime() - start) / 1_000_000;
    if (result != null) {
      say(name + " not loaded: " + result + (result.contains("not permitted")
          ? " (the init container needs capability SYS_MODULE)" : "") + "; the agent will report it");
      return Outcome.NOT_LOADED;
    }
    say("loaded " + name + " in " + millis + " ms");
    return Outcome.LOADED;
  }

  private boolean listed(String name) {
    Path modules = root.resolve("proc/modules");
    try (Stream<String> lines = Files.lines(modules)) {
      return lines.anyMatch(l -> l.startsWith(name + " "));
    } catch (IOException | java.io.UncheckedIOException e) {
      return false;
    }
  }

  private String release() {
    try {
      return Files.readString(root.resolve("proc/sys/kernel/osrelease")).trim();
    } catch (IOException e) {
      return System.getProperty("os.version");
    }
  }

  /** modules.builtin lists built-in modules by path: kernel/net/netfilter/ipvs/ip_vs.ko. */
  static boolean builtIn(Path file, String name) {
    if (!Files.exists(file)) {
      return false;
    }
    try (Stream<String> lines = Files.lines(file)) {
      return lines.map(l -> l.substring(l.lastIndexOf('/') + 1).replaceFirst("\\.ko.*$", ""))
          .anyMatch(n -> canonical(n).equals(name));
    } catch (IOException | java.io.UncheckedIOException e) {
      return false;
    }
  }

  /** Runs modprobe, echoing what it did (-v: one insmod line per module, dependencies first); null when it worked. */
  private String run(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      p.getOutputStream().close();
      String output;
      try (InputStream in = p.getInputStream()) {
        output = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
      }
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "modprobe did not finish within 60 s";
      }
      if (!output.isEmpty()) {
        output.lines().forEach(l -> say("  " + l));
      }
      if (p.exitValue() != 0) {
        String last = output.isEmpty() ? "" : output.lines().reduce((a, b) -> b).orElse("");
        return "modprobe exited " + p.exitValue() + (last.isEmpty() ? "" : " (" + last + ")");
      }
      return null;
    } catch (IOException e) {
      return "cannot run " + command[0] + ": " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  private void say(String line) {
    out.println("load-modules: " + line);
    out.flush();
  }
}
