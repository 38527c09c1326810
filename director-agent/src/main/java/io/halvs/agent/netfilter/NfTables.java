package io.halvs.agent.netfilter;

import io.halvs.agent.netlink.Attributes;
import io.halvs.agent.netlink.Errno;
import io.halvs.agent.netlink.LibC;
import io.halvs.agent.netlink.Message;
import io.halvs.agent.netlink.NetlinkException;
import io.halvs.agent.netlink.NetlinkSocket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * nf_tables over nfnetlink (NETLINK_NETFILTER, subsystem NFNL_SUBSYS_NFTABLES): the few reads the marking table
 * needs (generation, one table, one chain, one chain's rules) and changes sent as one batch, which the kernel
 * applies as one transaction: all of it or none, and no packet sees a half-applied batch. Encodings follow
 * include/uapi/linux/netfilter/nf_tables.h and nf_tables_api.c: numbers in attributes are big-endian (network
 * order), unlike the rest of netlink; the nfgenmsg header carries the family. Every failure is a
 * {@link NetlinkException}.
 */
public final class NfTables implements AutoCloseable {
  static final int NFNL_SUBSYS_NFTABLES = 10;
  static final int NFNL_MSG_BATCH_BEGIN = 0x10;
  static final int NFNL_MSG_BATCH_END = 0x11;
  static final int NFGENMSG = 4;

  static final int MSG_NEWTABLE = 0;
  static final int MSG_GETTABLE = 1;
  static final int MSG_DELTABLE = 2;
  static final int MSG_NEWCHAIN = 3;
  static final int MSG_GETCHAIN = 4;
  static final int MSG_NEWRULE = 6;
  static final int MSG_GETRULE = 7;
  static final int MSG_DELRULE = 8;
  static final int MSG_NEWGEN = 15;
  static final int MSG_GETGEN = 16;

  static final int NFPROTO_UNSPEC = 0;
  static final int NFPROTO_INET = 1;
  static final int NFPROTO_IPV4 = 2;
  static final int NFPROTO_IPV6 = 10;

  static final int TABLE_NAME = 1;
  static final int TABLE_FLAGS = 2;
  static final int CHAIN_TABLE = 1;
  static final int CHAIN_NAME = 3;
  static final int CHAIN_HOOK = 4;
  static final int CHAIN_POLICY = 5;
  static final int CHAIN_TYPE = 7;
  static final int HOOK_HOOKNUM = 1;
  static final int HOOK_PRIORITY = 2;
  static final int RULE_TABLE = 1;
  static final int RULE_CHAIN = 2;
  static final int RULE_HANDLE = 3;
  static final int RULE_EXPRESSIONS = 4;
  static final int RULE_USERDATA = 7;
  static final int GEN_ID = 1;

  static final int NF_INET_PRE_ROUTING = 0;
  static final int NF_ACCEPT = 1;

  /** A table as the kernel holds it. */
  public record Table(String name, long flags) {}

  /** A chain: a base chain has a hook (hooknum, priority), a type and a policy. */
  public record Chain(String name, String type, int hook, int priority, int policy, boolean base) {}

  /** A rule: its handle (position) and the user data its writer attached (null: none). */
  public record Rule(long handle, byte[] userdata) {}

  /**
   * The kernel has no nf_tables: no nfnetlink (NETLINK_NETFILTER refused: EPROTONOSUPPORT), or nfnetlink without
   * its nf_tables subsystem, which the kernel answers with EINVAL (EOPNOTSUPP in a batch) after failing to load it.
   */
  public static final class Missing extends NetlinkException {
    private static final long serialVersionUID = 1L;

    Missing(String operation, int errno, String detail) {
      super(operation, errno, detail);
    }
  }

  private final NetlinkSocket socket;

  /** A socket of its own; {@link Missing} when the kernel has no nfnetlink. */
  public NfTables() {
    this(open(() -> new NetlinkSocket(LibC.NETLINK_NETFILTER)));
  }

  /** Over the socket the supplier opens (tests: one on a scripted kernel), with {@link Missing} as above. */
  public static NfTables over(java.util.function.Supplier<NetlinkSocket> socket) {
    return new NfTables(open(socket));
  }

  private static NetlinkSocket open(java.util.function.Supplier<NetlinkSocket> socket) {
    try {
      return socket.get();
    } catch (NetlinkException e) {
      if (e.errno() == Errno.EPROTONOSUPPORT) {
        throw new Missing("open an nfnetlink socket", e.errno(), "the kernel has no nfnetlink (module nfnetlink)");
      }
      throw e;
    }
  }

  /** Over a given socket (tests: one on a scripted kernel); owns it from then on. */
  public NfTables(NetlinkSocket socket) {
    this.socket = socket;
  }

  /** nlmsghdr type of an nf_tables message. */
  static int type(int msg) {
    return NFNL_SUBSYS_NFTABLES << 8 | msg;
  }

  /** struct nfgenmsg: family, version NFNETLINK_V0, res_id (big-endian). */
  static byte[] nfgenmsg(int family, int resId) {
    return new byte[] {(byte) family, 0, (byte) (resId >>> 8), (byte) resId};
  }

  /** One nf_tables request of the given family. */
  static Message request(int msg, int family, int flags) {
    return new Message(type(msg), Message.F_REQUEST | flags).raw(nfgenmsg(family, 0));
  }

  /**
   * The rule-set generation: it moves with every committed transaction in this network namespace, so equal
   * values before and after a pass mean the pass changed nothing. Also the first request the marking table
   * sends: a kernel without nf_tables refuses it.
   */
  public long generation() {
    String operation = "read the nf_tables generation";
    List<Long> ids;
    try {
      ids = socket.query(operation, request(MSG_GETGEN, NFPROTO_UNSPEC, Message.F_ACK), r -> {
        r.require(NFGENMSG, "struct nfgenmsg");
        if ((r.type() & 0xff) != MSG_NEWGEN) {
          return null;
        }
        return new Attributes(r.buffer(), r.payloadStart() + NFGENMSG, r.end()).be32(GEN_ID, -1);
      });
    } catch (NetlinkException e) {
      // the kernel's own answer (not a reply that failed to parse): no such subsystem
      boolean answer = e.getMessage().startsWith(operation + ": ");
      if (answer && (e.errno() == Errno.EINVAL || e.errno() == Errno.EOPNOTSUPP || e.errno() == Errno.ENOENT)) {
        throw new Missing(operation, e.errno(), "the kernel has no nf_tables subsystem (module nf_tables)");
      }
      throw e;
    }
    if (ids.isEmpty() || ids.get(0) < 0) {
      throw new NetlinkException(operation + " (receive)", Errno.EINVAL, "the reply carried no NFTA_GEN_ID");
    }
    return ids.get(0);
  }

  /** The table, or null when the family has none of that name. */
  public Table table(int family, String name) {
    Message m = request(MSG_GETTABLE, family, Message.F_ACK).string(TABLE_NAME, name);
    try {
      List<Table> t = socket.query("read table " + name, m, r -> {
        Attributes a = attributes(r);
        return a == null ? null : new Table(a.string(TABLE_NAME), a.be32(TABLE_FLAGS, 0));
      });
      return t.isEmpty() ? null : t.get(0);
    } catch (NetlinkException e) {
      if (e.errno() == Errno.ENOENT) {
        return null;
      }
      throw e;
    }
  }

  /** The chain, or null when the table has none of that name (or there is no such table). */
  public Chain chain(int family, String table, String name) {
    Message m = request(MSG_GETCHAIN, family, Message.F_ACK).string(CHAIN_TABLE, table).string(CHAIN_NAME, name);
    try {
      List<Chain> c = socket.query("read chain " + table + " " + name, m, r -> {
        Attributes a = attributes(r);
        if (a == null) {
          return null;
        }
        Attributes hook = a.nested(CHAIN_HOOK);
        return new Chain(a.string(CHAIN_NAME), a.string(CHAIN_TYPE),
            hook == null ? -1 : (int) hook.be32(HOOK_HOOKNUM, -1), hook == null ? 0 : (int) hook.be32(HOOK_PRIORITY, 0),
            (int) a.be32(CHAIN_POLICY, -1), hook != null);
      });
      return c.isEmpty() ? null : c.get(0);
    } catch (NetlinkException e) {
      if (e.errno() == Errno.ENOENT) {
        return null;
      }
      throw e;
    }
  }

  /** The chain's rules in order (a dump; empty when the table or chain is not there). */
  public List<Rule> rules(int family, String table, String chain) {
    Message m = request(MSG_GETRULE, family, Message.F_DUMP).string(RULE_TABLE, table).string(RULE_CHAIN, chain);
    try {
      return socket.query("list the rules of " + table + " " + chain, m, r -> {
        Attributes a = attributes(r);
        // kernels that ignore the dump's filter send every rule: keep this chain's
        if (a == null || (r.buffer().get(r.payloadStart()) & 0xff) != family || !table.equals(a.string(RULE_TABLE))
            || !chain.equals(a.string(RULE_CHAIN))) {
          return null;
        }
        byte[] handle = a.bytes(RULE_HANDLE);
        if (handle == null || handle.length != 8) {
          throw new NetlinkException("parse reply", Errno.EINVAL, "a rule without an 8-byte NFTA_RULE_HANDLE");
        }
        return new Rule(ByteBuffer.wrap(handle).getLong(), a.bytes(RULE_USERDATA));
      });
    } catch (NetlinkException e) {
      if (e.errno() == Errno.ENOENT) {
        return List.of();
      }
      throw e;
    }
  }

  /** The attributes after nfgenmsg of an nf_tables reply; null for any other message. */
  private static Attributes attributes(NetlinkSocket.Reply r) {
    if ((r.type() >>> 8) != NFNL_SUBSYS_NFTABLES) {
      return null;
    }
    r.require(NFGENMSG, "struct nfgenmsg");
    return new Attributes(r.buffer(), r.payloadStart() + NFGENMSG, r.end());
  }

  /**
   * Sends the changes as one batch (BATCH_BEGIN, the messages, BATCH_END): the kernel commits all of them in one
   * transaction or, when any is refused, none. Each message must ask for an ACK. what(i) names message i.
   */
  public void commit(String operation, List<Message> changes, java.util.function.IntFunction<String> what) {
    List<Message> batch = new ArrayList<>(changes.size() + 2);
    batch.add(batchMessage(NFNL_MSG_BATCH_BEGIN));
    batch.addAll(changes);
    batch.add(batchMessage(NFNL_MSG_BATCH_END));
    socket.executeBatch(operation, batch, i -> i == 0 ? "the batch" : i == batch.size() - 1 ? "the batch's end"
        : what.apply(i - 1));
  }

  /** A batch delimiter: its res_id names the subsystem the batch is for. */
  static Message batchMessage(int type) {
    return new Message(type, Message.F_REQUEST).raw(nfgenmsg(NFPROTO_UNSPEC, NFNL_SUBSYS_NFTABLES));
  }

  @Override
  public void close() {
    socket.close();
  }
}
