package io.halvs.plan.testing;

import java.lang.management.ManagementFactory;
import java.util.HexFormat;
import java.util.Random;
import java.util.function.Function;

/**
 * Seeded, property-based fuzzing in plain JUnit: a generator makes an input from a Random, a property runs the
 * code under test on it and throws an AssertionError when it misbehaves. Any other exception, an input that
 * allocates more than its memory bound, or one still running after the hang limit fails the run with the
 * input's case seed and bytes, so it replays exactly.
 *
 * <p>CI runs each fuzzer's short default; run longer or elsewhere with system properties, e.g.
 * {@code -Dhalvs.fuzz.iterations=1000000 -Dhalvs.fuzz.seed=$RANDOM}. The same class exists in the director-agent
 * module (the modules share no test jar).
 */
public final class Fuzz {
  public static final String ITERATIONS = "halvs.fuzz.iterations";
  public static final String SEED = "halvs.fuzz.seed";
  /** Seconds one input may run before it counts as a hang: far above any input's real cost (microseconds). */
  public static final String HANG_SECONDS = "halvs.fuzz.hang-seconds";

  /** What one input does; throws AssertionError for a broken property, and nothing else. */
  public interface Property<T> {
    void check(T input) throws Exception;
  }

  /** Inputs whose allocations are not bounded: the first runs load classes and fill caches. */
  static final int WARM_UP = 50;

  private Fuzz() {}

  public static int iterations(int ciDefault) {
    return Integer.getInteger(ITERATIONS, ciDefault);
  }

  public static long seed() {
    return Long.getLong(SEED, 20261130L);
  }

  /**
   * Runs the property on iterations generated inputs; returns how many ran. maxBytes bounds what one input may
   * allocate (on the thread that runs it), as a function of the input.
   */
  public static <T> int run(String name, int ciDefault, Function<Random, T> generator, Function<T, String> show,
      Function<T, Long> maxBytes, Property<T> property) {
    int n = iterations(ciDefault);
    long seed = seed();
    long hangNanos = Long.getLong(HANG_SECONDS, 60) * 1_000_000_000L;
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    Throwable[] failure = new Throwable[1];
    int[] ran = {0};
    long[] current = {-1, 0}; // case seed, start nanos (read by the watchdog)
    Thread worker = new Thread(() -> {
      for (int i = 0; i < n; i++) {
        long caseSeed = seed * 1_000_003L + i;
        T input;
        try {
          input = generator.apply(new Random(caseSeed));
        } catch (Throwable t) {
          failure[0] = new AssertionError(name + ": the generator failed on case seed " + caseSeed, t);
          return;
        }
        synchronized (current) {
          current[0] = caseSeed;
          current[1] = System.nanoTime();
        }
        long before = mx.getCurrentThreadAllocatedBytes();
        try {
          property.check(input);
        } catch (Throwable t) {
          failure[0] = new AssertionError(describe(name, caseSeed, i, show.apply(input)) + ": " + t, t);
          return;
        }
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        long bound = maxBytes.apply(input);
        if (i >= WARM_UP && allocated > bound) {
          failure[0] = new AssertionError(describe(name, caseSeed, i, show.apply(input)) + ": allocated "
              + allocated + " bytes, bound " + bound);
          return;
        }
        ran[0]++;
      }
    }, "fuzz-" + name);
    worker.setDaemon(true);
    worker.start();
    try {
      while (worker.isAlive()) {
        worker.join(1000);
        synchronized (current) {
          if (worker.isAlive() && current[0] >= 0 && System.nanoTime() - current[1] > hangNanos) {
            throw new AssertionError(name + ": case seed " + current[0] + " still running after "
                + hangNanos / 1_000_000_000L + " s: a hang (replay it with that case seed)");
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
    if (failure[0] != null) {
      throw (AssertionError) failure[0];
    }
    if (ran[0] != n) {
      throw new AssertionError(name + ": " + ran[0] + " of " + n + " inputs ran");
    }
    System.out.printf("fuzz %s: %d inputs, seed %d, no failure%n", name, n, seed);
    return n;
  }

  private static String describe(String name, long caseSeed, int i, String input) {
    return name + " failed on input " + i + " (case seed " + caseSeed + "): " + input;
  }

  public static String hex(byte[] b) {
    int shown = Math.min(b.length, 256);
    return b.length + " bytes " + HexFormat.of().formatHex(b, 0, shown) + (shown < b.length ? "..." : "");
  }

  // ---- generators ---------------------------------------------------------------------------------------

  public static byte[] randomBytes(Random r, int maxLength) {
    byte[] b = new byte[r.nextInt(maxLength + 1)];
    r.nextBytes(b);
    return b;
  }

  static final int[] EXTREMES = {0, 1, 3, 4, 15, 16, 17, 20, 0x7fff, 0xffff, 0x10000, 0x7ffffff8, 0x7fffffff,
      0x80000000, 0xfffffff0, 0xffffffff};

  /** An extreme length (or any int) at a place where a length field lives, little-endian. */
  public static void extremeInt(Random r, byte[] b, int at) {
    int v = r.nextInt(4) == 0 ? r.nextInt() : EXTREMES[r.nextInt(EXTREMES.length)];
    for (int k = 0; k < 4 && at + k < b.length; k++) {
      b[at + k] = (byte) (v >>> (8 * k));
    }
  }

  /**
   * A valid input changed a little: bit flips, random bytes, 16- and 32-bit lengths set to extremes (0, 1, odd
   * sizes, 0x7fff..., 0xffff...), cut short or grown with junk.
   */
  public static byte[] mutate(Random r, byte[] valid) {
    byte[] b = valid.clone();
    int edits = 1 + r.nextInt(4);
    for (int e = 0; e < edits && b.length > 0; e++) {
      int at = r.nextInt(b.length);
      switch (r.nextInt(6)) {
        case 0 -> b[at] ^= (byte) (1 << r.nextInt(8));
        case 1 -> b[at] = (byte) r.nextInt(256);
        case 2 -> {
          int v = EXTREMES[r.nextInt(EXTREMES.length)];
          for (int k = 0; k < (r.nextBoolean() ? 2 : 4) && at + k < b.length; k++) {
            b[at + k] = (byte) (v >>> (8 * k)); // little-endian, as netlink lengths on x86-64 and arm64
          }
        }
        case 3 -> b = java.util.Arrays.copyOf(b, at);
        case 4 -> {
          byte[] tail = randomBytes(r, 64);
          byte[] longer = java.util.Arrays.copyOf(b, b.length + tail.length);
          System.arraycopy(tail, 0, longer, b.length, tail.length);
          b = longer;
        }
        default -> {
          int from = r.nextInt(b.length);
          int len = Math.min(b.length - Math.max(at, from), r.nextInt(16));
          if (len > 0) {
            System.arraycopy(b, from, b, at, len);
          }
        }
      }
    }
    return b;
  }
}
