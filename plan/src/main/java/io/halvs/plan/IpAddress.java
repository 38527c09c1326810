package io.halvs.plan;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 address parsed from its literal form only: never a host name, so parsing never touches DNS.
 * Compares by family, then bytes, which gives plans a stable order. An IPv4 address is held in an int, without an
 * array of its own: 24 B instead of 48, and the operator's model and the agent's plan each hold one per
 * destination (100,000 at the design size).
 */
public final class IpAddress implements Comparable<IpAddress> {
  public static final int AF_INET = 2;
  public static final int AF_INET6 = 10;

  /**
   * What an IPv6 literal can be. It starts with a hex digit or ':': the JDK parses only such text as a literal
   * and sends anything else (".:1") to the name resolver, a lookup that can block for the resolver's timeout.
   */
  private static final Pattern IPV6_CHARS = Pattern.compile("^[0-9A-Fa-f:][0-9A-Fa-f:.]{1,44}$");

  /** The IPv4 address, most significant byte first; 0 for IPv6. */
  private final int v4;
  /** The IPv6 address's 16 bytes; null for IPv4. */
  private final byte[] v6;
  private final int hash; // cached: addresses key the reconciler's maps of 100,000 destinations

  /** Takes {@code bytes} (4 or 16) as they are: the caller's own array. */
  private IpAddress(byte[] bytes) {
    if (bytes.length == 4) {
      this.v4 = (bytes[0] & 0xff) << 24 | (bytes[1] & 0xff) << 16 | (bytes[2] & 0xff) << 8 | bytes[3] & 0xff;
      this.v6 = null;
    } else {
      this.v4 = 0;
      this.v6 = bytes;
    }
    this.hash = Arrays.hashCode(bytes); // as before the int: maps' order and the plans' shards stay the same
  }

  private int length() {
    return v6 == null ? 4 : 16;
  }

  /** Byte {@code i} of the address, most significant first. */
  private byte at(int i) {
    return v6 == null ? (byte) (v4 >>> (24 - 8 * i)) : v6[i];
  }

