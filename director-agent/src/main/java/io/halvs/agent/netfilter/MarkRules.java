package io.halvs.agent.netfilter;

import io.halvs.agent.netlink.Message;
import io.halvs.plan.IpAddress;
import io.halvs.plan.MarkRule;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The nf_tables messages of the marking table: its table, its chain and one rule per {@link MarkRule}, each rule
 * as nft itself would write {@code ip daddr 10.0.0.0/24 meta l4proto tcp th dport 80-90 meta mark set 0x7}:
 *
 * <pre>
 *   meta load nfproto => reg 1; cmp eq reg 1 ipv4|ipv6
 *   payload load 4b|16b @ network header + 16|24 => reg 1; [bitwise reg 1 = reg 1 &amp; mask ^ 0;] cmp eq reg 1 net
 *   [meta load l4proto => reg 1; cmp eq reg 1 proto]
 *   [payload load 2b @ transport header + 2 => reg 1; cmp eq reg 1 port | range eq reg 1 from to]
 *   immediate reg 1 mark; meta set mark with reg 1
 * </pre>
 *
 * Every rule carries user data in nft's own format, a comment (so {@code nft list} shows it) that names the rule
 * and a hash of its expressions: the agent compares these with the plan's to tell whether the kernel holds the
 * plan, without reading expressions back.
 */
public final class MarkRules {
  /** The table halvs owns, in family inet (IPv4 and IPv6 alike). */
  public static final String TABLE = "halvs";
  /** Its one chain: not "mark", a keyword of nft's grammar that would need quoting on every nft command line. */
  public static final String CHAIN = "marking";
  /** NF_IP_PRI_MANGLE, nft's "priority mangle": before routing, before IPVS looks at the mark in LOCAL_IN. */
  public static final int PRIORITY = -150;
  public static final String CHAIN_TYPE = "filter";

  static final int F_APPEND = 0x800;
  static final int LIST_ELEM = 1;
  static final int EXPR_NAME = 1;
  static final int EXPR_DATA = 2;
  static final int DATA_VALUE = 1;
  static final int REG_1 = 1;
  static final int META_DREG = 1;
  static final int META_KEY = 2;
  static final int META_SREG = 3;
  static final int META_MARK = 3;
  static final int META_NFPROTO = 15;
  static final int META_L4PROTO = 16;
  static final int CMP_SREG = 1;
  static final int CMP_OP = 2;
  static final int CMP_DATA = 3;
  static final int CMP_EQ = 0;
  static final int PAYLOAD_DREG = 1;
  static final int PAYLOAD_BASE = 2;
  static final int PAYLOAD_OFFSET = 3;
  static final int PAYLOAD_LEN = 4;
  static final int PAYLOAD_NETWORK_HEADER = 1;
  static final int PAYLOAD_TRANSPORT_HEADER = 2;
  static final int BITWISE_SREG = 1;
  static final int BITWISE_DREG = 2;
  static final int BITWISE_LEN = 3;
  static final int BITWISE_MASK = 4;
  static final int BITWISE_XOR = 5;
  static final int RANGE_SREG = 1;
  static final int RANGE_OP = 2;
  static final int RANGE_FROM = 3;
  static final int RANGE_TO = 4;
  static final int RANGE_EQ = 0;
  static final int IMMEDIATE_DREG = 1;
  static final int IMMEDIATE_DATA = 2;
  /** NFTNL_UDATA_RULE_COMMENT: the type nft reads a rule's comment from. */
  static final int UDATA_COMMENT = 0;
  /** Offsets of the destination address in the IPv4 and IPv6 headers, of the destination port in TCP/UDP/SCTP. */
  static final int IPV4_DADDR = 16;
  static final int IPV6_DADDR = 24;
  static final int DPORT = 2;

  private MarkRules() {}

  public static Message newTable() {
    return NfTables.request(NfTables.MSG_NEWTABLE, NfTables.NFPROTO_INET, Message.F_CREATE | Message.F_ACK)
        .string(NfTables.TABLE_NAME, TABLE).be32(NfTables.TABLE_FLAGS, 0);
  }

  public static Message deleteTable() {
    return NfTables.request(NfTables.MSG_DELTABLE, NfTables.NFPROTO_INET, Message.F_ACK)
        .string(NfTables.TABLE_NAME, TABLE);
  }

