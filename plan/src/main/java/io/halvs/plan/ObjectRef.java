package io.halvs.plan;

import java.util.Comparator;

/** Names a halvs object in messages, conditions and plans: "VirtualService default/web". */
public record ObjectRef(String kind, String namespace, String name) implements Comparable<ObjectRef> {
  private static final Comparator<ObjectRef> ORDER = Comparator.comparing(ObjectRef::kind)
      .thenComparing(r -> r.namespace() == null ? "" : r.namespace())
      .thenComparing(ObjectRef::name);

  public ObjectRef {
    // A decoded plan holds one per destination (100,000 at full size), each with its own copies of the strings
    // as parsed: kinds and namespaces are few, so one copy of each (about 10 MiB of the agent's heap at full size)
    kind = kind == null ? null : kind.intern();
    namespace = namespace == null ? null : namespace.intern();
  }

  public static ObjectRef of(io.fabric8.kubernetes.api.model.HasMetadata object) {
    return new ObjectRef(object.getKind(), object.getMetadata().getNamespace(), object.getMetadata().getName());
  }

  /** namespace/name, or name for cluster-scoped objects. */
  public String key() {
    return namespace == null || namespace.isEmpty() ? name : namespace + "/" + name;
  }

  @Override
  public String toString() {
    return kind + " " + key();
  }

  @Override
  public int compareTo(ObjectRef o) {
    return ORDER.compare(this, o);
  }
}
