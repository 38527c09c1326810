package io.halvs.agent.netfilter;

import static io.halvs.agent.netlink.ScriptedKernel.hex;
import static io.halvs.agent.netlink.ScriptedKernel.spaced;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.halvs.agent.netlink.ScriptedKernel;
import io.halvs.plan.IpAddress;
import io.halvs.plan.MarkRule;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The exact bytes of every nf_tables request the marking table sends, written out by hand from
 * include/uapi/linux/netfilter/nf_tables.h, nfnetlink.h and nf_tables_api.c (not from this encoder), one
 * attribute per line. nlmsghdr is host order (these are the little-endian bytes of x86-64 and arm64); nf_tables
 * attribute numbers are big-endian; the mark is host order, as skb->mark. Sequence numbers are zeroed: they count
 * per socket. No root: the requests go to a scripted kernel.
 */
class NfTablesRequestBytesTest {
  static final MarkRule UDP_RANGE = new MarkRule(7, "UDP", IpAddress.parse("192.0.2.0"), 24, 5353, 5360);

  static final String BATCH_BEGIN = """
      14 00 00 00  10 00  01 00  00 00 00 00  00 00 00 00  # 20 bytes, NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST
      00 00 00 0a                  # nfgenmsg: AF_UNSPEC, v0, res_id NFNL_SUBSYS_NFTABLES (big-endian)
      """;
  static final String BATCH_END = """
      14 00 00 00  11 00  01 00  00 00 00 00  00 00 00 00  # NFNL_MSG_BATCH_END
      00 00 00 0a
      """;
  static final String TABLE_NAME = "0a 00 01 00 68 61 6c 76 73 00 00 00  # NFTA_*_TABLE / NAME \"halvs\\0\", padded";
  static final String CHAIN_NAME_3 = "0c 00 03 00 6d 61 72 6b 69 6e 67 00  # NFTA_CHAIN_NAME \"marking\\0\"";
  static final String RULE_CHAIN = "0c 00 02 00 6d 61 72 6b 69 6e 67 00  # NFTA_RULE_CHAIN \"marking\\0\"";

  /** The expressions of UDP_RANGE, each NFTA_LIST_ELEM {NFTA_EXPR_NAME, NFTA_EXPR_DATA {...}}: 516 bytes. */
  static final String UDP_RANGE_EXPRESSIONS = """
      24 00 01 80  09 00 01 00 6d 65 74 61 00 00 00 00     # elem 36: "meta"
        14 00 02 80  08 00 01 00 00 00 00 01               #   NFTA_META_DREG NFT_REG_1
                     08 00 02 00 00 00 00 0f               #   NFTA_META_KEY NFT_META_NFPROTO
      2c 00 01 80  08 00 01 00 63 6d 70 00                 # elem 44: "cmp"
        20 00 02 80  08 00 01 00 00 00 00 01               #   NFTA_CMP_SREG 1
                     08 00 02 00 00 00 00 00               #   NFTA_CMP_OP NFT_CMP_EQ
                     0c 00 03 80 05 00 01 00 02 00 00 00   #   NFTA_CMP_DATA {NFTA_DATA_VALUE NFPROTO_IPV4}
      34 00 01 80  0c 00 01 00 70 61 79 6c 6f 61 64 00     # elem 52: "payload"
        24 00 02 80  08 00 01 00 00 00 00 01               #   DREG 1
                     08 00 02 00 00 00 00 01               #   BASE NFT_PAYLOAD_NETWORK_HEADER
                     08 00 03 00 00 00 00 10               #   OFFSET 16 (iphdr.daddr)
                     08 00 04 00 00 00 00 04               #   LEN 4
      44 00 01 80  0c 00 01 00 62 69 74 77 69 73 65 00     # elem 68: "bitwise"
        34 00 02 80  08 00 01 00 00 00 00 01               #   SREG 1
                     08 00 02 00 00 00 00 01               #   DREG 1
                     08 00 03 00 00 00 00 04               #   LEN 4
                     0c 00 04 80 08 00 01 00 ff ff ff 00   #   MASK 255.255.255.0
                     0c 00 05 80 08 00 01 00 00 00 00 00   #   XOR 0
      2c 00 01 80  08 00 01 00 63 6d 70 00                 # "cmp"
        20 00 02 80  08 00 01 00 00 00 00 01
                     08 00 02 00 00 00 00 00
                     0c 00 03 80 08 00 01 00 c0 00 02 00   #   == 192.0.2.0
      24 00 01 80  09 00 01 00 6d 65 74 61 00 00 00 00     # "meta"
        14 00 02 80  08 00 01 00 00 00 00 01
                     08 00 02 00 00 00 00 10               #   NFT_META_L4PROTO
      2c 00 01 80  08 00 01 00 63 6d 70 00                 # "cmp"
        20 00 02 80  08 00 01 00 00 00 00 01
                     08 00 02 00 00 00 00 00
                     0c 00 03 80 05 00 01 00 11 00 00 00   #   == IPPROTO_UDP
      34 00 01 80  0c 00 01 00 70 61 79 6c 6f 61 64 00     # "payload"
        24 00 02 80  08 00 01 00 00 00 00 01
                     08 00 02 00 00 00 00 02               #   NFT_PAYLOAD_TRANSPORT_HEADER
                     08 00 03 00 00 00 00 02               #   + 2 (dest port)
                     08 00 04 00 00 00 00 02               #   2 bytes
      3c 00 01 80  0a 00 01 00 72 61 6e 67 65 00 00 00     # elem 60: "range"
        2c 00 02 80  08 00 01 00 00 00 00 01               #   NFTA_RANGE_SREG 1
                     08 00 02 00 00 00 00 00               #   NFTA_RANGE_OP NFT_RANGE_EQ
                     0c 00 03 80 06 00 01 00 14 e9 00 00   #   FROM 5353 (big-endian)
                     0c 00 04 80 06 00 01 00 14 f0 00 00   #   TO 5360
      2c 00 01 80  0e 00 01 00 69 6d 6d 65 64 69 61 74 65 00 00 00  # elem 44: "immediate"
        18 00 02 80  08 00 01 00 00 00 00 01               #   NFTA_IMMEDIATE_DREG 1
                     0c 00 02 80 08 00 01 00 07 00 00 00   #   NFTA_IMMEDIATE_DATA mark 7, host order
      24 00 01 80  09 00 01 00 6d 65 74 61 00 00 00 00     # "meta"
        14 00 02 80  08 00 02 00 00 00 00 03               #   NFTA_META_KEY NFT_META_MARK
                     08 00 03 00 00 00 00 01               #   NFTA_META_SREG 1: meta set mark
      """;

