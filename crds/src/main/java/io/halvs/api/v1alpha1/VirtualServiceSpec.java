package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.port) != has(self.firewallMark)",
    message = "exactly one of port or firewallMark must be set")
@ValidationRule(value = "!has(self.firewallMark) || !has(self.protocol)",
    message = "protocol cannot be set with firewallMark: a firewall-mark service takes whatever the mark matches",
    fieldPath = ".protocol")
@ValidationRule(value = "!has(self.schedulerFlags) || self.schedulerFlags.all(f, "
    + "(f.startsWith('sh-') && self.scheduler == 'sh') || (f.startsWith('mh-') && self.scheduler == 'mh'))",
    message = "schedulerFlags: sh-fallback/sh-port need scheduler sh, mh-fallback/mh-port need scheduler mh",
    fieldPath = ".schedulerFlags")
@ValidationRule(value = "!has(self.persistence) || !has(self.persistence.netmask) || !has(self.vip) || "
    + "(isIP(self.vip) && ip(self.vip).family() == 4)",
    message = "persistence.netmask is an IPv4 mask: use persistence.prefixLength with an IPv6 vip",
    fieldPath = ".persistence.netmask")
@ValidationRule(value = "!has(self.persistence) || !has(self.persistence.prefixLength) || !has(self.vip) || "
    + "!isIP(self.vip) || "
    + "ip(self.vip).family() == 6 || self.persistence.prefixLength <= 32",
    message = "persistence.prefixLength must be at most 32 with an IPv4 vip",
    fieldPath = ".persistence.prefixLength")
@ValidationRule(value = "!has(self.persistence) || !has(self.persistence.engine) || has(self.firewallMark) || "
    + "(has(self.protocol) && self.protocol == 'UDP')",
    message = "persistence.engine sip is for UDP (or firewall-mark) services only: the kernel's sip engine drops "
        + "every other packet it is asked to schedule",
    fieldPath = ".persistence.engine")
@ValidationRule(value = "!has(self.onePacket) || !self.onePacket || has(self.firewallMark) || "
    + "(has(self.protocol) && self.protocol == 'UDP')",
    message = "onePacket is for UDP (or firewall-mark) services only",
    fieldPath = ".onePacket")
@ValidationRule(value = "!has(self.vipPrefixLength) || !has(self.vip) || !isIP(self.vip) || ip(self.vip).family() == 6 "
    + "|| self.vipPrefixLength <= 32",
    message = "vipPrefixLength must be at most 32 with an IPv4 vip", fieldPath = ".vipPrefixLength")
@ValidationRule(value = "!has(self.sorryServer) || !has(self.vip) || !isIP(self.vip) || !isIP(self.sorryServer.address) || "
    + "ip(self.sorryServer.address).family() == ip(self.vip).family() || "
    + "(has(self.sorryServer.forwardingMethod) && self.sorryServer.forwardingMethod == 'ipip')",
    message = "sorryServer.address must be of the vip's address family (only the ipip method can cross families)",
    fieldPath = ".sorryServer.address")
@ValidationRule(value = "has(self.vip) || has(self.firewallMark)",
    message = "vip is required (only a firewall-mark service may go without, or name vips instead)",
    fieldPath = ".vip")
@ValidationRule(value = "!has(self.vips) || size(self.vips) == 0 || has(self.firewallMark)",
    message = "vips is for firewall-mark services: a port service has one vip", fieldPath = ".vips")
@ValidationRule(value = "!has(self.vips) || size(self.vips) == 0 || !has(self.vip)",
    message = "set vip or vips, not both", fieldPath = ".vips")
@ValidationRule(value = "!has(self.ipFamily) || has(self.firewallMark)",
    message = "ipFamily is for firewall-mark services (a port service's family is its vip's)", fieldPath = ".ipFamily")
@ValidationRule(value = "!has(self.marking) || size(self.marking) == 0 || has(self.firewallMark)",
    message = "marking is for firewall-mark services: it says what gets the firewallMark", fieldPath = ".marking")
