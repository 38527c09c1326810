package io.halvs.agent.conn;

import static org.assertj.core.api.Assertions.assertThat;

import io.halvs.agent.testing.Fuzz;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The /proc/net/ip_vs_conn parser on any text: the captured table's lines mutated (characters changed, fields
 * dropped, doubled or made huge, hex turned to signs and junk) and random bytes, read from a file as the agent
 * reads it. Property: a list of well-formed entries (ports 0-65535, three addresses), malformed lines skipped,
 * never an exception for what the file holds. See {@link Fuzz} for running it longer.
 */
class IpvsConnectionsFuzzTest {
  @TempDir
  Path dir;

  static final String FIELD_CHARS = "0123456789ABCDEFabcdef:.+- \t\u00e9xX";

  static String mutateLine(Random r, String line) {
    StringBuilder s = new StringBuilder(line);
    for (int e = 0, n = 1 + r.nextInt(3); e < n; e++) {
      int at = s.length() == 0 ? 0 : r.nextInt(s.length());
      switch (r.nextInt(6)) {
        case 0 -> {
          if (s.length() > 0) {
            s.setCharAt(at, FIELD_CHARS.charAt(r.nextInt(FIELD_CHARS.length())));
          }
        }
        case 1 -> s.insert(at, FIELD_CHARS.charAt(r.nextInt(FIELD_CHARS.length())));
        case 2 -> s.delete(at, Math.min(s.length(), at + r.nextInt(10)));
        case 3 -> s.insert(at, "F".repeat(r.nextInt(40)));
        case 4 -> s.insert(at, r.nextBoolean() ? " -1 " : " 99999999999999999999 ");
        default -> s.append(' ').append(s.substring(0, at));
      }
    }
    return s.toString();
  }

  static byte[] table(Random r) {
    if (r.nextInt(5) == 0) {
      return Fuzz.randomBytes(r, 400);
    }
    List<String> lines = new ArrayList<>();
    for (int i = 0, n = 1 + r.nextInt(6); i < n; i++) {
      String line = IpvsConnectionsTest.CAPTURED.get(r.nextInt(IpvsConnectionsTest.CAPTURED.size()));
      lines.add(r.nextInt(4) == 0 ? line : mutateLine(r, line));
    }
    byte[] text = String.join("\n", lines).getBytes(StandardCharsets.UTF_8);
    return r.nextInt(10) == 0 ? Fuzz.mutate(r, text) : text;
  }

  /** A table's bytes, read through a file (as the agent reads it: the bytes are decoded too) or as lines. */
  record Table(byte[] bytes, boolean viaFile) {}

  @Test
  void theParserTakesAnyTable() throws IOException {
    Path file = dir.resolve("ip_vs_conn");
    Fuzz.run("ip_vs_conn", 5_000, r -> new Table(table(r), r.nextInt(4) == 0),
        t -> Fuzz.hex(t.bytes()) + " (" + new String(t.bytes(), StandardCharsets.ISO_8859_1) + ")",
        t -> (16L << 20) + 64L * t.bytes().length, t -> {
          List<IpvsConnection> read;
          if (t.viaFile()) {
            Files.write(file, t.bytes());
            read = IpvsConnections.read(file);
          } else {
            read = IpvsConnections.parse(List.of(new String(t.bytes(), StandardCharsets.UTF_8).split("\n")));
          }
          for (IpvsConnection c : read) {
            assertThat(c.client()).isNotNull();
            assertThat(c.virtual()).isNotNull();
            assertThat(c.destination()).isNotNull();
            assertThat(List.of(c.clientPort(), c.virtualPort(), c.destinationPort())).allMatch(p -> p >= 0
                && p <= 0xffff);
            c.expire(); // ipvsadm's column, for any expiry
          }
          IpvsConnections.format(read);
        });
  }

  @Test
  void aLineWithBytesOutsideAsciiIsSkippedNotFatal() throws IOException {
    // Found by the fuzzer: read() decoded the file as US-ASCII and one such byte failed the whole table with
    // MalformedInputException.
    Path file = dir.resolve("ip_vs_conn");
    Files.write(file, ("TCP C6336402 B3E2 C633640A 0050 0A00010B 0050 ESTABLISHED     899\n"
        + "TCP C6336402 B3E\u00e92 C633640A 0050 0A00010B 0050 ESTABLISHED     899\n").getBytes(StandardCharsets.UTF_8));
    assertThat(IpvsConnections.read(file)).hasSize(1);
  }
}
