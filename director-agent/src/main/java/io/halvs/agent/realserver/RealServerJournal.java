package io.halvs.agent.realserver;

import io.halvs.agent.kernel.OwnershipJournal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the real-server agent changed on its node, kept in a file so a restarted agent adopts its own changes and
 * removes exactly those: addresses it added, devices it set up, GUE ports it opened, and for each sysctl the value
 * from before halvs first wrote it (restored when the node no longer needs it). Written atomically before a
 * change is made and after one is undone, so a crash in between errs on the side of owning, never on undoing a
 * stranger's setting. One line per item: "addr lo 192.0.2.10/32", "link tunl0", "fou 6080",
 * "sysctl net.ipv4.conf.all.arp_ignore 0".
 */
public final class RealServerJournal {
  private final Path file;
  private final Set<String> items = new TreeSet<>();
  private final Map<String, String> sysctlsBefore = new TreeMap<>();

  /** file null: kept in memory only (tests). */
  public RealServerJournal(Path file) {
    this.file = file;
    if (file != null && Files.exists(file)) {
      try {
        for (String line : Files.readAllLines(file)) {
          String[] p = line.trim().split(" ", 3);
          if (p.length == 3 && p[0].equals("sysctl")) {
            sysctlsBefore.put(p[1], p[2]);
          } else if (p.length >= 2) {
            items.add(line.trim());
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read real-server journal " + file, e);
      }
    }
  }

  static String address(String ifname, String cidr) {
    return "addr " + ifname + " " + cidr;
  }

  static String link(String name) {
    return "link " + name;
  }

  static String fou(int port) {
    return "fou " + port;
  }

  public synchronized boolean owns(String item) {
    return items.contains(item);
  }

  /** Items of one kind ("addr", "link", "fou"), without the kind. */
  public synchronized List<String> owned(String kind) {
    return items.stream().filter(i -> i.startsWith(kind + " ")).map(i -> i.substring(kind.length() + 1)).toList();
  }

  public synchronized void add(String item) {
    if (items.add(item)) {
      persist();
    }
  }

  public synchronized void remove(String item) {
    if (items.remove(item)) {
      persist();
    }
  }

  /** The sysctls halvs set, with their values from before. */
  public synchronized Map<String, String> sysctlsBefore() {
    return new TreeMap<>(sysctlsBefore);
  }

  public synchronized void sysctlBefore(String key, String before) {
    if (sysctlsBefore.putIfAbsent(key, before) == null) {
      persist();
    }
  }

  public synchronized void sysctlRestored(String key) {
    if (sysctlsBefore.remove(key) != null) {
      persist();
    }
  }

  public synchronized boolean isEmpty() {
    return items.isEmpty() && sysctlsBefore.isEmpty();
  }

  private void persist() {
    if (file == null) {
      return;
    }
    List<String> lines = new ArrayList<>(items);
    sysctlsBefore.forEach((k, v) -> lines.add("sysctl " + k + " " + v));
    OwnershipJournal.writeAtomically(file, lines, "real-server journal");
  }
}
