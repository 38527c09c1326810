package io.halvs.agent.metrics;

import io.halvs.agent.kernel.IpvsException;
import io.halvs.agent.kernel.IpvsKernel;
import io.halvs.agent.kernel.IpvsStats;
import io.halvs.agent.kernel.KernelDestination;
import io.halvs.agent.kernel.KernelService;
import io.halvs.plan.Destination;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpAddress;
import io.halvs.plan.IpvsService;
import io.halvs.plan.ServiceKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One read of the kernel's IPVS counters for a scrape: one service dump and one destination dump per service,
 * kept as columns of longs (8 per destination, 5 per service) rather than objects, because the exposition must
 * write each family in one group and so goes over the destinations eight times. At 100,000 destinations that is
 * 6.4 MB of longs for the scrape's duration and no object per destination beyond what a dump makes in passing.
 *
 * <p>The object labels come from the plan: a kernel service is matched to the plan's by its key, a destination
 * to the plan's destination (or sorry server) of that service by address and port. Services not in the plan are
 * not halvs' (kube-proxy's, someone's by hand, another pair's): they are left out, except that their connection
 * entries count in the table's total. A destination in a planned service that the plan does not name (added by
 * hand) is kept, with realserver="".
 */
final class IpvsSnapshot {
  static final int CONNECTIONS = 0;
  static final int IN_PACKETS = 1;
  static final int OUT_PACKETS = 2;
  static final int IN_BYTES = 3;
  static final int OUT_BYTES = 4;
  static final int ACTIVE = 5;
  static final int INACTIVE = 6;
  static final int WEIGHT = 7;
  static final int DEST_COLUMNS = 8;
  static final int SERVICE_COLUMNS = 5;

  private static final Comparator<KernelDestination> ORDER =
      Comparator.comparing(KernelDestination::address).thenComparingInt(KernelDestination::port);

  /** Planned services found in the kernel, in kernel key order. */
  final List<IpvsService> services = new ArrayList<>();
  long[] serviceValues;
  /** Per destination: index into services. */
  int[] destService;
  /** Per destination: the plan's destination (null: not in the plan). */
  Destination[] destPlanned;
  IpAddress[] destAddress;
  int[] destPort;
  long[] destValues;
  int destinations;
  /** Active + inactive connections over every destination of every service, halvs' or not. */
  long connectionEntries;
  /** The read failed as a whole (e.g. ip_vs unloaded): null when it worked. */
  String error;

  /**
   * Sized for what the plan names (the kernel holds that, give or take a hand-added destination): grown from 256
   * by doubling instead, 100,000 destinations copied the columns 9 times, some 10 MB of garbage per scrape.
   */
  private IpvsSnapshot(int services, int destinations) {
    serviceValues = new long[services * SERVICE_COLUMNS];
    destService = new int[destinations];
    destPlanned = new Destination[destinations];
    destAddress = new IpAddress[destinations];
    destPort = new int[destinations];
    destValues = new long[destinations * DEST_COLUMNS];
  }

  static IpvsSnapshot read(IpvsKernel kernel, DirectorPlan plan) {
    int services = 0;
    int destinations = 0;
    if (plan != null) {
      for (IpvsService p : plan.services()) {
        services++;
        destinations += p.destinations().size() + (p.sorryServer() == null ? 0 : 1);
      }
    }
    IpvsSnapshot s = new IpvsSnapshot(Math.max(services, 4), Math.max(destinations, 16));
    try {
      s.fill(kernel, plan);
    } catch (RuntimeException e) {
      s.error = e.getMessage();
    }
    return s;
  }

  private void fill(IpvsKernel kernel, DirectorPlan plan) {
    Map<ServiceKey, IpvsService> planned = new HashMap<>();
    if (plan != null) {
      plan.services().forEach(p -> planned.put(p.key(), p));
    }
    List<KernelService> dumped = new ArrayList<>(kernel.services());
    dumped.sort(Comparator.comparing(KernelService::key));
    for (KernelService ks : dumped) {
      IpvsService ps = planned.get(ks.key());
      List<KernelDestination> ds;
      try {
        ds = kernel.destinations(ks.key());
      } catch (IpvsException e) {
        continue; // deleted between the two dumps
      }
      for (KernelDestination d : ds) {
        connectionEntries += d.activeConnections() + d.inactiveConnections();
      }
      if (ps == null) {
        continue;
      }
      int si = services.size();
      services.add(ps);
      serviceValues = grow(serviceValues, (si + 1) * SERVICE_COLUMNS);
      stats(ks.stats(), serviceValues, si * SERVICE_COLUMNS);
      ds = new ArrayList<>(ds);
      ds.sort(ORDER);
      // the plan's are sorted by address, then port, as it says; a copy is sorted only should a hand-built plan
      // not be
      List<Destination> pd = ps.destinations();
      if (!sorted(pd)) {
        pd = new ArrayList<>(pd);
        pd.sort(null);
      }
      int j = 0;
      for (KernelDestination d : ds) {
        while (j < pd.size() && compare(pd.get(j), d) < 0) {
          j++;
        }
        Destination match = j < pd.size() && compare(pd.get(j), d) == 0 ? pd.get(j) : null;
        if (match == null && ps.sorryServer() != null && compare(ps.sorryServer(), d) == 0) {
          match = ps.sorryServer();
        }
        add(si, match, d);
      }
    }
  }

  private static boolean sorted(List<Destination> ds) {
    for (int i = 1; i < ds.size(); i++) {
      if (ds.get(i - 1).compareTo(ds.get(i)) > 0) {
        return false;
      }
    }
    return true;
  }

  private static int compare(Destination p, KernelDestination k) {
    int c = p.address().compareTo(k.address());
    return c != 0 ? c : Integer.compare(p.port(), k.port());
  }

  private void add(int service, Destination planned, KernelDestination d) {
    int i = destinations++;
    if (i == destService.length) {
      int size = Math.max(16, i * 2);
      destService = Arrays.copyOf(destService, size);
      destPlanned = Arrays.copyOf(destPlanned, size);
      destAddress = Arrays.copyOf(destAddress, size);
      destPort = Arrays.copyOf(destPort, size);
    }
    destValues = grow(destValues, (i + 1) * DEST_COLUMNS);
    destService[i] = service;
    destPlanned[i] = planned;
    destAddress[i] = planned != null ? planned.address() : d.address(); // the plan's copy lives on anyway
    destPort[i] = d.port();
    int o = i * DEST_COLUMNS;
    stats(d.stats(), destValues, o);
    destValues[o + ACTIVE] = d.activeConnections();
    destValues[o + INACTIVE] = d.inactiveConnections();
    destValues[o + WEIGHT] = d.weight();
  }

  private static void stats(IpvsStats st, long[] into, int o) {
    if (st == null) {
      return; // zeros
    }
    into[o + CONNECTIONS] = st.connections();
    into[o + IN_PACKETS] = st.inPackets();
    into[o + OUT_PACKETS] = st.outPackets();
    into[o + IN_BYTES] = st.inBytes();
    into[o + OUT_BYTES] = st.outBytes();
  }

  private static long[] grow(long[] a, int need) {
    return need <= a.length ? a : Arrays.copyOf(a, Math.max(need, a.length * 2)); // a destination added by hand
  }
}
