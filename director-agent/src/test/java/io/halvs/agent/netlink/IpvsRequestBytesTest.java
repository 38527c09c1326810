package io.halvs.agent.netlink;

import static io.halvs.agent.netlink.ScriptedKernel.hex;
import static io.halvs.agent.netlink.ScriptedKernel.spaced;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.halvs.agent.kernel.IpvsTimeouts;
import io.halvs.agent.kernel.KernelDestination;
import io.halvs.agent.kernel.KernelService;
import io.halvs.agent.kernel.SyncDaemon;
import io.halvs.api.v1alpha1.Protocol;
import io.halvs.plan.IpAddress;
import io.halvs.plan.ServiceKey;
import java.nio.ByteOrder;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The exact bytes of every request the agent sends to IPVS, written out by hand from the kernel's
 * include/uapi/linux/ip_vs.h and ip_vs_ctl.c (not from this encoder), one field per line. No root: the requests
 * go to a scripted kernel that ACKs them. Netlink is host byte order; these are the little-endian bytes of
 * x86-64 and arm64. The sequence number (bytes 8-11) is checked apart: it counts per socket.
 */
class IpvsRequestBytesTest {
  static final ServiceKey WEB = new ServiceKey(IpAddress.AF_INET, Protocol.TCP, IpAddress.parse("10.0.0.1"), 80, 0);
  static final ServiceKey WEB6 =
      new ServiceKey(IpAddress.AF_INET6, Protocol.TCP, IpAddress.parse("2001:db8::1"), 443, 0);
  static final ServiceKey MARK = ServiceKey.ofFirewallMark(IpAddress.AF_INET, 7);

  /** The nested IPVS_CMD_ATTR_SERVICE that names WEB (48 bytes). */
  static final String WEB_KEY = """
      30 00 01 80                     # IPVS_CMD_ATTR_SERVICE, nested, 48 bytes
        06 00 01 00 02 00 00 00       #   IPVS_SVC_ATTR_AF u16 AF_INET, padded
        06 00 02 00 06 00 00 00       #   IPVS_SVC_ATTR_PROTOCOL u16 IPPROTO_TCP
        14 00 03 00 0a 00 00 01 00 00 00 00 00 00 00 00 00 00 00 00  # ADDR: nf_inet_addr, 16 bytes
        06 00 04 00 00 50 00 00       #   IPVS_SVC_ATTR_PORT be16 80
      """;

  final ScriptedKernel kernel = new ScriptedKernel();

