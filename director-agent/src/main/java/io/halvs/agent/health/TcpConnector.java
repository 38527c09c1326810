package io.halvs.agent.health;

import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.SaveError;

/**
 * The tcp checks' connects without the JDK's channels: a non-blocking socket(2) and connect(2) per check, one
 * epoll set for all of them, getsockopt(SO_ERROR) for the verdict, close(2). A {@code SocketChannel} and its
 * selection key cost about 0.85 KB of garbage per check, 8.4 MB a second at 10,000 checks, most of what the agent
 * allocated at rest and so most of its collector's cycles (issue 14); this path allocates nothing per check.
 *
 * <p>Confined to the checker thread, except a watcher thread that only waits: it blocks in epoll_wait until a
 * connect ends, wakes the checker (its selector) and parks until the checker has {@link #harvest}ed. The sockets
 * are made and closed by the checker thread only, so a socket's number is never reused under a running check.
 */
final class TcpConnector implements AutoCloseable {
  /** The libc calls; addresses are native memory of this connector's, passed as numbers (nothing copied). */
  public interface Api {
    @SaveError
    int socket(int domain, int type, int protocol);

    @SaveError
    int connect(int fd, long addr, int addrlen);

    @SaveError
    int setsockopt(int fd, int level, int option, long value, int len);

    @SaveError
    int getsockopt(int fd, int level, int option, long value, long len);

    @SaveError
    int epoll_create1(int flags);

    @SaveError
    int epoll_ctl(int epfd, int op, int fd, long event);

    @SaveError
    int epoll_wait(int epfd, long events, int maxevents, int timeout);

    int close(int fd);

    String strerror(int errnum);
  }

  private static final int SOCK_STREAM = 1;
  private static final int SOCK_NONBLOCK = 0x800;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final int SOL_SOCKET = 1;
  private static final int SO_ERROR = 4;
  private static final int SO_LINGER = 13;
  private static final int EPOLL_CLOEXEC = 0x80000;
  private static final int EPOLL_CTL_ADD = 1;
  private static final int EPOLLOUT = 0x004;
  private static final int EINTR = 4;
  private static final int EINPROGRESS = 115;
  /** struct epoll_event is packed on x86-64 (12 bytes), naturally aligned elsewhere (16). */
  private static final boolean PACKED_EVENTS = System.getProperty("os.arch", "").matches("amd64|x86_64");
  private static final int EVENT_SIZE = PACKED_EVENTS ? 12 : 16;
  private static final int EVENT_DATA = PACKED_EVENTS ? 4 : 8;
  /** Ended connects read per epoll_wait; more are read by the next call. */
  private static final int BATCH = 256;
  /** How long the watcher blocks before it looks whether the connector was closed. */
  private static final int WATCH_TIMEOUT_MS = 500;

  private static volatile Api api;
  private static volatile Runtime runtime;

  private final int epoll;
  private final Pointer address;
  private final Pointer linger;
  private final Pointer option;
  private final Pointer event;
  private final Pointer events;
  private final Pointer watched;
  /** The running probe by its socket, checker thread only. */
  private TcpProbe[] byFd = new TcpProbe[1024];
  private int running;
  private final Runnable wakeChecker;
  private final Thread watcher;
  private volatile boolean pending;
  private volatile boolean open = true;

  /** Opens the epoll set and starts the watcher; throws when libc cannot be reached. */
  TcpConnector(Runnable wakeChecker) {
    Api libc = api();
    this.wakeChecker = wakeChecker;
    epoll = libc.epoll_create1(EPOLL_CLOEXEC);
    if (epoll < 0) {
      throw new IllegalStateException("epoll_create1: " + libc.strerror(errno()));
    }
    address = Memory.allocateDirect(runtime, 28, true); // sockaddr_in6, the larger of the two
    linger = Memory.allocateDirect(runtime, 8, true);
    linger.putInt(0, 1); // l_onoff: reset on close, so 10,000 checks a second leave no TIME_WAIT behind
    linger.putInt(4, 0); // l_linger
    option = Memory.allocateDirect(runtime, 8, true);
    event = Memory.allocateDirect(runtime, EVENT_SIZE, true);
    events = Memory.allocateDirect(runtime, (long) EVENT_SIZE * BATCH, true);
    watched = Memory.allocateDirect(runtime, EVENT_SIZE, true);
    watcher = new Thread(this::watch, "halvs-health-connects");
    watcher.setDaemon(true);
    watcher.start();
  }

  static Api api() {
    if (api == null) {
      synchronized (TcpConnector.class) {
        if (api == null) {
          Api a = LibraryLoader.create(Api.class).load("c");
          runtime = Runtime.getRuntime(a);
          api = a;
        }
      }
    }
    return api;
  }

  private static int errno() {
    return LastError.getLastError(runtime);
  }

