package io.halvs.agent.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import io.halvs.plan.IpAddress;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The announcement payloads byte for byte (no root needed). */
class NeighbourAnnouncerTest {
  static final byte[] MAC = HexFormat.of().parseHex("02000000000a");

  @Test
  void gratuitousArpIsAnAnnouncementOfTheVip() {
    byte[] p = NeighbourAnnouncer.garp(MAC, IpAddress.parse("198.51.100.10").bytes());
    assertThat(HexFormat.of().formatHex(p))
        .isEqualTo("0001" + "0800" + "06" + "04" + "0001" + "02000000000a" + "c633640a" + "000000000000" + "c633640a");
  }

  @Test
  void neighbourAdvertisementHasHopLimit255TheOverrideFlagAndAValidChecksum() {
    byte[] target = IpAddress.parse("2001:db8::10").bytes();
    byte[] p = NeighbourAnnouncer.unsolicitedAdvertisement(MAC, target);
    assertThat(p).hasSize(72);
    assertThat(p[6]).as("next header ICMPv6").isEqualTo((byte) 58);
    assertThat(p[7] & 0xff).as("hop limit").isEqualTo(255);
    assertThat(p[40] & 0xff).as("type NA").isEqualTo(136);
    assertThat(p[44]).as("flags: Override, not Solicited").isEqualTo((byte) 0x20);
    byte[] icmp = java.util.Arrays.copyOfRange(p, 40, 72);
    // a correct checksum makes the sum over pseudo-header + message (checksum included) come out as zero
    assertThat(NeighbourAnnouncer.checksum(target, NeighbourAnnouncer.ALL_NODES, icmp)).isZero();
  }
}
