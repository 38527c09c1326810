package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.tunnel) || self.method == 'ipip'",
    message = "forwarding.tunnel is only for method ipip", fieldPath = ".tunnel")
public class Forwarding {
  @Default(Defaults.METHOD)
  @JsonPropertyDescription("masq (LVS-NAT, default), gate (LVS-DR) or ipip (LVS-TUN).")
  private ForwardingMethod method;

  @JsonPropertyDescription("Tunnel settings for method ipip.")
  private Tunnel tunnel;

  public ForwardingMethod getMethod() { return method; }
  public void setMethod(ForwardingMethod method) { this.method = method; }
  public Tunnel getTunnel() { return tunnel; }
  public void setTunnel(Tunnel tunnel) { this.tunnel = tunnel; }
}
