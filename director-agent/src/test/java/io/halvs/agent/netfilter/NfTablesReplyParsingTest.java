package io.halvs.agent.netfilter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.halvs.agent.netlink.Errno;
import io.halvs.agent.netlink.Message;
import io.halvs.agent.netlink.NetlinkException;
import io.halvs.agent.netlink.ScriptedKernel;
import io.halvs.plan.IpAddress;
import io.halvs.plan.MarkRule;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * How the nf_tables replies are read and what the marking table does with them, against a scripted kernel that
 * holds a table, a chain and rules and answers reads and batches as nf_tables_api.c and nfnetlink.c do: the
 * generation, a table or chain or ENOENT, rule dumps over several datagrams, ACKs per batch message, a refused
 * rule, a refused batch, a kernel without nf_tables. Every outcome is a result or a NetlinkException (for rules
 * the kernel cannot hold, an IllegalArgumentException before anything is sent). No root.
 */
class NfTablesReplyParsingTest {
  static final MarkRule WEB = new MarkRule(7, "TCP", IpAddress.parse("192.0.2.10"), 32, 80, 80);
  static final MarkRule DNS = new MarkRule(8, "UDP", IpAddress.parse("192.0.2.0"), 24, 53, 53);

  final ScriptedKernel kernel = new ScriptedKernel();
  /** The scripted rule set: the table (null: none), its chain's settings, the chain's rules' user data. */
  Long tableFlags = null;
  int chainPriority = MarkRules.PRIORITY;
  boolean chainPresent = true;
  final List<byte[]> rules = new ArrayList<>();
  int generation = 40;
  /** Set: the batch message of this type is refused with this errno and extended-ACK text. */
  int refuseType = -1;
  int refuseErrno;
  String refuseText;

