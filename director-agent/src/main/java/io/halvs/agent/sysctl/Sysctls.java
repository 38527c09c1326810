package io.halvs.agent.sysctl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes /proc/sys of the agent's network namespace. Remembers each key's value from before halvs
 * first changed it (reported, so nobody wonders where a setting went), writes only what differs, and keeps
 * going when one key fails.
 */
public final class Sysctls {
  private final Path root;
  private final Map<String, String> previous = new LinkedHashMap<>();

  /** root: /proc/sys normally; the DaemonSet mounts the host's at /host/proc/sys (HALVS_SYSCTL_ROOT). */
  public Sysctls(Path root) {
    this.root = root;
  }

  public static Sysctls fromEnvironment() {
    String r = System.getenv("HALVS_SYSCTL_ROOT");
    return new Sysctls(Paths.get(r == null || r.isBlank() ? "/proc/sys" : r));
  }

  /**
   * net.ipv4.conf.eth0.100.arp_ignore -> net/ipv4/conf/eth0.100/arp_ignore: in net.ipv4.conf.IFNAME.KEY and
   * net.ipv6.conf.IFNAME.KEY the interface name may hold dots, so it is kept whole.
   */
  public Path path(String key) {
    String[] p = key.split("\\.");
    if (p.length >= 5 && p[0].equals("net") && (p[1].equals("ipv4") || p[1].equals("ipv6")) && p[2].equals("conf")) {
      String ifname = String.join(".", java.util.Arrays.copyOfRange(p, 3, p.length - 1));
      return root.resolve("net").resolve(p[1]).resolve("conf").resolve(ifname).resolve(p[p.length - 1]);
    }
    return root.resolve(key.replace('.', '/'));
  }

  public String read(String key) throws IOException {
    return Files.readString(path(key)).trim();
  }

  /** One change made, or one that failed. */
  public record Change(String key, String before, String after, String error) {
    @Override
    public String toString() {
      return error != null ? key + ": " + error : key + " " + before + " -> " + after;
    }
  }

  /** Applies the desired values; returns what changed and what failed (never throws for one key). */
  public List<Change> apply(Map<String, String> desired) {
    List<Change> changes = new ArrayList<>();
    desired.forEach((key, value) -> {
      try {
        String now = read(key);
        // Pair-valued sysctls (vs.sync_threshold) read back tab-separated.
        if (now.replaceAll("\\s+", " ").equals(value.trim().replaceAll("\\s+", " "))) {
          return;
        }
        previous.putIfAbsent(key, now);
        Files.writeString(path(key), value);
        changes.add(new Change(key, now, value, null));
      } catch (NoSuchFileException e) {
        String hint = key.contains(".vs.") ? " (is the ip_vs module loaded?)"
            : key.contains(".conf.") ? " (does the interface exist?)" : "";
        changes.add(new Change(key, null, value, "no such sysctl " + path(key) + hint));
      } catch (IOException | SecurityException e) {
        changes.add(new Change(key, null, value, "cannot write " + path(key) + ": " + e.getMessage()));
      }
    });
    return changes;
  }

  /** Values from before halvs changed them. */
  public Map<String, String> previous() {
    return Map.copyOf(previous);
  }
}
