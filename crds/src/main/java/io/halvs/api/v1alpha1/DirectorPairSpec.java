package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.moreGateways) || size(self.moreGateways) == 0 || has(self.gateway)",
    message = "moreGateways needs gateway (the first one)", fieldPath = ".moreGateways")
public class DirectorPairSpec {
  /** Linux interface names: 1-15 bytes, no slash, colon or whitespace. */
  public static final String INTERFACE_NAME = "^[^\\s/:]{1,15}$";

  @Required
  @Size(min = 2, max = 2)
  @ValidationRule(value = "size(self) != 2 || self[0] != self[1]", message = "nodes must name two different nodes")
  // Node-name syntax is checked by the plan (a condition on the pair): a CEL pattern over list items without a
  // declared length exceeds the API server's validation cost budget.
  @JsonPropertyDescription("The two director nodes (Kubernetes node names).")
  private List<String> nodes;

  @Required
  @Pattern(INTERFACE_NAME)
  @JsonPropertyDescription("Interface on both directors that carries the VIPs (IPaddr2 nic=), e.g. eth0.")
  private String vipInterface;

  @JsonPropertyDescription("NAT gateway address of the real servers (the seed's p_rip_gw): floats with the VIPs.")
  private Gateway gateway;

  @Size(max = 16)
  @JsonPropertyDescription("More NAT gateway addresses, held with gateway (a keepalived vrrp_instance often holds "
      + "several, e.g. one per real-server network or an IPv6 one beside the IPv4 one). Needs gateway.")
  private List<Gateway> moreGateways;

  @JsonPropertyDescription("IPVS connection-sync daemons, so established connections survive a failover.")
  private SyncDaemon syncDaemon;

  @JsonPropertyDescription("Failure detection and failover timing between the two directors.")
  private HighAvailability highAvailability;

  @JsonPropertyDescription("Kernel settings the directors apply.")
  private Sysctls sysctls;

  @JsonPropertyDescription("IPVS connection timeouts (ipvsadm --set) the directors apply; unset fields leave the "
      + "kernel's values (900 s tcp, 120 s tcpfin, 300 s udp).")
  private ConnectionTimeouts connectionTimeouts;

  @JsonPropertyDescription("The director agent DaemonSet.")
  private AgentSettings agent;

  @Size(max = 256)
  @JsonPropertyDescription("Namespaces whose VirtualServices may use this pair; empty: all namespaces.")
  private List<String> allowedNamespaces;

  public List<String> getNodes() { return nodes; }
  public void setNodes(List<String> nodes) { this.nodes = nodes; }
  public String getVipInterface() { return vipInterface; }
  public void setVipInterface(String vipInterface) { this.vipInterface = vipInterface; }
  public Gateway getGateway() { return gateway; }
  public void setGateway(Gateway gateway) { this.gateway = gateway; }
  public List<Gateway> getMoreGateways() { return moreGateways; }
  public void setMoreGateways(List<Gateway> moreGateways) { this.moreGateways = moreGateways; }
  public SyncDaemon getSyncDaemon() { return syncDaemon; }
  public void setSyncDaemon(SyncDaemon syncDaemon) { this.syncDaemon = syncDaemon; }
  public HighAvailability getHighAvailability() { return highAvailability; }
  public void setHighAvailability(HighAvailability highAvailability) { this.highAvailability = highAvailability; }
  public Sysctls getSysctls() { return sysctls; }
  public void setSysctls(Sysctls sysctls) { this.sysctls = sysctls; }
  public ConnectionTimeouts getConnectionTimeouts() { return connectionTimeouts; }
  public void setConnectionTimeouts(ConnectionTimeouts connectionTimeouts) { this.connectionTimeouts = connectionTimeouts; }
  public AgentSettings getAgent() { return agent; }
  public void setAgent(AgentSettings agent) { this.agent = agent; }
  public List<String> getAllowedNamespaces() { return allowedNamespaces; }
  public void setAllowedNamespaces(List<String> allowedNamespaces) { this.allowedNamespaces = allowedNamespaces; }
}
