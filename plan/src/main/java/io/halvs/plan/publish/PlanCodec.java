package io.halvs.plan.publish;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpvsService;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * How a DirectorPlan travels from the operator to the agents: one small manifest (pair-level settings and the
 * list of shards with their content hashes) plus shards of IPVS services, gzip-compressed JSON, each far below
 * the ~1.5 MiB object limit even at 100,000 destinations. A service lands in the shard its key hashes to, so
 * changing one service rewrites one shard. Pure: no client, no I/O.
 */
public final class PlanCodec {
  /**
   * The most JSON one shard may inflate to. A shard holds ~5,000 destinations, a few MiB of JSON; a ConfigMap
   * holds at most 1 MiB, and JSON this regular compresses maybe 20 times. A gzip bomb (1 GiB of zeros is a 1 MiB
   * gzip) stops here instead of exhausting the agent's heap.
   */
  static final int MAX_SHARD_JSON = 64 << 20;

  /**
   * Destinations per shard the shard count aims at (~6 KiB compressed, ~0.2 MiB of JSON): 128 shards at 100,000
   * destinations. An edit of one service re-encodes one shard in the operator and re-reads it in each agent, so
   * the shard's size is most of an edit's cost on both sides; at 5,000 (32 shards) an agent's read of one was
   * 120-170 ms (p50, C1-compiled) at full size.
   */
  public static final int DESTINATIONS_PER_SHARD = 1250;

  static final ObjectMapper JSON = new ObjectMapper()
      .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /**
   * One shard: its index, the hash of its JSON, its service count, its gzip-compressed JSON and the hash of
   * those compressed bytes.
   */
  public record Shard(int index, String hash, int services, byte[] gzipJson, String gzipHash) {}

  /** The manifest: everything but the services, and which shards hold those. */
  public record Manifest(String pair, String planHash, String state, DirectorPlan header, List<ShardRef> shards) {
    public static final String ACTIVE = "Active";
    public static final String DELETING = "Deleting";
  }

  /**
   * A shard as the manifest lists it. {@code hash} is of its JSON (it makes the plan's hash, and agents before
   * {@code gzipHash} check the JSON against it); {@code gzipHash}, of the compressed bytes as published, is what an
   * agent checks when present: ~30 times fewer bytes to hash, and bytes that do not match are refused before they are
   * unzipped. Null in a manifest from an operator before it.
   */
  public record ShardRef(int index, String hash, int services,
      @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
      String gzipHash) {}

  /** A plan split for publishing. */
  public record Published(Manifest manifest, List<Shard> shards) {}

  private PlanCodec() {}

  public static int shardCount(int destinations) {
    return shardCount(destinations, DESTINATIONS_PER_SHARD);
  }

  static int shardCount(int destinations, int perShard) {
    int wanted = Math.max(1, (destinations + perShard - 1) / perShard);
    int power = Integer.highestOneBit(wanted);
    return power == wanted ? wanted : power << 1;
  }

  /**
   * The shard of a service among {@code shardCount} (a power of two, as {@link #shardCount} gives). String.hashCode
   * is specified by the JLS, so every JVM puts a service in the same shard; but its low bits are not spread: 31 is
   * -1 modulo 32, so the hash modulo 32 is an alternating sum of the key's characters, and the 1,000 keys
   * "10.a.b.1:80/TCP" of the full-size benchmark fell into 25 of 32 shards, the largest with 87 services (2.8 MiB
   * of JSON to hash and parse for an edit of one of them). The hash times the golden ratio, its top bits
   * (Fibonacci hashing), spreads them 25-36.
   */
  public static int shardOf(IpvsService service, int shardCount) {
    if (Integer.bitCount(shardCount) != 1) {
      throw new IllegalArgumentException("shard count " + shardCount + " is not a power of two");
    }
    int bits = Integer.numberOfTrailingZeros(shardCount);
    return bits == 0 ? 0 : (service.key().toString().hashCode() * 0x9E3779B9) >>> (32 - bits);
  }

  public static Published split(DirectorPlan plan, String state) {
    return new Encoder().split(plan, state);
  }

  /**
   * Splits one pair's successive plans, encoding only the shards whose services changed since the last split:
   * at 100,000 destinations the JSON, gzip and hash of every shard were most of a one-weight change's cost in
   * the operator. An unchanged shard (the same services, compared as values) reuses the last bytes and hash.
   * Not thread-safe: one per pair, used by the thread that builds the plans.
   */
  public static final class Encoder {
    private final int destinationsPerShard;
    private List<List<IpvsService>> lastBuckets = List.of();
    private List<Shard> lastShards = List.of();
    private long encoded;

