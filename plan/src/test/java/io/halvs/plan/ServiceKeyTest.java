package io.halvs.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.halvs.api.v1alpha1.Protocol;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ServiceKeyTest {
  /** The order as it was declared before compareTo was written out: the reference the written one must keep. */
  private static final Comparator<ServiceKey> DECLARED = Comparator.comparingInt(ServiceKey::family)
      .thenComparingLong(ServiceKey::firewallMark)
      .thenComparing(ServiceKey::address, Comparator.nullsFirst(Comparator.naturalOrder()))
      .thenComparing(ServiceKey::protocol, Comparator.nullsFirst(Comparator.naturalOrder()))
      .thenComparingInt(ServiceKey::port);

  /**
   * Few distinct values per field, so that every field decides some comparisons and equal keys made apart (equal
   * addresses parsed twice) meet.
   */
  private static List<ServiceKey> keys(Random random, int n) {
    String[] addresses = {"10.0.0.1", "10.0.0.2", "192.0.2.1", "2001:db8::1", "2001:db8::2", "::1"};
    List<ServiceKey> keys = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int kind = random.nextInt(10);
      if (kind == 0) {
        // not a key the plan makes, but one a damaged plan's JSON could hold: ordered, not thrown on
        keys.add(new ServiceKey(IpAddress.AF_INET, random.nextBoolean() ? null : Protocol.TCP,
            random.nextBoolean() ? null : IpAddress.parse("10.0.0.1"), 80, 0));
      } else if (kind < 3) {
        keys.add(ServiceKey.ofFirewallMark(random.nextBoolean() ? IpAddress.AF_INET : IpAddress.AF_INET6,
            1 + random.nextInt(3)));
      } else {
        keys.add(ServiceKey.of(Protocol.values()[random.nextInt(Protocol.values().length)],
            IpAddress.parse(addresses[random.nextInt(addresses.length)]), 80 + random.nextInt(3)));
      }
    }
    return keys;
  }

  @Test
  void compareToEqualsAndHashCodeAgreeWithTheDeclaredOrderAndTheFields() {
    Random random = new Random(7);
    List<ServiceKey> keys = keys(random, 300);
    int equalPairs = 0;
    for (ServiceKey a : keys) {
      for (ServiceKey b : keys) {
        int declared = DECLARED.compare(a, b);
        assertThat(Integer.signum(a.compareTo(b))).as("%s vs %s", a, b).isEqualTo(Integer.signum(declared));
        boolean same = a.family() == b.family() && a.protocol() == b.protocol() && a.port() == b.port()
            && a.firewallMark() == b.firewallMark() && java.util.Objects.equals(a.address(), b.address());
        assertThat(a.equals(b)).as("%s equals %s", a, b).isEqualTo(same).isEqualTo(declared == 0);
        if (same) {
          assertThat(a.hashCode()).isEqualTo(b.hashCode());
          equalPairs += a == b ? 0 : 1;
        }
      }
    }
    assertThat(equalPairs).as("equal keys that are different objects were compared").isPositive();
    assertThat(keys.get(0).equals(null)).isFalse();
    assertThat(keys.get(0).equals("TCP 10.0.0.1 80")).isFalse();
  }

  @Test
  void aSortedListIsTheDeclaredOrder() {
    List<ServiceKey> keys = keys(new Random(11), 500);
    List<ServiceKey> written = new ArrayList<>(keys);
    written.sort(null);
    List<ServiceKey> declared = new ArrayList<>(keys);
    declared.sort(DECLARED);
    assertThat(written).isEqualTo(declared);
  }
}
