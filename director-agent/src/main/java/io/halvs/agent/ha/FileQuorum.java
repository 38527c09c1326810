package io.halvs.agent.ha;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A Quorum in a file both directors can reach (standalone runs and the netns benchmark): one line "holder
 * renewWallMillis version silent", compare-and-set under an exclusive lock on the file. A file named like it plus
 * ".down" makes it unreachable for everyone (the benchmark's API outage), plus ".NODE.down" for that director only
 * (its link is down: in a real pair the API is across that link too).
 */
public final class FileQuorum implements Quorum {
  private final Path file;
  private final Path down;
  private final Path nodeDown;

  public FileQuorum(Path file, String node) {
    this.file = file;
    this.down = file.resolveSibling(file.getFileName() + ".down");
    this.nodeDown = file.resolveSibling(file.getFileName() + "." + node + ".down");
  }

  @Override
  public Record read() throws IOException {
    try (FileChannel ch = open(); FileLock lock = ch.lock()) {
      return parse(ch);
    }
  }

  @Override
  public Record write(Record expected, String holder, long renewWallMillis, boolean silent)
      throws IOException {
    try (FileChannel ch = open(); FileLock lock = ch.lock()) {
      Record now = parse(ch);
      if (!now.version().equals(expected.version())) {
        return null;
      }
      // the version counts every write, so it is the term as well
      long version = Long.parseLong(now.version()) + 1;
      byte[] line = (holder + " " + renewWallMillis + " " + version + " " + silent + "\n")
          .getBytes(StandardCharsets.UTF_8);
      ch.truncate(0);
      ch.write(java.nio.ByteBuffer.wrap(line), 0);
      ch.force(false);
      return new Record(holder, renewWallMillis, String.valueOf(version), version, silent);
    }
  }

  private FileChannel open() throws IOException {
    for (Path marker : new Path[] {down, nodeDown}) {
      if (Files.exists(marker)) {
        throw new IOException("quorum file marked unreachable: " + marker);
      }
    }
    return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
  }

  private static Record parse(FileChannel ch) throws IOException {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate((int) Math.min(ch.size(), 4096));
    ch.read(b, 0);
    String[] f = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).trim().split(" ");
    if (f.length != 4) {
      return new Record(null, 0, "0", 0, false);
    }
    return new Record(f[0], Long.parseLong(f[1]), f[2], Long.parseLong(f[2]), Boolean.parseBoolean(f[3]));
  }
}
