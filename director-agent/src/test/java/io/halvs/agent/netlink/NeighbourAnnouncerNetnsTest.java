package io.halvs.agent.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import io.halvs.agent.testing.NetnsPrivileges;
import io.halvs.plan.IpAddress;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Gratuitous ARP and unsolicited NA against the real kernel: a client namespace bridges two director
 * namespaces; the client resolves the VIP to director A, the VIP moves to B, B announces, and the client's
 * neighbour entry must now name B's MAC without the client asking again. Root only; cleaned up in @AfterAll.
 */
class NeighbourAnnouncerNetnsTest {
  // the pid in the names: other checkouts on this machine may run this same test at the same time
  static final String C = "halvs-garp-c-" + ProcessHandle.current().pid();
  static final String A = "halvs-garp-a-" + ProcessHandle.current().pid();
  static final String B = "halvs-garp-b-" + ProcessHandle.current().pid();

  static String sh(String... cmd) throws Exception {
    return AddressTableNetnsTest.sh(cmd);
  }

  @BeforeAll
  static void topology() throws Exception {
    NetnsPrivileges.require();
    cleanup();
    for (String ns : List.of(C, A, B)) {
      sh("ip", "netns", "add", ns);
      sh("ip", "-n", ns, "link", "set", "lo", "up");
    }
    sh("ip", "-n", C, "link", "add", "br0", "type", "bridge");
    // a MAC of its own: a bridge takes its lowest port's, and a change of it flushes the client's neighbour entries
    sh("ip", "-n", C, "link", "set", "br0", "address", "02:00:00:00:00:01", "up");
    sh("ip", "-n", C, "addr", "add", "198.51.100.1/24", "dev", "br0");
    sh("ip", "-n", C, "addr", "add", "2001:db8::1/64", "dev", "br0", "nodad");
    for (String[] d : List.of(new String[] {A, "hga0", "cga0", "198.51.100.2/24", "2001:db8::2/64"},
        new String[] {B, "hgb0", "cgb0", "198.51.100.3/24", "2001:db8::3/64"})) {
      sh("ip", "-n", C, "link", "add", d[2], "type", "veth", "peer", "name", d[1], "netns", d[0]);
      sh("ip", "-n", C, "link", "set", d[2], "master", "br0", "up");
      sh("ip", "-n", d[0], "link", "set", d[1], "up");
      sh("ip", "-n", d[0], "addr", "add", d[3], "dev", d[1]);
      sh("ip", "-n", d[0], "addr", "add", d[4], "dev", d[1], "nodad"); // the route back to the client
    }
  }

  @AfterAll
  static void cleanup() {
    for (String ns : List.of(C, A, B)) {
      try {
        sh("ip", "netns", "del", ns);
      } catch (Exception ignored) {
        // not there
      }
    }
  }

  static String mac(String ns, String ifname) throws Exception {
    return NetNamespace.run(ns, () -> {
      try (PacketSocket s = new PacketSocket(ifname, PacketSocket.ETH_P_ARP)) {
        return HexFormat.ofDelimiter(":").formatHex(s.hardwareAddress());
      }
    });
  }

  static void move(String from, String fromIf, String to, String toIf, IpAddress vip) throws Exception {
    NetNamespace.run(from, () -> {
      try (AddressTable t = new AddressTable()) {
        return t.remove(fromIf, vip, vip.maxPrefixLength());
      }
    });
    NetNamespace.run(to, () -> {
      try (AddressTable t = new AddressTable(); NeighbourAnnouncer n = new NeighbourAnnouncer()) {
        t.add(toIf, vip, vip.maxPrefixLength(), null);
        n.announce(toIf, vip);
        return null;
      }
    });
  }

  /** A TCP connect from the client to a closed port: the RST proves the VIP answers (no ping needed). */
  static void knock(IpAddress vip) throws Exception {
    NetNamespace.run(C, () -> {
      try (java.net.Socket s = new java.net.Socket()) {
        s.connect(new java.net.InetSocketAddress(java.net.InetAddress.getByAddress(vip.bytes()), 9), 2000);
      } catch (java.net.ConnectException refused) {
        return null; // RST: reached
      }
      return null;
    });
  }

  void takeoverRewritesTheClientsNeighbourEntry(String vipText) throws Exception {
    IpAddress vip = IpAddress.parse(vipText);
    String macA = mac(A, "hga0");
    String macB = mac(B, "hgb0");
    assertThat(macA).isNotEqualTo(macB).matches("([0-9a-f]{2}:){5}[0-9a-f]{2}");
    NetNamespace.run(A, () -> {
      try (AddressTable t = new AddressTable()) {
        return t.add("hga0", vip, vip.maxPrefixLength(), null);
      }
    });
    knock(vip);
    assertThat(sh("ip", "-n", C, "neigh", "show", vipText)).contains(macA);

    move(A, "hga0", B, "hgb0", vip);
    // the announcement is asynchronous on the receiving side only by microseconds; allow a short settle
    String entry = "";
    for (int i = 0; i < 50 && !entry.contains(macB); i++) {
      entry = sh("ip", "-n", C, "neigh", "show", vipText);
      Thread.sleep(20);
    }
    assertThat(entry).as("client's neighbour entry after B's announcement").contains(macB).doesNotContain(macA);
    knock(vip); // and B answers
    move(B, "hgb0", A, "hga0", vip);
    entry = "";
    for (int i = 0; i < 50 && !entry.contains(macA); i++) {
      entry = sh("ip", "-n", C, "neigh", "show", vipText);
      Thread.sleep(20);
    }
    assertThat(entry).as("and back to A").contains(macA);
  }

