package io.halvs.agent.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.halvs.agent.kernel.OwnershipJournal;
import io.halvs.agent.runtime.Director;
import io.halvs.agent.runtime.TestDoubles;
import io.halvs.plan.DirectorPlan;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A dump the kernel refuses (here ENOBUFS: the socket's receive buffer overran) is a failed pass, retried with
 * the director's backoff (1 s first) — not a bug for the loop's "unexpected" path, which waits for the next
 * resync (30 s by default, an hour here). The real netlink kernel on a scripted socket: no root.
 */
class RefusedDumpTest {
  @Test
  void aRefusedServiceDumpFailsThePassAndTheBackoffRetriesIt() {
    AtomicInteger dumps = new AtomicInteger();
    ScriptedKernel sys = new ScriptedKernel();
    NetlinkIpvsKernel kernel = sys.ipvs();
    sys.answer((r, seq) -> switch (r[16]) {
      case NetlinkIpvsKernel.CMD_GET_SERVICE -> dumps.incrementAndGet() == 1 ? List.of(-Errno.ENOBUFS)
          : List.of(ScriptedKernel.done(seq));
      case NetlinkIpvsKernel.CMD_GET_DEST, NetlinkIpvsKernel.CMD_GET_DAEMON -> List.of(ScriptedKernel.done(seq));
      default -> List.of(ScriptedKernel.ack(seq));
    });
    DirectorPlan plan = TestDoubles.plan(1, 1, null);
    try (Director d = new Director(kernel, new OwnershipJournal(null), new TestDoubles.SteeredHealth(),
        new TestDoubles.RecordingElection(), null, Duration.ofHours(1))) {
      List<Director.Pass> passes = new CopyOnWriteArrayList<>();
      d.onPass(passes::add);
      d.start("refused-dump-test");
      d.offer(new Director.Target(plan, "h1", false));

      await().atMost(Duration.ofSeconds(20)).until(() -> passes.size() >= 2);
      assertThat(passes.get(0).failures()).singleElement().asString().contains("list IPVS services")
          .contains("ENOBUFS");
      assertThat(passes.get(1).converged()).isTrue();
      assertThat(passes.get(1).kernel().applied()).hasSize(2); // the service and its destination
      assertThat(d.status().programmed()).isTrue();
    } finally {
      kernel.close();
    }
  }
}
