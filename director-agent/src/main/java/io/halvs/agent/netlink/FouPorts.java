package io.halvs.agent.netlink;

/**
 * Foo-over-UDP receive ports over the "fou" generic netlink family ({@code ip fou add port N gue}): a GUE real
 * server decapsulates on the service's tunnel port and hands the inner IPIP packet to tunl0. Needs the fou module.
 */
public final class FouPorts implements AutoCloseable {
  static final int FOU_CMD_ADD = 1;
  static final int FOU_CMD_DEL = 2;
  static final int FOU_ATTR_PORT = 1;
  static final int FOU_ATTR_AF = 2;
  static final int FOU_ATTR_TYPE = 4;
  static final int FOU_ENCAP_GUE = 2;
  static final int FOU_GENL_VERSION = 1;

  private final NetlinkSocket socket = new NetlinkSocket(LibC.NETLINK_GENERIC);
  private final int family;

  /** Throws a NetlinkException naming the missing module when the kernel has no fou. */
  public FouPorts() {
    try {
      family = GenericNetlink.familyId(socket, "fou", "the fou kernel module is not loaded (modprobe fou)");
    } catch (RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  /** Adds a GUE receive port (IPv4); false when the port was there already (EEXIST): not ours then. */
  public synchronized boolean addGue(int port) {
    Message m = new Message(family, Message.F_REQUEST | Message.F_ACK).genl(FOU_CMD_ADD, FOU_GENL_VERSION)
        .be16(FOU_ATTR_PORT, port).u8(FOU_ATTR_AF, LibC.AF_INET).u8(FOU_ATTR_TYPE, FOU_ENCAP_GUE);
    try {
      socket.execute("add gue receive port " + port, m);
      return true;
    } catch (NetlinkException e) {
      if (e.errno() == Errno.EEXIST) {
        return false;
      }
      throw e;
    }
  }

  /** Removes a receive port; false when it was not there. */
  public synchronized boolean remove(int port) {
    Message m = new Message(family, Message.F_REQUEST | Message.F_ACK).genl(FOU_CMD_DEL, FOU_GENL_VERSION)
        .be16(FOU_ATTR_PORT, port).u8(FOU_ATTR_AF, LibC.AF_INET);
    try {
      socket.execute("remove gue receive port " + port, m);
      return true;
    } catch (NetlinkException e) {
      if (e.errno() == Errno.ENOENT || e.errno() == Errno.ESRCH) {
        return false;
      }
      throw e;
    }
  }

  @Override
  public void close() {
    socket.close();
  }
}
