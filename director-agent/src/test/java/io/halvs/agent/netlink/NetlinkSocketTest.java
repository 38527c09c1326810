package io.halvs.agent.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The socket's life: what it refuses to run without, and close() racing a request in flight. No root. */
class NetlinkSocketTest {
  final ScriptedKernel kernel = new ScriptedKernel();

  static Message flush() {
    return new Message(ScriptedKernel.IPVS_FAMILY, Message.F_REQUEST | Message.F_ACK).genl(17, 1);
  }

  @Test
  void aSocketWithoutAReceiveTimeoutIsRefusedLoudly() {
    kernel.rcvtimeoError = -Errno.EINVAL;
    assertThatThrownBy(() -> new NetlinkSocket(kernel, LibC.NETLINK_GENERIC)).isInstanceOf(NetlinkException.class)
        .hasMessageContaining("receive timeout").hasMessageContaining("EINVAL")
        .hasMessageContaining("block the agent forever");
    assertThat(kernel.closeCalls).as("the descriptor is closed, not leaked").isEqualTo(1);
    assertThat(kernel.sent).isEmpty();
  }

  @Test
  void aRequestAfterCloseFailsWithoutTouchingTheDescriptor() {
    NetlinkSocket s = new NetlinkSocket(kernel, LibC.NETLINK_GENERIC);
    s.close();
    s.close();
    assertThatThrownBy(() -> s.execute("flush", flush())).isInstanceOf(NetlinkException.class)
        .hasMessageContaining("EBADF").hasMessageContaining("closed");
    assertThat(kernel.closeCalls).isEqualTo(1);
    assertThat(kernel.misuse).isEmpty();
  }

  /**
   * close() from another thread while a request waits for its reply: the descriptor is closed only after the
   * request has its answer (it could otherwise be reused by another socket and the request read a stranger's
   * reply). Deterministic: the scripted kernel holds the receive until the closer is seen waiting.
   */
  @Test
  void closeWaitsForTheRequestInFlight() throws Exception {
    NetlinkSocket s = new NetlinkSocket(kernel, LibC.NETLINK_GENERIC);
    CountDownLatch release = new CountDownLatch(1);
    kernel.holdReceive = release;
    CompletableFuture<Void> request = CompletableFuture.runAsync(() -> s.execute("flush", flush()));
    assertThat(kernel.receiveEntered.await(30, TimeUnit.SECONDS)).as("the request reached receive").isTrue();

    Thread closer = new Thread(s::close, "closer");
    closer.start();
    while (!s.closeWaiting() && closer.isAlive()) {
      Thread.onSpinWait(); // until close() either queues behind the request or (the bug) has closed the fd
    }
    assertThat(kernel.closeCalls).as("closed under the request's feet").isZero();
    assertThat(s.closeWaiting()).isTrue();

    release.countDown();
    request.get(30, TimeUnit.SECONDS); // its ACK, not an error
    closer.join();
    assertThat(kernel.closeCalls).isEqualTo(1);
    assertThat(kernel.misuse).isEmpty();
    assertThatThrownBy(() -> s.execute("flush", flush())).isInstanceOf(NetlinkException.class)
        .hasMessageContaining("EBADF");
  }

  @Test
  void anInterruptedReceiveIsRetried() {
    NetlinkSocket s = new NetlinkSocket(kernel.answer((r, seq) -> List.of(-Errno.EINTR, ScriptedKernel.ack(seq))),
        LibC.NETLINK_GENERIC);
    s.execute("flush", flush());
    assertThat(kernel.replies).isEmpty();
    s.close();
  }
}
