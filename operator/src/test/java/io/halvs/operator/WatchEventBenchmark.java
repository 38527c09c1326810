package io.halvs.operator;

import com.sun.management.ThreadMXBean;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.halvs.api.v1alpha1.RealServer;
import java.lang.management.ManagementFactory;

/**
 * Benchmark (prints figures, asserts nothing): the operator's cost of one RealServer watch event, as the client
 * reads it (AbstractWatchManager: the event as a WatchEvent, then the object converted to the informer's type when
 * it is not already of it). Side by side: fabric8's default reader, which does not know halvs' kinds (the object is
 * read as a generic map tree, then converted), and {@link OperatorClient}'s, which reads it as a RealServer at once.
 * The event is a status write's MODIFIED as the API server sends it: metadata with labels and the two managers'
 * managedFields (the GitOps apply, the operator's status), spec, status with two conditions. At full size the
 * operator receives one per RealServer whose status it writes (100,000 after a bulk apply).
 *
 * <pre>
 * ./mvnw -B -q -o -pl operator -am test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt \
 *     -Dmdep.includeScope=test
 * java -XX:+UseG1GC -XX:TieredStopAtLevel=1 -cp operator/target/test-classes:operator/target/classes:$(cat operator/target/cp.txt) \
 *     io.halvs.operator.WatchEventBenchmark [EVENTS]
 * </pre>
 */
public final class WatchEventBenchmark {
  private WatchEventBenchmark() {}

  static final String EVENT = """
      {"type":"MODIFIED","object":{"apiVersion":"halvs.io/v1alpha1","kind":"RealServer","metadata":{\
      "creationTimestamp":"2026-12-03T11:05:12Z","generation":1,"labels":{"app":"app-417","tier":"web"},\
      "managedFields":[{"apiVersion":"halvs.io/v1alpha1","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{\
      "f:labels":{"f:app":{},"f:tier":{}}},"f:spec":{"f:address":{},"f:port":{},"f:weight":{}}},"manager":"gitops",\
      "operation":"Apply","time":"2026-12-03T11:05:12Z"},{"apiVersion":"halvs.io/v1alpha1","fieldsType":"FieldsV1",\
      "fieldsV1":{"f:status":{".":{},"f:conditions":{},"f:observedGeneration":{},"f:virtualServices":{}}},\
      "manager":"halvs-operator","operation":"Update","subresource":"status","time":"2026-12-03T11:24:40Z"}],\
      "name":"rs-41723","namespace":"default","resourceVersion":"1841523",\
      "uid":"6f1c2a0e-5b7d-4c1e-9a3f-2d8e4b6c0a11"},"spec":{"address":"172.16.162.251","port":8080,"weight":100},\
      "status":{"conditions":[{"lastTransitionTime":"2026-12-03T11:24:40Z","message":"selected by 1 \
      VirtualService(s); healthy on lvs-01 and lvs-02","observedGeneration":1,"reason":"Serving","status":"True",\
      "type":"Ready"},{"lastTransitionTime":"2026-12-03T11:24:40Z","message":"both directors check it",\
      "observedGeneration":1,"reason":"Checked","status":"True","type":"Healthy"}],"observedGeneration":1,\
      "virtualServices":1}}}""";

  public static void main(String[] args) {
    int events = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    KubernetesSerialization fabric8 = new KubernetesSerialization();
    KubernetesSerialization operator = OperatorClient.serialization();
    System.out.printf("one RealServer watch event (%d bytes), %d events per round, best of 5 rounds%n",
        EVENT.length(), events);
    for (int warm = 0; warm < 2; warm++) { // both readers' classes loaded and their code compiled first
      read(fabric8, events / 4);
      read(operator, events / 4);
    }
    double[] a = best(fabric8, events);
    double[] b = best(operator, events);
    System.out.printf("%-44s %12s %14s%n", "", "ns / event", "bytes / event");
    System.out.printf("%-44s %12.0f %14.0f%n", "fabric8's default reader (generic, converted)", a[0], a[1]);
    System.out.printf("%-44s %12.0f %14.0f%n", "OperatorClient's reader (RealServer at once)", b[0], b[1]);
    System.out.printf("%-44s %12.2f %14.2f%n", "ratio (OperatorClient / default)", b[0] / a[0], b[1] / a[1]);
  }

  static double[] best(KubernetesSerialization s, int events) {
    double[] best = {Double.MAX_VALUE, Double.MAX_VALUE};
    for (int round = 0; round < 5; round++) {
      double[] r = read(s, events);
      best[0] = Math.min(best[0], r[0]);
      best[1] = Math.min(best[1], r[1]);
    }
    return best;
  }

  /** ns and bytes allocated per event, as the watch manager reads it (the informer's type: RealServer). */
  static double[] read(KubernetesSerialization s, int events) {
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().getId();
    long bytes = threads.getThreadAllocatedBytes(id);
    long start = System.nanoTime();
    long sink = 0;
    for (int i = 0; i < events; i++) {
      WatchEvent e = s.unmarshal(EVENT, WatchEvent.class);
      Object o = e.getObject();
      if (!(o instanceof RealServer)) {
        o = s.convertValue(o, RealServer.class);
      }
      sink += ((KubernetesResource) o).hashCode() & 1;
    }
    long ns = System.nanoTime() - start;
    long allocated = threads.getThreadAllocatedBytes(id) - bytes;
    if (sink < 0) {
      System.out.println(sink);
    }
    return new double[] {(double) ns / events, (double) allocated / events};
  }
}
