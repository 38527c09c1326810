package io.halvs.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/** A real server: one backend address that VirtualServices select by label (ldirectord's "real="). */
@Group(HalvsApi.GROUP)
@Version(HalvsApi.VERSION)
@Kind("RealServer")
@Plural("realservers")
@Singular("realserver")
@ShortNames("hrs")
@Categories("halvs")
@AdditionalPrinterColumn(name = "Address", jsonPath = ".spec.address")
@AdditionalPrinterColumn(name = "Port", jsonPath = ".spec.port", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Weight", jsonPath = ".spec.weight", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Services", jsonPath = ".status.virtualServices", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class RealServer extends CustomResource<RealServerSpec, RealServerStatus> implements Namespaced {
  private static final long serialVersionUID = 1L;

  @Override
  protected RealServerStatus initStatus() {
    return new RealServerStatus();
  }
}