  /** type filter hook prerouting priority mangle; policy accept. */
  public static Message newChain() {
    return NfTables.request(NfTables.MSG_NEWCHAIN, NfTables.NFPROTO_INET, Message.F_CREATE | Message.F_ACK)
        .string(NfTables.CHAIN_TABLE, TABLE).string(NfTables.CHAIN_NAME, CHAIN).begin(NfTables.CHAIN_HOOK)
        .be32(NfTables.HOOK_HOOKNUM, NfTables.NF_INET_PRE_ROUTING).be32(NfTables.HOOK_PRIORITY, PRIORITY).end()
        .be32(NfTables.CHAIN_POLICY, NfTables.NF_ACCEPT).string(NfTables.CHAIN_TYPE, CHAIN_TYPE);
  }

  /** DELRULE naming the chain and no rule: every rule of the chain. */
  public static Message flushChain() {
    return NfTables.request(NfTables.MSG_DELRULE, NfTables.NFPROTO_INET, Message.F_ACK)
        .string(NfTables.RULE_TABLE, TABLE).string(NfTables.RULE_CHAIN, CHAIN);
  }

  /** The rule appended at the chain's end. */
  public static Message newRule(MarkRule r) {
    Message m = NfTables.request(NfTables.MSG_NEWRULE, NfTables.NFPROTO_INET,
        Message.F_CREATE | F_APPEND | Message.F_ACK).string(NfTables.RULE_TABLE, TABLE)
        .string(NfTables.RULE_CHAIN, CHAIN).begin(NfTables.RULE_EXPRESSIONS);
    expressions(m, r);
    return m.end().bytes(NfTables.RULE_USERDATA, userdata(r));
  }

  /**
   * Throws IllegalArgumentException, naming the rule, for one the kernel could not hold as meant: mark 0 (no
   * mark), a prefix too long for the family, ports without a protocol, a port range out of order.
   */
  public static void check(MarkRule r) {
    String problem = null;
    if (r.address() == null) {
      problem = "no address";
    } else if (r.mark() <= 0 || r.mark() > 0xffffffffL) {
      problem = "the mark must be 1..0xffffffff";
    } else if (r.prefixLength() < 0 || r.prefixLength() > (r.address().isV4() ? 32 : 128)) {
      problem = "prefix length " + r.prefixLength() + " does not fit the address family";
    } else if (r.protocol() != null && protocolNumber(r.protocol()) < 0) {
      problem = "protocol " + r.protocol() + " is not TCP, UDP or SCTP";
    } else if (!r.anyPort() && r.protocol() == null) {
      problem = "a port range needs a protocol";
    } else if (!r.anyPort() && (r.portFrom() < 1 || r.portTo() > 65535 || r.portFrom() > r.portTo())) {
      problem = "ports " + r.portFrom() + ".." + r.portTo() + " are not a range within 1..65535 (0..0: any port)";
    }
    if (problem != null) {
      throw new IllegalArgumentException("marking rule " + r + ": " + problem);
    }
  }

  static int protocolNumber(String protocol) {
    return switch (protocol.toUpperCase(Locale.ROOT)) {
      case "TCP" -> 6;
      case "UDP" -> 17;
      case "SCTP" -> 132;
      default -> -1;
    };
  }

  static void expressions(Message m, MarkRule r) {
    check(r);
    IpAddress a = r.address();
    boolean v4 = a.isV4();
    int len = v4 ? 4 : 16;
    meta(m, META_NFPROTO);
    cmpEq(m, new byte[] {(byte) (v4 ? NfTables.NFPROTO_IPV4 : NfTables.NFPROTO_IPV6)});
    if (r.prefixLength() > 0) {
      payload(m, PAYLOAD_NETWORK_HEADER, v4 ? IPV4_DADDR : IPV6_DADDR, len);
      byte[] mask = mask(len, r.prefixLength());
      byte[] net = a.bytes();
      for (int i = 0; i < len; i++) {
        net[i] &= mask[i];
      }
      if (r.prefixLength() < len * 8) {
        expr(m, "bitwise", d -> d.be32(BITWISE_SREG, REG_1).be32(BITWISE_DREG, REG_1).be32(BITWISE_LEN, len)
            .begin(BITWISE_MASK).bytes(DATA_VALUE, mask).end().begin(BITWISE_XOR).bytes(DATA_VALUE, new byte[len])
            .end());
      }
      cmpEq(m, net);
    }
    if (r.protocol() != null) {
      meta(m, META_L4PROTO);
      cmpEq(m, new byte[] {(byte) protocolNumber(r.protocol())});
      if (!r.anyPort()) {
        payload(m, PAYLOAD_TRANSPORT_HEADER, DPORT, 2);
        if (r.portFrom() == r.portTo()) {
          cmpEq(m, be16(r.portFrom()));
        } else {
          expr(m, "range", d -> d.be32(RANGE_SREG, REG_1).be32(RANGE_OP, RANGE_EQ).begin(RANGE_FROM)
              .bytes(DATA_VALUE, be16(r.portFrom())).end().begin(RANGE_TO).bytes(DATA_VALUE, be16(r.portTo())).end());
        }
      }
    }
    // the mark is host-endian, as skb->mark is
    byte[] mark = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt((int) r.mark()).array();
    expr(m, "immediate", d -> d.be32(IMMEDIATE_DREG, REG_1).begin(IMMEDIATE_DATA).bytes(DATA_VALUE, mark).end());
    expr(m, "meta", d -> d.be32(META_KEY, META_MARK).be32(META_SREG, REG_1));
  }

