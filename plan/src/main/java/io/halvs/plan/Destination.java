package io.halvs.plan;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.halvs.api.v1alpha1.ForwardingMethod;
import io.halvs.api.v1alpha1.TunnelChecksum;
import io.halvs.api.v1alpha1.TunnelType;
import java.util.Comparator;

/**
 * One real server of one IPVS service, fully resolved: what ipvsadm -a takes. weight is the configured weight
 * (0 when drained); health checks lower it at run time on the director, never here. healthCheck: this real
 * server's own check (its RealServer's laid over the service's), null when it runs the service's.
 */
public record Destination(
    IpAddress address,
    int port,
    ForwardingMethod method,
    int weight,
    long upperThreshold,
    long lowerThreshold,
    TunnelType tunnelType,
    int tunnelPort,
    TunnelChecksum tunnelChecksum,
    ObjectRef realServer,
    @JsonInclude(JsonInclude.Include.NON_NULL) HealthCheckPlan healthCheck) implements Comparable<Destination> {

  @JsonCreator
  public Destination {}

  /** A destination that runs its service's health check. */
  public Destination(IpAddress address, int port, ForwardingMethod method, int weight, long upperThreshold,
      long lowerThreshold, TunnelType tunnelType, int tunnelPort, TunnelChecksum tunnelChecksum,
      ObjectRef realServer) {
    this(address, port, method, weight, upperThreshold, lowerThreshold, tunnelType, tunnelPort, tunnelChecksum,
        realServer, null);
  }

  private static final Comparator<Destination> ORDER =
      Comparator.comparing(Destination::address).thenComparingInt(Destination::port);

  /** Identity within its service: the kernel keys destinations by address and port. */
  public String id() {
    return address.withPort(port);
  }

  @Override
  public int compareTo(Destination o) {
    return ORDER.compare(this, o);
  }
}
