package io.halvs.plan.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.halvs.plan.DirectorPlan;
import io.halvs.plan.IpvsService;
import io.halvs.plan.PlanBenchmark;
import io.halvs.plan.PlanBuilder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlanCodecTest {
  static DirectorPlan plan(int services, int perService) {
    return PlanBuilder.build(PlanBenchmark.input(services, perService)).plans().get("lvs");
  }

  static Map<Integer, byte[]> byIndex(List<PlanCodec.Shard> shards) {
    Map<Integer, byte[]> m = new HashMap<>();
    shards.forEach(s -> m.put(s.index(), s.gzipJson()));
    return m;
  }

  /** The plan with service {@code i}'s scheduler changed to rr: a one-service change. */
  static DirectorPlan rescheduled(DirectorPlan plan, int i) {
    List<IpvsService> services = new ArrayList<>(plan.services());
    IpvsService s = services.get(i);
    services.set(i, new IpvsService(s.key(), s.vip(), "rr", s.flags(), s.timeoutSeconds(), s.netmask(),
        s.destinations(), s.sorryServer(), s.healthCheck(), s.owner()));
    return new DirectorPlan(plan.pair(), plan.nodes(), plan.vipInterface(), plan.vips(), plan.gateway(),
        plan.sysctls(), plan.syncDaemon(), plan.highAvailability(), services);
  }

  @Test
  void roundTripIsLossless() {
    DirectorPlan plan = plan(40, 5);
    PlanCodec.Published p = PlanCodec.split(plan, PlanCodec.Manifest.ACTIVE);
    PlanCodec.Manifest manifest = PlanCodec.parseManifest(PlanCodec.manifestJson(p.manifest()));
    assertThat(PlanCodec.assemble(manifest, byIndex(p.shards()))).isEqualTo(plan);
  }

  /** Timeouts travel in the manifest; a plan without them publishes exactly as before (same hash, no new key). */
  @Test
  void connectionTimeoutsRoundTripAndAreAbsentWhenUnset() {
    DirectorPlan plain = plan(3, 2);
    DirectorPlan timed = new DirectorPlan(plain.pair(), plain.nodes(), plain.vipInterface(), plain.vips(),
        plain.gateway(), plain.sysctls(), plain.syncDaemon(), plain.highAvailability(), plain.services(),
        new DirectorPlan.TimeoutsPlan(7200, 0, 60));
    PlanCodec.Published p = PlanCodec.split(timed, PlanCodec.Manifest.ACTIVE);
    PlanCodec.Manifest manifest = PlanCodec.parseManifest(PlanCodec.manifestJson(p.manifest()));
    assertThat(PlanCodec.assemble(manifest, byIndex(p.shards()))).isEqualTo(timed);
    String plainJson = PlanCodec.manifestJson(PlanCodec.split(plain, PlanCodec.Manifest.ACTIVE).manifest());
    assertThat(plainJson).doesNotContain("connectionTimeouts");
    assertThat(p.manifest().planHash()).isNotEqualTo(PlanCodec.split(plain, PlanCodec.Manifest.ACTIVE).manifest()
        .planHash());
  }

  /**
   * The Lease term travels with the pair's highAvailability; a plan without it publishes exactly as before (no key,
   * same hash), and a manifest from an operator before it decodes as unset.
   */
  @Test
  void leaseDurationRoundTripsAndIsAbsentWhenUnset() {
    DirectorPlan plain = plan(3, 2);
    DirectorPlan.HaPlan h = plain.highAvailability();
    DirectorPlan longer = new DirectorPlan(plain.pair(), plain.nodes(), plain.vipInterface(), plain.vips(),
        plain.gateway(), plain.sysctls(), plain.syncDaemon(), new DirectorPlan.HaPlan(h.advertIntervalMillis(),
            h.missesBeforeDead(), h.preempt(), h.preemptDelaySeconds(), h.heartbeatPort(), h.authSecretName(),
            h.authSecretKey(), 15), plain.services(), plain.connectionTimeouts());
    PlanCodec.Published p = PlanCodec.split(longer, PlanCodec.Manifest.ACTIVE);
    PlanCodec.Manifest manifest = PlanCodec.parseManifest(PlanCodec.manifestJson(p.manifest()));
    assertThat(PlanCodec.assemble(manifest, byIndex(p.shards())).highAvailability().leaseDurationSeconds())
        .isEqualTo(15);
    String plainJson = PlanCodec.manifestJson(PlanCodec.split(plain, PlanCodec.Manifest.ACTIVE).manifest());
    assertThat(plainJson).doesNotContain("leaseDurationSeconds");
    PlanCodec.Manifest old = PlanCodec.parseManifest(plainJson);
    assertThat(PlanCodec.assemble(old, byIndex(PlanCodec.split(plain, PlanCodec.Manifest.ACTIVE).shards()))
        .highAvailability().leaseDurationSeconds()).isNull();
    assertThat(p.manifest().planHash()).isNotEqualTo(PlanCodec.split(plain, PlanCodec.Manifest.ACTIVE).manifest()
        .planHash());
  }

  /** The newer service and pair fields travel too: engine, inhibit, fwmark addresses, VIP settings, gateways. */
  @Test
  void newerFieldsRoundTrip() {
    DirectorPlan plain = plan(2, 2);
    io.halvs.plan.IpvsService s = plain.services().get(0);
    io.halvs.plan.IpvsService rich = new io.halvs.plan.IpvsService(s.key(), s.vip(), s.scheduler(), s.flags(),
        s.timeoutSeconds(), s.netmask(), s.destinations(), s.destinations().get(0), s.healthCheck(), s.owner(), "sip",
        true, List.of(io.halvs.plan.IpAddress.parse("192.0.2.77")));
    List<io.halvs.plan.IpvsService> services = new java.util.ArrayList<>(plain.services());
    services.set(0, rich);
    DirectorPlan.GatewayPlan g = new DirectorPlan.GatewayPlan(io.halvs.plan.IpAddress.parse("10.9.0.1"), 24, "eth9");
    DirectorPlan p = new DirectorPlan(plain.pair(), plain.nodes(), plain.vipInterface(), plain.vips(), g,
        plain.sysctls(), plain.syncDaemon(), plain.highAvailability(), services, null,
        List.of(new DirectorPlan.VipPlan(plain.vips().get(0), 24, "eth7")), List.of(g));
    PlanCodec.Published pub = PlanCodec.split(p, PlanCodec.Manifest.ACTIVE);
    PlanCodec.Manifest manifest = PlanCodec.parseManifest(PlanCodec.manifestJson(pub.manifest()));
    assertThat(PlanCodec.assemble(manifest, byIndex(pub.shards()))).isEqualTo(p);
    // Services without them publish exactly as before: no new keys in the shards.
    for (PlanCodec.Shard shard : PlanCodec.split(plain, PlanCodec.Manifest.ACTIVE).shards()) {
      assertThat(new String(PlanCodec.gunzip(shard.gzipJson()), java.nio.charset.StandardCharsets.UTF_8))
          .doesNotContain("persistenceEngine").doesNotContain("sorryServerInhibit").doesNotContain("moreVips");
    }
  }

  /**
   * Marking rules travel in the manifest's header, so both agents receive them; a plan without them publishes as
   * before (no key, same hash), and a manifest from an operator before them decodes as a plan without.
   */
  @Test
  void markRulesRoundTripAndOldManifestsDecode() {
    DirectorPlan plain = plan(3, 2);
    List<io.halvs.plan.MarkRule> rules = List.of(
        new io.halvs.plan.MarkRule(10, "TCP", io.halvs.plan.IpAddress.parse("192.0.2.0"), 28, 8000, 8099),
        new io.halvs.plan.MarkRule(10, null, io.halvs.plan.IpAddress.parse("192.0.2.10"), 32, 0, 0),
        new io.halvs.plan.MarkRule(4294967295L, "SCTP", io.halvs.plan.IpAddress.parse("2001:db8::"), 64, 0, 0));
    DirectorPlan marked = new DirectorPlan(plain.pair(), plain.nodes(), plain.vipInterface(), plain.vips(),
        plain.gateway(), plain.sysctls(), plain.syncDaemon(), plain.highAvailability(), plain.services(),
        plain.connectionTimeouts(), plain.vipSettings(), plain.moreGateways(), rules);
    PlanCodec.Published pub = PlanCodec.split(marked, PlanCodec.Manifest.ACTIVE);
    String json = PlanCodec.manifestJson(pub.manifest());
    assertThat(json).contains("\"markRules\"", "\"portFrom\":8000", "\"address\":\"2001:db8::\"");
    DirectorPlan back = PlanCodec.assemble(PlanCodec.parseManifest(json), byIndex(pub.shards()));
    assertThat(back).isEqualTo(marked);
    assertThat(back.markRules()).isEqualTo(rules);

    PlanCodec.Published plainPub = PlanCodec.split(plain, PlanCodec.Manifest.ACTIVE);
    String plainJson = PlanCodec.manifestJson(plainPub.manifest());
    assertThat(plainJson).doesNotContain("markRules");
    assertThat(plainPub.manifest().planHash()).isNotEqualTo(pub.manifest().planHash());
    // An old operator's manifest: no markRules key at all.
    DirectorPlan old = PlanCodec.assemble(PlanCodec.parseManifest(plainJson), byIndex(plainPub.shards()));
    assertThat(old.markRules()).isEmpty();
    assertThat(old).isEqualTo(plain);
    // A damaged rule is refused as incomplete, not met later as a NullPointerException.
    String damaged = json.replace("\"address\":\"192.0.2.10\"", "\"address\":null");
    assertThat(damaged).isNotEqualTo(json);
    assertThatThrownBy(() -> PlanCodec.parseManifest(damaged))
        .isInstanceOf(PlanCodec.IncompletePlanException.class).hasMessageContaining("marking rule");
  }

  @Test
  void shardCountsArePowersOfTwo() {
    assertThat(PlanCodec.shardCount(0)).isEqualTo(1);
    assertThat(PlanCodec.shardCount(1250)).isEqualTo(1);
    assertThat(PlanCodec.shardCount(1251)).isEqualTo(2);
    assertThat(PlanCodec.shardCount(15000)).isEqualTo(16);
    assertThat(PlanCodec.shardCount(100000)).isEqualTo(128);
  }

  /** 100,000 destinations stay far below the ~1.5 MiB object limit per shard. */
  @Test
  void aFullSizePlanFitsInSmallShards() {
    PlanCodec.Published p = PlanCodec.split(plan(1000, 100), PlanCodec.Manifest.ACTIVE);
    int max = p.shards().stream().mapToInt(s -> s.gzipJson().length).max().orElseThrow();
    int total = p.shards().stream().mapToInt(s -> s.gzipJson().length).sum();
    System.out.printf("1,000 x 100 plan: %d shards, %d bytes compressed in all, largest shard %d bytes, "
        + "manifest %d bytes%n", p.shards().size(), total, max, PlanCodec.manifestJson(p.manifest()).length());
    assertThat(max).isLessThan(512 * 1024);
    assertThat(PlanCodec.manifestJson(p.manifest()).length()).isLessThan(64 * 1024);
  }

  @Test
  void changingOneServiceRewritesExactlyOneShard() {
    DirectorPlan plan = plan(400, 50);
    PlanCodec.Published before = PlanCodec.split(plan, PlanCodec.Manifest.ACTIVE);
    DirectorPlan changed = rescheduled(plan, 17);
    PlanCodec.Published after = PlanCodec.split(changed, PlanCodec.Manifest.ACTIVE);
    assertThat(before.shards()).hasSizeGreaterThan(1);
    long differing = 0;
    for (int i = 0; i < before.shards().size(); i++) {
      if (!before.shards().get(i).hash().equals(after.shards().get(i).hash())) {
        differing++;
      }
    }
    assertThat(differing).isEqualTo(1);
    assertThat(after.manifest().planHash()).isNotEqualTo(before.manifest().planHash());
  }

  /** The operator's encoder: a one-service change encodes one shard, and publishes what a fresh split would. */
  @Test
  void theEncoderEncodesOnlyChangedShards() {
    DirectorPlan plan = plan(400, 50);
    PlanCodec.Encoder encoder = new PlanCodec.Encoder();
    PlanCodec.Published first = encoder.split(plan, PlanCodec.Manifest.ACTIVE);
    assertThat(encoder.encoded()).isEqualTo(first.shards().size()).isGreaterThan(1);
    assertThat(encoder.split(plan(400, 50), PlanCodec.Manifest.ACTIVE).manifest()).isEqualTo(first.manifest());
    assertThat(encoder.encoded()).isEqualTo(first.shards().size());

    DirectorPlan changed = rescheduled(plan, 17);
    PlanCodec.Published after = encoder.split(changed, PlanCodec.Manifest.ACTIVE);
    assertThat(encoder.encoded()).isEqualTo(first.shards().size() + 1);
    PlanCodec.Published fresh = PlanCodec.split(changed, PlanCodec.Manifest.ACTIVE);
    assertThat(after.manifest()).isEqualTo(fresh.manifest());
    assertThat(PlanCodec.assemble(after.manifest(), byIndex(after.shards()))).isEqualTo(changed);
  }

  /** The agent's decoder: a one-service change reads and decodes one shard; the plan is what a full decode gives. */
  @Test
  void theDecoderDecodesOnlyChangedShards() {
    DirectorPlan plan = plan(400, 50);
    PlanCodec.Published first = PlanCodec.split(plan, PlanCodec.Manifest.ACTIVE);
    PlanCodec.Decoder decoder = new PlanCodec.Decoder();
    List<Integer> read = new ArrayList<>();
    Map<Integer, byte[]> shards = byIndex(first.shards());
    assertThat(decoder.assemble(first.manifest(), i -> {
      read.add(i);
      return shards.get(i);
    })).isEqualTo(plan);
    assertThat(decoder.decoded()).isEqualTo(first.shards().size());

    DirectorPlan changed = rescheduled(plan, 17);
    PlanCodec.Published second = PlanCodec.split(changed, PlanCodec.Manifest.ACTIVE);
    read.clear();
    Map<Integer, byte[]> secondShards = byIndex(second.shards());
    assertThat(decoder.assemble(second.manifest(), i -> {
      read.add(i);
      return secondShards.get(i);
    })).isEqualTo(PlanCodec.assemble(second.manifest(), secondShards));
    // every shard's bytes are compared with the kept ones; only the changed one is decoded
    assertThat(read).hasSize(second.shards().size());
    assertThat(decoder.decoded()).isEqualTo(first.shards().size() + 1);
    // the same bytes again (copies, as a new event reads them): nothing decoded
    Map<Integer, byte[]> copies = new java.util.HashMap<>();
    secondShards.forEach((i, b) -> copies.put(i, b.clone()));
    assertThat(decoder.assemble(second.manifest(), copies::get)).isEqualTo(PlanCodec.assemble(second.manifest(), secondShards));
    assertThat(decoder.decoded()).isEqualTo(first.shards().size() + 1);
    // a shard edited by hand under the unchanged manifest is decoded and refused, naming it
    copies.put(2, PlanCodec.gzip("[]".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    assertThatThrownBy(() -> decoder.assemble(second.manifest(), copies::get))
        .isInstanceOf(PlanCodec.IncompletePlanException.class).hasMessageContaining("or edited")
        .extracting(e -> ((PlanCodec.IncompletePlanException) e).shard()).isEqualTo(2);
    // a stale shard is still refused
    PlanCodec.Published third = PlanCodec.split(plan, PlanCodec.Manifest.ACTIVE);
    assertThatThrownBy(() -> decoder.assemble(third.manifest(), secondShards::get))
        .isInstanceOf(PlanCodec.IncompletePlanException.class).hasMessageContaining("update in flight");
  }

  /**
   * The decoder keeps the last plan's order and merges the changed shards' services into it: through random edits
   * (a service changed, added, removed; several at once; the shard count changing with the plan's size) every
   * plan it assembles is the plan that was split, in the same order as a full decode's.
   */
  @Test
  void theKeptOrderMergedWithTheChangedShardsIsTheFullDecodesOrder() {
    java.util.Random random = new java.util.Random(5);
    DirectorPlan all = plan(300, 4);
    List<IpvsService> services = new ArrayList<>(all.services().subList(0, 150));
    List<IpvsService> spare = new ArrayList<>(all.services().subList(150, 300));
    PlanCodec.Encoder encoder = new PlanCodec.Encoder(64);
    PlanCodec.Decoder decoder = new PlanCodec.Decoder();
    int shardCounts = 0;
    int last = -1;
    for (int edit = 0; edit < 200; edit++) {
      int changes = random.nextInt(10) == 0 ? 1 + random.nextInt(40) : 1;
      for (int c = 0; c < changes; c++) {
        int what = random.nextInt(3);
        if (what == 0 && !spare.isEmpty()) {
          services.add(spare.remove(random.nextInt(spare.size())));
        } else if (what == 1 && services.size() > 1) {
          spare.add(services.remove(random.nextInt(services.size())));
        } else {
          int i = random.nextInt(services.size());
          IpvsService s = services.get(i);
          services.set(i, new IpvsService(s.key(), s.vip(), edit % 2 == 0 ? "rr" : "wlc", s.flags(),
              s.timeoutSeconds(), s.netmask(), s.destinations(), s.sorryServer(), s.healthCheck(), s.owner()));
        }
      }
      services.sort(java.util.Comparator.comparing(IpvsService::key));
      DirectorPlan plan = all.withServices(List.copyOf(services));
      PlanCodec.Published published = encoder.split(plan, PlanCodec.Manifest.ACTIVE);
      if (published.shards().size() != last) {
        shardCounts++;
        last = published.shards().size();
      }
      assertThat(decoder.assemble(published.manifest(), byIndex(published.shards())::get)).as("edit %d", edit)
          .isEqualTo(plan);
    }
    assertThat(shardCounts).as("the shard count changed on the way").isGreaterThan(1);
  }

  /** A plan of 400 x 50 decoded, and the plan with one service changed, split but not yet read. */
  private static final class OneChange {
    final DirectorPlan plan = plan(400, 50);
    final PlanCodec.Published first = PlanCodec.split(plan, PlanCodec.Manifest.ACTIVE);
    final PlanCodec.Decoder decoder = new PlanCodec.Decoder();
    final Map<Integer, byte[]> shards = new java.util.HashMap<>(byIndex(first.shards()));
    final long unzipped;
    final DirectorPlan changed = rescheduled(plan, 17);
    final PlanCodec.Published second = PlanCodec.split(changed, PlanCodec.Manifest.ACTIVE);

    OneChange() {
      decoder.assemble(first.manifest(), shards::get);
      unzipped = decoder.unzipped();
    }

    /** The one shard the change rewrote. */
    PlanCodec.Shard changedShard() {
      return second.shards().stream().filter(sh -> !sh.hash().equals(first.shards().get(sh.index()).hash()))
          .findFirst().orElseThrow();
    }
  }

  /**
   * A publish writes the changed shard before the manifest, and the agent assembles on each event: the new shard,
   * ahead of its manifest, is refused every time by the hash of its compressed bytes, without being unzipped; the
   * manifest then completes it with one unzip.
   */
  @Test
  void aShardAheadOfItsManifestIsRefusedWithoutUnzipping() {
    OneChange c = new OneChange();
    PlanCodec.Shard written = c.changedShard();
    c.shards.put(written.index(), written.gzipJson());
    for (int event = 0; event < 3; event++) {
      assertThatThrownBy(() -> c.decoder.assemble(c.first.manifest(), c.shards::get))
          .isInstanceOf(PlanCodec.IncompletePlanException.class).hasMessageContaining("update in flight");
    }
    assertThat(c.decoder.unzipped()).as("refused three times, never unzipped").isEqualTo(c.unzipped);
    assertThat(c.decoder.assemble(c.second.manifest(), c.shards::get)).isEqualTo(c.changed);
    assertThat(c.decoder.unzipped()).as("the manifest completed it").isEqualTo(c.unzipped + 1);
  }

  /**
   * A manifest from an operator before the compressed-bytes hashes (an agent upgraded first, or an operator rolled
   * back): its shards are checked by the hash of their JSON, so a shard ahead of such a manifest is unzipped (once)
   * to be refused, and a shard edited by hand is still found.
   */
  @Test
  void anOlderOperatorsManifestIsCheckedByTheHashOfTheJson() {
    OneChange c = new OneChange();
    PlanCodec.Manifest older = withoutGzipHashes(c.second.manifest());
    assertThat(PlanCodec.manifestJson(older)).doesNotContain("gzipHash");
    PlanCodec.Shard written = c.changedShard();
    c.shards.put(written.index(), written.gzipJson());
    PlanCodec.Manifest olderFirst = withoutGzipHashes(c.first.manifest());
    for (int event = 0; event < 3; event++) {
      assertThatThrownBy(() -> c.decoder.assemble(olderFirst, c.shards::get))
          .isInstanceOf(PlanCodec.IncompletePlanException.class).hasMessageContaining("update in flight");
    }
    assertThat(c.decoder.unzipped()).as("unzipped once, refused three times").isEqualTo(c.unzipped + 1);
    assertThat(c.decoder.assemble(PlanCodec.parseManifest(PlanCodec.manifestJson(older)), c.shards::get))
        .isEqualTo(c.changed);
    assertThat(c.decoder.unzipped()).as("the manifest completed it").isEqualTo(c.unzipped + 1);
    Map<Integer, byte[]> edited = new HashMap<>(c.shards);
    edited.put(written.index(), PlanCodec.gzip("[]".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    assertThatThrownBy(() -> new PlanCodec.Decoder().assemble(older, edited::get))
        .isInstanceOf(PlanCodec.IncompletePlanException.class).hasMessageContaining("or edited");
  }

  static PlanCodec.Manifest withoutGzipHashes(PlanCodec.Manifest m) {
    return new PlanCodec.Manifest(m.pair(), m.planHash(), m.state(), m.header(), m.shards().stream()
        .map(r -> new PlanCodec.ShardRef(r.index(), r.hash(), r.services(), null)).toList());
  }

  /**
   * The operator writes a shard and its manifest side by side, so an agent often reads the new manifest while the
   * shard it has is the last plan's: those bytes are known to hash to the last manifest's hash, so they are refused
   * without being unzipped and hashed again (at full size 1-3 MiB of JSON, hashed by C1-compiled code: a second
   * hash per edit).
   */
  @Test
  void aManifestAheadOfItsShardIsRefusedWithoutUnzippingTheKeptBytes() {
    OneChange c = new OneChange();
    for (int event = 0; event < 2; event++) {
      assertThatThrownBy(() -> c.decoder.assemble(c.second.manifest(), c.shards::get))
          .isInstanceOf(PlanCodec.IncompletePlanException.class).hasMessageContaining("update in flight");
    }
    assertThat(c.decoder.unzipped()).as("the kept bytes refused as they are").isEqualTo(c.unzipped);
    c.shards.putAll(byIndex(c.second.shards()));
    assertThat(c.decoder.assemble(c.second.manifest(), c.shards::get)).isEqualTo(c.changed);
    assertThat(c.decoder.unzipped()).as("then the new shard, once").isEqualTo(c.unzipped + 1);
    assertThat(c.decoder.assemble(c.first.manifest(), byIndex(c.first.shards())::get))
        .as("and back: the first plan's bytes are new bytes again").isEqualTo(c.plan);
  }

  /**
   * Services spread over the shards: the full-size layout's 1,000 keys ("10.a.b.1:80/TCP") put into 128 shards
   * with none empty and none above twice the mean (4-14 each; with 32 shards, String.hashCode modulo 32 left 7
   * empty and put 87 in one: an edit there rewrote and re-read 2.8 MiB of JSON).
   */
  @Test
  void servicesSpreadEvenlyOverTheShards() {
    PlanCodec.Published p = PlanCodec.split(plan(1000, 100), PlanCodec.Manifest.ACTIVE);
    List<Integer> sizes = p.manifest().shards().stream().map(PlanCodec.ShardRef::services).toList();
    assertThat(sizes).hasSize(128);
    assertThat(sizes).as("services per shard").allSatisfy(n -> assertThat(n).isBetween(1, 1000 * 2 / 128));
    assertThatThrownBy(() -> PlanCodec.shardOf(plan(1, 1).services().get(0), 3))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * gunzip sizes its array from the gzip trailer, which is only a hint: a trailer that lies (larger, smaller) or
   * names only the last of two members still gives all the data, as the chunked read did.
   */
  @Test
  void gunzipDoesNotTrustTheTrailersLength() {
    byte[] json = "[{\"a\":1},{\"b\":2},{\"c\":3}]".repeat(50).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] gz = PlanCodec.gzip(json);
    assertThat(PlanCodec.gunzip(gz)).isEqualTo(json);
    for (int lie : new int[] {0, 1, json.length - 1, json.length + 1, 1 << 20}) {
      byte[] bad = gz.clone();
      int n = bad.length;
      bad[n - 4] = (byte) lie;
      bad[n - 3] = (byte) (lie >> 8);
      bad[n - 2] = (byte) (lie >> 16);
      bad[n - 1] = (byte) (lie >> 24);
      // GZIPInputStream checks the trailer itself: a wrong length is a corrupt shard, never a short one
      assertThatThrownBy(() -> PlanCodec.gunzip(bad)).as("trailer says %d", lie)
          .isInstanceOf(PlanCodec.IncompletePlanException.class);
    }
    byte[] second = PlanCodec.gzip("[]".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    byte[] two = java.util.Arrays.copyOf(gz, gz.length + second.length);
    System.arraycopy(second, 0, two, gz.length, second.length);
    byte[] both = java.util.Arrays.copyOf(json, json.length + 2);
    both[json.length] = '[';
    both[json.length + 1] = ']';
    assertThat(PlanCodec.gunzip(two)).as("two members, the trailer naming the second's 2 bytes").isEqualTo(both);
  }

  @Test
  void aShardFromAnotherVersionIsDetected() {
    PlanCodec.Published a = PlanCodec.split(plan(40, 5), PlanCodec.Manifest.ACTIVE);
    PlanCodec.Published b = PlanCodec.split(plan(41, 5), PlanCodec.Manifest.ACTIVE);
    assertThatThrownBy(() -> PlanCodec.assemble(a.manifest(), byIndex(b.shards())))
        .isInstanceOf(PlanCodec.IncompletePlanException.class).hasMessageContaining("update in flight");
    assertThatThrownBy(() -> PlanCodec.assemble(a.manifest(), Map.of()))
        .isInstanceOf(PlanCodec.IncompletePlanException.class).hasMessageContaining("missing");
  }

  /** A damaged part is refused, naming which one: the agent names its ConfigMap. */
  @Test
  void aDamagedPartIsRefusedAndNamed() {
    PlanCodec.Published p = PlanCodec.split(plan(40, 5), PlanCodec.Manifest.ACTIVE);
    Map<Integer, byte[]> shards = byIndex(p.shards());
    shards.put(0, "not gzip".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    // refused by the hash of the compressed bytes before any unzip; under an older manifest, by the unzip
    assertThatThrownBy(() -> PlanCodec.assemble(p.manifest(), shards))
        .isInstanceOfSatisfying(PlanCodec.IncompletePlanException.class, e -> assertThat(e.shard()).isZero())
        .hasMessageContaining("does not match the manifest");
    assertThatThrownBy(() -> PlanCodec.assemble(withoutGzipHashes(p.manifest()), shards))
        .isInstanceOfSatisfying(PlanCodec.IncompletePlanException.class, e -> assertThat(e.shard()).isZero())
        .hasMessageContaining("corrupt shard");
    for (String manifest : List.of("{\"pair\": ", "null", "{}", "[]", "{\"planHash\": \"x\", \"shards\": [null]}")) {
      assertThatThrownBy(() -> PlanCodec.parseManifest(manifest)).as(manifest)
          .isInstanceOfSatisfying(PlanCodec.IncompletePlanException.class, e -> assertThat(e.shard()).isEqualTo(-1));
    }
  }

  @Test
  void reportsRoundTrip() {
    AgentReport r = new AgentReport("lvs-01", "lvs", AgentReport.ACTIVE, "abc", true, "2026-11-24T20:00:00Z", null,
        Map.of("default/web", new AgentReport.ServiceHealth(2, 3, List.of(new AgentReport.Unavailable("web-3",
            "10.0.1.13:80", "Unhealthy", "2026-11-24T19:59:00Z", "HTTP 503")))), false);
    assertThat(AgentReport.fromJson(AgentReport.toJson(r))).isEqualTo(r);
  }
}
