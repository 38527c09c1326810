package io.halvs.agent.health;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The newer probes' messages fall into the reasons the metric already has: its label values stay the same. */
class FailureReasonTest {
  @Test
  void newProbesMessages() {
    assertThat(FailureReason.of("reply does not match /^\\+PONG/: '-ERR'")).isEqualTo(FailureReason.BAD_BODY);
    assertThat(FailureReason.of("connection closed without a reply")).isEqualTo(FailureReason.BAD_RESPONSE);
    assertThat(FailureReason.of("reply over 64 KiB without the expected answer")).isEqualTo(FailureReason.BAD_RESPONSE);
    assertThat(FailureReason.of("SMTP 421 banner: '421 busy'")).isEqualTo(FailureReason.BAD_STATUS);
    assertThat(FailureReason.of("SMTP 550 to EHLO: '550 no'")).isEqualTo(FailureReason.BAD_STATUS);
    assertThat(FailureReason.of("SMTP: not an SMTP reply: 'x'")).isEqualTo(FailureReason.BAD_RESPONSE);
    assertThat(FailureReason.of("body does not hash to 0123 (MD5 4567, 5 bytes)")).isEqualTo(FailureReason.BAD_BODY);
    assertThat(FailureReason.of("host unreachable (ICMP)")).isEqualTo(FailureReason.UNREACHABLE);
    assertThat(FailureReason.of("no route to host")).isEqualTo(FailureReason.UNREACHABLE);
    assertThat(FailureReason.of("DNS: example.com MX is [], none contains 'x'")).isEqualTo(FailureReason.DNS);
    assertThat(FailureReason.values()).extracting(r -> r.label).containsExactly("timeout", "refused", "reset",
        "unreachable", "bad_status", "bad_body", "bad_response", "tls", "dns", "other");
  }
}
