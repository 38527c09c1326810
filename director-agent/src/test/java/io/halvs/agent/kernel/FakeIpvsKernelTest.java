package io.halvs.agent.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.halvs.api.v1alpha1.Protocol;
import io.halvs.plan.IpAddress;
import io.halvs.plan.ServiceKey;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The in-memory IPVS table answers as the kernel does: what reconciler tests and benchmarks rely on. */
class FakeIpvsKernelTest {
  private static final ServiceKey SERVICE = ServiceKey.of(Protocol.TCP, IpAddress.parse("192.0.2.10"), 80);
  private final FakeIpvsKernel kernel = new FakeIpvsKernel();

  private static KernelDestination dest(String address, int port, int method, int weight, int tunnelType,
      int tunnelPort) {
    return new KernelDestination(IpAddress.parse(address), port, method, weight, 0, 0, 0, tunnelType, tunnelPort,
        tunnelType == 0 ? 0 : 1, 0, 0, 0, null);
  }

  private static String row(KernelDestination d) {
    return d.address().withPort(d.port()) + " fwd " + d.forwardMethod() + " w " + d.weight() + " af "
        + d.addressFamily() + " tun " + d.tunnelType() + "/" + d.tunnelPort() + "/" + d.tunnelFlags();
  }

  private List<String> dump() {
    return kernel.destinations(SERVICE).stream().map(FakeIpvsKernelTest::row).toList();
  }

  @Test
  void listsDestinationsInTheOrderAddedAndEditsThemInPlace() {
    kernel.addService(new KernelService(SERVICE, "wrr", 0, 0, 0xffffffffL, null));
    kernel.addDestination(SERVICE, dest("10.0.0.1", 80, KernelDestination.FWD_MASQ, 1, 0, 0));
    kernel.addDestination(SERVICE, dest("10.0.0.2", 80, KernelDestination.FWD_MASQ, 2, 0, 0));
    kernel.addDestination(SERVICE, dest("10.0.0.1", 81, KernelDestination.FWD_MASQ, 3, 0, 0));

    kernel.updateDestination(SERVICE, dest("10.0.0.1", 80, KernelDestination.FWD_DROUTE, 7, 0, 0));

    assertThat(dump()).containsExactly("10.0.0.1:80 fwd 3 w 7 af 2 tun 0/0/0", "10.0.0.2:80 fwd 0 w 2 af 2 tun 0/0/0",
        "10.0.0.1:81 fwd 0 w 3 af 2 tun 0/0/0");
    kernel.deleteDestination(SERVICE, IpAddress.parse("10.0.0.2"), 80);
    kernel.addDestination(SERVICE, dest("10.0.0.2", 80, KernelDestination.FWD_MASQ, 2, 0, 0));
    assertThat(dump()).containsExactly("10.0.0.1:80 fwd 3 w 7 af 2 tun 0/0/0", "10.0.0.1:81 fwd 0 w 3 af 2 tun 0/0/0",
        "10.0.0.2:80 fwd 0 w 2 af 2 tun 0/0/0");
  }

  @Test
  void keepsTheTunnelsFieldsOnlyForATunnel() {
    kernel.addService(new KernelService(SERVICE, "rr", 0, 0, 0xffffffffL, null));
    kernel.addDestination(SERVICE, dest("10.0.0.1", 80, KernelDestination.FWD_TUNNEL, 1, 1, 6080));
    kernel.addDestination(SERVICE, dest("10.0.0.2", 80, KernelDestination.FWD_DROUTE, 1, 1, 6080));
    kernel.updateDestination(SERVICE, dest("10.0.0.1", 80, KernelDestination.FWD_MASQ, 1, 1, 6080));
    kernel.updateDestination(SERVICE, dest("10.0.0.2", 80, KernelDestination.FWD_TUNNEL, 1, 2, 0));

    assertThat(dump()).containsExactly("10.0.0.1:80 fwd 0 w 1 af 2 tun 0/0/0", "10.0.0.2:80 fwd 2 w 1 af 2 tun 2/0/1");
  }

  @Test
  void answersWithTheKernelsErrors() {
    kernel.addService(new KernelService(SERVICE, "rr", 0, 0, 0xffffffffL, null));
    kernel.addDestination(SERVICE, dest("10.0.0.1", 80, KernelDestination.FWD_MASQ, 1, 0, 0));

    assertThatThrownBy(() -> kernel.addDestination(SERVICE, dest("10.0.0.1", 80, KernelDestination.FWD_MASQ, 5, 0, 0)))
        .isInstanceOfSatisfying(IpvsException.class, e -> assertThat(e.errno()).isEqualTo(17));
    assertThatThrownBy(() -> kernel.updateDestination(SERVICE, dest("10.0.0.1", 81, KernelDestination.FWD_MASQ, 5, 0,
        0))).isInstanceOfSatisfying(IpvsException.class, e -> assertThat(e.errno()).isEqualTo(2));
    assertThatThrownBy(() -> kernel.deleteDestination(SERVICE, IpAddress.parse("10.0.0.2"), 80))
        .isInstanceOfSatisfying(IpvsException.class, e -> assertThat(e.errno()).isEqualTo(2));
    assertThat(dump()).containsExactly("10.0.0.1:80 fwd 0 w 1 af 2 tun 0/0/0"); // the refused add changed nothing
  }

  @Test
  void dumpsTheCountersSetForADestination() {
    kernel.addService(new KernelService(SERVICE, "rr", 0, 0, 0xffffffffL, null));
    kernel.addDestination(SERVICE, dest("10.0.0.1", 80, KernelDestination.FWD_MASQ, 1, 0, 0));
    kernel.addDestination(SERVICE, dest("10.0.0.2", 80, KernelDestination.FWD_MASQ, 1, 0, 0));
    IpvsStats stats = new IpvsStats(5, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    kernel.stats(SERVICE, IpAddress.parse("10.0.0.2"), 80, stats, 3, 4);

    List<KernelDestination> dumped = kernel.destinations(SERVICE);
    assertThat(dumped.get(0).activeConnections()).isZero();
    assertThat(dumped.get(1).activeConnections()).isEqualTo(3);
    assertThat(dumped.get(1).inactiveConnections()).isEqualTo(4);
    assertThat(dumped.get(1).stats()).isEqualTo(stats);
  }
}
