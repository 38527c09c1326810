package io.halvs.agent.netlink;

import io.halvs.plan.IpAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * Interface addresses over rtnetlink: the VIPs (/32 or /128) and the NAT gateway address a director holds.
 * IPv4 VIPs carry a label ("eth0:hv") that marks them as halvs'; IPv6 has no labels, so ownership there is the
 * plan's list. IPv6 VIPs are added with IFA_F_NODAD so they serve at once. {@link #inMemory()} keeps them in a
 * map instead, with no interfaces and no root (the demo, with the in-memory IPVS table).
 */
public final class AddressTable implements AutoCloseable {
  static final int RTM_NEWADDR = 20;
  static final int RTM_DELADDR = 21;
  static final int RTM_GETADDR = 22;
  static final int IFA_ADDRESS = 1;
  static final int IFA_LOCAL = 2;
  static final int IFA_LABEL = 3;
  static final int IFA_FLAGS = 8;
  static final int IFA_F_NODAD = 0x02;
  static final int RT_SCOPE_UNIVERSE = 0;
  static final int RT_SCOPE_HOST = 254;

  private final NetlinkSocket socket;
  /** The in-memory addresses per interface name; null: the kernel's, over rtnetlink. */
  private final Map<String, List<Address>> memory;
  /** Interface name to index: the kernel's, or a rehearsal's 1 for any name. */
  private final ToIntFunction<String> indexes;

  public AddressTable() {
    this(false);
  }

  private AddressTable(boolean inMemory) {
    this.memory = inMemory ? new LinkedHashMap<>() : null;
    this.socket = inMemory ? null : new NetlinkSocket(LibC.NETLINK_ROUTE);
    this.indexes = AddressTable::interfaceIndex;
  }

  /** Over a given socket (tests: one on a scripted kernel). */
  AddressTable(NetlinkSocket socket) {
    this(socket, AddressTable::interfaceIndex);
  }

  private AddressTable(NetlinkSocket socket, ToIntFunction<String> indexes) {
    this.memory = null;
    this.socket = socket;
    this.indexes = indexes;
  }

  /**
   * A table whose requests are built, sent and answered as the kernel's are, by an in-process stand-in that
   * acknowledges every change and lists nothing: no interface is looked up and nothing reaches the kernel. The
   * election's warm-up runs a takeover's adds and a release's removals on it, so that a standby's first takeover is
   * not the first run of that code (at full size a cold first hold added about 40 ms to a takeover).
   */
  public static AddressTable rehearsal() {
    return new AddressTable(new NetlinkSocket(new Rehearsal(), LibC.NETLINK_ROUTE), name -> 1);
  }

  /** Addresses that live only in this table: interfaces need not exist, nothing reaches the host. */
  public static AddressTable inMemory() {
    return new AddressTable(true);
  }

  /** True for {@link #inMemory()}: nothing is on a real interface, so there is nothing to announce either. */
  public boolean isInMemory() {
    return memory != null;
  }

  /** One address on one interface. */
  public record Address(String interfaceName, int index, IpAddress address, int prefixLength, String label) {}

  /** An address to add or remove on an interface: its prefix, and its label (IPv4 only; null: none). */
  public record Change(IpAddress address, int prefixLength, String label) {}

  /**
   * What {@link #addAll} or {@link #removeAll} did with one change: done (added, removed), nothing to do (already
   * there, already gone), or refused (failure: the kernel's reason).
   */
  public record Outcome(Change change, boolean done, NetlinkException failure) {}

  /**
   * Changes per datagram in {@link #addAll} and {@link #removeAll}: their answers (about 700 bytes of receive buffer
   * each) fit the default receive buffer (208 KiB) three times over, so none is dropped even where the socket's
   * larger buffer was refused.
   */
  public static final int PER_DATAGRAM = 64;

  public static int interfaceIndex(String name) {
    int index = LibC.api().if_nametoindex(name);
    if (index == 0) {
      throw new NetlinkException("interface " + name, Errno.ENODEV, "no such interface in this network namespace");
    }
    return index;
  }

