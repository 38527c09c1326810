package io.halvs.agent.realserver;

import io.halvs.agent.netlink.AddressTable;
import io.halvs.agent.netlink.FouPorts;
import io.halvs.agent.netlink.LinkTable;
import io.halvs.agent.sysctl.Sysctls;
import io.halvs.plan.IpAddress;
import io.halvs.plan.RealServerNodePlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Keeps one node configured as the DR/TUN real server its {@link RealServerNodePlan} describes, level-triggered:
 * each pass compares the node with the plan and the {@link RealServerJournal}, adds what is missing and undoes
 * what halvs added that the plan no longer wants. An empty plan undoes everything halvs did. Never removes an
 * address, downs a device or changes a sysctl it did not set itself; a sysctl goes back to its value from before.
 *
 * <p>Order matters for ARP: arp_ignore/arp_announce are set before a VIP goes on loopback and restored only after
 * the last one is gone, so the node never answers ARP for a VIP, not even for a moment.
 */
public final class RealServerHost {
  private final AddressTable addresses;
  private final LinkTable links;
  private final Sysctls sysctls;
  private final RealServerJournal journal;

  public RealServerHost(AddressTable addresses, LinkTable links, Sysctls sysctls, RealServerJournal journal) {
    this.addresses = addresses;
    this.links = links;
    this.sysctls = sysctls;
    this.journal = journal;
  }

  /** One pass: what changed, what failed (each problem a sentence), and what the node holds for the plan. */
  public record Pass(List<String> changes, List<String> problems, List<String> configured) {
    public boolean ok() {
      return problems.isEmpty();
    }
  }


