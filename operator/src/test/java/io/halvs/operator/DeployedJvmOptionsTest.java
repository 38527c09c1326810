package io.halvs.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The JVM flags the operator's Deployment and the agent's DaemonSet template set in JAVA_TOOL_OPTIONS: a JVM
 * refuses to start on a flag it does not know (several are version-dependent, e.g. TrimNativeHeapInterval since
 * 17.0.9). Checked with this build's JDK, the one deploy/image/rootfs.sh jlinks into the images, with the
 * images' collector.
 */
class DeployedJvmOptionsTest {

  static String operatorOptions() throws IOException {
    String yaml = Files.readString(DeployKustomizeTest.REPO.resolve("deploy/base/operator-deployment.yaml"));
    return DeployKustomizeTest.env(DeployKustomizeTest.document(yaml, "Deployment", Deployment.class),
        "JAVA_TOOL_OPTIONS");
  }

  static String agentOptions() throws IOException {
    String template = Files.readString(
        DeployKustomizeTest.REPO.resolve("operator/src/main/resources/templates/agent-daemonset.yaml"));
    Matcher m = Pattern.compile("- name: JAVA_TOOL_OPTIONS\\s+value: (.+)").matcher(template);
    assertThat(m.find()).as("JAVA_TOOL_OPTIONS in the agent's template").isTrue();
    return m.group(1).trim();
  }

  /** The collector flag of MODULE's image (image.collector in its pom), e.g. -XX:+UseG1GC. */
  static String imageCollector(String module) throws IOException {
    Matcher m = Pattern.compile("<image\\.collector>(.+)</image\\.collector>")
        .matcher(Files.readString(DeployKustomizeTest.REPO.resolve(module).resolve("pom.xml")));
    assertThat(m.find()).as("image.collector in %s/pom.xml", module).isTrue();
    return m.group(1).trim();
  }

