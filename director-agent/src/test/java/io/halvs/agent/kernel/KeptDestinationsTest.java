package io.halvs.agent.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.halvs.plan.IpAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KeptDestinationsTest {
  static KernelDestination dest(IpAddress a, int port, int weight) {
    return new KernelDestination(a, port, KernelDestination.FWD_MASQ, weight, 0, 0, a.family(), 0, 0, 0, 0, 0, 0,
        null);
  }

  static IpAddress address(int n) {
    return IpAddress.parse("10." + (n >> 16 & 255) + "." + (n >> 8 & 255) + "." + (n & 255));
  }

  /** Random puts and removes over few addresses and ports (many collisions) agree with a HashMap throughout. */
  @Test
  void agreesWithAMapUnderRandomPutsAndRemoves() {
    Random random = new Random(14);
    KeptDestinations table = new KeptDestinations();
    Map<String, Integer> reference = new HashMap<>();
    for (int step = 0; step < 50_000; step++) {
      IpAddress a = address(random.nextInt(300));
      int port = 80 + random.nextInt(3);
      String id = a.withPort(port);
      if (random.nextInt(3) == 0) {
        assertThat(table.remove(a, port)).as("remove %s", id).isEqualTo(reference.remove(id) != null);
      } else {
        int weight = random.nextInt(100);
        table.put(dest(a, port, weight));
        reference.put(id, weight);
      }
      if (step % 997 == 0) {
        assertSame(table, reference);
      }
    }
    assertSame(table, reference);
  }

  /** Each field kept as narrow as the kernel's attribute: its largest values come back as they went in. */
  @Test
  void theKernelsLargestValuesKeptWhole() {
    IpAddress a = IpAddress.parse("2001:db8::1");
    KernelDestination widest = new KernelDestination(a, 65535, KernelDestination.FWD_TUNNEL, Integer.MAX_VALUE,
        0xffffffffL, 0xfffffffeL, a.family(), 2, 65535, 0xffff, 0, 0, 0, null);
    KeptDestinations table = new KeptDestinations();
    KeptDestinations.Entry e = table.put(widest);
    assertThat(e.toKernel()).isEqualTo(widest);
    assertThat(e.sameConfig(widest)).isTrue();
    // a value a narrow field would wrap to the same bits is still another value
    assertThat(e.sameConfig(KernelDestination.FWD_TUNNEL, Integer.MAX_VALUE, 0x1_ffffffffL, 0xfffffffeL, a.family(),
        2, 65535, 0xffff)).isFalse();
    assertThat(e.sameConfig(KernelDestination.FWD_TUNNEL, Integer.MAX_VALUE, 0xffffffffL, 0xfffffffeL, a.family(),
        2, 65535 + 65536, 0xffff)).isFalse();
  }

  private static void assertSame(KeptDestinations table, Map<String, Integer> reference) {
    assertThat(table.size()).isEqualTo(reference.size());
    Map<String, Integer> held = new HashMap<>();
    table.forEach(e -> held.put(e.id(), e.weight()));
    assertThat(held).isEqualTo(reference);
    reference.forEach((id, weight) -> {
      int colon = id.lastIndexOf(':');
      KeptDestinations.Entry e = table.get(IpAddress.parse(id.substring(0, colon)),
          Integer.parseInt(id.substring(colon + 1)));
      assertThat(e).as(id).isNotNull();
      assertThat(e.weight()).isEqualTo(weight);
    });
  }

  @Test
  void aMergeBecomesTheDumpAndKeepsTheEntriesThatStillMatch() {
    List<KernelDestination> first = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      first.add(dest(address(i), 80, 1));
    }
    KeptDestinations table = KeptDestinations.of(first);
    KeptDestinations.Entry unchanged = table.get(address(5), 80);
    IpAddress planned = address(5);
    unchanged.share(planned);
    assertThat(unchanged.address()).isSameAs(planned);

    List<KernelDestination> dump = new ArrayList<>(first.subList(0, 50)); // 50-99 gone
    dump.set(7, dest(address(7), 80, 9)); // edited
    dump.add(dest(address(500), 81, 2)); // new
    table.merge(dump);

    assertThat(table.size()).isEqualTo(51);
    assertThat(table.get(address(5), 80)).as("the same entry, with the plan's address").isSameAs(unchanged);
    assertThat(unchanged.address()).isSameAs(planned);
    assertThat(table.get(address(7), 80).weight()).isEqualTo(9);
    assertThat(table.get(address(500), 81).weight()).isEqualTo(2);
    assertThat(table.get(address(60), 80)).isNull();
    assertThat(table.get(address(7), 81)).as("the port is part of the key").isNull();
  }

  @Test
  void aCopyIsIndependentAndTheConfigurationRoundTrips() {
    KernelDestination tunnel = new KernelDestination(address(1), 443, KernelDestination.FWD_TUNNEL, 3, 10, 5,
        IpAddress.AF_INET, 1, 6080, 2, 0, 0, 0, null);
    KeptDestinations table = new KeptDestinations();
    table.put(tunnel);
    KeptDestinations copy = table.copy();
    table.put(dest(address(1), 443, 0));

    assertThat(copy.get(address(1), 443).toKernel()).isEqualTo(tunnel);
    assertThat(copy.get(address(1), 443).sameConfig(tunnel)).isTrue();
    assertThat(table.get(address(1), 443).sameConfig(tunnel)).isFalse();
    assertThat(table.get(address(1), 443).weight()).isZero();
  }
}
