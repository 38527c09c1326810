package io.halvs.agent.metrics;

import io.halvs.plan.IpAddress;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Prometheus text exposition format 0.0.4, written straight to a stream: no sample objects, no label maps, so a
 * scrape of 800,000 samples costs a buffer and the bytes. A family is its HELP and TYPE lines followed by its
 * samples, all in one group (the format requires it). Label values are escaped (backslash, double quote, line
 * feed); names are the caller's constants and are not checked here (MetricsExporterTest checks them).
 *
 * <pre>
 * out.family("halvs_director_active", "gauge", "1 while this director holds the VIPs");
 * out.sample("halvs_director_active").label("directorpair", pair).label("node", node).value(1);
 * </pre>
 */
public final class TextFormat {
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final OutputStream out;
  private byte[] buf;
  private int n;
  private boolean labels; // a '{' was written for the current sample
  private final StringBuilder scratch = new StringBuilder(39); // an address's text, reused

  public TextFormat(OutputStream out) {
    this.out = out;
    this.buf = new byte[64 * 1024];
  }

  /**
   * Into memory, growing: label text encoded once and copied from {@link #buffer()} into many samples with
   * {@link #labels(byte[], int, int)}.
   */
  TextFormat(int capacity) {
    this.out = null;
    this.buf = new byte[Math.max(capacity, 64)];
  }

  /** Bytes written so far (in memory: the end of what {@link #buffer()} holds). */
  int position() {
    return n;
  }

  byte[] buffer() {
    return buf;
  }

  /** Ends the current labels without a value (in memory: the next label opens with '{' again). */
  void endLabels() {
    labels = false;
  }

  /** # HELP and # TYPE lines; type is counter, gauge, histogram or untyped. */
  public TextFormat family(String name, String type, String help) throws IOException {
    ascii("# HELP ").ascii(name).put(' ');
    for (int i = 0; i < help.length(); i++) {
      char c = help.charAt(i);
      if (c == '\\') {
        ascii("\\\\");
      } else if (c == '\n') {
        ascii("\\n");
      } else {
        put(c);
      }
    }
    put('\n').ascii("# TYPE ").ascii(name).put(' ').ascii(type).put('\n');
    return this;
  }

  /** Starts a sample line: labels follow, then {@link #value}. */
  public TextFormat sample(String name) throws IOException {
    labels = false;
    return ascii(name);
  }

  /** The same for a name already encoded (a family written 100,000 times). */
  public TextFormat sample(byte[] name) throws IOException {
    labels = false;
    return bytes(name, 0, name.length);
  }

  public TextFormat label(String name, String value) throws IOException {
    put(labels ? ',' : '{');
    labels = true;
    ascii(name).ascii("=\"");
    if (value != null) {
      escaped(value);
    }
    return put('"');
  }

  /** An address's text as a label's value, with no String made for it (100,000 destinations, 8 families). */
  public TextFormat addressLabel(String name, IpAddress value) throws IOException {
    put(labels ? ',' : '{');
    labels = true;
    ascii(name).ascii("=\"");
    scratch.setLength(0);
    value.appendTo(scratch);
    for (int i = 0; i < scratch.length(); i++) {
      put(scratch.charAt(i));
    }
    return put('"');
  }

  public TextFormat label(String name, long value) throws IOException {
    put(labels ? ',' : '{');
    labels = true;
    ascii(name).ascii("=\"");
    number(value);
    return put('"');
  }

  /**
   * Label text already escaped and joined ({@code a="x",b="y"}), e.g. the part every destination of a service
   * shares, built once per service.
   */
  public TextFormat labels(String preformatted) throws IOException {
    put(labels ? ',' : '{');
    labels = true;
    return text(preformatted);
  }

  /** The same, encoded already: UTF-8 of escaped, joined labels. */
  public TextFormat labels(byte[] preformatted) throws IOException {
    return labels(preformatted, 0, preformatted.length);
  }

  /** The same, from a part of an array (another TextFormat's {@link #buffer()}). */
  TextFormat labels(byte[] b, int from, int to) throws IOException {
    put(labels ? ',' : '{');
    labels = true;
    return bytes(b, from, to - from);
  }

