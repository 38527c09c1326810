package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/**
 * How the operator runs the pair's director agents. Unset fields take the operator's defaults (its DaemonSet
 * template), not schema defaults, so an operator upgrade can move them.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AgentSettings {
  /** Image pull policies, as a Pod's container takes them. */
  public enum PullPolicy { Always, IfNotPresent, Never }

  /** The PriorityClass deploy/ ships: system-node-critical outside kube-system needs a ResourceQuota on GKE. */
  public static final String DEFAULT_PRIORITY_CLASS = "halvs-director-critical";
  /** The agent's /healthz, /readyz and /metrics (host network: a port on the node's addresses). */
  public static final int DEFAULT_PORT = 8850;
  /** Kubernetes object names (DNS-1123 subdomain). */
  public static final String DNS_SUBDOMAIN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
  /** A Kubernetes quantity as requests and limits take it, e.g. 100m, 0.5, 256Mi, 1G. */
  public static final String QUANTITY = "^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$";
  /** One flag: printable, no line breaks (a flag never needs one, a log or YAML injection does). */
  public static final String ARG = "^[^\\r\\n]*$";
  /**
   * A collector other than the image's Shenandoah (director-agent/pom.xml, image.collector), found anywhere in
   * jvmOptions: the JVM refuses to start with two. Admission's rule, and the operator's check of objects stored
   * before it (G1 was the image's until 2026-12-05, so -XX:+UseG1GC was accepted then).
   */
  public static final String OTHER_COLLECTOR = "-XX:[+]Use(Serial|Parallel|G1|Z|Epsilon)GC";
  public static final String OTHER_COLLECTOR_MESSAGE = "jvmOptions: the agent image runs the Shenandoah collector "
      + "(-XX:+UseShenandoahGC) and the JVM refuses to start with a second one";

  @Size(max = 512)
  @JsonPropertyDescription("Director agent image; default: the operator's own version of it (kustomize images: "
      + "for ghcr.io/halvs/director-agent rewrites that default).")
  private String image;

  @JsonPropertyDescription("Always, IfNotPresent or Never; default IfNotPresent.")
  private PullPolicy imagePullPolicy;

  @Size(max = 32)
  @JsonPropertyDescription("Extra agent flags, appended after the operator's, e.g. [\"--fake-ipvs\"]. At most 32, "
      + "each at most 256 characters, no line breaks.")
  private List<@Size(max = 256) @Pattern(ARG) String> args;

  @Size(max = 1024)
  @Pattern(ARG)
  @ValidationRule(value = "!self.matches('" + OTHER_COLLECTOR + "')", message = OTHER_COLLECTOR_MESSAGE)
  @JsonPropertyDescription("JVM options for the agent, passed as JAVA_TOOL_OPTIONS, e.g. \"-Xmx300m\". The image's "
      + "own flags (-XX:+UseShenandoahGC -XX:MaxRAMPercentage=75 -XX:ShenandoahGCHeuristics=compact) come later on "
      + "the command line and win when repeated; -Xmx wins over MaxRAMPercentage.")
  private String jvmOptions;

  @Size(max = 253)
  @Pattern(DNS_SUBDOMAIN)
  @JsonPropertyDescription("PriorityClass of the agent pods; default halvs-director-critical (deploy/ ships it).")
  private String priorityClassName;

  @JsonPropertyDescription("Requests and limits of the agent container; default: measured figures (see "
      + "docs). A CPU limit is allowed but throttling longer than the dead interval causes a false takeover.")
  private ComputeResources resources;

  @Min(1)
  @Max(65535)
  @JsonPropertyDescription("TCP port of the agent's /healthz, /readyz and /metrics on the node's addresses (host network); "
      + "default 8850.")
  private Integer port;

  @JsonPropertyDescription("Load the ip_vs kernel modules from the node's /lib/modules in an init container "
      + "(CAP_SYS_MODULE), needed on kernels before 5.16; default true. Set false where the modules are built in "
      + "or loaded at boot.")
  private Boolean loadKernelModules;

  /** Requests and limits, the two resources the agent needs. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(value = "!has(self.requests) || !has(self.limits) || !has(self.requests.memory) "
      + "|| !has(self.limits.memory) "
      + "|| quantity(self.requests.memory).compareTo(quantity(self.limits.memory)) <= 0",
      message = "resources: requests.memory must not exceed limits.memory")
  @ValidationRule(value = "!has(self.requests) || !has(self.limits) || !has(self.requests.cpu) "
      + "|| !has(self.limits.cpu) || quantity(self.requests.cpu).compareTo(quantity(self.limits.cpu)) <= 0",
      message = "resources: requests.cpu must not exceed limits.cpu")
  public static class ComputeResources {
    @JsonPropertyDescription("Requested cpu and memory; default: measured figures.")
    private ResourceList requests;

    @JsonPropertyDescription("Limits on cpu and memory; default: memory only (no CPU throttling).")
    private ResourceList limits;

    public ResourceList getRequests() { return requests; }
    public void setRequests(ResourceList requests) { this.requests = requests; }
    public ResourceList getLimits() { return limits; }
    public void setLimits(ResourceList limits) { this.limits = limits; }
  }

  /** cpu and memory quantities. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ResourceList {
    @Size(max = 32)
    @Pattern(QUANTITY)
    @JsonPropertyDescription("CPU, e.g. 100m or 0.5.")
    private String cpu;

    @Size(max = 32)
    @Pattern(QUANTITY)
    @JsonPropertyDescription("Memory, e.g. 256Mi.")
    private String memory;

    public String getCpu() { return cpu; }
    public void setCpu(String cpu) { this.cpu = cpu; }
    public String getMemory() { return memory; }
    public void setMemory(String memory) { this.memory = memory; }
  }

  public String getImage() { return image; }
  public void setImage(String image) { this.image = image; }
  public PullPolicy getImagePullPolicy() { return imagePullPolicy; }
  public void setImagePullPolicy(PullPolicy imagePullPolicy) { this.imagePullPolicy = imagePullPolicy; }
  public List<String> getArgs() { return args; }
  public void setArgs(List<String> args) { this.args = args; }
  public String getJvmOptions() { return jvmOptions; }
  public void setJvmOptions(String jvmOptions) { this.jvmOptions = jvmOptions; }
  public String getPriorityClassName() { return priorityClassName; }
  public void setPriorityClassName(String priorityClassName) { this.priorityClassName = priorityClassName; }
  public ComputeResources getResources() { return resources; }
  public void setResources(ComputeResources resources) { this.resources = resources; }
  public Integer getPort() { return port; }
  public void setPort(Integer port) { this.port = port; }
  public Boolean getLoadKernelModules() { return loadKernelModules; }
  public void setLoadKernelModules(Boolean loadKernelModules) { this.loadKernelModules = loadKernelModules; }
}
