package io.halvs.agent.kernel;

/** A failed IPVS operation: which one, on what, and the kernel's errno. */
public class IpvsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String operation;
  private final String object;
  private final int errno;

  public IpvsException(String operation, String object, int errno, String errnoText) {
    super(operation + " " + object + ": " + errnoText + " (errno " + errno + ")");
    this.operation = operation;
    this.object = object;
    this.errno = errno;
  }

  public String operation() {
    return operation;
  }

  public String object() {
    return object;
  }

  public int errno() {
    return errno;
  }
}