  /** sockaddr_in or sockaddr_in6 for an address of 4 or 16 bytes and a port. */
  static byte[] sockaddr(byte[] ip, int port) {
    byte[] sa = new byte[ip.length == 4 ? 16 : 28];
    sa[0] = (byte) (ip.length == 4 ? Pinger.AF_INET : Pinger.AF_INET6); // sa_family, little-endian u16
    sa[2] = (byte) (port >>> 8); // port in network order
    sa[3] = (byte) port;
    System.arraycopy(ip, 0, sa, ip.length == 4 ? 4 : 8, ip.length);
    return sa;
  }

  /**
   * Starts p's connect to sockaddr. Ends p at once when the connect did (a loopback connect may) or failed before
   * it began; otherwise p ends at {@link #harvest} or when it is aborted.
   */
  void connect(TcpProbe p, byte[] sockaddr) {
    Api libc = api;
    int family = sockaddr[0] & 0xff;
    int fd = libc.socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      p.fail(error("socket", errno()));
      return;
    }
    libc.setsockopt(fd, SOL_SOCKET, SO_LINGER, linger.address(), 8);
    address.put(0, sockaddr, 0, sockaddr.length);
    if (libc.connect(fd, address.address(), sockaddr.length) == 0) {
      libc.close(fd);
      p.succeed();
      return;
    }
    int err = errno();
    if (err != EINPROGRESS) {
      libc.close(fd);
      p.fail(describe(err));
      return;
    }
    event.putInt(0, EPOLLOUT); // EPOLLERR and EPOLLHUP come without asking
    event.putLong(EVENT_DATA, fd);
    if (libc.epoll_ctl(epoll, EPOLL_CTL_ADD, fd, event.address()) < 0) {
      err = errno();
      libc.close(fd);
      p.fail(error("epoll_ctl", err));
      return;
    }
    if (fd >= byFd.length) {
      byFd = Arrays.copyOf(byFd, Math.max(fd + 1, byFd.length * 2));
    }
    byFd[fd] = p;
    p.fd = fd;
    running++;
  }

  /** Closes p's socket (it ended: answered, timed out, dropped); its epoll entry goes with it. */
  void release(TcpProbe p) {
    int fd = p.fd;
    if (fd >= 0 && byFd[fd] == p) {
      byFd[fd] = null;
      running--;
      api.close(fd);
    }
    p.fd = -1;
  }

  /** True when the watcher saw a connect end that the checker has not harvested yet. */
  boolean pending() {
    return pending;
  }

  /** Connects running now: for tests. */
  int running() {
    return running;
  }

  /**
   * On the checker thread: ends every probe whose connect ended (up when SO_ERROR is 0) and hands it to settled;
   * then lets the watcher wait again.
   */
  void harvest(Consumer<Probe> settled) {
    Api libc = api;
    int n;
    do {
      n = libc.epoll_wait(epoll, events.address(), BATCH, 0);
      for (int i = 0; i < n; i++) {
        int fd = (int) events.getLong((long) i * EVENT_SIZE + EVENT_DATA);
        TcpProbe p = fd < byFd.length ? byFd[fd] : null;
        if (p == null) {
          continue;
        }
        option.putInt(0, 0);
        option.putInt(4, 4);
        int err = libc.getsockopt(fd, SOL_SOCKET, SO_ERROR, option.address(), option.address() + 4) < 0 ? errno()
            : option.getInt(0);
        if (err == 0) {
          p.succeed(); // closes the socket through release
        } else {
          p.fail(describe(err));
        }
        settled.accept(p);
      }
    } while (n == BATCH);
    pending = false;
    LockSupport.unpark(watcher);
  }

  private void watch() {
    Api libc = api;
    while (open) {
      int n = libc.epoll_wait(epoll, watched.address(), 1, WATCH_TIMEOUT_MS);
      if (n > 0) {
        pending = true;
        wakeChecker.run();
        while (pending && open) {
          LockSupport.park(this);
        }
      } else if (n < 0 && errno() != EINTR) {
        // the set was closed under us (close()); anything else would repeat at once, so wait as a timeout would
        LockSupport.parkNanos(this, WATCH_TIMEOUT_MS * 1_000_000L);
      }
    }
  }

  /** The message a failed connect's errno gets: the same words the JDK's exceptions got from Probe.describe. */
  static String describe(int errno) {
    return switch (errno) {
      case 111 -> "connection refused";
      case 104 -> "connection reset";
      case 113 -> "no route to host";
      default -> error("connect", errno);
    };
  }

  private static String error(String call, int errno) {
    String text = api().strerror(errno);
    if (text == null || text.isEmpty()) {
      return call + ": errno " + errno;
    }
    return call + ": " + Probe.lower(text);
  }

  /** Stops the watcher and closes the epoll set; the checker aborts its probes (their sockets) itself. */
  @Override
  public void close() {
    if (!open) {
      return;
    }
    open = false;
    LockSupport.unpark(watcher);
    try {
      watcher.join(2 * WATCH_TIMEOUT_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    api.close(epoll);
  }
}
