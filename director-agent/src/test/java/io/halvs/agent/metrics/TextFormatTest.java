package io.halvs.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.halvs.plan.IpAddress;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextFormatTest {
  final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  final TextFormat out = new TextFormat(bytes);

  String text() throws IOException {
    out.flush();
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void helpAndTypeLinesThenSamples() throws IOException {
    out.family("halvs_x_total", "counter", "Things\\done\nso far");
    out.sample("halvs_x_total").label("node", "a").label("port", 80).value(3);
    out.sample("halvs_x_total").value(4);
    assertThat(text()).isEqualTo("""
        # HELP halvs_x_total Things\\\\done\\nso far
        # TYPE halvs_x_total counter
        halvs_x_total{node="a",port="80"} 3
        halvs_x_total 4
        """);
  }

  @Test
  void labelValuesAreEscaped() throws IOException {
    out.sample("m").label("a", "back\\slash \"quoted\"\nnext line").label("b", "").label("c", null).value(1);
    assertThat(text()).isEqualTo("m{a=\"back\\\\slash \\\"quoted\\\"\\nnext line\",b=\"\",c=\"\"} 1\n");
    assertThat(TextFormat.escape("a\"b\\c\nd")).isEqualTo("a\\\"b\\\\c\\nd");
  }

  @Test
  void nonAsciiLabelValuesAreUtf8() throws IOException {
    out.sample("m").label("a", "grüße€").value(1);
    assertThat(text()).isEqualTo("m{a=\"grüße€\"} 1\n");
  }

  @Test
  void numbers() throws IOException {
    out.sample("a").value(0);
    out.sample("b").value(-42);
    out.sample("c").value(Long.MAX_VALUE);
    out.sample("d").value(Long.MIN_VALUE);
    out.sample("e").value(0.25);
    out.sample("f").value(3.0);
    out.sample("g").value(Double.NaN);
    out.sample("h").value(Double.POSITIVE_INFINITY);
    out.sample("i").value(1.5e300);
    assertThat(text()).isEqualTo("a 0\nb -42\nc 9223372036854775807\nd -9223372036854775808\ne 0.25\nf 3\n"
        + "g NaN\nh +Inf\ni 1.5E300\n");
  }

  @Test
  void preformattedLabelsJoinTheOthers() throws IOException {
    out.sample("m").labels("a=\"1\",b=\"2\"").label("c", "3").value(1);
    out.sample("m").label("c", "3").labels("a=\"1\"").value(2);
    assertThat(text()).isEqualTo("m{a=\"1\",b=\"2\",c=\"3\"} 1\nm{c=\"3\",a=\"1\"} 2\n");
  }

  @Test
  void outputLargerThanTheBufferArrivesWhole() throws IOException {
    StringBuilder want = new StringBuilder();
    for (int i = 0; i < 20_000; i++) {
      out.sample("halvs_sample").label("i", i).value(i);
      want.append("halvs_sample{i=\"").append(i).append("\"} ").append(i).append('\n');
    }
    assertThat(text()).isEqualTo(want.toString());
  }

  @Test
  void labelsWrittenStraightAreTheBytesEncodeMakes() throws IOException {
    String value = "a\"b\\c\nd é€ \ud83d\ude00 lone \ud83d end"; // a surrogate pair, a lone high surrogate
    out.sample("m").label("v", value).value(1);
    assertThat(text()).isEqualTo("m{" + new String(TextFormat.encode("v", value), StandardCharsets.UTF_8) + "} 1\n");
  }

  @Test
  void addressLabelsAsTheAddressesText() throws IOException {
    for (String a : List.of("0.0.0.0", "10.1.200.255", "2001:db8::1", "::", "fe80::1:0:0:a0b", "2001:db8:0:1::")) {
      out.sample("m").addressLabel("a", IpAddress.parse(a)).value(1);
    }
    assertThat(text()).isEqualTo("m{a=\"0.0.0.0\"} 1\nm{a=\"10.1.200.255\"} 1\nm{a=\"2001:db8::1\"} 1\n"
        + "m{a=\"::\"} 1\nm{a=\"fe80::1:0:0:a0b\"} 1\nm{a=\"2001:db8:0:1::\"} 1\n");
  }

  @Test
  void inMemoryLabelsGrowAndCopyIntoSamples() throws IOException {
    TextFormat labels = new TextFormat(8); // outgrown at once
    int[] end = new int[300];
    for (int i = 0; i < end.length; i++) {
      labels.label("realserver", "rs-" + "x".repeat(i)).label("remote_port", i).endLabels();
      end[i] = labels.position();
    }
    StringBuilder want = new StringBuilder();
    for (int i = 0; i < end.length; i++) {
      out.sample("m").label("s", "1").labels(labels.buffer(), i == 0 ? 1 : end[i - 1] + 1, end[i]).value(i);
      want.append("m{s=\"1\",realserver=\"rs-").append("x".repeat(i)).append("\",remote_port=\"").append(i)
          .append("\"} ").append(i).append('\n');
    }
    assertThat(text()).isEqualTo(want.toString());
  }
}
