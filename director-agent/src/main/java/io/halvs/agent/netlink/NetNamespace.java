package io.halvs.agent.netlink;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs code in another network namespace (/run/netns/NAME): setns(2) moves only the calling thread, so the
 * code runs on a thread of its own; netlink sockets and /proc/sys/net opened there belong to that namespace.
 * The thread is discarded afterwards. For tests and tools that drive several "hosts" from one process.
 */
public final class NetNamespace {
  private NetNamespace() {}

  public static <T> T run(String name, Callable<T> body) throws Exception {
    ExecutorService thread = Executors.newSingleThreadExecutor(r -> new Thread(r, "netns-" + name));
    try {
      Future<T> f = thread.submit(() -> {
        LibC.Api c = LibC.api();
        int fd = c.open("/run/netns/" + name, LibC.O_RDONLY);
        if (fd < 0) {
          throw new NetlinkException("open network namespace " + name, LibC.errno(), null);
        }
        try {
          if (c.setns(fd, LibC.CLONE_NEWNET) < 0) {
            throw new NetlinkException("enter network namespace " + name, LibC.errno(), null);
          }
        } finally {
          c.close(fd);
        }
        return body.call();
      });
      return f.get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception ex ? ex : e;
    } finally {
      thread.shutdownNow();
    }
  }
}
