package io.halvs.agent.health;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What libc is handed and what people read; the connects themselves run in HealthMonitorTest. */
class TcpConnectorTest {
  @Test
  void sockaddrsAreLibcsLayoutWithThePortInNetworkOrder() {
    assertThat(TcpConnector.sockaddr(new byte[] {10, 0, 0, 7}, 0x1f90)).containsExactly(
        2, 0, 0x1f, (byte) 0x90, 10, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0);
    byte[] v6 = new byte[16];
    v6[15] = 1;
    byte[] sa6 = TcpConnector.sockaddr(v6, 443);
    assertThat(sa6).hasSize(28);
    assertThat(sa6[0]).isEqualTo((byte) 10);
    assertThat(new byte[] {sa6[2], sa6[3]}).containsExactly(1, (byte) 0xbb);
    assertThat(sa6[8 + 15]).isEqualTo((byte) 1); // after the flow label
  }

  @Test
  void errnosReadAsTheJdksExceptionsDidAndKeepTheirReasons() {
    assertThat(TcpConnector.describe(111)).isEqualTo("connection refused");
    assertThat(TcpConnector.describe(104)).isEqualTo("connection reset");
    assertThat(TcpConnector.describe(113)).isEqualTo("no route to host");
    assertThat(TcpConnector.describe(101)).isEqualTo("connect: network is unreachable");
    assertThat(TcpConnector.describe(110)).isEqualTo("connect: connection timed out");
    assertThat(FailureReason.of(TcpConnector.describe(111))).isEqualTo(FailureReason.REFUSED);
    assertThat(FailureReason.of(TcpConnector.describe(104))).isEqualTo(FailureReason.RESET);
    assertThat(FailureReason.of(TcpConnector.describe(113))).isEqualTo(FailureReason.UNREACHABLE);
    assertThat(FailureReason.of(TcpConnector.describe(101))).isEqualTo(FailureReason.UNREACHABLE);
  }
}
