package io.halvs.agent.health;

import io.halvs.api.v1alpha1.DnsRecordType;
import io.halvs.plan.IpAddress;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A DNS query for one A or AAAA name, and the judgement of its answer (RFC 1035 wire format, UDP). */
final class Dns {
  /** check() result for a datagram that answers some other query. */
  static final String NOT_OURS = new String("not ours");
  private static final String[] RCODES = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"};

  private final String name;
  private final DnsRecordType type;
  private final IpAddress expect;
  private final byte[] question;

  Dns(String name, DnsRecordType type, String expectAddress) {
    this.name = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    this.type = type;
    this.expect = expectAddress == null ? null : IpAddress.parse(expectAddress);
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
    return type == DnsRecordType.AAAA ? 28 : 1;
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
      for (int i = 0; i < an; i++) {
        p = skipName(m, p);
        int rtype = u16(m, p);
        int rdlen = u16(m, p + 8);
        p += 10;
        if (rtype == qtype() && (rdlen == 4 || rdlen == 16)) {
          byte[] a = new byte[rdlen];
          System.arraycopy(m, p, a, 0, rdlen);
          found.add(IpAddress.ofBytes(a));
        }
        p += rdlen;
      }
      if (found.isEmpty()) {
        return "DNS: no " + type + " record for " + name;
      }
      if (expect != null && !found.contains(expect)) {
        return "DNS: " + name + " is " + found.stream().map(IpAddress::toString).toList() + ", not " + expect;
      }
      return null;
    } catch (ArrayIndexOutOfBoundsException e) {
      return "DNS: malformed answer";
    }
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