  final ScriptedKernel kernel = new ScriptedKernel();

  @BeforeAll
  static void littleEndian() {
    assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "the expected bytes are little-endian");
  }

  /** The one datagram sent, without sequence numbers, 16 bytes a line. */
  String only() {
    assertThat(kernel.sent).hasSize(1);
    return spaced(NfBytes.withoutSeqs(kernel.sent.get(0)));
  }

  /** The comment the rule carries: its hash computed here from the hand-written expressions. */
  static String comment(String expressions, String says) throws Exception {
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(hex(expressions));
    return "halvs:" + HexFormat.of().formatHex(digest, 0, 4) + " " + says;
  }

  /** NFTA_RULE_USERDATA holding a comment as nft stores one: type 0, length, NUL-terminated text; padded. */
  static String userdata(String comment) {
    byte[] c = comment.getBytes(StandardCharsets.UTF_8);
    int len = 4 + 2 + c.length + 1;
    StringBuilder s = new StringBuilder(String.format("%02x 00 07 00 00 %02x", len, c.length + 1));
    for (byte b : c) {
      s.append(String.format(" %02x", b));
    }
    s.append(" 00");
    for (int i = len; i % 4 != 0; i++) {
      s.append(" 00");
    }
    return s + "\n";
  }

  @Test
  void generationIsGetgenOfNoFamily() {
    kernel.answer((r, seq) -> List.of(ScriptedKernel.datagram(NfBytes.reply(NfTables.MSG_NEWGEN, false)
        .be32(NfTables.GEN_ID, 5).toBytes(seq), ScriptedKernel.ack(seq))));
    try (NfTables n = NfBytes.nf(kernel)) {
      n.generation();
    }
    assertThat(only()).isEqualTo(spaced(hex("""
        14 00 00 00  10 0a  05 00  00 00 00 00  00 00 00 00  # 20 bytes, NFT_MSG_GETGEN (subsys 10 << 8 | 16), REQUEST|ACK
        00 00 00 00                  # nfgenmsg: NFPROTO_UNSPEC, v0, res_id 0
        """)));
  }

  @Test
  void tableChainAndRuleReadsNameTheirObjects() {
    try (NfTables n = NfBytes.nf(kernel)) {
      n.table(NfTables.NFPROTO_INET, "halvs");
      n.chain(NfTables.NFPROTO_INET, "halvs", "marking");
      n.rules(NfTables.NFPROTO_INET, "halvs", "marking");
    }
    assertThat(kernel.sent).hasSize(3);
    assertThat(spaced(NfBytes.withoutSeqs(kernel.sent.get(0)))).isEqualTo(spaced(hex("""
        20 00 00 00  01 0a  05 00  00 00 00 00  00 00 00 00  # 32 bytes, NFT_MSG_GETTABLE, REQUEST|ACK
        01 00 00 00                  # nfgenmsg: NFPROTO_INET
        """ + TABLE_NAME)));
    assertThat(spaced(NfBytes.withoutSeqs(kernel.sent.get(1)))).isEqualTo(spaced(hex("""
        2c 00 00 00  04 0a  05 00  00 00 00 00  00 00 00 00  # 44 bytes, NFT_MSG_GETCHAIN
        01 00 00 00
        """ + TABLE_NAME + "\n" + CHAIN_NAME_3)));
    assertThat(spaced(NfBytes.withoutSeqs(kernel.sent.get(2)))).isEqualTo(spaced(hex("""
        2c 00 00 00  07 0a  01 03  00 00 00 00  00 00 00 00  # 44 bytes, NFT_MSG_GETRULE, REQUEST|DUMP
        01 00 00 00
        """ + TABLE_NAME + "\n" + RULE_CHAIN)));
  }

  @Test
  void aNewTableIsOneBatchOfTableChainAndRules() throws Exception {
    kernel.answer((r, seq) -> r.length == 20 ? List.of(ScriptedKernel.datagram(NfBytes.reply(NfTables.MSG_NEWGEN,
        false).be32(NfTables.GEN_ID, 5).toBytes(seq), ScriptedKernel.ack(seq)))
        : NfBytes.messages(r).size() > 1 ? NfBytes.ackEach(r)
        : List.of(ScriptedKernel.error(seq, io.halvs.agent.netlink.Errno.ENOENT, r, null)));
    try (NftMarkTable t = new NftMarkTable(() -> NfBytes.nf(kernel))) {
      assertThat(t.apply(List.of(UDP_RANGE))).hasSize(1);
    }
    // GETGEN, GETTABLE (ENOENT: no table), then the batch
    assertThat(kernel.sent).hasSize(3);
    String says = comment(UDP_RANGE_EXPRESSIONS, "mark 0x7 udp 192.0.2.0/24 dport 5353-5360");
    assertThat(says).hasSize(56);
    assertThat(spaced(NfBytes.withoutSeqs(kernel.sent.get(2)))).isEqualTo(spaced(hex(BATCH_BEGIN + """
        28 00 00 00  00 0a  05 04  00 00 00 00  00 00 00 00  # 40 bytes, NFT_MSG_NEWTABLE, REQUEST|ACK|CREATE
        01 00 00 00                                          # NFPROTO_INET
        """ + TABLE_NAME + """

        08 00 02 00 00 00 00 00                              # NFTA_TABLE_FLAGS 0
        54 00 00 00  03 0a  05 04  00 00 00 00  00 00 00 00  # 84 bytes, NFT_MSG_NEWCHAIN, REQUEST|ACK|CREATE
        01 00 00 00
        """ + TABLE_NAME + "\n" + CHAIN_NAME_3 + """

        14 00 04 80                                          # NFTA_CHAIN_HOOK, nested
          08 00 01 00 00 00 00 00                            #   NFTA_HOOK_HOOKNUM NF_INET_PRE_ROUTING
          08 00 02 00 ff ff ff 6a                            #   NFTA_HOOK_PRIORITY -150 (mangle)
        08 00 05 00 00 00 00 01                              # NFTA_CHAIN_POLICY NF_ACCEPT
        0b 00 07 00 66 69 6c 74 65 72 00 00                  # NFTA_CHAIN_TYPE "filter\\0"
        74 02 00 00  06 0a  05 0c  00 00 00 00  00 00 00 00  # 628 bytes, NFT_MSG_NEWRULE, REQUEST|ACK|CREATE|APPEND
        01 00 00 00
        """ + TABLE_NAME + "\n" + RULE_CHAIN + """

        08 02 04 80                                          # NFTA_RULE_EXPRESSIONS, nested, 520 bytes
        """ + UDP_RANGE_EXPRESSIONS + userdata(says) + BATCH_END)));
  }

  @Test
  void aChangeFlushesTheChainAndAddsTheRulesInOneBatch() throws Exception {
    MarkRule one = new MarkRule(0x10, "TCP", IpAddress.parse("192.0.2.1"), 32, 80, 80);
    try (NfTables n = NfBytes.nf(kernel.answer((r, seq) -> NfBytes.ackEach(r)))) {
      n.commit("replace", List.of(MarkRules.flushChain(), MarkRules.newRule(one)), i -> "message " + i);
    }
    String expressions = """
        24 00 01 80  09 00 01 00 6d 65 74 61 00 00 00 00     # meta nfproto
          14 00 02 80  08 00 01 00 00 00 00 01  08 00 02 00 00 00 00 0f
        2c 00 01 80  08 00 01 00 63 6d 70 00                 # cmp eq ipv4
          20 00 02 80  08 00 01 00 00 00 00 01  08 00 02 00 00 00 00 00
                       0c 00 03 80 05 00 01 00 02 00 00 00
        34 00 01 80  0c 00 01 00 70 61 79 6c 6f 61 64 00     # payload daddr, 4 bytes
          24 00 02 80  08 00 01 00 00 00 00 01  08 00 02 00 00 00 00 01
                       08 00 03 00 00 00 00 10  08 00 04 00 00 00 00 04
        2c 00 01 80  08 00 01 00 63 6d 70 00                 # cmp eq 192.0.2.1: a /32 needs no bitwise
          20 00 02 80  08 00 01 00 00 00 00 01  08 00 02 00 00 00 00 00
                       0c 00 03 80 08 00 01 00 c0 00 02 01
        24 00 01 80  09 00 01 00 6d 65 74 61 00 00 00 00     # meta l4proto
          14 00 02 80  08 00 01 00 00 00 00 01  08 00 02 00 00 00 00 10
        2c 00 01 80  08 00 01 00 63 6d 70 00                 # cmp eq IPPROTO_TCP
          20 00 02 80  08 00 01 00 00 00 00 01  08 00 02 00 00 00 00 00
                       0c 00 03 80 05 00 01 00 06 00 00 00
        34 00 01 80  0c 00 01 00 70 61 79 6c 6f 61 64 00     # payload th dport
          24 00 02 80  08 00 01 00 00 00 00 01  08 00 02 00 00 00 00 02
                       08 00 03 00 00 00 00 02  08 00 04 00 00 00 00 02
        2c 00 01 80  08 00 01 00 63 6d 70 00                 # cmp eq 80: one port, no range
          20 00 02 80  08 00 01 00 00 00 00 01  08 00 02 00 00 00 00 00
                       0c 00 03 80 06 00 01 00 00 50 00 00
        2c 00 01 80  0e 00 01 00 69 6d 6d 65 64 69 61 74 65 00 00 00  # immediate 0x10
          18 00 02 80  08 00 01 00 00 00 00 01  0c 00 02 80 08 00 01 00 10 00 00 00
        24 00 01 80  09 00 01 00 6d 65 74 61 00 00 00 00     # meta set mark
          14 00 02 80  08 00 02 00 00 00 00 03  08 00 03 00 00 00 00 01
        """;
    String says = comment(expressions, "mark 0x10 tcp 192.0.2.1/32 dport 80");
    // expressions: 10 elements, 432 bytes; userdata 4 + 2 + 50 + 1 = 57, padded 60; 16 + 4 + 12 + 12 + 436 + 60
    assertThat(only()).isEqualTo(spaced(hex(BATCH_BEGIN + """
        2c 00 00 00  08 0a  05 00  00 00 00 00  00 00 00 00  # 44 bytes, NFT_MSG_DELRULE, REQUEST|ACK
        01 00 00 00                                          # a chain and no handle: all its rules
        """ + TABLE_NAME + "\n" + RULE_CHAIN + """

        1c 02 00 00  06 0a  05 0c  00 00 00 00  00 00 00 00  # 540 bytes, NFT_MSG_NEWRULE
        01 00 00 00
        """ + TABLE_NAME + "\n" + RULE_CHAIN + """

        b4 01 04 80                                          # NFTA_RULE_EXPRESSIONS, 436 bytes
        """ + expressions + userdata(says) + BATCH_END)));
  }

  @Test
  void ipv6RulesLoadSixteenBytesAndARuleWithoutProtocolMatchesTheAddressAlone() throws Exception {
    MarkRule v6 = new MarkRule(0xfffffffeL, null, IpAddress.parse("2001:db8:7::"), 48, 0, 0);
    try (NfTables n = NfBytes.nf(kernel.answer((r, seq) -> NfBytes.ackEach(r)))) {
      n.commit("add", List.of(MarkRules.newRule(v6)), i -> "message " + i);
    }
    String expressions = """
        24 00 01 80  09 00 01 00 6d 65 74 61 00 00 00 00     # meta nfproto
          14 00 02 80  08 00 01 00 00 00 00 01  08 00 02 00 00 00 00 0f
        2c 00 01 80  08 00 01 00 63 6d 70 00                 # cmp eq NFPROTO_IPV6
          20 00 02 80  08 00 01 00 00 00 00 01  08 00 02 00 00 00 00 00
                       0c 00 03 80 05 00 01 00 0a 00 00 00
        34 00 01 80  0c 00 01 00 70 61 79 6c 6f 61 64 00     # payload: 16 bytes at ipv6hdr.daddr (24)
          24 00 02 80  08 00 01 00 00 00 00 01  08 00 02 00 00 00 00 01
                       08 00 03 00 00 00 00 18  08 00 04 00 00 00 00 10
        5c 00 01 80  0c 00 01 00 62 69 74 77 69 73 65 00     # elem 92: bitwise, /48
          4c 00 02 80  08 00 01 00 00 00 00 01  08 00 02 00 00 00 00 01  08 00 03 00 00 00 00 10
                       18 00 04 80 14 00 01 00 ff ff ff ff ff ff 00 00 00 00 00 00 00 00 00 00
                       18 00 05 80 14 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
        38 00 01 80  08 00 01 00 63 6d 70 00                 # elem 56: cmp eq 2001:db8:7::
          2c 00 02 80  08 00 01 00 00 00 00 01  08 00 02 00 00 00 00 00
                       18 00 03 80 14 00 01 00 20 01 0d b8 00 07 00 00 00 00 00 00 00 00 00 00
        2c 00 01 80  0e 00 01 00 69 6d 6d 65 64 69 61 74 65 00 00 00  # immediate 0xfffffffe
          18 00 02 80  08 00 01 00 00 00 00 01  0c 00 02 80 08 00 01 00 fe ff ff ff
        24 00 01 80  09 00 01 00 6d 65 74 61 00 00 00 00     # meta set mark
          14 00 02 80  08 00 02 00 00 00 00 03  08 00 03 00 00 00 00 01
        """;
    String says = comment(expressions, "mark 0xfffffffe 2001:db8:7::/48");
    // expressions 36 + 44 + 52 + 92 + 56 + 44 + 36 = 360; userdata 4 + 2 + 46 + 1 = 53, padded 56
    // 16 + 4 + 12 + 12 + 364 + 56 = 464
    assertThat(only()).isEqualTo(spaced(hex(BATCH_BEGIN + """
        d0 01 00 00  06 0a  05 0c  00 00 00 00  00 00 00 00  # 464 bytes, NFT_MSG_NEWRULE
        01 00 00 00
        """ + TABLE_NAME + "\n" + RULE_CHAIN + """

        6c 01 04 80                                          # NFTA_RULE_EXPRESSIONS, 364 bytes
        """ + expressions + userdata(says) + BATCH_END)));
  }

  @Test
  void noRulesDeletesTheTableInABatchOfItsOwn() {
    kernel.answer((r, seq) -> r.length == 20 ? List.of(ScriptedKernel.datagram(NfBytes.reply(NfTables.MSG_NEWGEN,
        false).be32(NfTables.GEN_ID, 5).toBytes(seq), ScriptedKernel.ack(seq)))
        : NfBytes.messages(r).size() > 1 ? NfBytes.ackEach(r)
        : List.of(ScriptedKernel.datagram(NfBytes.reply(NfTables.MSG_NEWTABLE, false)
            .string(NfTables.TABLE_NAME, "halvs").be32(NfTables.TABLE_FLAGS, 0).toBytes(seq), ScriptedKernel.ack(seq))));
    try (NftMarkTable t = new NftMarkTable(() -> NfBytes.nf(kernel))) {
      assertThat(t.apply(List.of())).containsExactly("delete table inet halvs (no marking rules planned)");
    }
    assertThat(kernel.sent).hasSize(3);
    assertThat(spaced(NfBytes.withoutSeqs(kernel.sent.get(2)))).isEqualTo(spaced(hex(BATCH_BEGIN + """
        20 00 00 00  02 0a  05 00  00 00 00 00  00 00 00 00  # 32 bytes, NFT_MSG_DELTABLE, REQUEST|ACK
        01 00 00 00
        """ + TABLE_NAME + "\n" + BATCH_END)));
  }
}
