package io.halvs.plan.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.halvs.plan.DirectorPlan;
import io.halvs.plan.testing.Fuzz;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The plan codec on anything a ConfigMap could hold: manifests (JSON text mutated, truncated, nested deep, of the
 * wrong shape) and shards (gzip bytes mutated, and JSON mutated then gzipped with a manifest whose hash matches,
 * so it reaches the JSON reader, and gzip bombs). Property: a plan or IncompletePlanException — the exception the
 * agent keeps its last good plan on — never another one, no hang, memory bounded. See {@link Fuzz}.
 */
class PlanCodecFuzzTest {
  static final DirectorPlan PLAN = PlanCodecTest.plan(6, 3);
  static final PlanCodec.Published PUBLISHED = PlanCodec.split(PLAN, PlanCodec.Manifest.ACTIVE);
  static final String MANIFEST = PlanCodec.manifestJson(PUBLISHED.manifest());
  static final byte[] SHARD_JSON = PlanCodec.gunzip(PUBLISHED.shards().get(0).gzipJson());
  static final long BOUND = 64L << 20;

  static final String[] ODD_JSON = {"null", "[]", "{}", "\"x\"", "1e999999", "{\"shards\":null}",
      "{\"shards\":[null]}", "{\"header\":null,\"shards\":[]}", "{\"shards\":[{\"index\":0}]}", "[null]", "[{}]",
      "[{\"key\":null}]", "{\"pair\":\"p\",\"header\":{},\"shards\":[]}", "[".repeat(5000), "{\"a\":".repeat(5000)};

  record Input(String manifest, Map<Integer, byte[]> shards) {}

  static String mutateText(Random r, String valid) {
    if (r.nextInt(10) == 0) {
      return ODD_JSON[r.nextInt(ODD_JSON.length)];
    }
    StringBuilder s = new StringBuilder(valid);
    String tokens = "{}[]\":,0-1.e\\ nulltruefalse";
    for (int e = 0, n = 1 + r.nextInt(4); e < n && s.length() > 0; e++) {
      int at = r.nextInt(s.length());
      switch (r.nextInt(5)) {
        case 0 -> s.setCharAt(at, tokens.charAt(r.nextInt(tokens.length())));
        case 1 -> s.delete(at, Math.min(s.length(), at + 1 + r.nextInt(20)));
        case 2 -> s.insert(at, r.nextBoolean() ? "null" : r.nextBoolean() ? "-1" : "99999999999999999999");
        case 3 -> s.setLength(at);
        default -> { // a piece of the text repeated elsewhere
          int from = r.nextInt(s.length());
          s.insert(at, s.substring(from, Math.min(s.length(), from + 1 + r.nextInt(30))));
        }
      }
    }
    return s.toString();
  }

  static Input input(Random r) {
    Map<Integer, byte[]> shards = new HashMap<>();
    PUBLISHED.shards().forEach(s -> shards.put(s.index(), s.gzipJson()));
    switch (r.nextInt(4)) {
      case 0 -> {
        return new Input(mutateText(r, MANIFEST), shards);
      }
      case 1 -> { // gzip bytes changed: the gzip CRC or the hash must catch it
        int i = r.nextInt(shards.size());
        shards.put(i, r.nextInt(5) == 0 ? Fuzz.randomBytes(r, 200) : Fuzz.mutate(r, shards.get(i)));
        return new Input(MANIFEST, shards);
      }
      default -> { // JSON changed, gzipped and hashed right: it reaches the reader
        byte[] json = mutateText(r, new String(SHARD_JSON, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
        PlanCodec.Manifest m = PUBLISHED.manifest();
        List<PlanCodec.ShardRef> refs = new ArrayList<>(m.shards());
        byte[] gz = PlanCodec.gzip(json);
        refs.set(0, new PlanCodec.ShardRef(0, PlanCodec.sha256(json), refs.get(0).services(), PlanCodec.sha256(gz)));
        shards.put(0, gz);
        return new Input(PlanCodec.manifestJson(new PlanCodec.Manifest(m.pair(), m.planHash(), m.state(),
            m.header(), refs)), shards);
      }
    }
  }

  static void decode(Input in) {
    try {
      DirectorPlan plan = PlanCodec.assemble(PlanCodec.parseManifest(in.manifest()), in.shards());
      assertThat(plan).isNotNull();
    } catch (PlanCodec.IncompletePlanException expected) {
      // the declared failure: the agent keeps its last good plan
    }
  }

  @Test
  void theCodecTakesAnyManifestAndShards() {
    Fuzz.run("plan codec", 1_500, PlanCodecFuzzTest::input,
        in -> "manifest " + in.manifest() + ", shard 0 " + Fuzz.hex(in.shards().get(0)), in -> BOUND,
        PlanCodecFuzzTest::decode);
  }

  @Test
  void aGzipBombIsRefusedWithoutInflatingIt() throws java.io.IOException {
    // 512 MiB of zeros is a 0.5 MiB gzip: within a ConfigMap's size, far beyond any real shard.
    java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(gz)) {
      byte[] zeros = new byte[1 << 20];
      for (int i = 0; i < 512; i++) {
        out.write(zeros);
      }
    }
    Map<Integer, byte[]> shards = Map.of(0, gz.toByteArray());
    // a manifest that names the bomb's own hash (both edited), so that the bomb reaches the unzip
    PlanCodec.Manifest m = PUBLISHED.manifest();
    List<PlanCodec.ShardRef> refs = new ArrayList<>(m.shards());
    refs.set(0, new PlanCodec.ShardRef(0, refs.get(0).hash(), refs.get(0).services(), PlanCodec.sha256(shards.get(0))));
    PlanCodec.Manifest naming = new PlanCodec.Manifest(m.pair(), m.planHash(), m.state(), m.header(), refs);
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long before = mx.getCurrentThreadAllocatedBytes();
    assertThatThrownBy(() -> PlanCodec.assemble(naming, shards))
        .isInstanceOf(PlanCodec.IncompletePlanException.class).hasMessageContaining("larger than");
    long allocated = mx.getCurrentThreadAllocatedBytes() - before;
    System.out.printf("gzip bomb of %d bytes: refused after allocating %d MiB%n", shards.get(0).length,
        allocated >> 20);
    assertThat(allocated).as("allocated bytes").isLessThan(3L * PlanCodec.MAX_SHARD_JSON);
  }
}
