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

/**
 * A virtual service: one VIP:port/protocol (or firewall mark) that a director pair balances over the
 * real servers its selector picks. The ipvsadm -A line of ldirectord's "virtual=" block.
 */
@Group(HalvsApi.GROUP)
@Version(HalvsApi.VERSION)
@Kind("VirtualService")
@Plural("virtualservices")
@Singular("virtualservice")
@ShortNames("hvs")
@Categories("halvs")
@AdditionalPrinterColumn(name = "Endpoint", jsonPath = ".status.endpoint")
@AdditionalPrinterColumn(name = "Scheduler", jsonPath = ".spec.scheduler")
@AdditionalPrinterColumn(name = "Active", jsonPath = ".status.activeDirector")
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.realServers")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class VirtualService extends CustomResource<VirtualServiceSpec, VirtualServiceStatus> implements Namespaced {
  private static final long serialVersionUID = 1L;

  @Override
  protected VirtualServiceStatus initStatus() {
    return new VirtualServiceStatus();
  }
}
