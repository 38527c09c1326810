package io.halvs.operator.model;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.RealServerStatus;
import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.api.v1alpha1.VirtualServiceStatus;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Informer stores that keep objects without what the operator never reads, and what repeats across objects once:
 * <ul>
 *   <li>server-side apply's managedFields (FieldsV1 as nested maps, most of a cached object's heap) and kubectl's
 *       last-applied-configuration annotation (a second copy of the object) are dropped;</li>
 *   <li>strings that many objects share are interned: namespace, creation and deletion times, label and
 *       annotation keys and short values, finalizers, the conditions' type, status, reason, message and time
 *       (the operator writes the same few for most objects, often in the same second), a RealServer's nodeName,
 *       a VirtualService's pair and selector. Decoded from JSON each object has its own copy of each;</li>
 *   <li>a custom resource's apiVersion and CRD name, which fabric8 computes anew for each object, are shared;</li>
 *   <li>empty maps and lists (fabric8 gives every object and condition its own) become the shared immutable empty
 *       ones, a map of one entry a singleton map, and the conditions an immutable list without spare room;</li>
 *   <li>equal labels, condition lists and RealServer statuses are one instance ({@link Interner}).</li>
 * </ul>
 * At 100,000 RealServers the stores hold 44 MiB instead of 187 (MemoryBenchmark). Equal values throughout: a
 * reader sees the same object. A store of its own, not JOSDK's TransformingItemStore: that one puts the original
 * name, namespace and resourceVersion back after the transform, undoing the namespace's sharing. Nothing writes a cached object or its collections: JOSDK hands reconcilers a
 * copy of the primary, and status writes replace the status subresource of a freshly read copy, so the server's
 * field ownership is never touched.
 */
public final class LeanStore<T extends HasMetadata> implements ItemStore<T> {
  static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
  /** Longer annotation values (JSON, certificates) are rarely shared: not worth the string table's entry. */
  static final int INTERNED_VALUE_CHARS = 128;

  /**
   * fabric8's CustomResource computes these two per instance (group + "/" + version, plural + "." + group): final
   * fields, so set through reflection; none when that is refused.
   */
  private static final List<Field> CUSTOM_RESOURCE_STRINGS = customResourceStrings();

  /**
   * namespace ("" when cluster-scoped) -> name -> object. Not one map by the informer's key ("namespace/name"):
   * that string was one more per object (68 B, 6.5 MiB at 100,000 RealServers); here the name key is the
   * object's own name string.
   */
  private final ConcurrentHashMap<String, ConcurrentHashMap<String, T>> objects = new ConcurrentHashMap<>();

  private LeanStore() {}

  public static <T extends HasMetadata> ItemStore<T> create() {
    return new LeanStore<>();
  }

  @Override
  public String getKey(T object) {
    return Cache.metaNamespaceKeyFunc(object);
  }

  /**
   * Stores under the object's namespace and name ({@code key} is the informer's {@link #getKey} of it). An update
   * takes the name string of the object it replaces: JOSDK's ResourceID and the model's ObjectRef hold the first
   * one, and each watch event decodes a copy of it (48 B an object).
   */
  @Override
  public T put(String key, T object) {
    T pruned = prune(object);
    ObjectMeta meta = pruned.getMetadata();
    boolean named = meta != null && meta.getName() != null; // else not from an API server: kept under its key
    String namespace = named && meta.getNamespace() != null ? meta.getNamespace() : "";
    Object[] previous = new Object[1];
    objects.compute(namespace, (ns, byName) -> {
      ConcurrentHashMap<String, T> m = byName != null ? byName : new ConcurrentHashMap<>();
      T old = m.get(named ? meta.getName() : key);
      if (named && old != null && old.getMetadata() != null && old.getMetadata().getName() != null) {
        meta.setName(old.getMetadata().getName());
      }
      previous[0] = m.put(named ? meta.getName() : key, pruned);
      return m;
    });
    @SuppressWarnings("unchecked")
    T old = (T) previous[0];
    return old;
  }

