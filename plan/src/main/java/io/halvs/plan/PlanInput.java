package io.halvs.plan;

import io.halvs.api.v1alpha1.DirectorPair;
import io.halvs.api.v1alpha1.RealServer;
import io.halvs.api.v1alpha1.VirtualService;
import java.util.List;

/** The halvs objects a plan is built from, as read from the API server or from YAML files. */
public record PlanInput(List<DirectorPair> directorPairs, List<VirtualService> virtualServices,
    List<RealServer> realServers) {

  public PlanInput {
    directorPairs = List.copyOf(directorPairs);
    virtualServices = List.copyOf(virtualServices);
    realServers = List.copyOf(realServers);
  }
}
