package io.halvs.plan.render;

import io.halvs.api.v1alpha1.ForwardingMethod;
import io.halvs.api.v1alpha1.SchedulerFlag;
import io.halvs.api.v1alpha1.TunnelChecksum;
import io.halvs.api.v1alpha1.TunnelType;
import io.halvs.plan.Destination;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpAddress;
import io.halvs.plan.IpvsService;
import java.util.ArrayList;
import java.util.List;

/**
 * A plan's IPVS table in the format of {@code ipvsadm-save -n} ({@code ipvsadm -S -n}), so it can be compared
 * with, or restored by, ipvsadm:
 * <pre>
 * -A -u 192.0.2.110:53 -s sh -p 300 -M 255.255.255.0 -o -b sh-port
 * -a -t 192.0.2.110:80 -r 10.0.1.11:80 -m -w 100 -x 1000 -y 800
 * </pre>
 * Options come in ipvsadm-save's order (-p, -M, --pe, -o, -b). Persistence prints {@code -p}, and {@code -M} only
 * when the mask is not /32 (/128). Tunnel destinations carry {@code --tun-type}, {@code --tun-port} and, for gue
 * and gre, one of {@code --tun-nocsum}/{@code --tun-csum}/{@code --tun-remcsum}, exactly as ipvsadm 1.31 prints them. Thresholds ({@code -x}/{@code -y}) are printed when set — ipvsadm -R
 * takes them, though ipvsadm's own save output leaves them out.
 * The sorry server is not part of the table: the agent adds it only while no real server is healthy; with
 * {@code inhibit} it is, at weight 0 (and weight 1 while no real server is healthy).
 */
public final class IpvsadmSave {
  private IpvsadmSave() {}

  public static List<String> lines(DirectorPlan plan) {
    List<String> out = new ArrayList<>();
    for (IpvsService s : plan.services()) {
      out.add(service(s));
      for (Destination d : s.destinations()) {
        out.add(destination(s, d));
      }
      Destination sorry = s.sorryServer();
      if (s.sorryServerInhibit() && sorry != null
          && s.destinations().stream().noneMatch(d -> d.id().equals(sorry.id()))) {
        // Kept in the table at weight 0 while a real server is up (keepalived sorry_server_inhibit).
        out.add(destination(s, new Destination(sorry.address(), sorry.port(), sorry.method(), 0, 0, 0,
            sorry.tunnelType(), sorry.tunnelPort(), sorry.tunnelChecksum(), null)));
      }
    }
    return out;
  }

  public static String service(IpvsService s) {
    StringBuilder b = new StringBuilder("-A ").append(serviceSwitch(s)).append(" -s ").append(s.scheduler());
    if (s.persistent()) {
      b.append(" -p ").append(s.timeoutSeconds());
      boolean v4 = s.key().family() == IpAddress.AF_INET;
      if (v4 && s.netmask() != 0xFFFFFFFFL) {
        long m = s.netmask();
        b.append(" -M ").append(IpAddress.ofBytes(new byte[] {(byte) (m >>> 24), (byte) (m >>> 16), (byte) (m >>> 8),
            (byte) m}));
      } else if (!v4 && s.netmask() != 128) {
        b.append(" -M ").append(s.netmask());
      }
    }
    // ipvsadm-save's order: -p, -M, --pe, -o, -b.
    if (s.persistenceEngine() != null) {
      b.append(" --pe ").append(s.persistenceEngine());
    }
    if (s.onePacket()) {
      b.append(" -o");
    }
    List<String> flags = new ArrayList<>();
    for (SchedulerFlag f : SchedulerFlag.values()) {
      if (f.scheduler().kernelName().equals(s.scheduler()) && (s.flags() & f.kernelBit()) != 0) {
        flags.add(f.flagName());
      }
    }
    if (!flags.isEmpty()) {
      b.append(" -b ").append(String.join(",", flags));
    }
    return b.toString();
  }

  public static String destination(IpvsService s, Destination d) {
    StringBuilder b = new StringBuilder("-a ").append(serviceSwitch(s)).append(" -r ")
        .append(d.address().withPort(d.port())).append(' ').append(methodSwitch(d.method()))
        .append(" -w ").append(d.weight());
    if (d.upperThreshold() != 0) {
      b.append(" -x ").append(d.upperThreshold());
    }
    if (d.lowerThreshold() != 0) {
      b.append(" -y ").append(d.lowerThreshold());
    }
    if (d.method() == ForwardingMethod.IPIP) {
      TunnelType type = d.tunnelType() == null ? TunnelType.IPIP : d.tunnelType();
      b.append(" --tun-type ").append(type.wireName());
      if (type == TunnelType.GUE) {
        b.append(" --tun-port ").append(d.tunnelPort());
      }
      if (type != TunnelType.IPIP) {
        // As ipvsadm-save prints gue and gre destinations: always one of the three, --tun-nocsum included.
        TunnelChecksum c = d.tunnelChecksum() == null ? TunnelChecksum.NONE : d.tunnelChecksum();
        b.append(switch (c) {
          case NONE -> " --tun-nocsum";
          case CSUM -> " --tun-csum";
          case REMCSUM -> " --tun-remcsum";
        });
      }
    }
    return b.toString();
  }

  static String serviceSwitch(IpvsService s) {
    if (s.key().isFirewallMark()) {
      return "-f " + s.key().firewallMark() + (s.key().family() == IpAddress.AF_INET ? "" : " -6");
    }
    return s.key().ipvsadm();
  }

  static String methodSwitch(ForwardingMethod m) {
    return switch (m) {
      case MASQ -> "-m";
      case GATE -> "-g";
      case IPIP -> "-i";
    };
  }
}