  private static void expr(Message m, String name, Consumer<Message> data) {
    m.begin(LIST_ELEM).string(EXPR_NAME, name).begin(EXPR_DATA);
    data.accept(m);
    m.end().end();
  }

  private static void meta(Message m, int key) {
    expr(m, "meta", d -> d.be32(META_DREG, REG_1).be32(META_KEY, key));
  }

  private static void cmpEq(Message m, byte[] value) {
    expr(m, "cmp", d -> d.be32(CMP_SREG, REG_1).be32(CMP_OP, CMP_EQ).begin(CMP_DATA).bytes(DATA_VALUE, value).end());
  }

  private static void payload(Message m, int base, int offset, int len) {
    expr(m, "payload", d -> d.be32(PAYLOAD_DREG, REG_1).be32(PAYLOAD_BASE, base).be32(PAYLOAD_OFFSET, offset)
        .be32(PAYLOAD_LEN, len));
  }

  static byte[] mask(int len, int prefix) {
    byte[] m = new byte[len];
    for (int i = 0; i < len; i++) {
      int bits = Math.max(0, Math.min(8, prefix - 8 * i));
      m[i] = (byte) (0xff << (8 - bits));
    }
    return m;
  }

  private static byte[] be16(int v) {
    return new byte[] {(byte) (v >>> 8), (byte) v};
  }

  /**
   * What the rule says, as its comment shows it: {@code halvs:1a2b3c4d mark 0x7 tcp 10.0.0.0/24 dport 80-90}. The
   * hash (the first 4 bytes of SHA-256 over the NFTA_RULE_EXPRESSIONS payload) changes with the rule's encoding,
   * so rules an agent version encoded otherwise are replaced, not adopted.
   */
  public static String comment(MarkRule r) {
    Message e = new Message(0, 0);
    expressions(e, r);
    byte[] b = e.toBytes(0);
    String hash;
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(b, Message.HEADER, b.length - Message.HEADER); // the expressions alone, without the header
      hash = HexFormat.of().formatHex(sha.digest(), 0, 4);
    } catch (NoSuchAlgorithmException ex) {
      throw new IllegalStateException(ex); // every JDK has SHA-256
    }
    StringBuilder s = new StringBuilder("halvs:").append(hash).append(" mark 0x").append(Long.toHexString(r.mark()));
    if (r.protocol() != null) {
      s.append(' ').append(r.protocol().toLowerCase(Locale.ROOT));
    }
    s.append(' ').append(r.address()).append('/').append(r.prefixLength());
    if (!r.anyPort()) {
      s.append(" dport ").append(r.portFrom());
      if (r.portTo() != r.portFrom()) {
        s.append('-').append(r.portTo());
      }
    }
    return s.toString();
  }

  /** NFTA_RULE_USERDATA: the comment as nft stores one (type, length, NUL-terminated text). */
  public static byte[] userdata(MarkRule r) {
    byte[] c = comment(r).getBytes(StandardCharsets.UTF_8);
    byte[] u = new byte[c.length + 3];
    u[0] = UDATA_COMMENT;
    u[1] = (byte) (c.length + 1);
    System.arraycopy(c, 0, u, 2, c.length);
    return u;
  }

  /** The comment in a rule's user data when it is one halvs wrote, else null. */
  public static String halvsComment(byte[] userdata) {
    if (userdata == null || userdata.length < 3 || userdata[0] != UDATA_COMMENT) {
      return null;
    }
    int len = userdata[1] & 0xff;
    if (len < 1 || len + 2 > userdata.length || userdata[len + 1] != 0) {
      return null;
    }
    String c = new String(userdata, 2, len - 1, StandardCharsets.UTF_8);
    return c.startsWith("halvs:") ? c : null;
  }
}
