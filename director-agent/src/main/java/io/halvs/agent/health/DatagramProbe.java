package io.halvs.agent.health;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;

/**
 * udp and dns: one datagram out on a connected socket (so an ICMP port unreachable comes back as an error),
 * the first answer judged. udp: any answer, or one containing the expected text; dns: see {@link Dns}.
 */
final class DatagramProbe extends Probe {
  /** udp: send, expect (null: any answer). dns: query built per attempt (its id), answer checked. */
  record Spec(byte[] send, String expect, Dns dns) {}

  private final Spec spec;
  private int dnsId;

  DatagramProbe(InetSocketAddress target, int timeoutMillis, Spec spec) {
    super(target, timeoutMillis);
    this.spec = spec;
  }

  @Override
  void start(Selector selector) throws IOException {
    DatagramChannel ch = DatagramChannel.open(target.getAddress() instanceof java.net.Inet6Address
        ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
    channel = ch;
    ch.configureBlocking(false);
    ch.connect(target);
    byte[] payload = spec.send();
    if (spec.dns() != null) {
      dnsId = java.util.concurrent.ThreadLocalRandom.current().nextInt(0x10000);
      payload = spec.dns().query(dnsId);
    }
    ch.write(ByteBuffer.wrap(payload));
    key = ch.register(selector, SelectionKey.OP_READ, this);
  }

  @Override
  void ready(SelectionKey key) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(4096);
    int n = ((DatagramChannel) channel).read(b);
    if (n <= 0) {
      return;
    }
    byte[] data = java.util.Arrays.copyOf(b.array(), n);
    if (spec.dns() != null) {
      String wrong = spec.dns().check(data, dnsId);
      if (wrong == Dns.NOT_OURS) {
        return; // a late answer to an earlier query: keep waiting
      }
      if (wrong == null) {
        succeed();
      } else {
        fail(wrong);
      }
    } else if (spec.expect() == null
        || new String(data, StandardCharsets.ISO_8859_1).contains(spec.expect())) {
      succeed();
    } else {
      fail("answer does not contain '" + spec.expect() + "'");
    }
  }

  @Override
  String timeoutMessage() {
    return spec.dns() != null ? "no DNS answer within " + timeoutMillis + " ms"
        : "no answer within " + timeoutMillis + " ms";
  }
}
