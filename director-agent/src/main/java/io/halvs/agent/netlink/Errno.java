package io.halvs.agent.netlink;

import java.util.Map;

/** errno numbers in words, for messages people read (Linux, x86-64 and arm64 share these). */
public final class Errno {
  public static final int EPERM = 1;
  public static final int ENOENT = 2;
  public static final int ESRCH = 3;
  public static final int EINTR = 4;
  public static final int EBADF = 9;
  public static final int EAGAIN = 11;
  public static final int ENOMEM = 12;
  public static final int EBUSY = 16;
  public static final int EEXIST = 17;
  public static final int ENODEV = 19;
  public static final int EINVAL = 22;
  public static final int ERANGE = 34;
  public static final int EMSGSIZE = 90;
  public static final int EOPNOTSUPP = 95;
  public static final int EAFNOSUPPORT = 97;
  public static final int EADDRNOTAVAIL = 99;
  public static final int ENOBUFS = 105;
  public static final int EPROTONOSUPPORT = 93;

  private static final Map<Integer, String> NAMES = Map.ofEntries(
      Map.entry(EPERM, "EPERM: operation not permitted (is NET_ADMIN granted?)"),
      Map.entry(ENOENT, "ENOENT: no such entry"),
      Map.entry(ESRCH, "ESRCH: no such service"),
      Map.entry(EINTR, "EINTR: interrupted"),
      Map.entry(EBADF, "EBADF: bad file descriptor"),
      Map.entry(EAGAIN, "EAGAIN: try again (timed out)"),
      Map.entry(ENOMEM, "ENOMEM: out of memory"),
      Map.entry(EBUSY, "EBUSY: busy"),
      Map.entry(EEXIST, "EEXIST: already exists"),
      Map.entry(ENODEV, "ENODEV: no such device"),
      Map.entry(EINVAL, "EINVAL: invalid argument"),
      Map.entry(ERANGE, "ERANGE: out of range"),
      Map.entry(EMSGSIZE, "EMSGSIZE: message too long"),
      Map.entry(EOPNOTSUPP, "EOPNOTSUPP: not supported"),
      Map.entry(EAFNOSUPPORT, "EAFNOSUPPORT: address family not supported"),
      Map.entry(EADDRNOTAVAIL, "EADDRNOTAVAIL: address not available"),
      Map.entry(ENOBUFS, "ENOBUFS: no buffer space (socket receive buffer overrun)"),
      Map.entry(EPROTONOSUPPORT, "EPROTONOSUPPORT: protocol not supported"));

  private Errno() {}

  public static String describe(int errno) {
    return NAMES.getOrDefault(errno, "errno " + errno);
  }
}
