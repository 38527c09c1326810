package io.halvs.agent.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.halvs.api.v1alpha1.DnsRecordType;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The record types beyond A/AAAA: answers in wire format, with compression, judged by Dns.check. */
class DnsRecordTypesTest {
  static final int ID = 0x1234;

  /** A name in labels, or ending in a pointer to offset 12 (the question's name) when it ends with "@". */
  static byte[] name(String n) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    boolean pointer = n.endsWith("@");
    String labels = pointer ? n.substring(0, n.length() - 1) : n;
    for (String l : labels.split("\\.")) {
      if (!l.isEmpty()) {
        b.write(l.length());
        b.writeBytes(l.getBytes(StandardCharsets.US_ASCII));
      }
    }
    if (pointer) {
      b.write(0xc0);
      b.write(12);
    } else {
      b.write(0);
    }
    return b.toByteArray();
  }

  static byte[] u16(int v) {
    return new byte[] {(byte) (v >> 8), (byte) v};
  }

  static byte[] u32(long v) {
    return new byte[] {(byte) (v >> 24), (byte) (v >> 16), (byte) (v >> 8), (byte) v};
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      b.writeBytes(p);
    }
    return b.toByteArray();
  }

  /** A NOERROR answer to "example.com" type t with the given records' data. */
  static byte[] answer(DnsRecordType t, byte[]... rdatas) {
    ByteArrayOutputStream m = new ByteArrayOutputStream();
    m.writeBytes(new byte[] {0x12, 0x34, (byte) 0x81, (byte) 0x80, 0, 1, 0, (byte) rdatas.length, 0, 0, 0, 0});
    m.writeBytes(name("example.com"));
    m.writeBytes(concat(u16(t.code()), u16(1)));
    for (byte[] rd : rdatas) {
      m.writeBytes(concat(new byte[] {(byte) 0xc0, 12}, u16(t.code()), u16(1), u32(60), u16(rd.length), rd));
    }
    return m.toByteArray();
  }

  static String check(DnsRecordType t, String expectData, byte[] answer) {
    return new Dns("example.com", t, null, expectData).check(answer, ID);
  }

  @Test
  void mxWithACompressedExchange() {
    byte[] a = answer(DnsRecordType.MX, concat(u16(10), name("mail@")), concat(u16(20), name("backup.example.net")));
    assertThat(check(DnsRecordType.MX, null, a)).isNull();
    assertThat(check(DnsRecordType.MX, "10 mail.example.com.", a)).isNull();
    assertThat(check(DnsRecordType.MX, "BACKUP.example.net", a)).as("names ignore case").isNull();
    assertThat(check(DnsRecordType.MX, "mx9.example.com", a)).isEqualTo("DNS: example.com MX is "
        + "[10 mail.example.com., 20 backup.example.net.], none contains 'mx9.example.com'");
  }

  @Test
  void cnameNsPtrSrvSoaTxt() {
    assertThat(check(DnsRecordType.CNAME, "www.example.org.",
        answer(DnsRecordType.CNAME, name("www.example.org")))).isNull();
    assertThat(check(DnsRecordType.NS, "ns1.example.com.", answer(DnsRecordType.NS, name("ns1@")))).isNull();
    assertThat(check(DnsRecordType.PTR, "host.example.com", answer(DnsRecordType.PTR, name("host@")))).isNull();
    assertThat(check(DnsRecordType.SRV, "0 5 5060 sip.example.com.",
        answer(DnsRecordType.SRV, concat(u16(0), u16(5), u16(5060), name("sip@"))))).isNull();
    byte[] soa = concat(name("ns1@"), name("hostmaster@"), u32(2026113001L), u32(7200), u32(3600), u32(1209600),
        u32(300));
    assertThat(check(DnsRecordType.SOA, "ns1.example.com. hostmaster.example.com. 2026113001",
        answer(DnsRecordType.SOA, soa))).isNull();
    byte[] txt = concat(new byte[] {6}, "v=spf1".getBytes(StandardCharsets.US_ASCII), new byte[] {5},
        " -all".getBytes(StandardCharsets.US_ASCII));
    assertThat(check(DnsRecordType.TXT, "v=spf1 -all", answer(DnsRecordType.TXT, txt))).isNull();
    assertThat(check(DnsRecordType.TXT, "V=SPF1", answer(DnsRecordType.TXT, txt))).as("TXT keeps case")
        .startsWith("DNS: example.com TXT is [v=spf1 -all], none contains");
  }

  @Test
  void noRecordOfTheTypeAndBrokenAnswers() {
    // An answer holding only a CNAME to an MX question: no MX record.
    byte[] m = answer(DnsRecordType.MX);
    assertThat(check(DnsRecordType.MX, null, m)).isEqualTo("DNS: no MX record for example.com");
    byte[] a = answer(DnsRecordType.NS, name("ns1@"));
    byte[] truncated = java.util.Arrays.copyOf(a, a.length - 2);
    assertThat(check(DnsRecordType.NS, null, truncated)).isEqualTo("DNS: malformed answer");
    // A name whose pointer points at itself must not loop.
    byte[] loop = answer(DnsRecordType.CNAME, new byte[] {(byte) 0xc0, 0});
    int self = loop.length - 2;
    loop[self] = (byte) (0xc0 | (self >> 8));
    loop[self + 1] = (byte) self;
    assertThat(check(DnsRecordType.CNAME, null, loop)).isEqualTo("DNS: malformed answer");
  }

  @Test
  void theQueryAsksForTheType() {
    byte[] q = new Dns("example.com", DnsRecordType.SRV, null, null).query(ID);
    assertThat(((q[q.length - 4] & 0xff) << 8) | (q[q.length - 3] & 0xff)).isEqualTo(33);
  }
}
