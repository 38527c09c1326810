package io.halvs.agent.kernel;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-memory IPVS table that counts the calls made on it by kind (the IpvsKernel method's name: services,
 * destinations, addDestination, ...) and can hold the dumps (services, destinations, daemons) until released,
 * standing in for a kernel that is slow or busy.
 */
public final class CountingKernel {
  static final Set<String> DUMPS = Set.of("services", "destinations", "daemons");

  public final FakeIpvsKernel table = new FakeIpvsKernel();
  public final IpvsKernel kernel;
  private final Map<String, AtomicLong> calls = new ConcurrentHashMap<>();
  private volatile CountDownLatch dumpsHeld;
  private final AtomicLong dumpsWaiting = new AtomicLong();

  public CountingKernel() {
    InvocationHandler h = (proxy, method, args) -> {
      String kind = method.getName();
      calls.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
      CountDownLatch held = dumpsHeld;
      if (held != null && DUMPS.contains(kind)) {
        dumpsWaiting.incrementAndGet();
        try {
          held.await();
        } finally {
          dumpsWaiting.decrementAndGet();
        }
      }
      try {
        return method.invoke(table, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    };
    kernel = (IpvsKernel) Proxy.newProxyInstance(IpvsKernel.class.getClassLoader(), new Class<?>[] {IpvsKernel.class},
        h);
  }

  /** Every dump from now on waits until {@link #releaseDumps()}. */
  public void holdDumps() {
    dumpsHeld = new CountDownLatch(1);
  }

  public void releaseDumps() {
    CountDownLatch held = dumpsHeld;
    dumpsHeld = null;
    if (held != null) {
      held.countDown();
    }
  }

  /** Dumps being held right now. */
  public long dumpsWaiting() {
    return dumpsWaiting.get();
  }

  public long calls(String kind) {
    AtomicLong n = calls.get(kind);
    return n == null ? 0 : n.get();
  }

  /** Calls per kind since the last reset, sorted by kind (for messages). */
  public Map<String, Long> calls() {
    Map<String, Long> out = new TreeMap<>();
    calls.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  public long dumps() {
    return DUMPS.stream().mapToLong(this::calls).sum();
  }

  public void reset() {
    calls.clear();
  }
}
