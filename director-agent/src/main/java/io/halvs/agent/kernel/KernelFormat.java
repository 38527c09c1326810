package io.halvs.agent.kernel;

import io.halvs.api.v1alpha1.SchedulerFlag;
import io.halvs.plan.IpAddress;
import io.halvs.plan.ServiceKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The kernel's table as ipvsadm prints it: {@code -Ln} for people, {@code -Sn} (save) for machines and diffs. */
public final class KernelFormat {
  private KernelFormat() {}

  static String method(int fwd) {
    return switch (fwd) {
      case KernelDestination.FWD_MASQ -> "Masq";
      case KernelDestination.FWD_LOCALNODE -> "Local";
      case KernelDestination.FWD_TUNNEL -> "Tunnel";
      case KernelDestination.FWD_DROUTE -> "Route";
      default -> "Bypass";
    };
  }

  static String methodSwitch(int fwd) {
    return switch (fwd) {
      case KernelDestination.FWD_TUNNEL -> "-i";
      case KernelDestination.FWD_DROUTE -> "-g";
      default -> "-m";
    };
  }

  static String serviceSwitch(ServiceKey k) {
    if (k.isFirewallMark()) {
      return "-f " + k.firewallMark() + (k.family() == IpAddress.AF_INET6 ? " -6" : "");
    }
    return k.ipvsadm();
  }

  static List<String> flags(KernelService s) {
    List<String> out = new ArrayList<>();
    for (SchedulerFlag f : SchedulerFlag.values()) {
      if (f.scheduler().kernelName().equals(s.scheduler()) && (s.flags() & f.kernelBit()) != 0) {
        out.add(f.flagName());
      }
    }
    return out;
  }

  /** ipvsadm -S -n. */
  public static List<String> save(Map<KernelService, List<KernelDestination>> table) {
    List<String> out = new ArrayList<>();
    table.forEach((s, dests) -> {
      StringBuilder b = new StringBuilder("-A ").append(serviceSwitch(s.key())).append(" -s ").append(s.scheduler());
      if ((s.flags() & 0x1) != 0) {
        b.append(" -p ").append(s.timeoutSeconds());
        if (s.key().family() == IpAddress.AF_INET && s.netmask() != 0xffffffffL) {
          long m = s.netmask();
          b.append(" -M ").append(IpAddress.ofBytes(new byte[] {(byte) (m >>> 24), (byte) (m >>> 16),
              (byte) (m >>> 8), (byte) m}));
        } else if (s.key().family() == IpAddress.AF_INET6 && s.netmask() != 128) {
          b.append(" -M ").append(s.netmask());
        }
      }
      // ipvsadm -S's order: -p, -M, --pe, -o, -b.
      if (s.persistenceEngine() != null) {
        b.append(" --pe ").append(s.persistenceEngine());
      }
      if ((s.flags() & 0x4) != 0) {
        b.append(" -o");
      }
      List<String> f = flags(s);
      if (!f.isEmpty()) {
        b.append(" -b ").append(String.join(",", f));
      }
      out.add(b.toString());
      for (KernelDestination d : dests) {
        StringBuilder l = new StringBuilder("-a ").append(serviceSwitch(s.key())).append(" -r ")
            .append(d.address().withPort(d.port())).append(' ').append(methodSwitch(d.forwardMethod()))
            .append(" -w ").append(d.weight());
        // As ipvsadm -S prints it: thresholds are not part of its save format (ipvs list --thresholds shows them).
        if (d.forwardMethod() == KernelDestination.FWD_TUNNEL) {
          l.append(" --tun-type ").append(switch (d.tunnelType()) {
            case 1 -> "gue";
            case 2 -> "gre";
            default -> "ipip";
          });
          if (d.tunnelType() == 1) {
            l.append(" --tun-port ").append(d.tunnelPort());
          }
          if (d.tunnelType() == 1 || d.tunnelType() == 2) {
            // ipvsadm -S prints one of the three for gue and gre, --tun-nocsum included.
            if ((d.tunnelFlags() & 2) != 0) {
              l.append(" --tun-remcsum");
            } else if ((d.tunnelFlags() & 1) != 0) {
              l.append(" --tun-csum");
            } else {
              l.append(" --tun-nocsum");
            }
          }
        }
        out.add(l.toString());
      }
    });
    return out;
  }