@ValidationRule(value = "!has(self.marking) || has(self.vip) || (has(self.vips) && size(self.vips) > 0) || "
    + "self.marking.all(m, has(m.destinations) && size(m.destinations) > 0)",
    message = "marking: a rule without destinations marks traffic to the service's vip or vips, and this service "
        + "has none: name its destinations", fieldPath = ".marking")
// A valid address or prefix holds ':' exactly when it is IPv6: cheap enough for 16 x 32 entries, no parsing.
// A valid address or prefix holds ':' exactly when it is IPv6; each rule's destinations are of one family (checked
// on the rule), so its first one stands for all: cheap enough for the API server's cost budget, no parsing.
@ValidationRule(value = "!has(self.marking) || self.marking.all(m, !has(m.destinations) || "
    + "size(m.destinations) == 0 || m.destinations[0].contains(':') == (has(self.vip) ? self.vip.contains(':') "
    + ": has(self.vips) && size(self.vips) > 0 ? self.vips[0].contains(':') "
    + ": has(self.ipFamily) && self.ipFamily == 'IPv6'))",
    message = "marking.destinations must be of the service's address family (its vip or vips, else ipFamily, "
        + "IPv4 by default): make one VirtualService per family", fieldPath = ".marking")
@ValidationRule(value = "!has(self.marking) || self.marking.map(m, "
    + "(has(m.destinations) && size(m.destinations) > 0 ? size(m.destinations) "
    + ": has(self.vips) && size(self.vips) > 0 ? size(self.vips) : 1) "
    + "* (has(m.ports) && size(m.ports) > 0 ? size(m.ports) : 1)).sum() <= " + MarkingRule.MAX_RULES_PER_SERVICE,
    message = "marking: at most " + MarkingRule.MAX_RULES_PER_SERVICE + " rules per service (each destination times "
        + "each port range is one rule): use prefixes and port ranges", fieldPath = ".marking")
public class VirtualServiceSpec {

  @Required
  @Size(min = 1, max = 253)
  @JsonPropertyDescription("Name of the DirectorPair (cluster-scoped) whose directors run this virtual service.")
  private String directorPair;

  @Size(min = 2, max = HalvsApi.MAX_IP_LENGTH)
  @ValidationRule(value = "isIP(self) && !ip(self).isUnspecified()",
      message = "vip must be an IPv4 or IPv6 address (not 0.0.0.0 or ::)")
  @JsonPropertyDescription("Virtual IP address (IPv4 or IPv6) that clients connect to; the active director holds it. "
      + "Required, except for a firewall-mark service, which may name vips instead, or none.")
  private String vip;

  @Size(max = 32)
  @JsonPropertyDescription("Firewall-mark services only, instead of vip: the addresses the active director holds for "
      + "this service (the ones your mark rules match), all of one family; empty or unset: none (the marked "
      + "traffic reaches the directors by routing, or the addresses are held elsewhere). Checked by the plan.")
  private List<@Size(max = HalvsApi.MAX_IP_LENGTH) String> vips;

  @JsonPropertyDescription("Firewall-mark services without an address: IPv4 (default) or IPv6 (ipvsadm -f N -6).")
  private IpFamily ipFamily;

  @Pattern(DirectorPairSpec.INTERFACE_NAME)
  @JsonPropertyDescription("Interface the active director adds the vip to (keepalived virtual_ipaddress ... dev); "
      + "default: the DirectorPair's vipInterface.")
  private String vipInterface;

  @Min(1)
  @Max(128)
  @JsonPropertyDescription("Prefix length the vip is added with (keepalived virtual_ipaddress A/N), e.g. 24 for a VIP "
      + "that also brings its subnet's route; default 32 (IPv4) or 128 (IPv6).")
  private Integer vipPrefixLength;

  @Min(1)
  @Max(65535)
  @JsonPropertyDescription("Service port (1-65535). Exactly one of port or firewallMark.")
  private Integer port;

  @JsonPropertyDescription("Transport protocol with port: TCP (default), UDP or SCTP.")
  private Protocol protocol;

  @Min(1)
  @Max(4294967295L)
  @JsonPropertyDescription("Firewall mark (ipvsadm -f) instead of port and protocol; the mark is set by your own "
      + "netfilter rules or by marking. The vip is still held by the active director.")
  private Long firewallMark;