  @BeforeAll
  static void littleEndian() {
    assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "the expected bytes are little-endian");
  }

  /** The one request the call sent, compared without its sequence number, which is checked to be fresh. */
  void sends(Consumer<NetlinkIpvsKernel> call, String expected) {
    try (NetlinkIpvsKernel k = kernel.ipvs()) {
      call.accept(k);
    }
    assertThat(kernel.sent).hasSize(1);
    byte[] actual = kernel.sent.get(0).clone();
    assertThat(ScriptedKernel.seq(actual)).as("sequence number").isNotZero();
    java.util.Arrays.fill(actual, 8, 12, (byte) 0);
    assertThat(spaced(actual)).isEqualTo(spaced(hex(expected)));
  }


  @Test
  void familyResolutionAsksTheControllerForIpvsByName() {
    new NetlinkIpvsKernel(new NetlinkSocket(kernel.answer((r, seq) -> List.of(ScriptedKernel.familyReply(seq, 0x24),
        ScriptedKernel.ack(seq))), LibC.NETLINK_GENERIC)).close();
    byte[] actual = kernel.sent.get(0).clone();
    java.util.Arrays.fill(actual, 8, 12, (byte) 0);
    assertThat(spaced(actual)).isEqualTo(spaced(hex("""
        20 00 00 00  10 00  05 00      # nlmsghdr: 32 bytes, GENL_ID_CTRL, NLM_F_REQUEST|NLM_F_ACK
        00 00 00 00  00 00 00 00       #   seq (zeroed here), pid 0 (the kernel)
        03 01 00 00                    # genlmsghdr: CTRL_CMD_GETFAMILY, version 1
        09 00 02 00 49 50 56 53 00 00 00 00  # CTRL_ATTR_FAMILY_NAME "IPVS\\0", padded to 12
        """)));
  }

  @Test
  void newService() {
    KernelService s = new KernelService(WEB, "rr", 0x0001, 300, 0xffffffffL, null);
    sends(k -> k.addService(s), """
        68 00 00 00  24 00  05 00  00 00 00 00  00 00 00 00  # 104 bytes, family IPVS, REQUEST|ACK
        01 01 00 00                   # IPVS_CMD_NEW_SERVICE, version 1
        54 00 01 80                   # IPVS_CMD_ATTR_SERVICE, nested, 84 bytes
          06 00 01 00 02 00 00 00
          06 00 02 00 06 00 00 00
          14 00 03 00 0a 00 00 01 00 00 00 00 00 00 00 00 00 00 00 00
          06 00 04 00 00 50 00 00
          07 00 06 00 72 72 00 00     #   IPVS_SVC_ATTR_SCHED_NAME "rr\\0"
          0c 00 07 00 01 00 00 00 fd ff ff ff  # FLAGS: ip_vs_flags{persistent, mask all but IP_VS_SVC_F_HASHED}
          08 00 08 00 2c 01 00 00     #   IPVS_SVC_ATTR_TIMEOUT u32 300
          08 00 09 00 ff ff ff ff     #   IPVS_SVC_ATTR_NETMASK be32 255.255.255.255
        """);
  }

  @Test
  void editServiceIsTheSameBodyWithSetService() {
    KernelService s = new KernelService(WEB, "wlc", 0, 0, 0xffffff00L, null);
    sends(k -> k.updateService(s), """
        68 00 00 00  24 00  05 00  00 00 00 00  00 00 00 00
        02 01 00 00                   # IPVS_CMD_SET_SERVICE
        54 00 01 80
          06 00 01 00 02 00 00 00
          06 00 02 00 06 00 00 00
          14 00 03 00 0a 00 00 01 00 00 00 00 00 00 00 00 00 00 00 00
          06 00 04 00 00 50 00 00
          08 00 06 00 77 6c 63 00     #   "wlc\\0" fills its 4 bytes: no padding
          0c 00 07 00 00 00 00 00 fd ff ff ff
          08 00 08 00 00 00 00 00
          08 00 09 00 ff ff ff 00     #   /24, network order
        """);
  }

  @Test
  void newIpv6ServiceCarriesItsNetmaskAsAPrefixLengthInHostOrder() {
    KernelService s = new KernelService(WEB6, "sh", 0, 0, 128, null);
    sends(k -> k.addService(s), """
        68 00 00 00  24 00  05 00  00 00 00 00  00 00 00 00
        01 01 00 00
        54 00 01 80
          06 00 01 00 0a 00 00 00     #   AF_INET6
          06 00 02 00 06 00 00 00
          14 00 03 00 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01
          06 00 04 00 01 bb 00 00     #   443
          07 00 06 00 73 68 00 00
          0c 00 07 00 00 00 00 00 fd ff ff ff
          08 00 08 00 00 00 00 00
          08 00 09 00 80 00 00 00     #   prefix length 128, u32 host order
        """);
  }

  @Test
  void deleteService() {
    sends(k -> k.deleteService(WEB), """
        44 00 00 00  24 00  05 00  00 00 00 00  00 00 00 00
        03 01 00 00                   # IPVS_CMD_DEL_SERVICE
        """ + WEB_KEY);
  }

  @Test
  void aFirewallMarkServiceIsNamedByFamilyAndMarkOnly() {
    sends(k -> k.deleteService(MARK), """
        28 00 00 00  24 00  05 00  00 00 00 00  00 00 00 00
        03 01 00 00
        14 00 01 80
          06 00 01 00 02 00 00 00
          08 00 05 00 07 00 00 00     #   IPVS_SVC_ATTR_FWMARK u32 7
        """);
  }

  static final KernelDestination BACKEND = new KernelDestination(IpAddress.parse("10.1.0.5"), 8080,
      KernelDestination.FWD_DROUTE, 100, 5000, 4000, IpAddress.AF_INET, 0, 0, 0, 0, 0, 0, null);

  static final String BACKEND_DEST = """
      48 00 02 80                     # IPVS_CMD_ATTR_DEST, nested, 72 bytes
        14 00 01 00 0a 01 00 05 00 00 00 00 00 00 00 00 00 00 00 00  # IPVS_DEST_ATTR_ADDR
        06 00 02 00 1f 90 00 00       #   IPVS_DEST_ATTR_PORT be16 8080
        06 00 0b 00 02 00 00 00       #   IPVS_DEST_ATTR_ADDR_FAMILY u16 AF_INET
        08 00 03 00 03 00 00 00       #   IPVS_DEST_ATTR_FWD_METHOD u32 IP_VS_CONN_F_DROUTE
        08 00 04 00 64 00 00 00       #   IPVS_DEST_ATTR_WEIGHT u32 100
        08 00 05 00 88 13 00 00       #   IPVS_DEST_ATTR_U_THRESH u32 5000
        08 00 06 00 a0 0f 00 00       #   IPVS_DEST_ATTR_L_THRESH u32 4000
      """;

  @Test
  void newDestination() {
    sends(k -> k.addDestination(WEB, BACKEND), """
        8c 00 00 00  24 00  05 00  00 00 00 00  00 00 00 00  # 140 bytes
        05 01 00 00                   # IPVS_CMD_NEW_DEST
        """ + WEB_KEY + BACKEND_DEST);
  }

  @Test
  void editDestination() {
    sends(k -> k.updateDestination(WEB, BACKEND), """
        8c 00 00 00  24 00  05 00  00 00 00 00  00 00 00 00
        06 01 00 00                   # IPVS_CMD_SET_DEST
        """ + WEB_KEY + BACKEND_DEST);
  }

  @Test
  void aTunnelDestinationAddsItsTunnelTypePortAndChecksumFlags() {
    KernelDestination gue = new KernelDestination(IpAddress.parse("10.1.0.5"), 8080, KernelDestination.FWD_TUNNEL,
        1, 0, 0, IpAddress.AF_INET, 1, 6080, 0x0001, 0, 0, 0, null);
    sends(k -> k.addDestination(WEB, gue), """
        a4 00 00 00  24 00  05 00  00 00 00 00  00 00 00 00  # 164 bytes
        05 01 00 00
        """ + WEB_KEY + """
        60 00 02 80                   # IPVS_CMD_ATTR_DEST, 96 bytes
          14 00 01 00 0a 01 00 05 00 00 00 00 00 00 00 00 00 00 00 00
          06 00 02 00 1f 90 00 00
          06 00 0b 00 02 00 00 00
          08 00 03 00 02 00 00 00     #   IP_VS_CONN_F_TUNNEL
          08 00 04 00 01 00 00 00
          08 00 05 00 00 00 00 00
          08 00 06 00 00 00 00 00
          05 00 0d 00 01 00 00 00     #   IPVS_DEST_ATTR_TUN_TYPE u8 GUE
          06 00 0e 00 17 c0 00 00     #   IPVS_DEST_ATTR_TUN_PORT be16 6080
          06 00 0f 00 01 00 00 00     #   IPVS_DEST_ATTR_TUN_FLAGS u16 NOCSUM
        """);
  }

  @Test
  void deleteDestinationNamesItByAddressPortAndFamily() {
    sends(k -> k.deleteDestination(WEB, IpAddress.parse("10.1.0.5"), 8080), """
        6c 00 00 00  24 00  05 00  00 00 00 00  00 00 00 00  # 108 bytes
        07 01 00 00                   # IPVS_CMD_DEL_DEST
        """ + WEB_KEY + """
        28 00 02 80
          14 00 01 00 0a 01 00 05 00 00 00 00 00 00 00 00 00 00 00 00
          06 00 02 00 1f 90 00 00
          06 00 0b 00 02 00 00 00
        """);
  }

  @Test
  void serviceDump() {
    kernel.answer((r, seq) -> List.of(ScriptedKernel.done(seq)));
    sends(NetlinkIpvsKernel::services, """
        14 00 00 00  24 00  01 03  00 00 00 00  00 00 00 00  # NLM_F_REQUEST|NLM_F_DUMP (ROOT|MATCH)
        04 01 00 00                   # IPVS_CMD_GET_SERVICE
        """);
  }

  @Test
  void destinationDumpOfOneService() {
    kernel.answer((r, seq) -> List.of(ScriptedKernel.done(seq)));
    sends(k -> k.destinations(WEB), """
        44 00 00 00  24 00  01 03  00 00 00 00  00 00 00 00
        08 01 00 00                   # IPVS_CMD_GET_DEST
        """ + WEB_KEY);
  }

  @Test
  void daemonDump() {
    kernel.answer((r, seq) -> List.of(ScriptedKernel.done(seq)));
    sends(NetlinkIpvsKernel::daemons, """
        14 00 00 00  24 00  01 03  00 00 00 00  00 00 00 00
        0b 01 00 00                   # IPVS_CMD_GET_DAEMON
        """);
  }

  @Test
  void startDaemonWithTheKernelsDefaults() {
    sends(k -> k.startDaemon(new SyncDaemon(SyncDaemon.MASTER, "eth1", 7, 0, null, 0, 0)), """
        34 00 00 00  24 00  05 00  00 00 00 00  00 00 00 00  # 52 bytes
        09 01 00 00                   # IPVS_CMD_NEW_DAEMON
        20 00 03 80                   # IPVS_CMD_ATTR_DAEMON, nested, 32 bytes
          08 00 01 00 01 00 00 00     #   IPVS_DAEMON_ATTR_STATE u32 IP_VS_STATE_MASTER
          09 00 02 00 65 74 68 31 00 00 00 00  # IPVS_DAEMON_ATTR_MCAST_IFN "eth1\\0"
          08 00 03 00 07 00 00 00     #   IPVS_DAEMON_ATTR_SYNC_ID u32 7
        """);
  }

  @Test
  void startDaemonWithEverySetting() {
    SyncDaemon d = new SyncDaemon(SyncDaemon.BACKUP, "eth1", 7, 1472, IpAddress.parse("239.0.0.81"), 8848, 2);
    sends(k -> k.startDaemon(d), """
        54 00 00 00  24 00  05 00  00 00 00 00  00 00 00 00  # 84 bytes
        09 01 00 00
        40 00 03 80                   # 64 bytes
          08 00 01 00 02 00 00 00     #   IP_VS_STATE_BACKUP
          09 00 02 00 65 74 68 31 00 00 00 00
          08 00 03 00 07 00 00 00
          06 00 04 00 c0 05 00 00     #   IPVS_DAEMON_ATTR_SYNC_MAXLEN u16 1472
          08 00 05 00 ef 00 00 51     #   IPVS_DAEMON_ATTR_MCAST_GROUP in_addr 239.0.0.81
          06 00 07 00 90 22 00 00     #   IPVS_DAEMON_ATTR_MCAST_PORT u16 8848 (host order, as the kernel reads it)
          05 00 08 00 02 00 00 00     #   IPVS_DAEMON_ATTR_MCAST_TTL u8 2
        """);
  }

  @Test
  void stopDaemon() {
    sends(k -> k.stopDaemon(SyncDaemon.BACKUP), """
        20 00 00 00  24 00  05 00  00 00 00 00  00 00 00 00
        0a 01 00 00                   # IPVS_CMD_DEL_DAEMON
        0c 00 03 80
          08 00 01 00 02 00 00 00
        """);
  }

  @Test
  void getTimeouts() {
    sends(NetlinkIpvsKernel::timeouts, """
        14 00 00 00  24 00  05 00  00 00 00 00  00 00 00 00
        0d 01 00 00                   # IPVS_CMD_GET_CONFIG
        """);
  }

  @Test
  void setTimeouts() {
    sends(k -> k.setTimeouts(new IpvsTimeouts(900, 120, 300)), """
        2c 00 00 00  24 00  05 00  00 00 00 00  00 00 00 00  # 44 bytes
        0c 01 00 00                   # IPVS_CMD_SET_CONFIG
        08 00 04 00 84 03 00 00       # IPVS_CMD_ATTR_TIMEOUT_TCP u32 900
        08 00 05 00 78 00 00 00       # IPVS_CMD_ATTR_TIMEOUT_TCP_FIN u32 120
        08 00 06 00 2c 01 00 00       # IPVS_CMD_ATTR_TIMEOUT_UDP u32 300
        """);
  }

  @Test
  void getInfo() {
    sends(NetlinkIpvsKernel::info, """
        14 00 00 00  24 00  05 00  00 00 00 00  00 00 00 00
        0f 01 00 00                   # IPVS_CMD_GET_INFO
        """);
  }

  @Test
  void flush() {
    sends(NetlinkIpvsKernel::flush, """
        14 00 00 00  24 00  05 00  00 00 00 00  00 00 00 00
        11 01 00 00                   # IPVS_CMD_FLUSH
        """);
  }

  @Test
  void zeroEveryService() {
    sends(k -> k.zero(null), """
        14 00 00 00  24 00  05 00  00 00 00 00  00 00 00 00
        10 01 00 00                   # IPVS_CMD_ZERO, no service: all of them
        """);
  }

  @Test
  void zeroOneService() {
    sends(k -> k.zero(WEB), """
        44 00 00 00  24 00  05 00  00 00 00 00  00 00 00 00
        10 01 00 00
        """ + WEB_KEY);
  }
}
