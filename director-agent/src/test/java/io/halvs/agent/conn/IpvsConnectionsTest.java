package io.halvs.agent.conn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.halvs.plan.IpAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IpvsConnectionsTest {
  /** As a 6.1 kernel writes /proc/net/ip_vs_conn (IPv4 NAT, a persistence template, IPv6 to IPv4, fwmark, sip). */
  static final List<String> CAPTURED = List.of(
      "Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData",
      "TCP C6336402 B3E2 C633640A 0050 0A00010B 0050 ESTABLISHED     899",
      "TCP C6336402 0000 C633640A 0050 0A00010B 0050 NONE            299",
      "UDP 2001:0db8:0000:0000:0000:0000:0000:0002 D431 2001:0db8:0000:0000:0000:0000:0000:0010 0035 0A00010C 0035 "
          + "UDP             178",
      "IP  C6336402 0000 0000002A 0000 0A00010D 0000 NONE             59",
      "UDP C6336402 13C4 C6336414 13C4 0A00010B 13C4 UDP             120 sip 7a8b@example",
      "TCP C6336402 B3E4 C633640A 0050 0A00010C 0050 TIME_WAIT         0");

  @Test
  void parsesEveryKindOfEntry() {
    List<IpvsConnection> c = IpvsConnections.parse(CAPTURED);
    assertEquals(6, c.size());
    IpvsConnection tcp = c.get(0);
    assertEquals("TCP", tcp.protocol());
    assertEquals(IpAddress.parse("198.51.100.2"), tcp.client());
    assertEquals(46050, tcp.clientPort());
    assertEquals(IpAddress.parse("198.51.100.10"), tcp.virtual());
    assertEquals(80, tcp.virtualPort());
    assertEquals(IpAddress.parse("10.0.1.11"), tcp.destination());
    assertEquals("ESTABLISHED", tcp.state());
    assertEquals(899, tcp.expiresSeconds());
    assertNull(tcp.peName());
    IpvsConnection v6 = c.get(2);
    assertEquals(IpAddress.parse("2001:db8::2"), v6.client());
    assertEquals(IpAddress.parse("10.0.1.12"), v6.destination());
    assertEquals(53, v6.virtualPort());
    assertEquals("sip", c.get(4).peName());
    assertEquals("7a8b@example", c.get(4).peData());
  }

  @Test
  void formatsLikeIpvsadmLnc() {
    assertEquals(List.of(
        "IPVS connection entries",
        "pro expire state       source             virtual            destination",
        "TCP 14:59  ESTABLISHED 198.51.100.2:46050 198.51.100.10:80   10.0.1.11:80",
        "TCP 04:59  NONE        198.51.100.2:0     198.51.100.10:80   10.0.1.11:80",
        "UDP 02:58  UDP         [2001:db8::2]:54321 [2001:db8::10]:53  10.0.1.12:53",
        "IP  00:59  NONE        198.51.100.2:0     0.0.0.42:0         10.0.1.13:0",
        "UDP 02:00  UDP         198.51.100.2:5060  198.51.100.20:5060 10.0.1.11:5060",
        "TCP 00:00  TIME_WAIT   198.51.100.2:46052 198.51.100.10:80   10.0.1.12:80"),
        IpvsConnections.format(IpvsConnections.parse(CAPTURED)));
  }

  @Test
  void skipsWhatItDoesNotUnderstand() {
    assertEquals(List.of(), IpvsConnections.parse(List.of("", "Pro FromIP", "TCP nothex B3E2 C633640A 0050 "
        + "0A00010B 0050 ESTABLISHED 899", "TCP C6336402 B3E2 C633640A 0050 0A00010B 0050 ESTABLISHED soon")));
    assertEquals(1, IpvsConnections.parse(List.of(CAPTURED.get(1), "TCP C6336402 B3E2")).size());
  }

  @Test
  void aMissingTableIsEmpty(@TempDir Path dir) throws IOException {
    assertEquals(List.of(), IpvsConnections.read(dir.resolve("ip_vs_conn")));
    Files.write(dir.resolve("conn"), CAPTURED);
    assertEquals(6, IpvsConnections.read(dir.resolve("conn")).size());
  }
}