  private static byte[] ifaddrmsg(IpAddress a, int prefix, int index, int scope) {
    return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).put((byte) (a == null ? 0 : a.family()))
        .put((byte) prefix).put((byte) (a != null && !a.isV4() ? IFA_F_NODAD : 0)).put((byte) scope)
        .putInt(index).array();
  }

  /** Adds; returns false when the address was already there (EEXIST), which callers treat as done. */
  public synchronized boolean add(String ifname, IpAddress a, int prefix, String label) {
    if (memory != null) {
      return addInMemory(ifname, a, prefix, label);
    }
    try {
      socket.execute("add address " + a + "/" + prefix + " on " + ifname,
          newaddr(a, prefix, indexes.applyAsInt(ifname), label));
      return true;
    } catch (NetlinkException e) {
      if (e.errno() == Errno.EEXIST) {
        return false;
      }
      throw e;
    }
  }

  private boolean addInMemory(String ifname, IpAddress a, int prefix, String label) {
    List<Address> on = memory.computeIfAbsent(ifname, k -> new ArrayList<>());
    if (on.stream().anyMatch(x -> x.address().equals(a))) {
      return false;
    }
    return on.add(new Address(ifname, 0, a, prefix, a.isV4() ? label : null));
  }

  private static Message newaddr(IpAddress a, int prefix, int index, String label) {
    Message m = new Message(RTM_NEWADDR, Message.F_REQUEST | Message.F_ACK | Message.F_CREATE | Message.F_EXCL)
        .raw(ifaddrmsg(a, prefix, index, RT_SCOPE_UNIVERSE)).bytes(IFA_LOCAL, a.bytes()).bytes(IFA_ADDRESS, a.bytes());
    if (label != null && a.isV4()) {
      m.string(IFA_LABEL, label);
    }
    if (!a.isV4()) {
      m.u32(IFA_FLAGS, IFA_F_NODAD);
    }
    return m;
  }

  private static Message deladdr(IpAddress a, int prefix, int index) {
    return new Message(RTM_DELADDR, Message.F_REQUEST | Message.F_ACK)
        .raw(ifaddrmsg(a, prefix, index, RT_SCOPE_UNIVERSE)).bytes(IFA_LOCAL, a.bytes()).bytes(IFA_ADDRESS, a.bytes());
  }

  /**
   * Adds each address on one interface, as {@link #add} would one by one (already there: not done, no failure),
   * but {@link #PER_DATAGRAM} to a datagram, answered together: at 1,000 VIPs a takeover's adds are 16 sends
   * instead of 1,000 round trips. One refused address stops none of the others. Outcomes in order.
   */
  public synchronized List<Outcome> addAll(String ifname, List<Change> changes) {
    if (memory != null) {
      return changes.stream().map(c -> new Outcome(c, addInMemory(ifname, c.address(), c.prefixLength(),
          c.label()), null)).toList();
    }
    int index = indexes.applyAsInt(ifname);
    return each("add addresses", " on " + ifname, changes, c -> newaddr(c.address(), c.prefixLength(), index,
        c.label()), Errno.EEXIST);
  }

  /** Removes each address from one interface, as {@link #addAll} adds (already gone: not done, no failure). */
  public synchronized List<Outcome> removeAll(String ifname, List<Change> changes) {
    if (memory != null) {
      return changes.stream().map(c -> new Outcome(c, removeInMemory(ifname, c.address(), c.prefixLength()), null))
          .toList();
    }
    int index = indexes.applyAsInt(ifname);
    return each("remove addresses", " from " + ifname, changes, c -> deladdr(c.address(), c.prefixLength(), index),
        Errno.EADDRNOTAVAIL);
  }

  private List<Outcome> each(String operation, String where, List<Change> changes,
      Function<Change, Message> request, int nothingToDo) {
    List<Outcome> out = new ArrayList<>(changes.size());
    for (int from = 0; from < changes.size(); from += PER_DATAGRAM) {
      List<Change> part = changes.subList(from, Math.min(changes.size(), from + PER_DATAGRAM));
      NetlinkException[] refused = socket.executeEach(operation + where,
          part.stream().map(request).toList(), i -> part.get(i).address() + "/" + part.get(i).prefixLength());
      for (int i = 0; i < part.size(); i++) {
        NetlinkException e = refused[i];
        boolean unchanged = e != null && e.errno() == nothingToDo;
        out.add(new Outcome(part.get(i), e == null, unchanged ? null : e));
      }
    }
    return out;
  }

  /** Removes; returns false when the address was not there (EADDRNOTAVAIL). */
  public synchronized boolean remove(String ifname, IpAddress a, int prefix) {
    if (memory != null) {
      return removeInMemory(ifname, a, prefix);
    }
    try {
      socket.execute("remove address " + a + "/" + prefix + " from " + ifname, deladdr(a, prefix,
          indexes.applyAsInt(ifname)));
      return true;
    } catch (NetlinkException e) {
      if (e.errno() == Errno.EADDRNOTAVAIL) {
        return false;
      }
      throw e;
    }
  }

  private boolean removeInMemory(String ifname, IpAddress a, int prefix) {
    List<Address> on = memory.get(ifname);
    return on != null && on.removeIf(x -> x.address().equals(a) && x.prefixLength() == prefix);
  }

  /** Every address of an interface (null: all interfaces). */
  public synchronized List<Address> list(String ifname) {
    if (memory != null) {
      return ifname != null ? List.copyOf(memory.getOrDefault(ifname, List.of()))
          : memory.values().stream().flatMap(List::stream).toList();
    }
    int only = ifname == null ? 0 : indexes.applyAsInt(ifname);
    Message m = new Message(RTM_GETADDR, Message.F_REQUEST | Message.F_DUMP).raw(ifaddrmsg(null, 0, 0, 0));
    return socket.query("list addresses", m, r -> {
      r.require(8, "struct ifaddrmsg");
      ByteBuffer b = r.buffer();
      int p = r.payloadStart();
      int family = b.get(p) & 0xff;
      int prefix = b.get(p + 1) & 0xff;
      int index = b.getInt(p + 4);
      if (only != 0 && index != only) {
        return null;
      }
      Attributes a = new Attributes(b, p + 8, r.end());
      byte[] raw = a.has(IFA_LOCAL) ? a.bytes(IFA_LOCAL) : a.bytes(IFA_ADDRESS);
      if (raw == null || (family != LibC.AF_INET && family != LibC.AF_INET6)) {
        return null;
      }
      if (raw.length != (family == LibC.AF_INET ? 4 : 16)) {
        throw new NetlinkException("parse reply", Errno.EINVAL, "address of " + raw.length + " bytes in family "
            + family);
      }
      return new Address(ifname, index, IpAddress.ofBytes(raw), prefix, a.string(IFA_LABEL));
    });
  }

  @Override
  public void close() {
    if (socket != null) {
      socket.close();
    }
  }
}
