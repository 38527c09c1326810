package io.halvs.agent.netfilter;

import io.halvs.agent.netlink.Message;
import io.halvs.agent.netlink.NetlinkException;
import io.halvs.agent.netlink.ScriptedKernel;
import io.halvs.agent.testing.Fuzz;
import io.halvs.plan.IpAddress;
import io.halvs.plan.MarkRule;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The nf_tables reads, batches and the marking table against a kernel that answers anything: valid replies
 * (generation, table, chain, rules, ACKs and errors for any message of a batch, NLMSG_DONE) mutated, or random
 * bytes. Property: a result or NetlinkException, no other exception, no hang, memory bounded. See {@link Fuzz}.
 */
class NfTablesFuzzTest {
  /** Replies are generated for SEQ + k (message k of a batch); the scripted kernel swaps in the real numbers. */
  static final int SEQ = 0x13572460;
  static final long BOUND = 4L << 20;
  static final MarkRule WEB = new MarkRule(7, "TCP", IpAddress.parse("192.0.2.10"), 32, 80, 80);

  static byte[] message(Random r) {
    int seq = SEQ + r.nextInt(4);
    return switch (r.nextInt(8)) {
      case 0 -> NfBytes.reply(NfTables.MSG_NEWGEN, false).be32(NfTables.GEN_ID, r.nextInt()).toBytes(seq);
      case 1 -> NfBytes.reply(NfTables.MSG_NEWTABLE, false).string(NfTables.TABLE_NAME, "halvs")
          .be32(NfTables.TABLE_FLAGS, r.nextInt(3)).toBytes(seq);
      case 2 -> NfTablesReplyParsingTest.chain(seq, r.nextBoolean() ? MarkRules.PRIORITY : r.nextInt());
      case 3 -> NfTablesReplyParsingTest.rule(seq, "halvs", "marking", r.nextLong(),
          r.nextBoolean() ? MarkRules.userdata(WEB) : Fuzz.randomBytes(r, 40));
      case 4 -> ScriptedKernel.error(seq, 1 + r.nextInt(130), r.nextBoolean() ? null : MarkRules.newTable()
          .toBytes(seq), r.nextBoolean() ? null : "some reason");
      case 5, 6 -> ScriptedKernel.ack(seq);
      default -> ScriptedKernel.done(seq);
    };
  }

  static byte[] datagram(Random r) {
    if (r.nextInt(8) == 0) {
      return Fuzz.randomBytes(r, 512);
    }
    byte[][] messages = new byte[1 + r.nextInt(4)][];
    for (int i = 0; i < messages.length; i++) {
      messages[i] = message(r);
    }
    byte[] d = ScriptedKernel.datagram(messages);
    return r.nextInt(4) == 0 ? d : Fuzz.mutate(r, d);
  }

  record Exchange(int call, List<byte[]> datagrams) {}

  static Exchange exchange(Random r) {
    List<byte[]> d = new ArrayList<>();
    for (int i = 0, n = 1 + r.nextInt(4); i < n; i++) {
      d.add(datagram(r));
    }
    return new Exchange(r.nextInt(7), d);
  }

  static byte[] withSeq(byte[] datagram, int seq) {
    byte[] b = datagram.clone();
    ByteBuffer w = ByteBuffer.wrap(b).order(ByteOrder.nativeOrder());
    for (int p = 0; p + 4 <= b.length; p += 4) {
      int v = w.getInt(p);
      if (v >= SEQ && v < SEQ + 4) {
        w.putInt(p, seq + (v - SEQ));
      }
    }
    return b;
  }

  @Test
  void nfTablesAnswersAnyReplyWithinItsContract() {
    ScriptedKernel kernel = new ScriptedKernel();
    NfTables nft = NfBytes.nf(kernel);
    Exchange[] now = new Exchange[1];
    kernel.answer((request, seq) -> {
      List<Object> out = new ArrayList<>();
      now[0].datagrams().forEach(d -> out.add(withSeq(d, seq)));
      return out;
    });
    List<Message> batch = List.of(MarkRules.flushChain(), MarkRules.newRule(WEB));
    Function<Exchange, String> show = e -> "call " + e.call() + ", " + e.datagrams().stream().map(Fuzz::hex).toList();
    Fuzz.run("nf_tables replies", 3_000, NfTablesFuzzTest::exchange, show, e -> BOUND, e -> {
      now[0] = e;
      synchronized (kernel) {
        kernel.replies.clear();
      }
      try {
        switch (e.call()) {
          case 0 -> nft.generation();
          case 1 -> nft.table(NfTables.NFPROTO_INET, "halvs");
          case 2 -> nft.chain(NfTables.NFPROTO_INET, "halvs", "marking");
          case 3 -> nft.rules(NfTables.NFPROTO_INET, "halvs", "marking");
          case 4 -> nft.commit("fuzz", batch, i -> "message " + i);
          case 5 -> new NftMarkTable(() -> nft).apply(List.of(WEB));
          default -> new NftMarkTable(() -> nft).apply(List.of());
        }
      } catch (NetlinkException expected) {
        // the declared failure
      }
    });
    nft.close();
  }
}