  /** ipvsadm -L -n (with --stats when stats is true). */
  public static List<String> list(IpvsInfo info, Map<KernelService, List<KernelDestination>> table, boolean stats) {
    return list(info, table, stats, false);
  }

  /** ipvsadm -L -n, with --stats or --thresholds. */
  public static List<String> list(IpvsInfo info, Map<KernelService, List<KernelDestination>> table, boolean stats,
      boolean thresholds) {
    List<String> out = new ArrayList<>();
    out.add("IP Virtual Server version " + info.versionString() + " (size=" + info.connectionTableSize() + ")");
    if (stats) {
      out.add("Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes");
      out.add("  -> RemoteAddress:Port");
    } else if (thresholds) {
      out.add("Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn");
      out.add("  -> RemoteAddress:Port");
    } else {
      out.add("Prot LocalAddress:Port Scheduler Flags");
      out.add("  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn");
    }
    table.forEach((s, dests) -> {
      ServiceKey k = s.key();
      String name = k.isFirewallMark() ? "FWM  " + k.firewallMark() + (k.family() == IpAddress.AF_INET6 ? " IPv6" : "")
          : k.protocol() + "  " + k.address().withPort(k.port());
      if (stats) {
        IpvsStats st = s.stats();
        out.add(String.format("%-33s %s", name, statsColumns(st)));
      } else {
        StringBuilder b = new StringBuilder(name).append(' ').append(s.scheduler());
        List<String> f = flags(s);
        if (!f.isEmpty()) {
          b.append(" (").append(String.join(",", f)).append(')');
        }
        if ((s.flags() & 0x1) != 0) {
          // As ipvsadm -L: the mask when not /32 (/128), then the engine.
          b.append(" persistent ").append(s.timeoutSeconds());
          if (s.key().family() == IpAddress.AF_INET && s.netmask() != 0xffffffffL) {
            long m = s.netmask();
            b.append(" mask ").append(IpAddress.ofBytes(new byte[] {(byte) (m >>> 24), (byte) (m >>> 16),
                (byte) (m >>> 8), (byte) m}));
          } else if (s.key().family() == IpAddress.AF_INET6 && s.netmask() != 128) {
            b.append(" mask ").append(s.netmask());
          }
          if (s.persistenceEngine() != null) {
            b.append(" pe ").append(s.persistenceEngine());
          }
        }
        if ((s.flags() & 0x4) != 0) {
          b.append(" ops");
        }
        out.add(b.toString());
      }
      for (KernelDestination d : dests) {
        String dest = "  -> " + d.address().withPort(d.port());
        if (stats) {
          out.add(String.format("%-33s %s", dest, statsColumns(d.stats())));
        } else if (thresholds) {
          out.add(String.format("%-33s %-10d %-10d %-10d %-10d", dest, d.upperThreshold(), d.lowerThreshold(),
              d.activeConnections(), d.inactiveConnections()));
        } else {
          out.add(String.format("%-33s %-7s %-6d %-10d %-10d", dest, method(d.forwardMethod()), d.weight(),
              d.activeConnections(), d.inactiveConnections()));
        }
      }
    });
    return out;
  }

  private static String statsColumns(IpvsStats s) {
    if (s == null) {
      return "";
    }
    return String.format("%8d %8d %8d %8d %8d", s.connections(), s.inPackets(), s.outPackets(), s.inBytes(),
        s.outBytes());
  }

  /** The whole table, services in key order with their destinations in address order. */
  public static Map<KernelService, List<KernelDestination>> dump(IpvsKernel kernel) {
    Map<KernelService, List<KernelDestination>> table = new java.util.LinkedHashMap<>();
    kernel.services().stream().sorted(java.util.Comparator.comparing(KernelService::key)).forEach(s -> {
      List<KernelDestination> ds = new ArrayList<>(kernel.destinations(s.key()));
      ds.sort(java.util.Comparator.comparing(KernelDestination::address).thenComparingInt(KernelDestination::port));
      table.put(s, ds);
    });
    return table;
  }
}