  @Override
  public T remove(String key) {
    int slash = key.indexOf('/');
    String namespace = slash < 0 ? "" : key.substring(0, slash);
    String name = key.substring(slash + 1);
    Object[] previous = new Object[1];
    objects.computeIfPresent(namespace, (ns, byName) -> {
      previous[0] = byName.remove(name);
      return byName.isEmpty() ? null : byName;
    });
    @SuppressWarnings("unchecked")
    T old = (T) previous[0];
    return old;
  }

  @Override
  public Stream<String> keySet() {
    return objects.entrySet().stream().flatMap(byNamespace -> byNamespace.getValue().keySet().stream()
        .map(name -> byNamespace.getKey().isEmpty() ? name : byNamespace.getKey() + "/" + name));
  }

  @Override
  public Stream<T> values() {
    return objects.values().stream().flatMap(byName -> byName.values().stream());
  }

  @Override
  public T get(String key) {
    int slash = key.indexOf('/');
    ConcurrentHashMap<String, T> byName = objects.get(slash < 0 ? "" : key.substring(0, slash));
    return byName == null ? null : byName.get(key.substring(slash + 1));
  }

  @Override
  public int size() {
    int n = 0;
    for (ConcurrentHashMap<String, T> byName : objects.values()) {
      n += byName.size();
    }
    return n;
  }

  /** Not the objects as the server sent them (as JOSDK's TransformingItemStore says of its own). */
  @Override
  public boolean isFullState() {
    return false;
  }

  /**
   * Prunes and compacts an object fresh off the watch, in place: the informer's own copy, decoded from the watch
   * event for this store, that nobody else holds yet (the event handlers get it after the store).
   */
  static <T extends HasMetadata> T prune(T o) {
    ObjectMeta meta = o.getMetadata();
    if (meta != null) {
      meta.setManagedFields(null);
      Map<String, String> annotations = meta.getAnnotations();
      if (annotations != null && annotations.containsKey(LAST_APPLIED)) {
        annotations.remove(LAST_APPLIED);
      }
      meta.setAnnotations(strings(annotations, INTERNED_VALUE_CHARS));
      meta.setLabels(labels(meta.getLabels()));
      meta.setNamespace(intern(meta.getNamespace()));
      meta.setCreationTimestamp(intern(meta.getCreationTimestamp()));
      meta.setDeletionTimestamp(intern(meta.getDeletionTimestamp()));
      meta.setFinalizers(strings(meta.getFinalizers()));
      if (meta.getOwnerReferences() != null && meta.getOwnerReferences().isEmpty()) {
        meta.setOwnerReferences(Collections.emptyList());
      }
      meta.setAdditionalProperties(compact(meta.getAdditionalProperties()));
    }
    if (o instanceof CustomResource<?, ?>) {
      for (Field f : CUSTOM_RESOURCE_STRINGS) {
        try {
          f.set(o, intern((String) f.get(o)));
        } catch (IllegalAccessException | RuntimeException e) {
          // kept as it is: an equal string, only not shared
        }
      }
    }
    if (o instanceof RealServer rs) {
      if (rs.getSpec() != null) {
        rs.getSpec().setNodeName(intern(rs.getSpec().getNodeName()));
      }
      if (rs.getStatus() != null) {
        rs.getStatus().setConditions(conditions(rs.getStatus().getConditions()));
        rs.setStatus(REAL_SERVER_STATUSES.intern(rs.getStatus()));
      }
    } else if (o instanceof VirtualService vs) {
      if (vs.getSpec() != null) {
        vs.getSpec().setDirectorPair(intern(vs.getSpec().getDirectorPair()));
        selector(vs.getSpec().getRealServerSelector());
      }
      if (vs.getStatus() != null) {
        vs.getStatus().setConditions(conditions(vs.getStatus().getConditions()));
        vs.getStatus().setActiveDirector(intern(vs.getStatus().getActiveDirector()));
      }
    } else if (o instanceof DirectorPair dp && dp.getStatus() != null) {
      dp.getStatus().setConditions(conditions(dp.getStatus().getConditions()));
    }
    return o;
  }