  @Size(max = 16)
  @JsonPropertyDescription("Firewall-mark services only: what to mark (at most 16 rules). The directors install "
      + "these marking rules themselves (nftables table inet halvs, hook prerouting), so no netfilter rules of your "
      + "own are needed; unset: you mark the traffic yourself.")
  private List<MarkingRule> marking;

  @Default(Defaults.SCHEDULER)
  @JsonPropertyDescription("IPVS scheduler: rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh twos. Default wlc.")
  private Scheduler scheduler;

  @Size(max = 4)
  @JsonPropertyDescription("Scheduler flags (ipvsadm -b): sh-fallback and sh-port with sh, mh-fallback and mh-port with mh.")
  private List<SchedulerFlag> schedulerFlags;

  @JsonPropertyDescription("Persistence (ipvsadm -p/-M): a client keeps its real server for timeoutSeconds.")
  private Persistence persistence;

  @JsonPropertyDescription("One-packet scheduling (ipvsadm -o): schedule every UDP datagram on its own.")
  private Boolean onePacket;

  @JsonPropertyDescription("Default forwarding method of this service's real servers; a RealServer may override it.")
  private Forwarding forwarding;

  @Required
  @JsonPropertyDescription("Label selector over RealServers in this namespace that back this virtual service.")
  private LabelSelector realServerSelector;

  @JsonPropertyDescription("Sorry (fallback) server: added when no real server is healthy, removed when one recovers.")
  private SorryServer sorryServer;

  @JsonPropertyDescription("Health check the directors run against each real server. Default: TCP connect.")
  private HealthCheck healthCheck;

  public String getDirectorPair() { return directorPair; }
  public void setDirectorPair(String directorPair) { this.directorPair = directorPair; }
  public String getVip() { return vip; }
  public void setVip(String vip) { this.vip = vip; }
  public List<String> getVips() { return vips; }
  public void setVips(List<String> vips) { this.vips = vips; }
  public IpFamily getIpFamily() { return ipFamily; }
  public void setIpFamily(IpFamily ipFamily) { this.ipFamily = ipFamily; }
  public String getVipInterface() { return vipInterface; }
  public void setVipInterface(String vipInterface) { this.vipInterface = vipInterface; }
  public Integer getVipPrefixLength() { return vipPrefixLength; }
  public void setVipPrefixLength(Integer vipPrefixLength) { this.vipPrefixLength = vipPrefixLength; }
  public Integer getPort() { return port; }
  public void setPort(Integer port) { this.port = port; }
  public Protocol getProtocol() { return protocol; }
  public void setProtocol(Protocol protocol) { this.protocol = protocol; }
  public Long getFirewallMark() { return firewallMark; }
  public void setFirewallMark(Long firewallMark) { this.firewallMark = firewallMark; }
  public List<MarkingRule> getMarking() { return marking; }
  public void setMarking(List<MarkingRule> marking) { this.marking = marking; }
  public Scheduler getScheduler() { return scheduler; }
  public void setScheduler(Scheduler scheduler) { this.scheduler = scheduler; }
  public List<SchedulerFlag> getSchedulerFlags() { return schedulerFlags; }
  public void setSchedulerFlags(List<SchedulerFlag> schedulerFlags) { this.schedulerFlags = schedulerFlags; }
  public Persistence getPersistence() { return persistence; }
  public void setPersistence(Persistence persistence) { this.persistence = persistence; }
  public Boolean getOnePacket() { return onePacket; }
  public void setOnePacket(Boolean onePacket) { this.onePacket = onePacket; }
  public Forwarding getForwarding() { return forwarding; }
  public void setForwarding(Forwarding forwarding) { this.forwarding = forwarding; }
  public LabelSelector getRealServerSelector() { return realServerSelector; }
  public void setRealServerSelector(LabelSelector realServerSelector) { this.realServerSelector = realServerSelector; }
  public SorryServer getSorryServer() { return sorryServer; }
  public void setSorryServer(SorryServer sorryServer) { this.sorryServer = sorryServer; }
  public HealthCheck getHealthCheck() { return healthCheck; }
  public void setHealthCheck(HealthCheck healthCheck) { this.healthCheck = healthCheck; }
}
