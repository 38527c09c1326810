package io.halvs.agent.vip;

import static org.assertj.core.api.Assertions.assertThat;

import io.halvs.agent.netlink.AddressTable;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The election reasserts the VIPs every second on its tick: holding what is already held is one listing of the
 * interface, not a request per VIP (1,000 at full size); what someone removed is put back.
 */
class VipManagerTest {
  static DirectorPlan plan(int vips) {
    List<IpAddress> addresses = new ArrayList<>();
    for (int i = 0; i < vips; i++) {
      addresses.add(IpAddress.parse("10." + (100 + i / 250) + "." + (i % 250) + ".1"));
    }
    return new DirectorPlan("edge", List.of("lvs-01", "lvs-02"), "eth0", addresses, null, new TreeMap<>(), null,
        null, List.of());
  }

  @Test
  void reassertingHeldVipsIsOneListing() {
    AddressTable table = AddressTable.inMemory();
    VipManager vips = new VipManager(table);
    DirectorPlan plan = plan(1000);
    assertThat(vips.hold(plan)).hasSize(1000);
    assertThat(vips.tableCalls()).isEqualTo(1 + 1000);

    assertThat(vips.hold(plan)).isEmpty();
    assertThat(vips.tableCalls()).as("one listing, no add").isEqualTo(1 + 1000 + 1);

    IpAddress gone = plan.vips().get(17);
    table.remove("eth0", gone, 32);
    assertThat(vips.hold(plan)).containsExactly("added vip " + gone + "/32 on eth0");
    assertThat(vips.tableCalls()).isEqualTo(1 + 1000 + 1 + 2);
    assertThat(table.list("eth0")).hasSize(1000);
  }
}
