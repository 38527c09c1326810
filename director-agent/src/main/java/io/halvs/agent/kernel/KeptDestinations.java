package io.halvs.agent.kernel;

import io.halvs.plan.IpAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One service's destinations as the reconciler keeps them between dumps: their configuration only, keyed by
 * address and port as the kernel keys them. At 100,000 destinations a map of {@link KernelDestination} (88 bytes,
 * five counter fields never read here, a key object and a map node each) held about 19 MiB; an entry here is 48
 * bytes in an open-addressed table with no key or node objects, and its address is the plan's own instance once
 * the plan names it (a dump's copy is dropped at the first comparison). A dump of a kept service is merged
 * into the entries it already has, so a resync allocates nothing that outlives it when the kernel still matches.
 * Not thread-safe.
 */
final class KeptDestinations {
  /** A destination's configuration, as {@link KernelDestination#sameConfig} compares it. */
  static final class Entry {
    // 48 bytes: each field as narrow as the kernel's attribute (thresholds u32, tunnel port and flags u16, the
    // forwarding method, family and tunnel type a few values each); as ints and longs an entry was 64
    private IpAddress address;
    private final int port;
    private int weight;
    private int upperThreshold;
    private int lowerThreshold;
    private int stamp; // the last pass or merge that saw it (see KeptDestinations#stamp)
    private char tunnelPort;
    private char tunnelFlags;
    private byte forwardMethod;
    private byte addressFamily;
    private byte tunnelType;

    private Entry(KernelDestination d) {
      this.address = d.address();
      this.port = d.port();
      set(d);
    }

    private void set(KernelDestination d) {
      forwardMethod = (byte) d.forwardMethod();
      weight = d.weight();
      upperThreshold = (int) d.upperThreshold();
      lowerThreshold = (int) d.lowerThreshold();
      addressFamily = (byte) d.addressFamily();
      tunnelType = (byte) d.tunnelType();
      tunnelPort = (char) d.tunnelPort();
      tunnelFlags = (char) d.tunnelFlags();
    }

    IpAddress address() {
      return address;
    }

    int port() {
      return port;
    }

    int weight() {
      return weight;
    }

    /** Same configuration as w (address and port equal by construction: w is looked up by them). */
    boolean sameConfig(KernelDestination w) {
      return address.equals(w.address()) && port == w.port() && sameConfig(w.forwardMethod(), w.weight(),
          w.upperThreshold(), w.lowerThreshold(), w.addressFamily(), w.tunnelType(), w.tunnelPort(), w.tunnelFlags());
    }

    /** The same, field by field: a pass compares every destination and builds a KernelDestination only to change one. */
    boolean sameConfig(int forwardMethod, int weight, long upperThreshold, long lowerThreshold, int addressFamily,
        int tunnelType, int tunnelPort, int tunnelFlags) {
      // widened before comparing: a value the narrow field could not hold is never taken for equal
      return (this.forwardMethod & 0xff) == forwardMethod && this.weight == weight
          && Integer.toUnsignedLong(this.upperThreshold) == upperThreshold
          && Integer.toUnsignedLong(this.lowerThreshold) == lowerThreshold
          && (this.addressFamily & 0xff) == addressFamily && (this.tunnelType & 0xff) == tunnelType
          && this.tunnelPort == tunnelPort && this.tunnelFlags == tunnelFlags;
    }

    /** Keeps the plan's instance of an equal address instead of the dump's copy. */
    void share(IpAddress planned) {
      if (address != planned && address.equals(planned)) {
        address = planned;
      }
    }

    KernelDestination toKernel() {
      return new KernelDestination(address, port, forwardMethod & 0xff, weight, Integer.toUnsignedLong(upperThreshold),
          Integer.toUnsignedLong(lowerThreshold), addressFamily & 0xff, tunnelType & 0xff, tunnelPort, tunnelFlags, 0, 0,
          0, null);
    }

    /** address:port, as the reconciler's messages name a destination. */
    String id() {
      return address.withPort(port);
    }

    private Entry copy() {
      Entry e = new Entry(toKernel());
      e.stamp = stamp;
      return e;
    }
  }

  private Entry[] slots;
  private int size;
  private int stamps;
  /** Counts the changes of this table's content (an entry added, set or removed). */
  private long version;

  KeptDestinations() {
    this(4);
  }

  private KeptDestinations(int expected) {
    int capacity = 8;
    while (capacity * 3 < expected * 4) { // load at most 3/4
      capacity <<= 1;
    }
    slots = new Entry[capacity];
  }

  /** A table of these destinations (a dump). */
  static KeptDestinations of(List<KernelDestination> dumped) {
    KeptDestinations t = new KeptDestinations(dumped.size());
    dumped.forEach(t::put);
    return t;
  }

  int size() {
    return size;
  }

  /** Changes with every entry added, set or removed: equal versions, the same content. */
  long version() {
    return version;
  }

  Entry get(IpAddress address, int port) {
    Entry[] s = slots;
    for (int i = index(address, port, s.length); ; i = (i + 1) & (s.length - 1)) {
      Entry e = s[i];
      if (e == null || e.port == port && e.address.equals(address)) {
        return e;
      }
    }
  }

  /** Adds d, or sets the entry of its address and port to d's configuration (keeping the entry's address). */
  Entry put(KernelDestination d) {
    version++;
    Entry[] s = slots;
    int i = index(d.address(), d.port(), s.length);
    for (; s[i] != null; i = (i + 1) & (s.length - 1)) {
      Entry e = s[i];
      if (e.port == d.port() && e.address.equals(d.address())) {
        e.set(d);
        return e;
      }
    }
    Entry e = new Entry(d);
    s[i] = e;
    if (++size * 4 > s.length * 3) {
      grow();
    }
    return e;
  }

  boolean remove(IpAddress address, int port) {
    Entry[] s = slots;
    int mask = s.length - 1;
    int i = index(address, port, s.length);
    for (; ; i = (i + 1) & mask) {
      Entry e = s[i];
      if (e == null) {
        return false;
      }
      if (e.port == port && e.address.equals(address)) {
        break;
      }
    }
    version++;
    // Backward-shift deletion: an entry after the hole moves into it unless its home slot lies cyclically
    // after the hole (then it is still found from its home), so lookups never stop at a false empty slot.
    int hole = i;
    for (int j = (hole + 1) & mask; s[j] != null; j = (j + 1) & mask) {
      int home = index(s[j].address, s[j].port, s.length);
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        s[hole] = s[j];
        hole = j;
      }
    }
    s[hole] = null;
    size--;
    return true;
  }

  void forEach(Consumer<Entry> action) {
    for (Entry e : slots) {
      if (e != null) {
        action.accept(e);
      }
    }
  }

  /** A new stamp: entries marked with it afterwards are told apart from all the others. */
  int stamp() {
    return ++stamps;
  }

  static void mark(Entry e, int stamp) {
    e.stamp = stamp;
  }

  /** The entries not marked with this stamp. */
  List<Entry> unmarked(int stamp) {
    List<Entry> out = new ArrayList<>(0);
    forEach(e -> {
      if (e.stamp != stamp) {
        out.add(e);
      }
    });
    return out;
  }

  /**
   * Makes this table what a dump found: its entries updated in place, the missing added, the absent removed.
   * Equal entries stay the objects they were (long-lived, with the plan's addresses).
   */
  void merge(List<KernelDestination> dumped) {
    int stamp = stamp();
    for (KernelDestination d : dumped) {
      Entry e = get(d.address(), d.port());
      if (e == null) {
        e = put(d);
      } else if (!e.sameConfig(d)) {
        e.set(d);
        version++;
      }
      e.stamp = stamp;
    }
    for (Entry e : unmarked(stamp)) {
      remove(e.address, e.port);
    }
  }

  KeptDestinations copy() {
    KeptDestinations t = new KeptDestinations(size);
    forEach(e -> t.insert(e.copy()));
    return t;
  }

  private void insert(Entry e) {
    Entry[] s = slots;
    int i = index(e.address, e.port, s.length);
    while (s[i] != null) {
      i = (i + 1) & (s.length - 1);
    }
    s[i] = e;
    size++;
  }

  private void grow() {
    Entry[] old = slots;
    slots = new Entry[old.length << 1];
    size = 0;
    for (Entry e : old) {
      if (e != null) {
        insert(e);
      }
    }
  }

  private static int index(IpAddress address, int port, int length) {
    int h = address.hashCode() * 31 + port;
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    return h & (length - 1);
  }
}
