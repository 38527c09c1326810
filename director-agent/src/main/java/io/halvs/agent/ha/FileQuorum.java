package io.halvs.agent.ha;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A Quorum in a directory both directors can reach (standalone runs and the netns benchmark). Every write is a new
 * file named by its version, holding "holder renewWallMillis silent"; the current record is the highest version.
 * The compare-and-set is link(2) of the fully written record to the next version's name, which fails when anyone
 * took that name first. There is no lock: a director stopped inside a call (the benchmark's freeze is SIGSTOP)
 * would hold a lock for as long as it is stopped and keep its peer from ever taking over, where an API server's
 * compare-and-set never waits for a stalled client.
 *
 * <p>A file named like the directory plus ".down" makes the store unreachable for everyone (the benchmark's API
 * outage), plus ".NODE.down" for that director only (its link is down: in a real pair the API is across it too).
 */
public final class FileQuorum implements Quorum {
  /** Versions kept below the newest; older ones are deleted by the writer that moved past them. */
  static final int KEPT = 16;
  private static final Record NONE = new Record(null, 0, "0", 0, false);

  private final Path dir;
  private final Path down;
  private final Path nodeDown;

  public FileQuorum(Path dir, String node) {
    this.dir = dir;
    this.down = dir.resolveSibling(dir.getFileName() + ".down");
    this.nodeDown = dir.resolveSibling(dir.getFileName() + "." + node + ".down");
  }

  @Override
  public Record read() throws IOException {
    reachable();
    for (int attempt = 0; attempt < 10; attempt++) {
      long v = versions(null);
      if (v == 0) {
        return NONE;
      }
      try {
        return parse(v, Files.readString(dir.resolve(Long.toString(v)), StandardCharsets.UTF_8));
      } catch (NoSuchFileException e) {
        // deleted by writers that moved KEPT versions past it since the listing: list again
      }
    }
    throw new IOException("quorum directory " + dir + " changed faster than it could be read");
  }

  @Override
  public Record write(Record expected, String holder, long renewWallMillis, boolean silent) throws IOException {
    reachable();
    // the version counts every write, so it is the term as well
    long next = Long.parseLong(expected.version()) + 1;
    Path name = dir.resolve(Long.toString(next));
    Path draft = Files.createTempFile(dir, ".draft-", "");
    try {
      Files.writeString(draft, holder + " " + renewWallMillis + " " + silent + "\n", StandardCharsets.UTF_8);
      Files.createLink(name, draft);
    } catch (FileAlreadyExistsException e) {
      return null; // someone wrote that version first
    } finally {
      Files.deleteIfExists(draft);
    }
    // The name was free, but a writer that read long ago (or renews on its own old write after a freeze) can find
    // a version's name free again once it was deleted as too old: it won nothing if a newer version exists.
    List<Path> old = new ArrayList<>();
    long newest = versions(old);
    if (newest > next) {
      Files.deleteIfExists(name);
      return null;
    }
    for (Path p : old) {
      if (Long.parseLong(p.getFileName().toString()) < next - KEPT) {
        Files.deleteIfExists(p);
      }
    }
    return new Record(holder, renewWallMillis, String.valueOf(next), next, silent);
  }

  /** The highest version in the directory (0: none yet); adds every version's path to {@code all} when given. */
  private long versions(List<Path> all) throws IOException {
    long newest = 0;
    try (DirectoryStream<Path> names = Files.newDirectoryStream(dir)) {
      for (Path p : names) {
        String n = p.getFileName().toString();
        if (!n.isEmpty() && n.length() < 19 && n.chars().allMatch(c -> c >= '0' && c <= '9')) {
          newest = Math.max(newest, Long.parseLong(n));
          if (all != null) {
            all.add(p);
          }
        }
      }
    }
    return newest;
  }

  private void reachable() throws IOException {
    for (Path marker : new Path[] {down, nodeDown}) {
      if (Files.exists(marker)) {
        throw new IOException("quorum store marked unreachable: " + marker);
      }
    }
    if (!Files.isDirectory(dir)) {
      try {
        Files.createDirectories(dir);
      } catch (FileAlreadyExistsException e) {
        throw new IOException("--quorum-file " + dir + " is not a directory (a file of an older halvs? remove it)");
      }
    }
  }

  private Record parse(long version, String line) throws IOException {
    String[] f = line.trim().split(" ");
    if (f.length != 3) {
      throw new IOException("quorum record " + dir.resolve(Long.toString(version)) + " unreadable: " + line);
    }
    return new Record(f[0], Long.parseLong(f[1]), Long.toString(version), version, Boolean.parseBoolean(f[2]));
  }
}