  @Test
  void gratuitousArpMovesTheVipToTheNewDirector() throws Exception {
    takeoverRewritesTheClientsNeighbourEntry("198.51.100.10");
  }

  @Test
  void unsolicitedNeighbourAdvertisementMovesTheIpv6Vip() throws Exception {
    takeoverRewritesTheClientsNeighbourEntry("2001:db8::10");
  }

  /** An interface's address changed after its socket was opened (a bond's failover): the new one is announced. */
  @Test
  void theHardwareAddressAnnouncedIsTheInterfacesNowNotWhenItsSocketOpened() throws Exception {
    IpAddress vip = IpAddress.parse("198.51.100.21");
    String changed = "02:00:00:00:00:42";
    NetNamespace.run(A, () -> {
      try (AddressTable t = new AddressTable()) {
        return t.add("hga0", vip, vip.maxPrefixLength(), null);
      }
    });
    knock(vip); // the client's entry names A
    NetNamespace.run(A, () -> {
      try (AddressTable t = new AddressTable()) {
        return t.remove("hga0", vip, vip.maxPrefixLength());
      }
    });
    String before = mac(B, "hgb0");
    try {
      NetNamespace.run(B, () -> {
        try (AddressTable t = new AddressTable(); NeighbourAnnouncer n = new NeighbourAnnouncer()) {
          n.prepare("hgb0", vip);
          sh("ip", "-n", B, "link", "set", "hgb0", "address", changed);
          t.add("hgb0", vip, vip.maxPrefixLength(), null);
          n.announce("hgb0", vip);
          t.remove("hgb0", vip, vip.maxPrefixLength());
          return null;
        }
      });
      String entry = "";
      for (int i = 0; i < 50 && !entry.contains(changed); i++) {
        entry = sh("ip", "-n", C, "neigh", "show", vip.toString());
        Thread.sleep(20);
      }
      assertThat(entry).as("client's neighbour entry after the announcement").contains(changed);
    } finally {
      sh("ip", "-n", B, "link", "set", "hgb0", "address", before); // the other tests' B
    }
  }

  /** A link from {@code ns} to the client's bridge: {@code ifname} in ns, {@code peer} on the bridge. */
  static void link(String ns, String ifname, String peer) throws Exception {
    sh("ip", "-n", C, "link", "add", peer, "type", "veth", "peer", "name", ifname, "netns", ns);
    sh("ip", "-n", C, "link", "set", peer, "master", "br0", "up");
    sh("ip", "-n", ns, "link", "set", ifname, "up");
  }

  /**
   * A standby opens its sockets long before its first takeover (prepare); an interface recreated meanwhile has a
   * new index and MAC, and the announcement must still go out, from the new one.
   */
  @Test
  void aSocketOlderThanItsInterfaceIsReplacedAndTheAnnouncementGoesOut() throws Exception {
    IpAddress vip = IpAddress.parse("198.51.100.20");
    NetNamespace.run(A, () -> {
      try (AddressTable t = new AddressTable()) {
        return t.add("hga0", vip, vip.maxPrefixLength(), null);
      }
    });
    knock(vip); // the client's entry names A
    link(B, "hgr0", "cgr0");
    String before = mac(B, "hgr0");
    NetNamespace.run(A, () -> {
      try (AddressTable t = new AddressTable()) {
        return t.remove("hga0", vip, vip.maxPrefixLength());
      }
    });
    NetNamespace.run(B, () -> {
      try (AddressTable t = new AddressTable(); NeighbourAnnouncer n = new NeighbourAnnouncer()) {
        n.prepare("hgr0", vip);
        sh("ip", "-n", C, "link", "del", "cgr0"); // and its peer hgr0
        link(B, "hgr0", "cgr0");
        t.add("hgr0", vip, vip.maxPrefixLength(), null);
        n.announce("hgr0", vip);
        return null;
      }
    });
    String after = mac(B, "hgr0");
    assertThat(after).as("a new interface").isNotEqualTo(before);
    String entry = "";
    for (int i = 0; i < 50 && !entry.contains(after); i++) {
      entry = sh("ip", "-n", C, "neigh", "show", vip.toString());
      Thread.sleep(20);
    }
    assertThat(entry).as("client's neighbour entry after the announcement").contains(after);
  }
}