  /**
   * java OPTIONS COLLECTOR -version (or the arguments given instead of -version), without the environment's
   * JAVA_TOOL_OPTIONS: its exit code and output.
   */
  static String[] run(String options, String collector, String... arguments) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(Arrays.asList(options.split(" +")));
    command.add(collector);
    command.addAll(arguments.length == 0 ? List.of("-version") : Arrays.asList(arguments));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().remove("JAVA_TOOL_OPTIONS");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new String[] {String.valueOf(p.exitValue()), out};
  }

  static void assertStarts(String options, String collector) throws Exception {
    String[] result = run(options, collector);
    assertThat(result[0]).as("java %s -version: %s", options, result[1]).isEqualTo("0");
  }

  @Test
  void theOperatorsHeapFlagsStartThisJdk() throws Exception {
    String options = operatorOptions();
    assertThat(imageCollector("operator")).isEqualTo("-XX:+UseG1GC");
    // HeapCompaction's System.gc() is the full collection that shrinks the heap: not disabled, not concurrent
    assertThat(options).contains("-XX:MaxHeapFreeRatio=").doesNotContain("DisableExplicitGC")
        .doesNotContain("ExplicitGCInvokesConcurrent").doesNotContain("G1PeriodicGCInterval");
    assertStarts(options, imageCollector("operator"));
  }

  /** Calls a method reflectively as often as Jackson calls a setter: JDK 17 makes a class for it after 15 calls. */
  public static final class ReflectiveCalls {
    public static void main(String[] args) throws Exception {
      java.lang.reflect.Method hashCode = Object.class.getMethod("hashCode");
      Object o = new Object();
      for (int i = 0; i < 100; i++) {
        hashCode.invoke(o);
      }
    }
  }

  /**
   * The operator's reflective calls (Jackson's setters and getters on every object it decodes or writes) make no
   * class each: about 830 of its 8,500 classes were such accessors, each with a class loader of its own (2.5 MiB
   * of metaspace). The control run shows this JDK would make one, so the property's name is checked too.
   */
  @Test
  void theOperatorsReflectiveCallsMakeNoClassEach() throws Exception {
    String classes = Path.of(ReflectiveCalls.class.getProtectionDomain().getCodeSource().getLocation().toURI())
        .toString();
    String collector = imageCollector("operator");
    String[] without = run("-Xlog:class+load", collector, "-cp", classes, ReflectiveCalls.class.getName());
    assertThat(without[1]).as("without the flags").contains("GeneratedMethodAccessor");
    String[] with = run(operatorOptions() + " -Xlog:class+load", collector, "-cp", classes,
        ReflectiveCalls.class.getName());
    assertThat(with[0]).as("with the flags: %s", with[1]).isEqualTo("0");
    assertThat(with[1]).as("with the flags").doesNotContain("GeneratedMethodAccessor").contains("ReflectiveCalls");
  }

  /** The JVM flags MODULE's own pom adds to its image's command line (jvmFlag elements), space-separated. */
  static String imageFlags(String module) throws IOException {
    Matcher m = Pattern.compile("<jvmFlag>([^<$]+)</jvmFlag>")
        .matcher(Files.readString(DeployKustomizeTest.REPO.resolve(module).resolve("pom.xml")));
    List<String> flags = new ArrayList<>();
    while (m.find()) {
      flags.add(m.group(1).trim());
    }
    return String.join(" ", flags);
  }

  @Test
  void theAgentsHeapFlagsStartThisJdk() throws Exception {
    String options = agentOptions();
    // A JVM accepts another collector's flags and ignores them: G1's in the template would tune nothing.
    assertThat(imageCollector("director-agent")).isEqualTo("-XX:+UseShenandoahGC");
    assertThat(options).contains("-Xmx").doesNotContain("-XX:G1").doesNotContain("HeapFreeRatio");
    assertStarts(options, imageCollector("director-agent"));
  }

  /** The agent image's own flags (the compiler's, the collector's mode) beside its collector and the template's. */
  @Test
  void theAgentsImageFlagsStartThisJdk() throws Exception {
    String image = imageFlags("director-agent");
    assertThat(image).contains("-XX:TieredStopAtLevel=1").contains("-XX:Tier3InvocationThreshold=");
    assertStarts(image + " " + agentOptions(), imageCollector("director-agent"));
  }

  /**
   * The compact mode sets its own 1 s uncommit delay unless one is given: the template's must be the one in force
   * with the image's flags after it (uncommits every few seconds stalled the active's heartbeats, fsBD).
   */
  @Test
  void theTemplatesUncommitDelayHoldsUnderTheImagesCompactMode() throws Exception {
    String image = imageFlags("director-agent");
    assertThat(image).contains("-XX:ShenandoahGCHeuristics=compact");
    Matcher given = Pattern.compile("-XX:ShenandoahUncommitDelay=(\\d+)").matcher(agentOptions());
    assertThat(given.find()).as("an uncommit delay in the template's %s", agentOptions()).isTrue();
    String[] result = run(agentOptions() + " " + image + " -XX:+PrintFlagsFinal", imageCollector("director-agent"));
    assertThat(result[0]).as(result[1]).isEqualTo("0");
    Matcher inForce = Pattern.compile("ShenandoahUncommitDelay\\s+= (\\d+)").matcher(result[1]);
    assertThat(inForce.find()).as(result[1]).isTrue();
    assertThat(Long.parseLong(inForce.group(1))).isEqualTo(Long.parseLong(given.group(1))).isGreaterThan(1000);
  }

  @Test
  void aFlagThisJdkDoesNotKnowIsCaught() throws Exception {
    String[] result = run("-XX:G1PeriodicGCInterval=15000 -XX:NoSuchHalvsFlag=1", "-XX:+UseG1GC");
    assertThat(result[0]).isNotEqualTo("0");
    assertThat(result[1]).contains("Unrecognized VM option 'NoSuchHalvsFlag=1'");
  }
}