  /** Escaped, joined labels as UTF-8, to be written many times with {@link #labels(byte[])}. */
  public static byte[] encode(String... namesAndValues) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      b.append(i == 0 ? "" : ",").append(namesAndValues[i]).append("=\"")
          .append(escape(namesAndValues[i + 1] == null ? "" : namesAndValues[i + 1])).append('"');
    }
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  public void value(long v) throws IOException {
    end();
    number(v);
    put('\n');
  }

  public void value(double v) throws IOException {
    end();
    if (Double.isNaN(v)) {
      ascii("NaN");
    } else if (Double.isInfinite(v)) {
      ascii(v > 0 ? "+Inf" : "-Inf");
    } else if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      number((long) v);
    } else {
      ascii(Double.toString(v));
    }
    put('\n');
  }

  private void end() throws IOException {
    if (labels) {
      put('}');
      labels = false;
    }
    put(' ');
  }

  /** Writes what is buffered; the stream stays open (the caller owns it). */
  public void flush() throws IOException {
    out.write(buf, 0, n);
    n = 0;
    out.flush();
  }

  /** A label value in the format's escaping. */
  public static String escape(String value) {
    StringBuilder b = new StringBuilder(value.length() + 2);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> b.append("\\\\");
        case '"' -> b.append("\\\"");
        case '\n' -> b.append("\\n");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  /**
   * A label value escaped and as UTF-8, as {@code escape(v).getBytes(UTF_8)} would write it (a surrogate pair as
   * its code point, a lone surrogate '?') but straight into the buffer: this runs for every sample's labels.
   */
  private void escaped(String v) throws IOException {
    for (int i = 0, len = v.length(); i < len; i++) {
      if (n + 4 > buf.length) {
        room(4);
      }
      char c = v.charAt(i);
      if (c < 0x80) {
        if (c == '\\' || c == '"') {
          buf[n++] = '\\';
          buf[n++] = (byte) c;
        } else if (c == '\n') {
          buf[n++] = '\\';
          buf[n++] = 'n';
        } else {
          buf[n++] = (byte) c;
        }
      } else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(v.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, v.charAt(++i));
        buf[n++] = (byte) (0xf0 | cp >> 18);
        buf[n++] = (byte) (0x80 | cp >> 12 & 0x3f);
        buf[n++] = (byte) (0x80 | cp >> 6 & 0x3f);
        buf[n++] = (byte) (0x80 | cp & 0x3f);
      } else {
        put(c); // two or three bytes; a lone surrogate '?'
      }
    }
  }

  private TextFormat bytes(byte[] b, int from, int len) throws IOException {
    if (n + len > buf.length) {
      room(len);
      if (len > buf.length) {
        out.write(b, from, len);
        return this;
      }
    }
    System.arraycopy(b, from, buf, n, len);
    n += len;
    return this;
  }

  private TextFormat text(String s) throws IOException {
    for (int i = 0; i < s.length(); i++) {
      put(s.charAt(i));
    }
    return this;
  }

  private TextFormat ascii(String s) throws IOException {
    int len = s.length();
    if (n + len > buf.length) {
      room(len);
      if (len > buf.length) {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        return this;
      }
    }
    for (int i = 0; i < len; i++) {
      buf[n++] = (byte) s.charAt(i);
    }
    return this;
  }

  /** One char as UTF-8 (a surrogate pair's halves each become '?': names of Kubernetes objects are ASCII). */
  private TextFormat put(char c) throws IOException {
    if (n + 3 > buf.length) {
      room(3);
    }
    if (c < 0x80) {
      buf[n++] = (byte) c;
    } else if (c < 0x800) {
      buf[n++] = (byte) (0xc0 | c >> 6);
      buf[n++] = (byte) (0x80 | c & 0x3f);
    } else if (Character.isSurrogate(c)) {
      buf[n++] = '?';
    } else {
      buf[n++] = (byte) (0xe0 | c >> 12);
      buf[n++] = (byte) (0x80 | c >> 6 & 0x3f);
      buf[n++] = (byte) (0x80 | c & 0x3f);
    }
    return this;
  }

  private void number(long v) throws IOException {
    if (n + 20 > buf.length) {
      room(20);
    }
    if (v == Long.MIN_VALUE) {
      ascii("-9223372036854775808");
      return;
    }
    if (v < 0) {
      buf[n++] = '-';
      v = -v;
    }
    int start = n;
    do {
      buf[n++] = (byte) ('0' + v % 10);
      v /= 10;
    } while (v != 0);
    for (int i = start, j = n - 1; i < j; i++, j--) {
      byte t = buf[i];
      buf[i] = buf[j];
      buf[j] = t;
    }
  }

  /** Makes room for need more bytes: writes the buffer out, or in memory grows it. */
  private void room(int need) throws IOException {
    if (out == null) {
      buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, n + need));
      return;
    }
    out.write(buf, 0, n);
    n = 0;
  }
}
