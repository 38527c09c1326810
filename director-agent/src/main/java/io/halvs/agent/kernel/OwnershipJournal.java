package io.halvs.agent.kernel;

import io.halvs.api.v1alpha1.Protocol;
import io.halvs.plan.IpAddress;
import io.halvs.plan.ServiceKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The IPVS services this agent created or adopted, kept in a file on the node so a restarted agent knows
 * what is its own (IPVS has no owner field). Written atomically (temp file + rename) before a service is added
 * and after one is deleted, so a crash in between errs on the side of owning, never on deleting a stranger's.
 * One line per service: "TCP 192.0.2.1 80", "UDP 2001:db8::1 53", "FWM 2 7" (family, mark).
 */
public final class OwnershipJournal {
  private final Path file;
  // Each service's line kept formatted, in the file's order: a service added or deleted writes the file without
  // sorting or formatting the others again.
  private final TreeMap<ServiceKey, String> lines = new TreeMap<>();

  /** file null: kept in memory only (tests, dry runs). */
  public OwnershipJournal(Path file) {
    this.file = file;
    if (file != null && Files.exists(file)) {
      try {
        for (String line : Files.readAllLines(file)) {
          ServiceKey k = parse(line.trim());
          if (k != null) {
            lines.put(k, format(k));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read ownership journal " + file, e);
      }
    }
  }

  public synchronized Set<ServiceKey> owned() {
    return new TreeSet<>(lines.keySet());
  }

  public synchronized boolean contains(ServiceKey key) {
    return lines.containsKey(key);
  }

  public synchronized void add(ServiceKey key) {
    if (!lines.containsKey(key)) {
      lines.put(key, format(key));
      persist();
    }
  }

  public synchronized void remove(ServiceKey key) {
    if (lines.remove(key) != null) {
      persist();
    }
  }

  /** Forgets every service {@code keep} rejects, in one write: no copy of the set when none goes. */
  public synchronized void retainOnly(Predicate<ServiceKey> keep) {
    if (lines.keySet().removeIf(keep.negate())) {
      persist();
    }
  }

  static String format(ServiceKey k) {
    return k.isFirewallMark() ? "FWM " + k.family() + " " + k.firewallMark()
        : k.protocol() + " " + k.address() + " " + k.port();
  }

  static ServiceKey parse(String line) {
    String[] p = line.split(" ");
    if (p.length != 3) {
      return null;
    }
    try {
      if (p[0].equals("FWM")) {
        return ServiceKey.ofFirewallMark(Integer.parseInt(p[1]), Long.parseLong(p[2]));
      }
      return ServiceKey.of(Protocol.valueOf(p[0]), IpAddress.parse(p[1]), Integer.parseInt(p[2]));
    } catch (IllegalArgumentException e) {
      return null; // a line we cannot read is not ours to act on
    }
  }

  private void persist() {
    if (file == null) {
      return;
    }
    writeAtomically(file, lines.values(), "ownership journal");
  }

  /**
   * Replaces a journal file as a whole (written beside it, then renamed), so a crash mid-write leaves the old
   * journal or the new one, never half of one. {@code what} names the journal in the error.
   */
  public static void writeAtomically(Path file, Iterable<String> lines, String what) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.write(tmp, lines);
      try {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + what + " " + file, e);
    }
  }
}
