package io.halvs.plan;

import io.halvs.api.v1alpha1.ForwardingMethod;
import io.halvs.api.v1alpha1.TunnelChecksum;
import io.halvs.api.v1alpha1.TunnelType;
import java.util.Comparator;

/**
 * One real server of one IPVS service, fully resolved: what ipvsadm -a takes. weight is the configured weight
 * (0 when drained); health checks lower it at run time on the director, never here.
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
    ObjectRef realServer) implements Comparable<Destination> {

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
