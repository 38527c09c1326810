package io.halvs.agent.conn;

import io.halvs.plan.IpAddress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the IPVS connection table the way ipvsadm -Lnc does: from /proc/net/ip_vs_conn of the caller's network
 * namespace (there is no netlink dump of connections). The kernel writes IPv4 and IPv6 entries into that one
 * file: IPv4 addresses as 8 hex digits in host-readable order, IPv6 ones as eight colon-separated 4-digit
 * groups; ports as 4 hex digits; a destination may be of the other family than the client (IPv6 service,
 * IPv4 real server). Lines this code does not understand are skipped, never fatal: the table changes while
 * it is read, and a view must not crash the agent.
 */
public final class IpvsConnections {
  public static final Path PROC = Path.of("/proc/net/ip_vs_conn");

  private IpvsConnections() {}

  /**
   * The current table; a missing file (ip_vs not loaded) is an empty table. Read as ISO-8859-1, which decodes
   * any byte: the kernel writes ASCII, and a line with anything else is skipped like any malformed line rather
   * than failing the whole table (US-ASCII threw MalformedInputException).
   */
  public static List<IpvsConnection> read(Path file) throws IOException {
    try {
      return parse(Files.readAllLines(file, StandardCharsets.ISO_8859_1));
    } catch (NoSuchFileException e) {
      return List.of();
    }
  }

  /** Parses the file's lines; the header ("Pro FromIP ...") and malformed lines are skipped. */
  public static List<IpvsConnection> parse(List<String> lines) {
    List<IpvsConnection> out = new ArrayList<>();
    for (String line : lines) {
      IpvsConnection c = parseLine(line);
      if (c != null) {
        out.add(c);
      }
    }
    return out;
  }

  /**
   * One line: "Pro FromIP FPrt ToIP TPrt DestIP DPrt State Expires [PEName PEData]", or null when it is the
   * header or not of that shape.
   */
  static IpvsConnection parseLine(String line) {
    String[] f = line.trim().split("\\s+");
    if (f.length < 9 || f[0].equals("Pro")) {
      return null;
    }
    try {
      IpAddress client = address(f[1]);
      IpAddress virtual = address(f[3]);
      IpAddress destination = address(f[5]);
      if (client == null || virtual == null || destination == null) {
        return null;
      }
      return new IpvsConnection(f[0], client, port(f[2]), virtual, port(f[4]), destination, port(f[6]), f[7],
          Long.parseLong(f[8]), f.length > 9 ? f[9] : null, f.length > 10 ? f[10] : null);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static int port(String hex) {
    int p = Integer.parseInt(hex, 16);
    if (p < 0 || p > 0xffff) {
      throw new NumberFormatException("port out of range: " + hex);
    }
    return p;
  }

  /** "0A00010B" (IPv4, most significant byte first) or "2001:0db8:...:0011" (IPv6, %pI6). */
  static IpAddress address(String text) {
    if (text.length() == 8 && text.indexOf(':') < 0) {
      long v = Long.parseLong(text, 16);
      return IpAddress.ofBytes(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
    }
    return IpAddress.tryParse(text).orElse(null);
  }

  /** The table as ipvsadm -Lnc prints it (numeric, no persistence-engine columns). */
  public static List<String> format(List<IpvsConnection> connections) {
    List<String> out = new ArrayList<>();
    out.add("IPVS connection entries");
    out.add(String.format("pro expire %-11s %-18s %-18s %s", "state", "source", "virtual", "destination"));
    for (IpvsConnection c : connections) {
      out.add(String.format("%-3s %-6s %-11s %-18s %-18s %s", c.protocol(), c.expire(), c.state(),
          c.client().withPort(c.clientPort()), c.virtual().withPort(c.virtualPort()),
          c.destination().withPort(c.destinationPort())));
    }
    return out;
  }
}