  /**
   * A status computed for a write, compacted in place as {@link #prune} compacts a stored one: its conditions'
   * strings shared and their empty maps the shared empty one. For a status nobody else writes to (StatusComputer's,
   * freshly made); others come back as they are.
   */
  public static <S> S compactStatus(S status) {
    if (status instanceof RealServerStatus rs) {
      rs.setConditions(conditions(rs.getConditions()));
    } else if (status instanceof VirtualServiceStatus vs) {
      vs.setConditions(conditions(vs.getConditions()));
      vs.setActiveDirector(intern(vs.getActiveDirector()));
    }
    return status;
  }

  private static List<Field> customResourceStrings() {
    List<Field> fields = new ArrayList<>();
    for (String name : List.of("apiVersion", "crdName")) {
      try {
        Field f = CustomResource.class.getDeclaredField(name);
        f.setAccessible(true);
        if (f.getType() == String.class) {
          fields.add(f);
        }
      } catch (ReflectiveOperationException | RuntimeException e) {
        // another fabric8: nothing to share
      }
    }
    return List.copyOf(fields);
  }

  static String intern(String s) {
    return s == null ? null : s.intern();
  }

  /** Keys interned, values up to {@code valueChars} long too; the order kept. */
  static Map<String, String> strings(Map<String, String> map, int valueChars) {
    if (map == null || map.isEmpty()) {
      return map == null ? null : Collections.emptyMap();
    }
    if (map.size() == 1) {
      Map.Entry<String, String> e = map.entrySet().iterator().next();
      return Collections.singletonMap(intern(e.getKey()), value(e.getValue(), valueChars));
    }
    Map<String, String> out = new LinkedHashMap<>((int) (map.size() / 0.75f) + 1);
    map.forEach((k, v) -> out.put(intern(k), value(v, valueChars)));
    return out;
  }

  private static String value(String v, int valueChars) {
    return v != null && v.length() <= valueChars ? v.intern() : v;
  }

  static List<String> strings(List<String> list) {
    if (list == null || list.isEmpty()) {
      return list == null ? null : Collections.emptyList();
    }
    List<String> out = new ArrayList<>(list.size());
    list.forEach(s -> out.add(intern(s)));
    return out;
  }

  /** An empty map as the shared empty one (fabric8's additionalProperties: one per object and condition). */
  static <V> Map<String, V> compact(Map<String, V> map) {
    return map != null && map.isEmpty() ? Collections.emptyMap() : map;
  }

  /**
   * Most RealServers carry the same status (Ready, Selected, "backs 1 virtual service(s)", the same generation,
   * times to the second) and labels equal to those of the others of their service: each kept once, 136 B (a status,
   * two conditions and their list) and 40 B (the labels) a RealServer otherwise.
   */
  private static final Interner<List<Condition>> CONDITIONS = new Interner<>();
  private static final Interner<RealServerStatus> REAL_SERVER_STATUSES = new Interner<>();
  private static final Interner<Map<String, String>> LABELS = new Interner<>();

  /** Labels (an object's, a selector's): every string interned, equal maps one instance. */
  private static Map<String, String> labels(Map<String, String> labels) {
    return LABELS.intern(strings(labels, Integer.MAX_VALUE));
  }

  static List<Condition> conditions(List<Condition> conditions) {
    if (conditions == null || conditions.isEmpty()) {
      return conditions == null ? null : Collections.emptyList();
    }
    for (Condition c : conditions) {
      c.setType(intern(c.getType()));
      c.setStatus(intern(c.getStatus()));
      c.setReason(intern(c.getReason()));
      c.setMessage(intern(c.getMessage()));
      c.setLastTransitionTime(intern(c.getLastTransitionTime()));
      c.setAdditionalProperties(compact(c.getAdditionalProperties()));
    }
    // Jackson's ArrayList has room for ten (56 B of array for two conditions): an immutable list of two has none
    return CONDITIONS.intern(List.copyOf(conditions));
  }

  private static void selector(LabelSelector selector) {
    if (selector != null) {
      selector.setMatchLabels(labels(selector.getMatchLabels()));
      selector.setAdditionalProperties(compact(selector.getAdditionalProperties()));
    }
  }
}
