package io.halvs.plan.migrate;

import io.halvs.api.v1alpha1.Scheduler;
import java.util.Arrays;
import java.util.Map;
import java.util.regex.Pattern;

/** Checks and conversions both importers share. */
public final class Values {
  private Values() {}

  private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+");

  /** Well-known service names (/etc/services) that configs use instead of port numbers. */
  private static final Map<String, Integer> SERVICES = Map.ofEntries(
      Map.entry("ftp", 21), Map.entry("ssh", 22), Map.entry("telnet", 23), Map.entry("smtp", 25),
      Map.entry("domain", 53), Map.entry("http", 80), Map.entry("www", 80), Map.entry("pop3", 110),
      Map.entry("nntp", 119), Map.entry("ntp", 123), Map.entry("imap", 143), Map.entry("imap2", 143),
      Map.entry("snmp", 161), Map.entry("ldap", 389), Map.entry("https", 443), Map.entry("submission", 587),
      Map.entry("ldaps", 636), Map.entry("imaps", 993), Map.entry("pop3s", 995), Map.entry("ms-sql-s", 1433),
      Map.entry("ncube-lm", 1521), Map.entry("radius", 1812), Map.entry("nfs", 2049),
      Map.entry("squid", 3128), Map.entry("mysql", 3306), Map.entry("sip", 5060), Map.entry("postgresql", 5432),
      Map.entry("http-alt", 8080));

  public static boolean isIpv4(String s) {
    var m = IPV4.matcher(s);
    if (!m.matches()) {
      return false;
    }
    for (int i = 1; i <= 4; i++) {
      if (Integer.parseInt(m.group(i)) > 255) {
        return false;
      }
    }
    return true;
  }

  public static boolean isIpv6(String s) {
    if (!s.contains(":") || !IPV6.matcher(s).matches()) {
      return false;
    }
    try {
      return java.net.InetAddress.getByName(s) instanceof java.net.Inet6Address;
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  public static boolean isIp(String s) {
    return isIpv4(s) || isIpv6(s);
  }

  /** A port number or a well-known service name; null if neither. */
  public static Integer port(String s) {
    if (s.matches("\\d+")) {
      long p = Long.parseLong(s.length() > 6 ? "999999" : s);
      return p >= 0 && p <= 65535 ? (int) p : null;
    }
    return SERVICES.get(s.toLowerCase(java.util.Locale.ROOT));
  }

  public static boolean isScheduler(String s) {
    return Arrays.stream(Scheduler.values()).anyMatch(x -> x.kernelName().equals(s));
  }

  /** The prefix length of a contiguous dotted IPv4 mask, or -1. */
  public static int maskPrefix(String mask) {
    if (!isIpv4(mask)) {
      return -1;
    }
    long v = 0;
    for (String o : mask.split("\\.")) {
      v = (v << 8) | Integer.parseInt(o);
    }
    int len = Long.numberOfLeadingZeros(~v & 0xFFFFFFFFL) - 32;
    return ((0xFFFFFFFFL << (32 - len)) & 0xFFFFFFFFL) == v ? len : -1;
  }

  public static long ipv4ToLong(String s) {
    long v = 0;
    for (String o : s.split("\\.")) {
      v = (v << 8) | Integer.parseInt(o);
    }
    return v;
  }

  public static String longToIpv4(long v) {
    return ((v >>> 24) & 255) + "." + ((v >>> 16) & 255) + "." + ((v >>> 8) & 255) + "." + (v & 255);
  }

  /** The 2xx codes: what "success" means to ldirectord (LWP is_success) and keepalived's default. */
  public static final java.util.List<Integer> HTTP_2XX = java.util.List.of(200, 201, 202, 203, 204, 205, 206, 207,
      208, 226);
}
