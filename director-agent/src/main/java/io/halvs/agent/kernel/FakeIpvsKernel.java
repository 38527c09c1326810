package io.halvs.agent.kernel;

import io.halvs.plan.IpAddress;
import io.halvs.plan.ServiceKey;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * An in-memory IPVS table with the kernel's error behaviour (EEXIST on duplicates, ESRCH for a missing
 * service, ENOENT for a missing destination or an unknown scheduler, EINVAL for bad values), counting every
 * operation, and able to fail chosen operations on purpose. Reconciler tests run against it; the netlink
 * implementation is proven against the real kernel in the VM tier.
 */
public final class FakeIpvsKernel implements IpvsKernel {
  public static final Set<String> KERNEL_SCHEDULERS =
      Set.of("rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "twos");

  /** Operations, as counted. */
  public enum Op { ADD_SERVICE, EDIT_SERVICE, DELETE_SERVICE, ADD_DEST, EDIT_DEST, DELETE_DEST, START_DAEMON,
    STOP_DAEMON, FLUSH, SET_TIMEOUTS }

  private final Map<ServiceKey, KernelService> services = new TreeMap<>();
  /**
   * Each service's destinations in the order added (as the kernel lists them). A destination is one {@link Held}
   * object, key and value at once: the benchmarks run agents on this table at 100,000 destinations, where a
   * {@link KernelDestination} under a string key held 184 bytes a destination in the agent's heap that the real
   * kernel holds outside it; this holds 104 (HeldSizes, with the maps' tables: 21.2 -> 15.3 MiB in all).
   */
  private final Map<ServiceKey, Map<Held, Held>> destinations = new HashMap<>();
  private final Map<Integer, SyncDaemon> daemons = new TreeMap<>();
  private final Map<Op, Integer> counts = new EnumMap<>(Op.class);
  private final Map<String, Integer> failures = new LinkedHashMap<>();
  private Set<String> schedulers = KERNEL_SCHEDULERS;
  private static final IpvsStats ZERO = new IpvsStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  /** Counters tests set, by service and by service + destination id; zeros when unset, as after an add. */
  private final Map<ServiceKey, IpvsStats> serviceStats = new HashMap<>();
  /** By service, then by the destination's address and port, as {@link #destinations} keys it. */
  private final Map<ServiceKey, Map<Held, KernelDestination>> destinationCounters = new HashMap<>();
  private IpvsTimeouts timeouts = new IpvsTimeouts(900, 120, 300);

  /** Simulates missing scheduler modules. */
  public void availableSchedulers(Set<String> available) {
    schedulers = Set.copyOf(available);
  }

  /** The next n operations whose object text contains {@code object} fail with errno. */
  public void failNext(String object, int n, int errno) {
    failures.put(object + "\u0000" + errno, n);
  }

  /** The counters the kernel would report for a service (what IPVS_SVC_ATTR_STATS64 carries). */
  public synchronized void stats(ServiceKey service, IpvsStats stats) {
    serviceStats.put(service, stats);
  }

  /** The counters and connection counts the kernel would report for a destination. */
  public synchronized void stats(ServiceKey service, IpAddress address, int port, IpvsStats stats, long active,
      long inactive) {
    destinationCounters.computeIfAbsent(service, k -> new HashMap<>()).put(new Held(address, port),
        new KernelDestination(address, port, 0, 0, 0, 0, 0, 0, 0, 0, active, inactive, 0, stats));
  }

  public int count(Op op) {
    return counts.getOrDefault(op, 0);
  }

  public int totalOperations() {
    return counts.values().stream().mapToInt(Integer::intValue).sum();
  }

  public void resetCounts() {
    counts.clear();
  }

  private void op(Op op, String operation, String object) {
    for (Map.Entry<String, Integer> f : failures.entrySet()) {
      String[] k = f.getKey().split("\u0000");
      if (object.contains(k[0]) && f.getValue() > 0) {
        f.setValue(f.getValue() - 1);
        throw error(operation, object, Integer.parseInt(k[1]));
      }
    }
    counts.merge(op, 1, Integer::sum);
  }

  private static IpvsException error(String operation, String object, int errno) {
    String text = switch (errno) {
      case 2 -> "ENOENT: no such entry";
      case 3 -> "ESRCH: no such service";
      case 17 -> "EEXIST: already exists";
      case 22 -> "EINVAL: invalid argument";
      case 34 -> "ERANGE: result out of range";
      default -> "errno " + errno;
    };
    return new IpvsException(operation, object, errno, text);
  }

  private static String id(IpAddress a, int port) {
    return a.withPort(port);
  }

  private void check(KernelService s, String operation) {
    if (!schedulers.contains(s.scheduler())) {
      throw new IpvsException(operation, s.key().toString(), 2, "scheduler '" + s.scheduler()
          + "' not available (ip_vs_" + s.scheduler() + " module missing?)");
    }
    if (s.key().family() == IpAddress.AF_INET6 && (s.netmask() < 1 || s.netmask() > 128)) {
      throw error(operation, s.key().toString(), 22);
    }
    if (s.persistenceEngine() != null && !s.persistenceEngine().equals("sip")) {
      throw new IpvsException(operation, s.key().toString(), 2, "persistence engine '" + s.persistenceEngine()
          + "' not available (ip_vs_pe_" + s.persistenceEngine() + " module missing?)");
    }
  }

  private static void check(KernelDestination d, String operation, String object) {
    if (d.weight() < 0 || d.weight() > 65535 || d.forwardMethod() < 0 || d.forwardMethod() > 4) {
      throw error(operation, object, 22);
    }
    if (d.lowerThreshold() > d.upperThreshold()) {
      throw error(operation, object, 34); // as ip_vs_add_dest/edit_dest: also when the upper one is 0
    }
  }

  @Override
  public IpvsInfo info() {
    return new IpvsInfo(0x010201, 4096);
  }

  @Override
  public synchronized List<KernelService> services() {
    List<KernelService> out = new ArrayList<>(services.size());
    for (KernelService s : services.values()) {
      out.add(new KernelService(s.key(), s.scheduler(), s.flags(), s.timeoutSeconds(), s.netmask(),
          serviceStats.getOrDefault(s.key(), ZERO), s.persistenceEngine()));
    }
    return out;
  }

  @Override
  public synchronized List<KernelDestination> destinations(ServiceKey service) {
    if (!services.containsKey(service)) {
      throw error("list destinations", service.toString(), 3);
    }
    Map<Held, Held> ds = destinations.get(service);
    Map<Held, KernelDestination> counters = destinationCounters.getOrDefault(service, Map.of());
    List<KernelDestination> out = new ArrayList<>(ds.size());
    for (Held d : ds.values()) {
      KernelDestination c = counters.get(d);
      out.add(new KernelDestination(d.address, d.port, d.forwardMethod, d.weight, d.upperThreshold,
          d.lowerThreshold, d.addressFamily, d.tunnelType, d.tunnelPort, d.tunnelFlags,
          c == null ? 0 : c.activeConnections(), c == null ? 0 : c.inactiveConnections(), 0,
          c == null ? ZERO : c.stats()));
    }
    return out;
  }

  @Override
  public synchronized void addService(KernelService s) {
    op(Op.ADD_SERVICE, "add service", s.key().toString());
    check(s, "add service");
    if (services.containsKey(s.key())) {
      throw error("add service", s.key().toString(), 17);
    }
    services.put(s.key(), s.withoutStats());
    destinations.put(s.key(), new LinkedHashMap<>());
  }

  @Override
  public synchronized void updateService(KernelService s) {
    op(Op.EDIT_SERVICE, "edit service", s.key().toString());
    check(s, "edit service");
    if (!services.containsKey(s.key())) {
      throw error("edit service", s.key().toString(), 3);
    }
    services.put(s.key(), s.withoutStats());
  }

  @Override
  public synchronized void deleteService(ServiceKey key) {
    op(Op.DELETE_SERVICE, "delete service", key.toString());
    if (services.remove(key) == null) {
      throw error("delete service", key.toString(), 3);
    }
    destinations.remove(key);
  }

  @Override
  public synchronized void addDestination(ServiceKey service, KernelDestination d) {
    String object = id(d.address(), d.port()) + " of " + service;
    op(Op.ADD_DEST, "add destination", object);
    if (!services.containsKey(service)) {
      throw error("add destination", object, 3);
    }
    check(d, "add destination", object);
    Map<Held, Held> ds = destinations.get(service);
    Held held = new Held(d.address(), d.port());
    if (ds.containsKey(held)) {
      throw error("add destination", object, 17);
    }
    held.set(d);
    ds.put(held, held);
  }

  @Override
  public synchronized void updateDestination(ServiceKey service, KernelDestination d) {
    String object = id(d.address(), d.port()) + " of " + service;
    op(Op.EDIT_DEST, "edit destination", object);
    if (!services.containsKey(service)) {
      throw error("edit destination", object, 3);
    }
    check(d, "edit destination", object);
    Held held = destinations.get(service).get(new Held(d.address(), d.port()));
    if (held == null) {
      throw error("edit destination", object, 2);
    }
    held.set(d); // in place: an edit keeps the destination's place in the list, as the kernel's does
  }

  @Override
  public synchronized void deleteDestination(ServiceKey service, IpAddress address, int port) {
    String object = id(address, port) + " of " + service;
    op(Op.DELETE_DEST, "delete destination", object);
    if (!services.containsKey(service)) {
      throw error("delete destination", object, 3);
    }
    if (destinations.get(service).remove(new Held(address, port)) == null) {
      throw error("delete destination", object, 2);
    }
  }

  /**
   * A destination as this table holds it: what the kernel keeps of a written one (the family filled in, the
   * tunnel's fields only for a tunnel, no counters). Equal by address and port, the kernel's key, so one object is
   * a map's key and value.
   */
  private static final class Held {
    final IpAddress address;
    final int port;
    int forwardMethod;
    int weight;
    long upperThreshold;
    long lowerThreshold;
    int addressFamily;
    int tunnelType;
    int tunnelPort;
    int tunnelFlags;

    Held(IpAddress address, int port) {
      this.address = address;
      this.port = port;
    }

    void set(KernelDestination d) {
      boolean tunnel = d.forwardMethod() == KernelDestination.FWD_TUNNEL;
      forwardMethod = d.forwardMethod();
      weight = d.weight();
      upperThreshold = d.upperThreshold();
      lowerThreshold = d.lowerThreshold();
      addressFamily = d.addressFamily() == 0 ? address.family() : d.addressFamily();
      tunnelType = tunnel ? d.tunnelType() : 0;
      tunnelPort = tunnel ? d.tunnelPort() : 0;
      tunnelFlags = tunnel ? d.tunnelFlags() : 0;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Held h && port == h.port && address.equals(h.address);
    }

    @Override
    public int hashCode() {
      return address.hashCode() * 31 + port;
    }
  }

  @Override
  public synchronized List<SyncDaemon> daemons() {
    return new ArrayList<>(daemons.values());
  }

  @Override
  public synchronized void startDaemon(SyncDaemon daemon) {
    op(Op.START_DAEMON, "start sync daemon", String.valueOf(daemon.state()));
    if (daemons.containsKey(daemon.state())) {
      throw error("start sync daemon", String.valueOf(daemon.state()), 17);
    }
    daemons.put(daemon.state(), daemon);
  }

  @Override
  public synchronized void stopDaemon(int state) {
    op(Op.STOP_DAEMON, "stop sync daemon", String.valueOf(state));
    if (daemons.remove(state) == null) {
      throw error("stop sync daemon", String.valueOf(state), 3);
    }
  }

  @Override
  public synchronized IpvsTimeouts timeouts() {
    return timeouts;
  }

  @Override
  public synchronized void setTimeouts(IpvsTimeouts t) {
    op(Op.SET_TIMEOUTS, "set timeouts", t.toString());
    // As the kernel: more than INT_MAX / HZ seconds (HZ 1000 here) is EINVAL; 0 leaves a value unchanged.
    for (int v : new int[] {t.tcp(), t.tcpFin(), t.udp()}) {
      if (v < 0 || v > Integer.MAX_VALUE / 1000) {
        throw error("set timeouts", t.toString(), 22);
      }
    }
    timeouts = new IpvsTimeouts(t.tcp() == 0 ? timeouts.tcp() : t.tcp(),
        t.tcpFin() == 0 ? timeouts.tcpFin() : t.tcpFin(), t.udp() == 0 ? timeouts.udp() : t.udp());
  }

  @Override
  public synchronized void flush() {
    op(Op.FLUSH, "flush", "all");
    services.clear();
    destinations.clear();
  }

  @Override
  public void zero(ServiceKey service) {}

  @Override
  public void close() {}
}
