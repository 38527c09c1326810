package io.halvs.operator.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.RealServerSpec;
import io.halvs.api.v1alpha1.RealServerStatus;
import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.api.v1alpha1.VirtualServiceStatus;
import io.halvs.plan.PlanInput;
import io.halvs.plan.PlanBuilder;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LeanStoreTest {
  static final KubernetesSerialization JSON = new KubernetesSerialization();

  @Test
  void keepsObjectsWithoutManagedFieldsOrLastAppliedButEverythingElse() {
    RealServer rs = new RealServer();
    rs.setMetadata(new ObjectMetaBuilder().withName("web-1").withNamespace("default").withResourceVersion("42")
        .withGeneration(3L).withLabels(Map.of("app", "web"))
        .withAnnotations(new java.util.HashMap<>(Map.of(LeanStore.LAST_APPLIED, "{\"kind\":\"RealServer\"}",
            "team", "edge")))
        .withManagedFields(new ManagedFieldsEntryBuilder().withManager("gitops").withOperation("Apply").build())
        .build());
    RealServerSpec spec = new RealServerSpec();
    spec.setAddress("10.0.1.11");
    rs.setSpec(spec);
    ItemStore<RealServer> store = LeanStore.create();
    String key = store.getKey(rs);
    store.put(key, rs);

    RealServer cached = store.get(key);
    assertEquals("default/web-1", key);
    assertNull(cached.getMetadata().getManagedFields());
    assertEquals(Map.of("team", "edge"), cached.getMetadata().getAnnotations());
    assertEquals(Map.of("app", "web"), cached.getMetadata().getLabels());
    assertEquals("42", cached.getMetadata().getResourceVersion());
    assertEquals(3L, cached.getMetadata().getGeneration());
    assertEquals("10.0.1.11", cached.getSpec().getAddress());
    assertEquals(1, store.size());
    assertEquals(List.of(key), store.keySet().toList());
    assertSame(cached, store.remove(key));
    assertEquals(0, store.size());
  }

  /** Two RealServers as the watch decodes them: each string its own copy until stored. */
  static RealServer decoded(int n) {
    return JSON.unmarshal("""
        {"apiVersion":"halvs.io/v1alpha1","kind":"RealServer","metadata":{"name":"rs-%d","namespace":"team-a",
         "uid":"6f1c-%d","resourceVersion":"10%d","generation":2,"creationTimestamp":"2026-11-30T17:00:00Z",
         "labels":{"app":"web","tier":"edge"},"annotations":{"owner":"edge-team","note":"%s"},
         "finalizers":["halvs.io/cleanup"],
         "managedFields":[{"manager":"kubectl","operation":"Apply","fieldsType":"FieldsV1",
           "fieldsV1":{"f:spec":{"f:address":{}}}}]},
         "spec":{"address":"172.16.0.%d","port":8080,"weight":100,"nodeName":"node-1"},
         "status":{"observedGeneration":2,"virtualServices":1,"conditions":[
           {"type":"Ready","status":"True","reason":"Selected","message":"backs 1 virtual service(s)",
            "lastTransitionTime":"2026-11-30T17:13:20Z","observedGeneration":2},
           {"type":"Degraded","status":"False","reason":"AsExpected","message":"",
            "lastTransitionTime":"2026-11-30T17:13:20Z","observedGeneration":2}]}}
        """.formatted(n, n, n, "x".repeat(LeanStore.INTERNED_VALUE_CHARS + 1), n), RealServer.class);
  }

  @Test
  void sharesWhatRepeatsAcrossRealServers() {
    RealServer a = decoded(1);
    RealServer b = decoded(2);
    // decoded apart, nothing is shared (so each assertSame below fails without its rule)
    assertNotSame(a.getMetadata().getNamespace(), b.getMetadata().getNamespace());
    assertNotSame(a.getApiVersion(), b.getApiVersion());
    LeanStore.prune(a);
    LeanStore.prune(b);
    assertSame(a.getMetadata().getNamespace(), b.getMetadata().getNamespace());
    assertSame(a.getMetadata().getCreationTimestamp(), b.getMetadata().getCreationTimestamp());
    assertSame(a.getApiVersion(), b.getApiVersion());
    assertSame(a.getCRDName(), b.getCRDName());
    assertSame(value(a.getMetadata().getLabels(), "tier"), value(b.getMetadata().getLabels(), "tier"));
    assertSame(value(a.getMetadata().getAnnotations(), "owner"), value(b.getMetadata().getAnnotations(), "owner"));
    // (keys need no test: Jackson interns the names it reads; LeanStore interns them for objects from elsewhere)
    // a long annotation value is left alone: rarely shared, not worth an entry in the string table
    assertNotSame(value(a.getMetadata().getAnnotations(), "note"), value(b.getMetadata().getAnnotations(), "note"));
    assertSame(a.getMetadata().getFinalizers().get(0), b.getMetadata().getFinalizers().get(0));
    assertSame(a.getSpec().getNodeName(), b.getSpec().getNodeName());
    for (int i = 0; i < 2; i++) {
      Condition x = a.getStatus().getConditions().get(i);
      Condition y = b.getStatus().getConditions().get(i);
      assertSame(x.getType(), y.getType());
      assertSame(x.getStatus(), y.getStatus());
      assertSame(x.getReason(), y.getReason());
      assertSame(x.getMessage(), y.getMessage());
      assertSame(x.getLastTransitionTime(), y.getLastTransitionTime());
      assertSame(Collections.emptyMap(), x.getAdditionalProperties());
    }
    // the conditions in a list without spare room (Jackson's ArrayList keeps ten slots)
    assertEquals(2, a.getStatus().getConditions().size());
    org.junit.jupiter.api.Assertions.assertFalse(a.getStatus().getConditions() instanceof java.util.ArrayList);
    // empty collections are the shared empty ones; the order of the labels stays
    assertSame(Collections.emptyMap(), a.getMetadata().getAdditionalProperties());
    assertSame(Collections.emptyList(), a.getMetadata().getOwnerReferences());
    assertEquals(List.of("app", "tier"), List.copyOf(a.getMetadata().getLabels().keySet()));
  }

  /**
   * Equal statuses, condition lists and labels are one instance across RealServers (most have the same status and
   * their service's labels); a status that differs in one field, or labels that differ, are their own.
   */
  @Test
  void equalStatusesAndLabelsAreKeptOnce() {
    RealServer a = decoded(1);
    RealServer b = decoded(2);
    RealServer later = decoded(3);
    later.getStatus().getConditions().get(1).setLastTransitionTime("2026-11-30T17:13:21Z");
    later.getMetadata().setLabels(new java.util.LinkedHashMap<>(Map.of("app", "web", "tier", "core")));
    RealServer other = decoded(4);
    other.getStatus().setVirtualServices(2);
    String before = JSON.asJson(a.getStatus());
    assertNotSame(a.getStatus(), b.getStatus());
    assertNotSame(a.getMetadata().getLabels(), b.getMetadata().getLabels());
    for (RealServer rs : List.of(a, b, later, other)) {
      LeanStore.prune(rs);
    }
    assertSame(a.getStatus(), b.getStatus());
    assertSame(a.getMetadata().getLabels(), b.getMetadata().getLabels());
    assertEquals(before, JSON.asJson(b.getStatus()));
    assertEquals(Map.of("app", "web", "tier", "edge"), b.getMetadata().getLabels());
    // one condition's time apart: the status and the list are its own
    assertNotSame(a.getStatus(), later.getStatus());
    assertNotSame(a.getStatus().getConditions(), later.getStatus().getConditions());
    assertEquals("2026-11-30T17:13:21Z", later.getStatus().getConditions().get(1).getLastTransitionTime());
    assertNotSame(a.getMetadata().getLabels(), later.getMetadata().getLabels());
    assertEquals("core", later.getMetadata().getLabels().get("tier"));
    // another count of services: its own status around the same conditions
    assertNotSame(a.getStatus(), other.getStatus());
    assertSame(a.getStatus().getConditions(), other.getStatus().getConditions());
    assertEquals(2, other.getStatus().getVirtualServices());
  }

  /**
   * The store answers by the informer's keys ("namespace/name", the name alone when cluster-scoped) while it keeps
   * no such string per object, and an update keeps the name string of the object it replaces (JOSDK's ResourceID
   * and the model's ObjectRef hold that one; each watch event decodes a copy).
   */
  @Test
  void answersByTheInformersKeysAndAnUpdateKeepsTheFirstName() {
    ItemStore<RealServer> store = LeanStore.create();
    RealServer first = decoded(1);
    RealServer other = decoded(2);
    other.getMetadata().setNamespace("team-b");
    RealServer cluster = decoded(3);
    cluster.getMetadata().setNamespace(null);
    for (RealServer rs : List.of(first, other, cluster)) {
      assertNull(store.put(store.getKey(rs), rs));
    }
    assertEquals("team-a/rs-1", store.getKey(first));
    assertEquals("rs-3", store.getKey(cluster));
    assertEquals(3, store.size());
    assertEquals(java.util.Set.of("team-a/rs-1", "team-b/rs-2", "rs-3"),
        store.keySet().collect(java.util.stream.Collectors.toSet()));
    assertSame(first, store.get("team-a/rs-1"));
    assertSame(other, store.get("team-b/rs-2"));
    assertSame(cluster, store.get("rs-3"));
    assertNull(store.get("team-b/rs-1"));
    assertNull(store.get("rs-1"));

    RealServer update = decoded(1);
    assertNotSame(first.getMetadata().getName(), update.getMetadata().getName());
    assertSame(first, store.put(store.getKey(update), update));
    assertSame(first.getMetadata().getName(), update.getMetadata().getName());
    assertSame(update, store.get("team-a/rs-1"));
    assertEquals(3, store.size());

    assertSame(update, store.remove("team-a/rs-1"));
    assertNull(store.remove("team-a/rs-1"));
    assertNull(store.get("team-a/rs-1"));
    assertSame(cluster, store.remove("rs-3"));
    assertEquals(List.of(other), store.values().toList());
    assertEquals(1, store.size());
    RealServer again = decoded(1); // a namespace emptied and used again
    assertNull(store.put(store.getKey(again), again));
    assertSame(again, store.get("team-a/rs-1"));
  }

  /** A status computed for a write (it may wait long, StatusWriter) is compacted as a stored one is. */
  @Test
  void aComputedStatusSharesItsConditionsStrings() {
    Fleet fleet = new Fleet(1, 2);
    Snapshot s = PlanService.build(fleet.pairs, fleet.vss, fleet.rss, List.of());
    // computed apart (and the time made at run time, as Instant.now() is), nothing is shared
    String now = new StringBuilder("2026-12-02T19:00:00Z").toString();
    String later = new StringBuilder("2026-12-02T19:00:00Z").toString();
    RealServerStatus a = StatusComputer.realServer(fleet.rss.get(0), s, now);
    RealServerStatus b = StatusComputer.realServer(fleet.rss.get(1), s, later);
    String before = JSON.asJson(a);
    assertNotSame(a.getConditions().get(0).getLastTransitionTime(), b.getConditions().get(0).getLastTransitionTime());
    assertSame(a, LeanStore.compactStatus(a));
    LeanStore.compactStatus(b);
    assertEquals(before, JSON.asJson(a));
    for (int i = 0; i < a.getConditions().size(); i++) {
      Condition x = a.getConditions().get(i);
      Condition y = b.getConditions().get(i);
      assertSame(x.getType(), y.getType());
      assertSame(x.getReason(), y.getReason());
      assertSame(x.getLastTransitionTime(), y.getLastTransitionTime());
      assertSame(Collections.emptyMap(), x.getAdditionalProperties());
    }
    VirtualService vs = fleet.vss.get(0);
    VirtualServiceStatus v = LeanStore.compactStatus(StatusComputer.virtualService(vs, s, now));
    assertSame(Collections.emptyMap(), v.getConditions().get(0).getAdditionalProperties());
    assertSame("a string", LeanStore.compactStatus("a string")); // any other status as it is
  }

  @Test
  void aMapOfOneEntryIsASingletonAndEmptyOnesAreShared() {
    assertEquals(Collections.singletonMap("app", "web").getClass(),
        LeanStore.strings(new java.util.LinkedHashMap<>(Map.of("app", "web")), 10).getClass());
    assertSame(Collections.emptyMap(), LeanStore.strings(new java.util.LinkedHashMap<>(), 10));
    assertNull(LeanStore.strings((Map<String, String>) null, 10));
    assertSame(Collections.emptyList(), LeanStore.strings(new java.util.ArrayList<>()));
    // null-tolerant like the maps they replace: a lookup of null answers null rather than throwing
    assertNull(LeanStore.strings(new java.util.LinkedHashMap<>(Map.of("app", "web")), 10).get(null));
    assertNull(LeanStore.strings(new java.util.LinkedHashMap<>(), 10).get(null));
  }

  @Test
  void sharesAVirtualServicesPairAndSelector() {
    VirtualService a = virtualService("vs-1");
    VirtualService b = virtualService("vs-2");
    assertNotSame(a.getSpec().getDirectorPair(), b.getSpec().getDirectorPair());
    LeanStore.prune(a);
    LeanStore.prune(b);
    assertSame(a.getSpec().getDirectorPair(), b.getSpec().getDirectorPair());
    Map<String, String> sa = a.getSpec().getRealServerSelector().getMatchLabels();
    Map<String, String> sb = b.getSpec().getRealServerSelector().getMatchLabels();
    assertSame(value(sa, "app"), value(sb, "app"));
    assertSame(a.getStatus().getActiveDirector(), b.getStatus().getActiveDirector());
    assertSame(a.getStatus().getConditions().get(0).getReason(), b.getStatus().getConditions().get(0).getReason());
  }

  static VirtualService virtualService(String name) {
    return JSON.unmarshal("""
        {"apiVersion":"halvs.io/v1alpha1","kind":"VirtualService","metadata":{"name":"%s","namespace":"default",
         "generation":1},
         "spec":{"directorPair":"lvs","vip":"10.100.0.1","port":80,"realServerSelector":{"matchLabels":{"app":"web"}}},
         "status":{"activeDirector":"lvs-01","conditions":[{"type":"Ready","status":"True","reason":"Ready",
           "message":"served by lvs-01","lastTransitionTime":"2026-11-30T17:13:20Z"}]}}
        """.formatted(name), VirtualService.class);
  }

  /**
   * What the reconcilers and the model read of an object is the same after the store: its JSON (every field
   * there is but managedFields and last-applied), the plan built from it, and the status computed from it.
   */
  @Test
  void theModelAndTheStatusesReadTheSameFromPrunedObjects() {
    Fleet fleet = new Fleet(3, 4);
    Fleet pruned = new Fleet(3, 4);
    for (int i = 0; i < fleet.rss.size(); i++) {
      RealServer rs = roundTrip(fleet.rss.get(i));
      rs.getMetadata().setCreationTimestamp("2026-11-30T17:00:00Z");
      rs.getMetadata().setFinalizers(new java.util.ArrayList<>(List.of("halvs.io/x")));
      rs.getMetadata().setAnnotations(new java.util.LinkedHashMap<>(Map.of("a", "1", "b", "2")));
      fleet.rss.set(i, rs);
      RealServer copy = roundTrip(rs);
      copy.getMetadata().setManagedFields(List.of(new ManagedFieldsEntryBuilder().withManager("m").build()));
      pruned.rss.set(i, LeanStore.prune(copy));
    }
    Snapshot s = PlanService.build(fleet.pairs, fleet.vss, fleet.rss, List.of());
    Snapshot p = PlanService.build(pruned.pairs, pruned.vss, pruned.rss, List.of());
    assertEquals(PlanBuilder.build(new PlanInput(fleet.pairs, fleet.vss, fleet.rss)),
        PlanBuilder.build(new PlanInput(pruned.pairs, pruned.vss, pruned.rss)));
    assertEquals(s.planHash("lvs"), p.planHash("lvs"));
    for (int i = 0; i < fleet.rss.size(); i++) {
      RealServer rs = fleet.rss.get(i);
      RealServer lean = pruned.rss.get(i);
      assertEquals(JSON.asJson(rs), JSON.asJson(lean));
      assertEquals(JSON.asJson(StatusComputer.realServer(rs, s, "t")),
          JSON.asJson(StatusComputer.realServer(lean, p, "t")));
      // a clone (as JOSDK hands the reconciler) is an ordinary, writable object again
      RealServer clone = JSON.clone(lean);
      clone.getMetadata().getLabels().put("x", "y");
      clone.getMetadata().getFinalizers().add("halvs.io/y");
    }
    DirectorPair dp = LeanStore.prune(roundTrip(fleet.pairs.get(0)));
    assertEquals(JSON.asJson(fleet.pairs.get(0)), JSON.asJson(dp));
  }

  static <T> T roundTrip(T o) {
    @SuppressWarnings("unchecked")
    T copy = (T) JSON.unmarshal(JSON.asJson(o), o.getClass());
    return copy;
  }

  static String value(Map<String, String> map, String key) {
    return map.get(key);
  }
}
