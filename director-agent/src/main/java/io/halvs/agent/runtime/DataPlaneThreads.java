package io.halvs.agent.runtime;

import io.halvs.agent.netlink.LibC;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The threads that keep the data plane (the election's tick, quorum and heartbeat receiver, the director loop,
 * the plan reader) run at a nice value of their own, keepalived's {@code vrrp_priority}: when the node's CPU is
 * short they go before the health checks and the API client, because a late tick is a false takeover and a late
 * pass a late edit. Each runs briefly and then sleeps, so the checks still get what they need. Below 0 it takes
 * CAP_SYS_NICE; without it the threads keep the process's value and one warning says so.
 */
public final class DataPlaneThreads {
  private static final Logger LOG = LoggerFactory.getLogger(DataPlaneThreads.class);
  private static final Path THREAD_SELF = Path.of("/proc/thread-self");
  private static volatile int nice;
  private static final AtomicBoolean WARNED = new AtomicBoolean();

  private DataPlaneThreads() {}

  /** The nice value the data plane's threads take when they start (0: the process's, nothing changed). */
  public static void nice(int value) {
    if (value < -20 || value > 19) {
      throw new IllegalArgumentException("a nice value is -20 to 19, not " + value);
    }
    nice = value;
  }

  public static int nice() {
    return nice;
  }

  /** A daemon thread that takes the data plane's nice value as it starts. */
  public static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(() -> {
      enter();
      r.run();
    }, name);
    t.setDaemon(true);
    return t;
  }

  /** Gives the calling thread the data plane's nice value; false when that failed (warned once). */
  public static boolean enter() {
    int n = nice;
    if (n == 0) {
      return true;
    }
    String problem;
    try {
      // /proc/thread-self -> <pid>/task/<tid>: the calling thread's id, which setpriority takes for one thread
      int tid = Integer.parseInt(Files.readSymbolicLink(THREAD_SELF).getFileName().toString());
      if (LibC.api().setpriority(LibC.PRIO_PROCESS, tid, n) == 0) {
        return true;
      }
      int errno = LibC.errno();
      problem = errno == 13 || errno == 1 ? "not permitted (a nice value below 0 takes CAP_SYS_NICE)"
          : "errno " + errno;
    } catch (IOException | RuntimeException | LinkageError e) {
      problem = e.toString();
    }
    if (WARNED.compareAndSet(false, true)) {
      LOG.warn("cannot give the data plane's threads nice {}: {}; they run at the process's", n, problem);
    }
    return false;
  }
}
