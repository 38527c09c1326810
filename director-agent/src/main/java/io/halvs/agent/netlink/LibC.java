package io.halvs.agent.netlink;

import java.nio.ByteBuffer;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/** The few libc calls halvs needs for netlink and packet sockets, through jnr-ffi. */
public final class LibC {
  /**
   * Bindings; byte arrays are copied to native memory for the call and freed after it, so nothing leaks. A
   * direct ByteBuffer is passed by address, without a copy.
   */
  public interface Api {
    @SaveError
    int socket(int domain, int type, int protocol);

    @SaveError
    int bind(int fd, @In byte[] addr, int addrlen);

    @SaveError
    @ssize_t
    long sendto(int fd, @In byte[] buf, @size_t long len, int flags, @In byte[] addr, int addrlen);

    @SaveError
    @ssize_t
    long recv(int fd, @Out ByteBuffer buf, @size_t long len, int flags);

    @SaveError
    int setsockopt(int fd, int level, int option, @In byte[] value, int len);

    @SaveError
    int getsockname(int fd, @Out byte[] addr, @In @Out int[] addrlen);

    @SaveError
    int close(int fd);

    @SaveError
    int if_nametoindex(String name);

    @SaveError
    int open(String path, int flags);

    @SaveError
    int setns(int fd, int nstype);
  }

  public static final int O_RDONLY = 0;
  public static final int CLONE_NEWNET = 0x40000000;

  public static final int AF_INET = 2;
  public static final int AF_INET6 = 10;
  public static final int AF_NETLINK = 16;
  public static final int AF_PACKET = 17;
  public static final int SOCK_DGRAM = 2;
  public static final int SOCK_RAW = 3;
  public static final int SOCK_CLOEXEC = 0x80000;
  public static final int SOL_SOCKET = 1;
  public static final int SO_SNDBUF = 7;
  public static final int SO_RCVBUF = 8;
  public static final int SO_SNDBUFFORCE = 32;
  public static final int SO_RCVTIMEO = 20;
  public static final int SOL_NETLINK = 270;
  public static final int NETLINK_EXT_ACK = 11;
  public static final int NETLINK_ROUTE = 0;
  public static final int NETLINK_NETFILTER = 12;
  public static final int NETLINK_GENERIC = 16;
  public static final int MSG_TRUNC = 0x20;
  public static final int MSG_DONTWAIT = 0x40;

  private static volatile Api api;
  private static volatile Runtime runtime;

  private LibC() {}

  public static Api api() {
    Api a = api;
    if (a == null) {
      synchronized (LibC.class) {
        if (api == null) {
          api = LibraryLoader.create(Api.class).load("c");
          runtime = Runtime.getRuntime(api);
        }
        a = api;
      }
    }
    return a;
  }

  /** errno of the last call on this thread that carried @SaveError. */
  public static int errno() {
    api();
    return LastError.getLastError(runtime);
  }
}
