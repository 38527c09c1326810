package io.halvs.agent.health;

import io.halvs.plan.IpAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

/**
 * icmp: one echo request, up when the echo reply comes back. No channel of its own: the checker's {@link Pinger}
 * sends and hears the replies on its thread, and hands the verdict back to the checker thread.
 */
final class IcmpProbe extends Probe {
  final IpAddress address;
  /** Set by the pinger when sent. */
  volatile int seq;
  volatile boolean v6;
  private Pinger pinger;

  IcmpProbe(IpAddress address, int timeoutMillis) {
    super(null, timeoutMillis);
    this.address = address;
  }

  @Override
  void start(Selector selector) {
    pinger = loop.pinger();
    pinger.send(this, address);
  }

  @Override
  void ready(SelectionKey key) {
    // no channel
  }

  /** On the pinger's thread: the reply (why null) or an ICMP error for this request. */
  void answered(String why) {
    loop.deliver(this, () -> {
      if (why == null) {
        succeed();
      } else {
        fail(why);
      }
    });
  }

  @Override
  void close() {
    if (pinger != null) {
      pinger.forget(this);
    }
  }

  @Override
  String timeoutMessage() {
    return "no ICMP echo reply within " + timeoutMillis + " ms";
  }
}
