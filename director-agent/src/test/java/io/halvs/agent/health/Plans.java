package io.halvs.agent.health;

import io.halvs.api.v1alpha1.FailureAction;
import io.halvs.api.v1alpha1.ForwardingMethod;
import io.halvs.api.v1alpha1.HealthCheckType;
import io.halvs.api.v1alpha1.Protocol;
import io.halvs.plan.Destination;
import io.halvs.plan.DirectorPlan;
import io.halvs.plan.HealthCheckPlan;
import io.halvs.plan.IpAddress;
import io.halvs.plan.IpvsService;
import io.halvs.plan.ObjectRef;
import io.halvs.plan.ServiceKey;
import java.util.List;
import java.util.TreeMap;

/** Plans for health-check tests, built by hand: one service per VirtualService, named after its VIP. */
final class Plans {
  private Plans() {}

  static HealthCheckPlan tcp(int intervalMillis, int timeoutMillis, int rise, int fall) {
    return new HealthCheckPlan(HealthCheckType.TCP, 0, intervalMillis, timeoutMillis, rise, fall, 0,
        FailureAction.QUIESCENT, null, null, null);
  }

  static HealthCheckPlan http(int intervalMillis, int timeoutMillis, int rise, int fall, HealthCheckPlan.Http h) {
    return new HealthCheckPlan(HealthCheckType.HTTP, 0, intervalMillis, timeoutMillis, rise, fall, 0,
        FailureAction.QUIESCENT, h, null, null);
  }

  static HealthCheckPlan.Http get(String path, String expectBody) {
    return new HealthCheckPlan.Http("GET", path, null, List.of(200), expectBody, null, false, null);
  }

  static HealthCheckPlan with(HealthCheckPlan c, HealthCheckType type) {
    return new HealthCheckPlan(type, c.port(), c.intervalMillis(), c.timeoutMillis(), c.rise(), c.fall(),
        c.warmupMillis(), c.onFailure(), c.http(), c.udp(), c.dns());
  }

  static HealthCheckPlan with(HealthCheckPlan c, FailureAction a) {
    return new HealthCheckPlan(c.type(), c.port(), c.intervalMillis(), c.timeoutMillis(), c.rise(), c.fall(),
        c.warmupMillis(), a, c.http(), c.udp(), c.dns());
  }

  static HealthCheckPlan with(HealthCheckPlan c, HealthCheckPlan.Http h) {
    return new HealthCheckPlan(c.type(), c.port(), c.intervalMillis(), c.timeoutMillis(), c.rise(), c.fall(),
        c.warmupMillis(), c.onFailure(), h, c.udp(), c.dns());
  }

  static HealthCheckPlan udp(int intervalMillis, int timeoutMillis, String send, String expect) {
    return new HealthCheckPlan(HealthCheckType.UDP, 0, intervalMillis, timeoutMillis, 1, 1, 0,
        FailureAction.QUIESCENT, null, new HealthCheckPlan.Udp(send, expect), null);
  }

  static HealthCheckPlan dns(int intervalMillis, int timeoutMillis, String name, String expectAddress) {
    return new HealthCheckPlan(HealthCheckType.DNS, 0, intervalMillis, timeoutMillis, 1, 1, 0,
        FailureAction.QUIESCENT, null, null,
        new HealthCheckPlan.Dns(name, io.halvs.api.v1alpha1.DnsRecordType.A, expectAddress));
  }

  static Destination dest(String address, int port, String name) {
    return new Destination(IpAddress.parse(address), port, ForwardingMethod.MASQ, 1, 0, 0, null, 0, null,
        new ObjectRef("RealServer", "default", name));
  }

  static IpvsService service(String vip, int port, HealthCheckPlan check, Destination sorry, Destination... ds) {
    Protocol proto = check != null && (check.type() == HealthCheckType.UDP || check.type() == HealthCheckType.DNS)
        ? Protocol.UDP : Protocol.TCP;
    ServiceKey key = ServiceKey.of(proto, IpAddress.parse(vip), port);
    return new IpvsService(key, key.address(), "wlc", 0, 0, 0xffffffffL, List.of(ds), sorry, check,
        new ObjectRef("VirtualService", "default", "vs-" + vip));
  }

  static DirectorPlan plan(IpvsService... services) {
    return plan(List.of(services));
  }

  static DirectorPlan plan(List<IpvsService> services) {
    return new DirectorPlan("pair", List.of("a", "b"), "eth0", List.of(), null, new TreeMap<>(), null, null,
        services);
  }
}