  public Pass reconcile(RealServerNodePlan plan) {
    List<String> changes = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    List<String> configured = new ArrayList<>();
    Set<IpAddress> wantVips = new TreeSet<>(plan == null ? List.of() : plan.vips());
    Set<String> wantLinks = plan == null ? Set.of() : plan.tunnelDevices();
    Set<Integer> wantFou = plan == null ? Set.of() : plan.guePorts();
    SortedMap<String, String> wantSysctls = plan == null ? new TreeMap<>() : plan.sysctls();

    // 1. VIPs halvs added that the plan no longer wants leave loopback first (before the ARP sysctls go back).
    List<AddressTable.Address> onLo = step(problems, "list addresses on lo",
        () -> addresses.list(RealServerNodePlan.LOOPBACK));
    if (onLo != null) {
      for (AddressTable.Address a : onLo) {
        String cidr = a.address() + "/" + a.prefixLength();
        boolean ours = journal.owns(RealServerJournal.address(RealServerNodePlan.LOOPBACK, cidr))
            || (a.address().isV4() && RealServerNodePlan.LOOPBACK_LABEL.equals(a.label()));
        if (ours && !wantVips.contains(a.address())) {
          if (step(problems, "remove " + cidr + " from lo",
              () -> addresses.remove(RealServerNodePlan.LOOPBACK, a.address(), a.prefixLength())) != null) {
            journal.remove(RealServerJournal.address(RealServerNodePlan.LOOPBACK, cidr));
            changes.add("removed vip " + cidr + " from lo");
          }
        }
      }
      // Journal lines for addresses someone else already removed.
      for (String cidr : journal.owned("addr lo")) {
        IpAddress a = IpAddress.tryParse(cidr.substring(0, cidr.indexOf('/'))).orElse(null);
        if (a != null && !wantVips.contains(a) && onLo.stream().noneMatch(x -> x.address().equals(a))) {
          journal.remove(RealServerJournal.address(RealServerNodePlan.LOOPBACK, cidr));
        }
      }
    }

    // 2. Tunnel devices up, so the sysctls below find them.
    for (String dev : wantLinks) {
      var link = step(problems, "look up " + dev, () -> links.find(dev));
      if (link == null) {
        continue;
      }
      if (link.isEmpty()) {
        String module = RealServerNodePlan.module(dev);
        problems.add(dev + " does not exist: the " + module + " kernel module is not loaded on this node (modprobe "
            + module + ")");
      } else if (!link.get().up()) {
        journal.add(RealServerJournal.link(dev));
        if (step(problems, "set " + dev + " up", () -> {
          links.setUp(dev, true);
          return true;
        }) != null) {
          changes.add("set " + dev + " up");
          configured.add(dev + " up");
        }
      } else {
        configured.add(dev + " up");
      }
    }

    // 3. GUE receive ports.
    Set<Integer> ownedFou = new TreeSet<>(journal.owned("fou").stream().map(Integer::valueOf).toList());
    if (!wantFou.isEmpty() || !ownedFou.isEmpty()) {
      try (FouPorts fou = new FouPorts()) {
        for (int port : wantFou) {
          boolean mine = ownedFou.contains(port);
          journal.add(RealServerJournal.fou(port));
          Boolean added = step(problems, "add gue port " + port, () -> fou.addGue(port));
          if (added == null || (!added && !mine)) {
            journal.remove(RealServerJournal.fou(port)); // failed, or someone else's port: not ours to remove
          }
          if (added != null) {
            configured.add("gue port " + port);
            if (added) {
              changes.add("added gue receive port " + port);
            }
          }
        }
        for (int port : ownedFou) {
          if (!wantFou.contains(port) && step(problems, "remove gue port " + port, () -> fou.remove(port)) != null) {
            journal.remove(RealServerJournal.fou(port));
            changes.add("removed gue receive port " + port);
          }
        }
      } catch (RuntimeException e) {
        problems.add("gue: " + e.getMessage());
      }
    }

    // 4. Sysctls: set what the plan wants (remembering the value from before), restore what it no longer wants.
    for (Map.Entry<String, String> e : wantSysctls.entrySet()) {
      String key = e.getKey();
      String value = e.getValue();
      try {
        String now = sysctls.read(key);
        if (!journal.sysctlsBefore().containsKey(key)) {
          journal.sysctlBefore(key, now);
        }
        if (!now.equals(value)) {
          Files.writeString(sysctls.path(key), value);
          changes.add("sysctl " + key + " " + now + " -> " + value);
        }
        configured.add("sysctl " + key + "=" + value);
      } catch (NoSuchFileException x) {
        problems.add("no such sysctl " + key + (key.contains(".conf.") ? " (does the interface exist?)" : ""));
      } catch (IOException | SecurityException x) {
        problems.add("cannot set " + key + ": " + x.getMessage());
      }
    }

    // 5. VIPs on loopback: the node accepts packets for them, and with arp_ignore=1 answers no ARP for them.
    if (onLo != null) {
      for (IpAddress vip : wantVips) {
        String cidr = vip + "/" + vip.maxPrefixLength();
        String item = RealServerJournal.address(RealServerNodePlan.LOOPBACK, cidr);
        boolean present = onLo.stream().anyMatch(a -> a.address().equals(vip));
        if (present) {
          configured.add("vip " + cidr + " on lo");
          continue;
        }
        journal.add(item);
        Boolean added = step(problems, "add " + cidr + " on lo", () -> addresses.add(RealServerNodePlan.LOOPBACK,
            vip, vip.maxPrefixLength(), RealServerNodePlan.LOOPBACK_LABEL));
        if (added == null || !added) {
          journal.remove(item);
        }
        if (added != null) {
          configured.add("vip " + cidr + " on lo");
          if (added) {
            changes.add("added vip " + cidr + " on lo label " + RealServerNodePlan.LOOPBACK_LABEL);
          }
        }
      }
    }

    // 6. Sysctls no longer wanted go back to their values from before, once no VIP needs them.
    for (Map.Entry<String, String> e : journal.sysctlsBefore().entrySet()) {
      if (wantSysctls.containsKey(e.getKey())) {
        continue;
      }
      try {
        String now = sysctls.read(e.getKey());
        if (!now.equals(e.getValue())) {
          Files.writeString(sysctls.path(e.getKey()), e.getValue());
          changes.add("sysctl " + e.getKey() + " " + now + " -> " + e.getValue() + " (restored)");
        }
        journal.sysctlRestored(e.getKey());
      } catch (NoSuchFileException x) {
        journal.sysctlRestored(e.getKey()); // the device is gone, and its setting with it
      } catch (IOException | SecurityException x) {
        problems.add("cannot restore " + e.getKey() + ": " + x.getMessage());
      }
    }

    // 7. Devices halvs set up that no plan wants any more go down again.
    for (String dev : journal.owned("link")) {
      if (wantLinks.contains(dev)) {
        continue;
      }
      var link = step(problems, "look up " + dev, () -> links.find(dev));
      if (link == null) {
        continue;
      }
      if (link.isPresent() && link.get().up() && step(problems, "set " + dev + " down", () -> {
        links.setUp(dev, false);
        return true;
      }) == null) {
        continue;
      }
      journal.remove(RealServerJournal.link(dev));
      if (link.isPresent() && link.get().up()) {
        changes.add("set " + dev + " down");
      }
    }
    return new Pass(changes, problems, configured);
  }

  private interface Action<T> {
    T run();
  }

  /** Runs one kernel operation; a failure becomes a problem and null, so the rest of the pass goes on. */
  private static <T> T step(List<String> problems, String what, Action<T> action) {
    try {
      T result = action.run();
      return result;
    } catch (RuntimeException e) {
      problems.add(what + ": " + e.getMessage());
      return null;
    }
  }
}
