package io.halvs.agent.health;

import io.halvs.api.v1alpha1.DnsRecordType;
import io.halvs.plan.IpAddress;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A DNS query for one name and record type, and the judgement of its answer (RFC 1035 wire format, UDP). A and
 * AAAA answers are compared as addresses; the other types in their presentation form (as dig prints them), which
 * must contain the expected text when one is given.
 */
final class Dns {
  /** check() result for a datagram that answers some other query. */
  static final String NOT_OURS = new String("not ours");
  private static final String[] RCODES = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"};

  private final String name;
  private final DnsRecordType type;
  private final IpAddress expect;
  private final String expectData;
  private final byte[] question;

  Dns(String name, DnsRecordType type, String expectAddress) {
    this(name, type, expectAddress, null);
  }

  Dns(String name, DnsRecordType type, String expectAddress, String expectData) {
    this.name = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    this.type = type;
    this.expect = expectAddress == null ? null : IpAddress.parse(expectAddress);
    this.expectData = expectData;
    ByteArrayOutputStream q = new ByteArrayOutputStream();
    for (String label : this.name.split("\\.")) {
      byte[] l = label.getBytes(StandardCharsets.US_ASCII);
      q.write(l.length);
      q.write(l, 0, l.length);
    }
    q.write(0);
    int t = qtype();
    q.write(t >> 8);
    q.write(t);
    q.write(0);
    q.write(1); // class IN
    this.question = q.toByteArray();
  }

  private int qtype() {
    return type.code();
  }

  /** Header (id, RD set, one question) + question. */
  byte[] query(int id) {
    byte[] m = new byte[12 + question.length];
    m[0] = (byte) (id >> 8);
    m[1] = (byte) id;
    m[2] = 0x01; // RD
    m[5] = 1; // QDCOUNT
    System.arraycopy(question, 0, m, 12, question.length);
    return m;
  }

  /** null when the answer is good, NOT_OURS when it answers another query, else why it is bad. */
  String check(byte[] m, int id) {
    if (m.length < 12 || (((m[0] & 0xff) << 8) | (m[1] & 0xff)) != id || (m[2] & 0x80) == 0) {
      return NOT_OURS;
    }
    int rcode = m[3] & 0x0f;
    if (rcode != 0) {
      return "DNS " + (rcode < RCODES.length ? RCODES[rcode] : "rcode " + rcode) + " for " + name;
    }
    try {
      int qd = u16(m, 4);
      int an = u16(m, 6);
      int p = 12;
      for (int i = 0; i < qd; i++) {
        p = skipName(m, p) + 4;
      }
      List<IpAddress> found = new ArrayList<>();
      List<String> records = new ArrayList<>();
      for (int i = 0; i < an; i++) {
        p = skipName(m, p);
        int rtype = u16(m, p);
        int rdlen = u16(m, p + 8);
        p += 10;
        if (p + rdlen > m.length) {
          return "DNS: malformed answer";
        }
        if (rtype == qtype() && type.isAddress() && (rdlen == 4 || rdlen == 16)) {
          byte[] a = new byte[rdlen];
          System.arraycopy(m, p, a, 0, rdlen);
          found.add(IpAddress.ofBytes(a));
        } else if (rtype == qtype() && !type.isAddress()) {
          records.add(present(m, p, rdlen));
        }
        p += rdlen;
      }
      if (!type.isAddress()) {
        if (records.isEmpty()) {
          return "DNS: no " + type + " record for " + name;
        }
        if (expectData != null && records.stream().noneMatch(this::matches)) {
          return "DNS: " + name + " " + type + " is " + records + ", none contains '" + expectData + "'";
        }
        return null;
      }
      if (found.isEmpty()) {
        return "DNS: no " + type + " record for " + name;
      }
      if (expect != null && !found.contains(expect)) {
        return "DNS: " + name + " is " + found.stream().map(IpAddress::toString).toList() + ", not " + expect;
      }
      return null;
    } catch (IndexOutOfBoundsException e) {
      return "DNS: malformed answer";
    }
  }

  /** Names compare without regard to case; TXT strings as they are. */
  private boolean matches(String record) {
    return type == DnsRecordType.TXT ? record.contains(expectData)
        : record.toLowerCase(java.util.Locale.ROOT).contains(expectData.toLowerCase(java.util.Locale.ROOT));
  }

  /** The record data as dig prints it (TXT: the strings joined). */
  private String present(byte[] m, int p, int rdlen) {
    return switch (type) {
      case CNAME, NS, PTR -> readName(m, p);
      case MX -> u16(m, p) + " " + readName(m, p + 2);
      case SRV -> u16(m, p) + " " + u16(m, p + 2) + " " + u16(m, p + 4) + " " + readName(m, p + 6);
      case SOA -> {
        int q = skipName(m, p);
        String mname = readName(m, p);
        String rname = readName(m, q);
        q = skipName(m, q);
        StringBuilder b = new StringBuilder(mname).append(' ').append(rname);
        for (int i = 0; i < 5; i++) {
          b.append(' ').append(u32(m, q + 4 * i));
        }
        yield b.toString();
      }
      case TXT -> {
        StringBuilder b = new StringBuilder();
        for (int q = p; q < p + rdlen; ) {
          int len = m[q] & 0xff;
          b.append(new String(m, q + 1, Math.min(len, p + rdlen - q - 1), StandardCharsets.UTF_8));
          q += len + 1;
        }
        yield b.toString();
      }
      default -> "";
    };
  }

  /** A possibly compressed name, with its final dot; a pointer loop counts as malformed. */
  static String readName(byte[] m, int p) {
    StringBuilder b = new StringBuilder();
    for (int jumps = 0; jumps < 64; ) {
      int len = m[p] & 0xff;
      if (len == 0) {
        return b.length() == 0 ? "." : b.toString();
      }
      if ((len & 0xc0) == 0xc0) {
        p = ((len & 0x3f) << 8) | (m[p + 1] & 0xff);
        jumps++;
        continue;
      }
      b.append(new String(m, p + 1, len, StandardCharsets.US_ASCII)).append('.');
      p += len + 1;
      if (b.length() > 255) {
        break;
      }
    }
    throw new ArrayIndexOutOfBoundsException("name loops or is too long");
  }

  private static long u32(byte[] m, int p) {
    return ((long) u16(m, p) << 16) | u16(m, p + 2);
  }

  private static int u16(byte[] m, int p) {
    return ((m[p] & 0xff) << 8) | (m[p + 1] & 0xff);
  }

  private static int skipName(byte[] m, int p) {
    while (true) {
      int len = m[p] & 0xff;
      if (len == 0) {
        return p + 1;
      }
      if ((len & 0xc0) == 0xc0) {
        return p + 2; // compression pointer ends the name
      }
      p += len + 1;
    }
  }
}
