package io.halvs.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * Two director nodes that hold VIPs for each other: the Pacemaker pair of the classic setup. Cluster-scoped,
 * like the nodes it names; VirtualServices in any allowed namespace run on it.
 */
@Group(HalvsApi.GROUP)
@Version(HalvsApi.VERSION)
@Kind("DirectorPair")
@Plural("directorpairs")
@Singular("directorpair")
@ShortNames("hdp")
@Categories("halvs")
@AdditionalPrinterColumn(name = "Active", jsonPath = ".status.activeNode")
@AdditionalPrinterColumn(name = "Standby", jsonPath = ".status.standbyNode")
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status")
@AdditionalPrinterColumn(name = "Services", jsonPath = ".status.virtualServices", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class DirectorPair extends CustomResource<DirectorPairSpec, DirectorPairStatus> {
  private static final long serialVersionUID = 1L;

  @Override
  protected DirectorPairStatus initStatus() {
    return new DirectorPairStatus();
  }
}
