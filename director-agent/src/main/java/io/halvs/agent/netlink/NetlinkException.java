package io.halvs.agent.netlink;

/** A netlink request the kernel refused, or a socket that failed: which operation, on what, and why. */
public class NetlinkException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int errno;

  public NetlinkException(String operation, int errno, String detail) {
    super(operation + ": " + Errno.describe(errno) + (detail == null || detail.isEmpty() ? "" : " (" + detail + ")"));
    this.errno = errno;
  }

  public int errno() {
    return errno;
  }
}