  /** Parses a literal, or says why it is not one. */
  public static Optional<IpAddress> tryParse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    byte[] v4 = dottedQuad(text);
    if (v4 != null) {
      return Optional.of(new IpAddress(v4));
    }
    if (text.indexOf(':') >= 0 && IPV6_CHARS.matcher(text).matches()) {
      try {
        // A literal with ':' is parsed by the JDK without any name lookup.
        InetAddress a = InetAddress.getByName(text);
        if (a instanceof Inet6Address) {
          return Optional.of(new IpAddress(a.getAddress()));
        }
        // ::ffff:a.b.c.d comes back as IPv4: reject, a VIP has one family.
        return Optional.empty();
      } catch (UnknownHostException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  /**
   * Four decimal octets 0-255 without leading zeros, joined by dots and nothing else; null otherwise. By hand, not
   * by a regular expression and split: an agent parses every destination's address of every plan it decodes (at
   * 100,000 destinations that was a fifth of its allocation while a large apply streamed plans in).
   */
  static byte[] dottedQuad(String s) {
    int n = s.length();
    if (n < 7 || n > 15) {
      return null;
    }
    byte[] b = new byte[4];
    int i = 0;
    for (int part = 0; ; part++) {
      int start = i;
      int value = 0;
      while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9' && i - start < 3) {
        value = value * 10 + (s.charAt(i++) - '0');
      }
      int digits = i - start;
      if (digits == 0 || (digits > 1 && s.charAt(start) == '0') || value > 255) {
        return null;
      }
      b[part] = (byte) value;
      if (part == 3) {
        return i == n ? b : null;
      }
      if (i == n || s.charAt(i) != '.') {
        return null;
      }
      i++;
    }
  }

  @JsonCreator
  public static IpAddress parse(String text) {
    return tryParse(text).orElseThrow(() -> new IllegalArgumentException("not an IP address: '" + text + "'"));
  }

  public static IpAddress ofBytes(byte[] bytes) {
    if (bytes.length != 4 && bytes.length != 16) {
      throw new IllegalArgumentException("an IP address has 4 or 16 bytes, not " + bytes.length);
    }
    return new IpAddress(bytes.length == 4 ? bytes : bytes.clone()); // an IPv4 address's bytes are only read
  }

  public boolean isV4() {
    return v6 == null;
  }

  public int family() {
    return isV4() ? AF_INET : AF_INET6;
  }

  /** 4 or 6, for messages. */
  public int version() {
    return isV4() ? 4 : 6;
  }

  public int maxPrefixLength() {
    return length() * 8;
  }

  /** The address's bytes, most significant first: a new array each call. */
  public byte[] bytes() {
    if (v6 != null) {
      return v6.clone();
    }
    return new byte[] {(byte) (v4 >>> 24), (byte) (v4 >>> 16), (byte) (v4 >>> 8), (byte) v4};
  }

  public boolean isUnspecified() {
    if (v6 == null) {
      return v4 == 0;
    }
    for (byte b : v6) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  /** True when both are of one family and agree in their first {@code bits} bits (a prefix holding both). */
  public boolean samePrefix(IpAddress o, int bits) {
    if (length() != o.length()) {
      return false;
    }
    int whole = Math.min(bits, length() * 8) / 8;
    for (int i = 0; i < whole; i++) {
      if (at(i) != o.at(i)) {
        return false;
      }
    }
    int rest = Math.min(bits, length() * 8) % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xff << (8 - rest)) & 0xff;
    return (at(whole) & mask) == (o.at(whole) & mask);
  }

  /** IPv4 mask of the given prefix length, e.g. 24 -> 255.255.255.0. */
  public static IpAddress ipv4Mask(int prefixLength) {
    long mask = prefixLength == 0 ? 0 : (0xFFFFFFFFL << (32 - prefixLength)) & 0xFFFFFFFFL;
    return new IpAddress(new byte[] {(byte) (mask >>> 24), (byte) (mask >>> 16), (byte) (mask >>> 8), (byte) mask});
  }

  /** Prefix length of a contiguous IPv4 mask, or -1 when the mask has holes. */
  public int maskPrefixLength() {
    int n = 0;
    boolean zeroSeen = false;
    for (int i = 0; i < length(); i++) {
      byte b = at(i);
      for (int bit = 7; bit >= 0; bit--) {
        boolean one = ((b >> bit) & 1) == 1;
        if (one && zeroSeen) {
          return -1;
        }
        if (one) {
          n++;
        } else {
          zeroSeen = true;
        }
      }
    }
    return n;
  }

  /** Canonical text: dotted quad, or RFC 5952 compressed lowercase IPv6. */
  @JsonValue
  @Override
  public String toString() {
    return appendTo(new StringBuilder(isV4() ? 15 : 39)).toString();
  }

  /**
   * The canonical text appended to sb, making no object on the way: the agent's /metrics writes 100,000
   * destinations' addresses eight times per scrape, and its JIT (C1) does not elide short-lived objects.
   */
  public StringBuilder appendTo(StringBuilder sb) {
    if (isV4()) {
      return sb.append(v4 >>> 24).append('.').append(v4 >>> 16 & 0xff).append('.').append(v4 >>> 8 & 0xff)
          .append('.').append(v4 & 0xff);
    }
    // RFC 5952: compress the longest run (first of equals) of two or more zero words.
    int bestStart = -1;
    int bestLen = 1;
    for (int i = 0; i < 8; ) {
      if (word(i) == 0) {
        int j = i;
        while (j < 8 && word(j) == 0) {
          j++;
        }
        if (j - i > bestLen) {
          bestStart = i;
          bestLen = j - i;
        }
        i = j;
      } else {
        i++;
      }
    }
    int start = sb.length();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLen - 1;
        continue;
      }
      if (sb.length() > start && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      int w = word(i);
      for (int shift = 12; shift >= 0; shift -= 4) { // as Integer.toHexString: lowercase, no leading zeros
        int digit = w >>> shift & 0xf;
        if (digit != 0 || shift == 0 || w >>> shift > 0xf) {
          sb.append(Character.forDigit(digit, 16));
        }
      }
    }
    return sb;
  }

  private int word(int i) {
    return (v6[2 * i] & 0xff) << 8 | v6[2 * i + 1] & 0xff;
  }

  /** address:port, with brackets around IPv6 as ipvsadm writes it. */
  public String withPort(int port) {
    return (isV4() ? toString() : "[" + this + "]") + ":" + port;
  }

  @Override
  public int compareTo(IpAddress o) {
    if (length() != o.length()) {
      return Integer.compare(length(), o.length());
    }
    return v6 == null ? Integer.compareUnsigned(v4, o.v4) : Arrays.compareUnsigned(v6, o.v6);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IpAddress a && hash == a.hash && v4 == a.v4 && Arrays.equals(v6, a.v6);
  }

  @Override
  public int hashCode() {
    return hash;
  }
}
