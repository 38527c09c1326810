package io.halvs.agent.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.halvs.api.v1alpha1.Protocol;
import io.halvs.plan.IpAddress;
import io.halvs.plan.ServiceKey;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code halvs-agent ipvs save} prints what ipvsadm 1.31's {@code ipvsadm -S -n} prints for the same table. */
class KernelFormatTest {
  static KernelDestination tunnel(String address, int type, int port, int flags) {
    return new KernelDestination(IpAddress.parse(address), 53, KernelDestination.FWD_TUNNEL, 1, 0, 0,
        IpAddress.AF_INET, type, port, flags, 0, 0, 0, null);
  }

  @Test
  void optionsInIpvsadmSavesOrderAndEveryGueAndGreDestinationWithItsChecksumOption() {
    ServiceKey key = ServiceKey.of(Protocol.UDP, IpAddress.parse("192.0.2.1"), 53);
    // persistent (0x1), one-packet (0x4), sh-port (0x10); mask 255.255.255.0
    KernelService s = new KernelService(key, "sh", 0x1 | 0x4 | 0x10, 300, 0xffffff00L, null, "sip");
    Map<KernelService, List<KernelDestination>> table = new LinkedHashMap<>();
    table.put(s, List.of(tunnel("10.0.0.1", 0, 0, 0), tunnel("10.0.0.2", 1, 6080, 0), tunnel("10.0.0.3", 1, 6080, 2),
        tunnel("10.0.0.4", 2, 0, 0), tunnel("10.0.0.5", 2, 0, 1)));
    assertThat(KernelFormat.save(table)).containsExactly(
        "-A -u 192.0.2.1:53 -s sh -p 300 -M 255.255.255.0 --pe sip -o -b sh-port",
        "-a -u 192.0.2.1:53 -r 10.0.0.1:53 -i -w 1 --tun-type ipip",
        "-a -u 192.0.2.1:53 -r 10.0.0.2:53 -i -w 1 --tun-type gue --tun-port 6080 --tun-nocsum",
        "-a -u 192.0.2.1:53 -r 10.0.0.3:53 -i -w 1 --tun-type gue --tun-port 6080 --tun-remcsum",
        "-a -u 192.0.2.1:53 -r 10.0.0.4:53 -i -w 1 --tun-type gre --tun-nocsum",
        "-a -u 192.0.2.1:53 -r 10.0.0.5:53 -i -w 1 --tun-type gre --tun-csum");
  }
}
