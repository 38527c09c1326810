package io.halvs.plan;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IpAddressTest {
  @ParameterizedTest
  @ValueSource(strings = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "example.com", "localhost",
      "1.2.3.4/32", "fe80::1%eth0", ":::", "2001:db8::g", "::ffff:1.2.3.4", " 1.2.3.4"})
  void rejectsWhatIsNotALiteral(String text) {
    assertThat(IpAddress.tryParse(text)).isEmpty();
  }

  /**
   * Found fuzzing the ip_vs_conn parser: ".:1" passed the IPv6 character check and InetAddress sent it to the
   * name resolver (it parses as a literal only what starts with a hex digit or ':'). Text is never looked up:
   * a security manager that refuses every resolution shows it (JDK 17; later JDKs have none to install).
   */
  @ParameterizedTest
  @ValueSource(strings = {".:1", ".1:2", "..::", ".::1"})
  @SuppressWarnings("removal")
  void textIsNeverSentToTheNameResolver(String text) {
    SecurityManager before = System.getSecurityManager();
    try {
      System.setSecurityManager(new SecurityManager() {
        @Override
        public void checkConnect(String host, int port) {
          if (port == -1) {
            throw new SecurityException("name lookup of " + host);
          }
        }

        @Override
        public void checkPermission(java.security.Permission perm) {}
      });
    } catch (UnsupportedOperationException e) {
      org.junit.jupiter.api.Assumptions.abort("no security manager on this JDK");
    }
    try {
      assertThat(IpAddress.tryParse(text)).isEmpty();
    } finally {
      System.setSecurityManager(before);
    }
  }

  /**
   * The dotted-quad parser accepts exactly what the regular expression it replaced accepted, with the same bytes:
   * 200,000 random strings over digits, dots and a few other characters, and every octet's spellings.
   */
  @Test
  void dottedQuadIsTheFormerPattern() {
    java.util.regex.Pattern former = java.util.regex.Pattern.compile(
        "^(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}$");
    java.util.Random random = new java.util.Random(14);
    String alphabet = "0123456789012345678901234567890123456789....:a -+\u0661";
    java.util.List<String> texts = new java.util.ArrayList<>();
    for (int i = 0; i < 200_000; i++) {
      StringBuilder t = new StringBuilder();
      for (int len = random.nextInt(17); len > 0; len--) {
        t.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      texts.add(t.toString());
    }
    for (int octet = 0; octet < 1000; octet++) {
      for (String spelling : java.util.List.of(String.valueOf(octet), "0" + octet, "00" + octet)) {
        texts.add("10." + spelling + ".0.1");
        texts.add(spelling + ".1.2." + spelling);
      }
    }
    int accepted = 0;
    for (String text : texts) {
      byte[] b = IpAddress.dottedQuad(text);
      assertThat(b != null).as(text).isEqualTo(former.matcher(text).matches());
      if (b != null) {
        accepted++;
        String[] parts = text.split("\\.");
        for (int i = 0; i < 4; i++) {
          assertThat(b[i] & 0xff).as(text).isEqualTo(Integer.parseInt(parts[i]));
        }
      }
    }
    assertThat(accepted).as("the check saw addresses, not only rejections").isGreaterThan(500);
  }

  @Test
  void canonicalText() {
    assertThat(IpAddress.parse("2001:DB8:0:0:0:0:0:1").toString()).isEqualTo("2001:db8::1");
    assertThat(IpAddress.parse("2001:db8:0:0:1:0:0:1").toString()).isEqualTo("2001:db8::1:0:0:1");
    assertThat(IpAddress.parse("::").toString()).isEqualTo("::");
    assertThat(IpAddress.parse("::1").toString()).isEqualTo("::1");
    assertThat(IpAddress.parse("fe80::").toString()).isEqualTo("fe80::");
    assertThat(IpAddress.parse("2001:db8:1:2:3:4:5:6").toString()).isEqualTo("2001:db8:1:2:3:4:5:6");
    assertThat(IpAddress.parse("10.0.0.1").withPort(80)).isEqualTo("10.0.0.1:80");
    assertThat(IpAddress.parse("2001:db8::1").withPort(80)).isEqualTo("[2001:db8::1]:80");
  }

  @Test
  void masks() {
    assertThat(IpAddress.ipv4Mask(24).toString()).isEqualTo("255.255.255.0");
    assertThat(IpAddress.ipv4Mask(0).toString()).isEqualTo("0.0.0.0");
    assertThat(IpAddress.parse("255.255.240.0").maskPrefixLength()).isEqualTo(20);
    assertThat(IpAddress.parse("255.0.255.0").maskPrefixLength()).isEqualTo(-1);
  }

  @Test
  void ordersByFamilyThenBytes() {
    assertThat(IpAddress.parse("10.0.0.2")).isGreaterThan(IpAddress.parse("10.0.0.1"));
    assertThat(IpAddress.parse("9.0.0.0")).isLessThan(IpAddress.parse("200.0.0.0"));
    assertThat(IpAddress.parse("255.255.255.255")).isLessThan(IpAddress.parse("::1"));
  }

  /**
   * IPv4 is held in an int, IPv6 in its bytes: every accessor agrees with the JDK's reading of the same bytes,
   * for random addresses of both families (the high bit set too: an int compared signed would misorder them).
   */
  @Test
  void everyAccessorAgreesWithTheBytes() throws Exception {
    java.util.Random random = new java.util.Random(7);
    for (int n = 0; n < 2_000; n++) {
      byte[] b = new byte[n % 2 == 0 ? 4 : 16];
      random.nextBytes(b);
      IpAddress a = IpAddress.ofBytes(b);
      java.net.InetAddress jdk = java.net.InetAddress.getByAddress(b);
      assertThat(a.bytes()).isEqualTo(b).isNotSameAs(a.bytes());
      assertThat(a.isV4()).isEqualTo(b.length == 4);
      assertThat(IpAddress.parse(jdk.getHostAddress())).isEqualTo(a);
      assertThat(IpAddress.parse(a.toString()).bytes()).isEqualTo(b);
      assertThat(a.hashCode()).as("the hash the plans' shards were cut by").isEqualTo(java.util.Arrays.hashCode(b));
      byte[] callers = b.clone();
      IpAddress kept = IpAddress.ofBytes(callers);
      callers[callers.length - 1]++;
      assertThat(kept).as("not changed by a later write to the caller's array").isEqualTo(a);
      byte[] c = b.clone();
      random.nextBytes(c);
      System.arraycopy(b, 0, c, 0, random.nextInt(b.length));
      IpAddress other = IpAddress.ofBytes(c);
      assertThat(Integer.signum(a.compareTo(other))).isEqualTo(Integer.signum(java.util.Arrays.compareUnsigned(b, c)));
      assertThat(a.equals(other)).isEqualTo(java.util.Arrays.equals(b, c));
      int common = 0;
      while (common < b.length * 8 && (b[common / 8] >> (7 - common % 8) & 1) == (c[common / 8] >> (7 - common % 8) & 1)) {
        common++;
      }
      assertThat(a.samePrefix(other, common)).isTrue();
      if (common < b.length * 8) {
        assertThat(a.samePrefix(other, common + 1)).isFalse();
      }
    }
    assertThat(IpAddress.parse("0.0.0.0").isUnspecified()).isTrue();
    assertThat(IpAddress.parse("0.0.0.1").isUnspecified()).isFalse();
    assertThat(IpAddress.parse("::").isUnspecified()).isTrue();
    assertThat(IpAddress.parse("1.2.3.4")).isNotEqualTo(IpAddress.parse("::102:304"));
    assertThat(IpAddress.parse("1.2.3.4").samePrefix(IpAddress.parse("::102:304"), 0)).isFalse();
  }
}
