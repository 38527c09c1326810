package io.halvs.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.halvs.agent.cli.LoadModules.Outcome;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The init container's command against a directory laid out like /proc, /sys and /lib/modules. */
class LoadModulesTest {
  static final String RELEASE = "5.15.0-91-generic";

  @TempDir
  Path root;
  final ByteArrayOutputStream log = new ByteArrayOutputStream();
  LoadModules loader;

  @BeforeEach
  void kernelWithModules() throws IOException {
    Files.createDirectories(root.resolve("sys/module/nf_conntrack"));
    Files.createDirectories(root.resolve("proc/sys/kernel"));
    Files.writeString(root.resolve("proc/sys/kernel/osrelease"), RELEASE + "\n");
    Files.writeString(root.resolve("proc/modules"), "nf_conntrack 172032 1 - Live 0x0000000000000000\n");
    Files.createDirectories(root.resolve("lib/modules").resolve(RELEASE));
    Files.writeString(root.resolve("lib/modules").resolve(RELEASE).resolve("modules.builtin"),
        "kernel/net/ipv4/tcp_cubic.ko\n");
    loader = new LoadModules(root, List.of("/usr/sbin/modprobe"), new PrintStream(log, true, StandardCharsets.UTF_8));
  }

  String log() {
    return log.toString(StandardCharsets.UTF_8);
  }

  /** A modprobe that records its arguments, prints what it prints, and exits with the code given. */
  Path modprobe(String output, int exit) throws IOException {
    Path p = root.resolve("usr/sbin/modprobe");
    Files.createDirectories(p.getParent());
    Files.writeString(p, "#!/bin/sh\necho \"$@\" > " + root.resolve("args") + "\necho '" + output + "'\nexit " + exit
        + "\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    return p;
  }

  @Test
  void aModuleNotLoadedIsLoadedWithModprobeWhichBringsItsDependencies() throws IOException {
    modprobe("insmod /lib/modules/" + RELEASE + "/kernel/net/netfilter/ipvs/ip_vs.ko", 0);
    assertThat(loader.load("ip_vs")).isEqualTo(Outcome.LOADED);
    assertThat(Files.readString(root.resolve("args")).trim()).isEqualTo("-v -- ip_vs");
    assertThat(log()).contains("load-modules:   insmod /lib/modules/" + RELEASE).contains("load-modules: loaded ip_vs in ");
  }

  @Test
  void aLoadedOrBuiltInModuleIsLeftAlone() throws IOException {
    modprobe("", 1);
    assertThat(loader.load("nf_conntrack")).isEqualTo(Outcome.PRESENT);
    Files.writeString(root.resolve("proc/modules"), "ip_vs 176128 0 - Live 0x0000000000000000\n");
    assertThat(loader.load("ip-vs")).as("either spelling").isEqualTo(Outcome.PRESENT);
    assertThat(loader.load("tcp_cubic")).isEqualTo(Outcome.BUILT_IN);
    assertThat(root.resolve("args")).doesNotExist();
  }

  @Test
  void aKernelWithoutModuleSupportIsSaidAndTheCommandStillSucceeds() throws IOException {
    Files.delete(root.resolve("proc/modules"));
    loader.modules = List.of("ip_vs");
    assertThat(loader.call()).isZero();
    assertThat(log()).contains("no loadable module support (no /proc/modules)").contains("ip_vs");
  }

  @Test
  void withoutTheHostsModulesMountedItSaysWhatToMount() throws IOException {
    modprobe("", 0);
    Files.delete(root.resolve("lib/modules").resolve(RELEASE).resolve("modules.builtin"));
    Files.delete(root.resolve("lib/modules").resolve(RELEASE));
    assertThat(loader.load("ip_vs")).isEqualTo(Outcome.NOT_LOADED);
    assertThat(log()).contains("no /lib/modules/" + RELEASE + ": mount the host's /lib/modules read-only");
    assertThat(root.resolve("args")).doesNotExist();
  }

  @Test
  void aRefusedLoadIsExplainedAndTheCommandStillSucceeds() throws IOException {
    modprobe("modprobe: ERROR: could not insert ip_vs: Operation not permitted", 1);
    loader.modules = List.of("ip_vs");
    assertThat(loader.call()).isZero();
    assertThat(log()).contains("ip_vs not loaded: modprobe exited 1 (modprobe: ERROR: could not insert ip_vs: "
        + "Operation not permitted) (the init container needs capability SYS_MODULE); the agent will report it");
  }

  @Test
  void badNamesAndAMissingModprobeAreSaid() {
    assertThat(loader.load("../../evil")).isEqualTo(Outcome.NOT_LOADED);
    assertThat(loader.load("ip_vs")).isEqualTo(Outcome.NOT_LOADED);
    assertThat(log()).contains("'../../evil' is not a module name").contains("no modprobe in this image");
  }
}
