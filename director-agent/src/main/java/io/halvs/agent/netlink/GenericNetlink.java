package io.halvs.agent.netlink;

import java.util.List;

/** Generic netlink: families are found by name, since their ids differ from kernel to kernel. */
public final class GenericNetlink {
  static final int GENL_ID_CTRL = 0x10;
  static final int CTRL_CMD_GETFAMILY = 3;
  static final int CTRL_ATTR_FAMILY_ID = 1;
  static final int CTRL_ATTR_FAMILY_NAME = 2;
  static final int GENL_HEADER = 4;

  private GenericNetlink() {}

  /** The family's id, or a NetlinkException whose message says what to check. */
  public static int familyId(NetlinkSocket socket, String name, String hint) {
    Message m = new Message(GENL_ID_CTRL, Message.F_REQUEST | Message.F_ACK).genl(CTRL_CMD_GETFAMILY, 1)
        .string(CTRL_ATTR_FAMILY_NAME, name);
    try {
      List<Integer> ids = socket.query("resolve generic netlink family " + name, m, r -> {
        Attributes a = new Attributes(r.buffer(), r.payloadStart() + GENL_HEADER, r.end());
        return a.has(CTRL_ATTR_FAMILY_ID) ? a.u16(CTRL_ATTR_FAMILY_ID, 0) : null;
      });
      if (ids.isEmpty()) {
        throw new NetlinkException("resolve generic netlink family " + name, Errno.ENOENT, hint);
      }
      return ids.get(0);
    } catch (NetlinkException e) {
      if (e.errno() == Errno.ENOENT) {
        throw new NetlinkException("generic netlink family " + name + " not found", Errno.ENOENT, hint);
      }
      throw e;
    }
  }
}
