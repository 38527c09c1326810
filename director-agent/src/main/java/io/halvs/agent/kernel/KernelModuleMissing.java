package io.halvs.agent.kernel;

/**
 * A kernel module the agent needs is not loaded, and the agent cannot load it: it has no CAP_SYS_MODULE and no
 * /lib/modules. Kernels since 5.16 load ip_vs when its generic netlink family is first looked up; older ones
 * (Ubuntu 22.04, RHEL 8/9) do not, so it must be loaded at boot or by the load-modules init container.
 */
public final class KernelModuleMissing extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String module;

  /** @param symptom what the agent saw, e.g. "generic netlink family IPVS not found" */
  public KernelModuleMissing(String module, String symptom) {
    super(symptom + ": " + problem(module));
    this.module = module;
  }

  public String module() {
    return module;
  }

  /** The agent's report message for it; the operator turns it into the DirectorPair's condition. */
  public static String problem(String module) {
    return "kernel module " + module + " not loaded; load it at boot (/etc/modules-load.d) or enable the "
        + "load-modules init container";
  }

  public String problem() {
    return problem(module);
  }
}