    public Encoder() {
      this(DESTINATIONS_PER_SHARD);
    }

    /** An encoder that aims at another shard size: the benchmark's comparison. */
    Encoder(int destinationsPerShard) {
      this.destinationsPerShard = destinationsPerShard;
    }

    public Published split(DirectorPlan plan, String state) {
      int count = shardCount(plan.destinationCount(), destinationsPerShard);
      List<List<IpvsService>> buckets = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        buckets.add(new ArrayList<>());
      }
      for (IpvsService s : plan.services()) {
        buckets.get(shardOf(s, count)).add(s);
      }
      List<Shard> shards = new ArrayList<>();
      boolean sameCount = lastBuckets.size() == count;
      for (int i = 0; i < count; i++) {
        if (sameCount && lastBuckets.get(i).equals(buckets.get(i))) {
          shards.add(lastShards.get(i));
          continue;
        }
        byte[] json = write(buckets.get(i));
        byte[] gz = gzip(json);
        shards.add(new Shard(i, sha256(json), buckets.get(i).size(), gz, sha256(gz)));
        encoded++;
      }
      lastBuckets = buckets;
      lastShards = shards;
      return publish(plan, state, shards);
    }

    /** Shards encoded (JSON, gzip, hash) so far. */
    public long encoded() {
      return encoded;
    }
  }

  private static Published publish(DirectorPlan plan, String state, List<Shard> shards) {
    List<ShardRef> refs = new ArrayList<>();
    for (Shard shard : shards) {
      refs.add(new ShardRef(shard.index(), shard.hash(), shard.services(), shard.gzipHash()));
    }
    DirectorPlan header = plan.withServices(List.of());
    StringBuilder all = new StringBuilder(new String(write(header), StandardCharsets.UTF_8));
    refs.forEach(r -> all.append('\n').append(r.hash()));
    String planHash = sha256(all.toString().getBytes(StandardCharsets.UTF_8));
    return new Published(new Manifest(plan.pair(), planHash, state, header, refs), shards);
  }

  /**
   * Puts a plan back together from its manifest and the shards read so far (by index). Throws
   * {@link IncompletePlanException} while a shard is missing or does not match the manifest's hash — an
   * update in flight: the caller keeps its last good plan.
   */
  public static DirectorPlan assemble(Manifest manifest, Map<Integer, byte[]> gzipShards) {
    return new Decoder().assemble(manifest, gzipShards::get);
  }

  /**
   * Puts one pair's successive plans together, decoding only the shards that changed since they were last
   * decoded: at 100,000 destinations decoding every shard was most of an agent's cost per plan change. Each
   * shard's compressed bytes are kept with what they decoded to; a shard whose bytes are the kept ones (and whose
   * hash in the manifest is the kept one) is reused after a byte comparison, without gunzip, JSON or hash. Any
   * other bytes are decoded and checked, so a shard edited by hand under an unchanged manifest is still found.
   * Not thread-safe.
   */
  public static final class Decoder {
    private record Kept(String hash, byte[] gzip, List<IpvsService> services) {}

    /**
     * For a manifest without compressed-bytes hashes (an older operator's): a shard's bytes unzipped, with the hash
     * of their JSON, kept while the manifest naming them is still to come. A publish writes the changed shards
     * before the manifest, and each event in between assembles the plan: they are unzipped and hashed once.
     */
    private record Unzipped(byte[] gzip, byte[] json, String hash) {}

    private final Map<Integer, Kept> kept = new java.util.HashMap<>();
    private final Map<Integer, Unzipped> ahead = new java.util.HashMap<>();
    // The last plan's services in order and the shards' lists they came from: a plan with one shard changed is the
    // last order with that shard's old services taken out and its new ones merged in, not 1,000 services sorted.
    private List<IpvsService> lastOrder;
    private Map<Integer, List<IpvsService>> lastParts = Map.of();
    private long decoded;
    private long unzipped;

    /**
     * As {@link PlanCodec#assemble}, with each shard's compressed bytes by index ({@code gzipShard}, null while
     * missing): throws {@link IncompletePlanException}, naming the shard, while one is missing, stale or damaged.
     */
    public DirectorPlan assemble(Manifest manifest, java.util.function.IntFunction<byte[]> gzipShard) {
      check(manifest);
      Map<Integer, List<IpvsService>> parts = new java.util.HashMap<>();
      for (ShardRef ref : manifest.shards()) {
        byte[] gz = gzipShard.apply(ref.index());
        if (gz == null) {
          throw new IncompletePlanException(ref.index(), "shard " + ref.index() + " of plan " + manifest.pair()
              + " is missing");
        }
        Kept k = kept.get(ref.index());
        boolean keptBytes = k != null && java.util.Arrays.equals(k.gzip(), gz);
        if (keptBytes && !k.hash().equals(ref.hash())) {
          // The bytes decoded last time, whose JSON hashed to another hash: a manifest read before its shard (the
          // two are written side by side). No need to unzip and hash them again to know it.
          throw mismatch(manifest, ref);
        }
        if (!keptBytes) {
          k = new Kept(ref.hash(), gz, decode(manifest, ref, gz));
          kept.put(ref.index(), k);
          decoded++;
        }
        parts.put(ref.index(), k.services());
      }
      kept.keySet().retainAll(parts.keySet());
      ahead.keySet().retainAll(parts.keySet());
      List<IpvsService> services = order(parts);
      lastOrder = services;
      lastParts = parts;
      return plan(manifest.header(), services);
    }

    /** Every shard's services in key order: the last order merged with the changed shards' services. */
    private List<IpvsService> order(Map<Integer, List<IpvsService>> parts) {
      List<IpvsService> gone = new ArrayList<>();
      List<IpvsService> come = new ArrayList<>();
      lastParts.forEach((i, was) -> {
        if (parts.get(i) != was) {
          gone.addAll(was);
        }
      });
      parts.forEach((i, is) -> {
        if (lastParts.get(i) != is) {
          come.addAll(is);
        }
      });
      // a quarter or more changed: sort them all
      if (lastOrder == null || gone.size() + come.size() > lastOrder.size() / 4) {
        List<IpvsService> all = new ArrayList<>();
        parts.values().forEach(all::addAll);
        all.sort(SERVICE_ORDER);
        return all;
      }
      java.util.Set<IpvsService> leaving = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
      leaving.addAll(gone);
      come.sort(SERVICE_ORDER);
      List<IpvsService> merged = new ArrayList<>(lastOrder.size() - gone.size() + come.size());
      int c = 0;
      for (IpvsService s : lastOrder) {
        if (leaving.contains(s)) {
          continue;
        }
        while (c < come.size() && SERVICE_ORDER.compare(come.get(c), s) < 0) {
          merged.add(come.get(c++));
        }
        merged.add(s);
      }
      merged.addAll(come.subList(c, come.size()));
      return merged;
    }

    /**
     * One shard's services, its bytes checked against the manifest: by the hash of the compressed bytes before
     * they are unzipped (a shard ahead of its manifest costs a hash of ~6 KiB), else by the hash of the JSON.
     */
    private List<IpvsService> decode(Manifest manifest, ShardRef ref, byte[] gz) {
      if (ref.gzipHash() != null) {
        if (!sha256(gz).equals(ref.gzipHash())) {
          throw mismatch(manifest, ref);
        }
        unzipped++;
        return services(manifest, ref, unzip(ref, gz));
      }
      Unzipped u = ahead.get(ref.index());
      if (u == null || !java.util.Arrays.equals(u.gzip(), gz)) {
        byte[] json = unzip(ref, gz);
        unzipped++;
        u = new Unzipped(gz, json, sha256(json));
        ahead.put(ref.index(), u);
      }
      if (!u.hash().equals(ref.hash())) {
        throw mismatch(manifest, ref);
      }
      ahead.remove(ref.index());
      return services(manifest, ref, u.json());
    }

    /** Shards decoded so far. */
    public long decoded() {
      return decoded;
    }

    /** Shards unzipped so far: once for each new shard's bytes, however often they are assembled. */
    public long unzipped() {
      return unzipped;
    }
  }

  private static IncompletePlanException mismatch(Manifest manifest, ShardRef ref) {
    return new IncompletePlanException(ref.index(), "shard " + ref.index() + " of plan " + manifest.pair()
        + " does not match the manifest (an update in flight, or edited)");
  }

  private static byte[] unzip(ShardRef ref, byte[] gz) {
    try {
      return gunzip(gz);
    } catch (IncompletePlanException e) {
      throw new IncompletePlanException(ref.index(), e.getMessage());
    }
  }

  /** The services of a shard's JSON, its bytes already checked against the manifest. */
  private static List<IpvsService> services(Manifest manifest, ShardRef ref, byte[] json) {
    List<IpvsService> part;
    try {
      part = read(json, new TypeReference<List<IpvsService>>() {});
    } catch (IncompletePlanException e) {
      throw new IncompletePlanException(ref.index(), e.getMessage());
    }
    if (part == null || part.stream().anyMatch(x -> x == null || x.key() == null)) {
      throw new IncompletePlanException(ref.index(), "shard " + ref.index() + " of plan " + manifest.pair()
          + " holds a service without a key");
    }
    return part;
  }

  /** One call a comparison: the agent's C1 inlines no key extractor. */
  private static final java.util.Comparator<IpvsService> SERVICE_ORDER = (a, b) -> a.key().compareTo(b.key());

  private static DirectorPlan plan(Manifest manifest, List<IpvsService> services) {
    services.sort(SERVICE_ORDER);
    return plan(manifest.header(), services);
  }

  /** The plan of a manifest's header and its services in key order. */
  private static DirectorPlan plan(DirectorPlan h, List<IpvsService> services) {
    return new DirectorPlan(h.pair(), h.nodes(), h.vipInterface(), h.vips(), h.gateway(),
        new TreeMap<>(h.sysctls()), h.syncDaemon(), h.highAvailability(), services, h.connectionTimeouts(),
        h.vipSettings(), h.moreGateways(), h.markRules());
  }

  public static String manifestJson(Manifest m) {
    return new String(write(m), StandardCharsets.UTF_8);
  }

  /** The manifest; {@link IncompletePlanException} when it is not one (JSON null, no header or shard list). */
  public static Manifest parseManifest(String json) {
    if (json == null) {
      throw new IncompletePlanException("no manifest");
    }
    Manifest m = read(json.getBytes(StandardCharsets.UTF_8), new TypeReference<Manifest>() {});
    check(m);
    return m;
  }

  /**
   * What assembling relies on: JSON can leave out (or null) any field, and what the manifest lacks must be
   * refused here, as incomplete, not found later as a NullPointerException.
   */
  private static void check(Manifest m) {
    if (m == null || m.pair() == null || m.planHash() == null || m.header() == null || m.shards() == null) {
      throw new IncompletePlanException("manifest without pair, plan hash, header or shards");
    }
    DirectorPlan h = m.header();
    if (h.nodes() == null || h.vips() == null || h.sysctls() == null) {
      throw new IncompletePlanException("manifest of plan " + m.pair() + " without nodes, VIPs or sysctls");
    }
    // A plan without markRules (from an operator before them) reads as none: the record makes null empty.
    if (h.markRules().stream().anyMatch(r -> r == null || r.address() == null)) {
      throw new IncompletePlanException("manifest of plan " + m.pair() + " lists a marking rule without an address");
    }
    if (m.shards().stream().anyMatch(r -> r == null || r.hash() == null)) {
      throw new IncompletePlanException("manifest of plan " + m.pair() + " lists a shard without a hash");
    }
  }

  /** A plan whose parts do not fit together (yet): an update in flight, or a part damaged. */
  public static final class IncompletePlanException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int shard;

    public IncompletePlanException(String message) {
      this(-1, message);
    }

    public IncompletePlanException(int shard, String message) {
      super(message);
      this.shard = shard;
    }

    /** The index of the shard at fault; -1 when it is the manifest. */
    public int shard() {
      return shard;
    }
  }

  static byte[] write(Object o) {
    try {
      return JSON.writeValueAsBytes(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize " + o.getClass().getSimpleName(), e);
    }
  }

  static <T> T read(byte[] json, TypeReference<T> type) {
    try {
      return JSON.readValue(json, type);
    } catch (IOException e) {
      // the original message: one line, without Jackson's "at [Source: ...]" location lines
      throw new IncompletePlanException("unreadable plan part: "
          + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
    }
  }

  static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data)).substring(0, 32);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] gzip(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 4 + 64);
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static byte[] gunzip(byte[] data) {
    // The gzip trailer's last 4 bytes give the length: read into one array of that size (readNBytes gathers 8 KiB
    // chunks and copies them, twice the JSON per shard). The trailer is only a hint: when the data does not end
    // exactly there, the bounded read below decides.
    int n = data.length;
    long size = n < 18 ? -1 : (data[n - 4] & 0xffL) | (data[n - 3] & 0xffL) << 8 | (data[n - 2] & 0xffL) << 16
        | (data[n - 1] & 0xffL) << 24;
    if (size >= 0 && size <= MAX_SHARD_JSON) {
      try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(data))) {
        byte[] json = new byte[(int) size];
        if (in.readNBytes(json, 0, json.length) == json.length && in.read() == -1) {
          return json;
        }
      } catch (IOException e) {
        throw new IncompletePlanException("corrupt shard: " + e.getMessage());
      }
    }
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(data))) {
      byte[] json = in.readNBytes(MAX_SHARD_JSON + 1);
      if (json.length > MAX_SHARD_JSON) {
        throw new IncompletePlanException("corrupt shard: its JSON is larger than " + MAX_SHARD_JSON + " bytes");
      }
      return json;
    } catch (IOException e) {
      throw new IncompletePlanException("corrupt shard: " + e.getMessage());
    }
  }
}