  @BeforeAll
  static void littleEndian() {
    assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "raw replies here are little-endian");
  }

  static int type(byte[] m) {
    return ByteBuffer.wrap(m).order(ByteOrder.nativeOrder()).getShort(4) & 0xffff;
  }

  static int msg(byte[] m) {
    return type(m) & 0xff;
  }

  /** The scripted nf_tables: reads answered from the fields, batches acked (and applied: the generation moves). */
  ScriptedKernel nftables() {
    return kernel.answer((r, seq) -> {
      List<byte[]> ms = NfBytes.messages(r);
      if (ms.size() > 1) {
        return batch(ms);
      }
      return switch (msg(r)) {
        case NfTables.MSG_GETGEN -> List.of(ScriptedKernel.datagram(NfBytes.reply(NfTables.MSG_NEWGEN, false)
            .be32(NfTables.GEN_ID, generation).toBytes(seq), ScriptedKernel.ack(seq)));
        case NfTables.MSG_GETTABLE -> tableFlags == null ? List.of(ScriptedKernel.error(seq, Errno.ENOENT, r, null))
            : List.of(ScriptedKernel.datagram(NfBytes.reply(NfTables.MSG_NEWTABLE, false)
                .string(NfTables.TABLE_NAME, MarkRules.TABLE).be32(NfTables.TABLE_FLAGS, tableFlags).toBytes(seq),
                ScriptedKernel.ack(seq)));
        case NfTables.MSG_GETCHAIN -> tableFlags == null || !chainPresent
            ? List.of(ScriptedKernel.error(seq, Errno.ENOENT, r, null))
            : List.of(ScriptedKernel.datagram(chain(seq, chainPriority), ScriptedKernel.ack(seq)));
        case NfTables.MSG_GETRULE -> {
          List<Object> out = new ArrayList<>();
          for (int i = 0; i < rules.size(); i++) {
            out.add(rule(seq, MarkRules.TABLE, MarkRules.CHAIN, i + 2, rules.get(i)));
          }
          out.add(ScriptedKernel.done(seq));
          yield out;
        }
        default -> List.of(ScriptedKernel.error(seq, Errno.EINVAL, r, null));
      };
    });
  }

  private List<Object> batch(List<byte[]> ms) {
    List<Object> out = new ArrayList<>();
    boolean refused = false;
    for (byte[] m : ms) {
      int seq = ScriptedKernel.seq(m);
      if (type(m) == refuseType) {
        out.add(ScriptedKernel.error(seq, refuseErrno, m, refuseText));
        refused = true;
      } else if ((NfBytes.flags(m) & Message.F_ACK) != 0) {
        out.add(ScriptedKernel.ack(seq));
      }
    }
    if (refuseType == NfTables.NFNL_MSG_BATCH_BEGIN) {
      return List.of(ScriptedKernel.error(ScriptedKernel.seq(ms.get(0)), refuseErrno, ms.get(0), refuseText));
    }
    if (!refused) {
      generation++;
    }
    return out;
  }

  static byte[] chain(int seq, int priority) {
    return NfBytes.reply(NfTables.MSG_NEWCHAIN, false).string(NfTables.CHAIN_TABLE, MarkRules.TABLE)
        .string(NfTables.CHAIN_NAME, MarkRules.CHAIN).begin(NfTables.CHAIN_HOOK)
        .be32(NfTables.HOOK_HOOKNUM, NfTables.NF_INET_PRE_ROUTING).be32(NfTables.HOOK_PRIORITY, priority).end()
        .be32(NfTables.CHAIN_POLICY, NfTables.NF_ACCEPT).string(NfTables.CHAIN_TYPE, "filter").toBytes(seq);
  }

  static byte[] rule(int seq, String table, String chain, long handle, byte[] userdata) {
    Message m = NfBytes.reply(NfTables.MSG_NEWRULE, true).string(NfTables.RULE_TABLE, table)
        .string(NfTables.RULE_CHAIN, chain).bytes(NfTables.RULE_HANDLE, ByteBuffer.allocate(8).putLong(handle).array());
    if (userdata != null) {
      m.bytes(NfTables.RULE_USERDATA, userdata);
    }
    return m.toBytes(seq);
  }

  NftMarkTable table() {
    return new NftMarkTable(() -> NfBytes.nf(kernel));
  }

  /** The nf_tables message types of the batches sent, one list per batch. */
  List<List<Integer>> batches() {
    List<List<Integer>> out = new ArrayList<>();
    for (byte[] d : kernel.sent) {
      List<byte[]> ms = NfBytes.messages(d);
      if (ms.size() > 1) {
        out.add(ms.stream().map(NfTablesReplyParsingTest::type).toList());
      }
    }
    return out;
  }

  static final int BEGIN = NfTables.NFNL_MSG_BATCH_BEGIN;
  static final int END = NfTables.NFNL_MSG_BATCH_END;

  static int nft(int msg) {
    return NfTables.type(msg);
  }

  // ---- reads ------------------------------------------------------------------------------------------------

  @Test
  void readsParseTheGenerationTheTableTheChainAndADumpOverSeveralDatagrams() {
    tableFlags = 1L;
    chainPriority = 10;
    kernel.answer((r, seq) -> switch (msg(r)) {
      case NfTables.MSG_GETGEN -> List.of(ScriptedKernel.datagram(NfBytes.reply(NfTables.MSG_NEWGEN, false)
          .be32(NfTables.GEN_ID, 0x01020304L).toBytes(seq), ScriptedKernel.ack(seq)));
      case NfTables.MSG_GETTABLE -> List.of(ScriptedKernel.datagram(NfBytes.reply(NfTables.MSG_NEWTABLE, false)
          .string(NfTables.TABLE_NAME, "halvs").be32(NfTables.TABLE_FLAGS, 1).toBytes(seq), ScriptedKernel.ack(seq)));
      case NfTables.MSG_GETCHAIN -> List.of(ScriptedKernel.datagram(chain(seq, 10), ScriptedKernel.ack(seq)));
      default -> List.of(
          ScriptedKernel.datagram(rule(seq, "halvs", "marking", 2, new byte[] {0, 2, 'x', 0}),
              rule(seq, "halvs", "other", 3, null)),
          ScriptedKernel.datagram(rule(seq, "other", "marking", 4, null), rule(seq, "halvs", "marking", 5, null),
              ScriptedKernel.done(seq)));
    });
    try (NfTables n = NfBytes.nf(kernel)) {
      assertThat(n.generation()).isEqualTo(0x01020304L);
      assertThat(n.table(NfTables.NFPROTO_INET, "halvs")).isEqualTo(new NfTables.Table("halvs", 1));
      NfTables.Chain c = n.chain(NfTables.NFPROTO_INET, "halvs", "marking");
      assertThat(c).isEqualTo(new NfTables.Chain("marking", "filter", 0, 10, 1, true));
      assertThat(NftMarkTable.asMade(c)).as("priority 10 is not mangle").isFalse();
      assertThat(NftMarkTable.asMade(new NfTables.Chain("marking", "filter", 0, -150, 1, true))).isTrue();
      List<NfTables.Rule> rs = n.rules(NfTables.NFPROTO_INET, "halvs", "marking");
      assertThat(rs).extracting(NfTables.Rule::handle).as("other chains' and tables' rules are left out")
          .containsExactly(2L, 5L);
      assertThat(rs.get(0).userdata()).containsExactly(0, 2, 'x', 0);
      assertThat(rs.get(1).userdata()).isNull();
    }
  }

  @Test
  void missingObjectsAreNullOrEmptyAndOtherRefusalsThrow() {
    kernel.answer((r, seq) -> List.of(ScriptedKernel.error(seq, msg(r) == NfTables.MSG_GETTABLE ? Errno.EPERM
        : Errno.ENOENT, r, null)));
    try (NfTables n = NfBytes.nf(kernel)) {
      assertThat(n.chain(NfTables.NFPROTO_INET, "halvs", "marking")).isNull();
      assertThat(n.rules(NfTables.NFPROTO_INET, "halvs", "marking")).isEmpty();
      assertThatThrownBy(() -> n.table(NfTables.NFPROTO_INET, "halvs")).isInstanceOf(NetlinkException.class)
          .hasMessageContaining("read table halvs").hasMessageContaining("EPERM");
    }
  }

  @Test
  void malformedRepliesAreNetlinkExceptions() {
    kernel.answer((r, seq) -> switch (msg(r)) {
      case NfTables.MSG_GETGEN -> List.of(ScriptedKernel.datagram(NfBytes.reply(NfTables.MSG_NEWGEN, false)
          .toBytes(seq), ScriptedKernel.ack(seq)));
      case NfTables.MSG_GETTABLE -> {
        byte[] truncated = NfBytes.reply(NfTables.MSG_NEWTABLE, false).string(NfTables.TABLE_NAME, "halvs")
            .toBytes(seq);
        ByteBuffer.wrap(truncated).order(ByteOrder.nativeOrder()).putInt(0, truncated.length + 40);
        yield List.of(truncated);
      }
      case NfTables.MSG_GETCHAIN -> {
        // a message of 18 bytes: 2 bytes of payload, where struct nfgenmsg needs 4
        ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.nativeOrder()).putInt(18)
            .putShort((short) NfTables.type(NfTables.MSG_NEWCHAIN)).putShort((short) 0).putInt(seq).putInt(0)
            .put((byte) 1).put((byte) 0);
        yield List.of(ScriptedKernel.datagram(b.array(), ScriptedKernel.ack(seq)));
      }
      default -> List.of(ScriptedKernel.datagram(NfBytes.reply(NfTables.MSG_NEWRULE, true)
          .string(NfTables.RULE_TABLE, "halvs").string(NfTables.RULE_CHAIN, "marking")
          .bytes(NfTables.RULE_HANDLE, new byte[] {1, 2}).toBytes(seq), ScriptedKernel.done(seq)));
    });
    try (NfTables n = NfBytes.nf(kernel)) {
      assertThatThrownBy(n::generation).isInstanceOf(NetlinkException.class).hasMessageContaining("NFTA_GEN_ID");
      assertThatThrownBy(() -> n.table(NfTables.NFPROTO_INET, "halvs")).isInstanceOf(NetlinkException.class)
          .hasMessageContaining("truncated");
      assertThatThrownBy(() -> n.chain(NfTables.NFPROTO_INET, "halvs", "marking"))
          .isInstanceOf(NetlinkException.class).hasMessageContaining("struct nfgenmsg");
      assertThatThrownBy(() -> n.rules(NfTables.NFPROTO_INET, "halvs", "marking"))
          .isInstanceOf(NetlinkException.class).hasMessageContaining("8-byte NFTA_RULE_HANDLE");
    }
  }

  // ---- batches ----------------------------------------------------------------------------------------------

  @Test
  void aRefusedRuleFailsTheBatchNamingTheRuleAndTheKernelsWords() {
    nftables();
    refuseType = nft(NfTables.MSG_NEWRULE);
    refuseErrno = Errno.EINVAL;
    refuseText = "Unknown expression";
    try (NftMarkTable t = table()) {
      assertThatThrownBy(() -> t.apply(List.of(WEB))).isInstanceOf(NetlinkException.class)
          .hasMessageContaining("install firewall-marking rules in table inet halvs (add rule \"halvs:")
          .hasMessageContaining("mark 0x7 tcp 192.0.2.10/32 dport 80")
          .hasMessageContaining("EINVAL").hasMessageContaining("Unknown expression");
      assertThat(generation).as("the kernel applied none of it").isEqualTo(40);
      // the failure forgot what was kept: the next apply reads the kernel and sends the batch again
      refuseType = -1;
      assertThat(t.apply(List.of(WEB))).containsExactly(
          "create table inet halvs with 1 marking rule(s) (one transaction)");
    }
    assertThat(batches()).hasSize(2);
  }

  @Test
  void aRefusedBatchThenLateAcksLeaveTheSocketUsable() {
    // the commit failed: the kernel refuses the batch (answered on its begin message), then acks its messages
    kernel.answer((r, seq) -> {
      List<byte[]> ms = NfBytes.messages(r);
      if (ms.size() > 1) {
        List<Object> out = new ArrayList<>();
        out.add(ScriptedKernel.error(seq, Errno.ENOMEM, ms.get(0), null));
        out.addAll(NfBytes.ackEach(r));
        return out;
      }
      return List.of(ScriptedKernel.datagram(NfBytes.reply(NfTables.MSG_NEWGEN, false).be32(NfTables.GEN_ID, 9)
          .toBytes(seq), ScriptedKernel.ack(seq)));
    });
    try (NfTables n = NfBytes.nf(kernel)) {
      assertThatThrownBy(() -> n.commit("install", List.of(MarkRules.newTable()), i -> "create table"))
          .isInstanceOf(NetlinkException.class).hasMessageContaining("install (the batch)")
          .hasMessageContaining("ENOMEM");
      assertThat(n.generation()).as("the late acks are skipped").isEqualTo(9);
    }
  }

  @Test
  void noAnswerToABatchIsATimeoutNotAHang() {
    kernel.answer((r, seq) -> List.of());
    try (NfTables n = NfBytes.nf(kernel)) {
      assertThatThrownBy(() -> n.commit("install", List.of(MarkRules.newTable()), i -> "create table"))
          .isInstanceOf(NetlinkException.class).hasMessageContaining("no answer from the kernel");
    }
  }

  // ---- the marking table --------------------------------------------------------------------------------------

  @Test
  void rulesTheKernelHoldsAlreadyAreAdoptedWithoutABatch() {
    nftables();
    tableFlags = 0L;
    rules.add(MarkRules.userdata(WEB));
    rules.add(MarkRules.userdata(DNS));
    try (NftMarkTable t = table()) {
      assertThat(t.apply(List.of(WEB, DNS))).isEmpty();
      assertThat(batches()).isEmpty();
      int reads = kernel.sent.size();
      assertThat(reads).as("generation, table, chain, rules").isEqualTo(4);
      assertThat(t.apply(List.of(WEB, DNS))).isEmpty();
      assertThat(kernel.sent).as("kept: not even a read until the resync").hasSize(reads);
      t.forget();
      assertThat(t.apply(List.of(WEB, DNS))).isEmpty();
      assertThat(kernel.sent).hasSize(2 * reads);
    }
    assertThat(generation).isEqualTo(40);
  }

  @Test
  void otherRulesOrderOrForeignRulesInTheChainAreReplacedInOneBatch() {
    nftables();
    tableFlags = 0L;
    rules.add(MarkRules.userdata(DNS));
    rules.add(MarkRules.userdata(WEB)); // the plan's rules, in another order
    try (NftMarkTable t = table()) {
      assertThat(t.apply(List.of(WEB, DNS)))
          .containsExactly("replace the 2 marking rule(s) of table inet halvs with 2 (one transaction)");
    }
    assertThat(batches()).containsExactly(List.of(BEGIN, nft(NfTables.MSG_DELRULE), nft(NfTables.MSG_NEWRULE),
        nft(NfTables.MSG_NEWRULE), END));
    assertThat(generation).isEqualTo(41);
  }

  @Test
  void aChainNotAsHalvsMakesItOrADormantTableIsRebuiltInOneBatch() {
    nftables();
    tableFlags = 0L;
    chainPriority = 0;
    try (NftMarkTable t = table()) {
      assertThat(t.apply(List.of(WEB)))
          .containsExactly("recreate table inet halvs with 1 marking rule(s) (one transaction)");
      tableFlags = 1L; // NFT_TABLE_F_DORMANT: its chains are not hooked
      chainPriority = MarkRules.PRIORITY;
      t.forget();
      assertThat(t.apply(List.of(WEB))).hasSize(1);
      tableFlags = 0L;
      chainPresent = false;
      t.forget();
      assertThat(t.apply(List.of(WEB))).hasSize(1);
    }
    List<Integer> rebuild = List.of(BEGIN, nft(NfTables.MSG_DELTABLE), nft(NfTables.MSG_NEWTABLE),
        nft(NfTables.MSG_NEWCHAIN), nft(NfTables.MSG_NEWRULE), END);
    assertThat(batches()).containsExactly(rebuild, rebuild, rebuild);
  }

  @Test
  void noRulesAndNoTableIsNothingToDo() {
    nftables();
    try (NftMarkTable t = table()) {
      assertThat(t.apply(List.of())).isEmpty();
    }
    assertThat(batches()).isEmpty();
  }

  @Test
  void aKernelWithoutNfTablesFailsOnlyWhenRulesAreWanted() {
    kernel.socketError = -Errno.EPROTONOSUPPORT; // no nfnetlink at all
    try (NftMarkTable t = table()) {
      assertThat(t.apply(List.of())).as("nothing wanted, nothing there").isEmpty();
      assertThatThrownBy(() -> t.apply(List.of(WEB))).isInstanceOf(NetlinkException.class)
          .hasMessageContaining("install firewall-marking rules").hasMessageContaining("EPROTONOSUPPORT")
          .hasMessageContaining("nf_tables is not available in this kernel");
    }
    // nfnetlink without its nf_tables subsystem: the kernel refuses the first request, GETGEN
    ScriptedKernel other = new ScriptedKernel().answer((r, seq) -> List.of(ScriptedKernel.error(seq, Errno.EINVAL,
        r, null)));
    try (NftMarkTable t = new NftMarkTable(() -> NfBytes.nf(other))) {
      assertThatThrownBy(() -> t.apply(List.of(WEB))).isInstanceOf(NetlinkException.class)
          .hasMessageContaining("nf_tables is not available in this kernel");
      assertThat(t.apply(List.of())).isEmpty();
    }
  }

  @Test
  void aMalformedAnswerIsNotAMissingModuleEvenWithNoRulesWanted() {
    // an NFTA_GEN_ID of 2 bytes: a parse failure, with errno EINVAL like the kernel's "no such subsystem"
    kernel.answer((r, seq) -> List.of(ScriptedKernel.datagram(NfBytes.reply(NfTables.MSG_NEWGEN, false)
        .bytes(NfTables.GEN_ID, new byte[] {1, 2}).toBytes(seq), ScriptedKernel.ack(seq))));
    try (NftMarkTable t = table()) {
      assertThatThrownBy(() -> t.apply(List.of())).isInstanceOf(NetlinkException.class)
          .isNotInstanceOf(NfTables.Missing.class).hasMessageContaining("parse reply");
    }
  }

  @Test
  void aKernelThatRefusesUsIsNotAMissingModule() {
    kernel.answer((r, seq) -> List.of(ScriptedKernel.error(seq, Errno.EPERM, r, null)));
    try (NftMarkTable t = table()) {
      assertThatThrownBy(() -> t.apply(List.of())).isInstanceOf(NetlinkException.class)
          .hasMessageContaining("EPERM").hasMessageNotContaining("not available");
    }
  }

  @Test
  void rulesTheKernelCouldNotHoldAsMeantAreRefusedBeforeAnythingIsSent() {
    nftables();
    List<MarkRule> bad = List.of(
        new MarkRule(0, "TCP", IpAddress.parse("192.0.2.1"), 32, 80, 80),
        new MarkRule(0x1_0000_0000L, null, IpAddress.parse("192.0.2.1"), 32, 0, 0),
        new MarkRule(1, null, IpAddress.parse("192.0.2.1"), 32, 80, 80),
        new MarkRule(1, "TCP", IpAddress.parse("192.0.2.1"), 32, 90, 80),
        new MarkRule(1, "TCP", IpAddress.parse("192.0.2.1"), 32, 0, 80),
        new MarkRule(1, "TCP", IpAddress.parse("192.0.2.1"), 33, 0, 0),
        new MarkRule(1, "ICMP", IpAddress.parse("192.0.2.1"), 32, 0, 0));
    List<String> problems = List.of("the mark must be 1..0xffffffff", "the mark must be 1..0xffffffff",
        "a port range needs a protocol", "are not a range", "are not a range", "does not fit the address family",
        "is not TCP, UDP or SCTP");
    try (NftMarkTable t = table()) {
      for (int i = 0; i < bad.size(); i++) {
        MarkRule r = bad.get(i);
        assertThatThrownBy(() -> t.apply(List.of(WEB, r))).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("marking rule").hasMessageContaining(problems.get(i));
      }
    }
    assertThat(kernel.sent).isEmpty();
  }

  @Test
  void userdataIsANftCommentAndOnlyHalvsCommentsAreRecognised() {
    byte[] u = MarkRules.userdata(WEB);
    assertThat(u[0]).isEqualTo((byte) 0);
    assertThat(u[1] & 0xff).isEqualTo(u.length - 2);
    assertThat(MarkRules.halvsComment(u)).isEqualTo(MarkRules.comment(WEB)).startsWith("halvs:");
    assertThat(MarkRules.halvsComment(new byte[] {0, 4, 'a', 'b', 'c', 0})).isNull();
    assertThat(MarkRules.halvsComment(new byte[] {0, 40, 'h'})).isNull();
    assertThat(MarkRules.halvsComment(null)).isNull();
    assertThat(MarkRules.comment(WEB)).isNotEqualTo(MarkRules.comment(DNS));
  }
}
