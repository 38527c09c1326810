package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** ipvsadm --start-daemon master|backup, run as "both" on each director. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SyncDaemon {
  @Default("true")
  @JsonPropertyDescription("Run master and backup sync daemons on both directors. Default true.")
  private Boolean enabled;

  @Default("0")
  @Min(0)
  @Max(255)
  @JsonPropertyDescription("Sync id (ipvsadm --syncid) shared by the pair; tells pairs on one network apart. Default 0.")
  private Integer syncId;

  @Pattern(DirectorPairSpec.INTERFACE_NAME)
  @JsonPropertyDescription("Interface for sync traffic (ipvsadm --mcast-interface); default: vipInterface.")
  private String interfaceName;

  @Default(Defaults.SYNC_MULTICAST_GROUP)
  @Size(max = HalvsApi.MAX_IP_LENGTH)
  @ValidationRule(value = "isIP(self) && (ip(self).family() == 4 ? cidr('224.0.0.0/4').containsIP(ip(self)) "
      + ": cidr('ff00::/8').containsIP(ip(self)))",
      message = "syncDaemon.multicastGroup must be an IPv4 (224.0.0.0/4) or IPv6 (ff00::/8) multicast address")
  @JsonPropertyDescription("Multicast group (ipvsadm --mcast-group). Default 224.0.0.81.")
  private String multicastGroup;

  @Default("8848")
  @Min(1)
  @Max(65535)
  @JsonPropertyDescription("UDP port (ipvsadm --mcast-port). Default 8848.")
  private Integer port;

  @Default("1")
  @Min(1)
  @Max(255)
  @JsonPropertyDescription("Multicast TTL (ipvsadm --mcast-ttl). Default 1.")
  private Integer ttl;

  @Min(0)
  @Max(65507)
  @JsonPropertyDescription("Maximum sync message payload in bytes (ipvsadm --sync-maxlen); 0 or absent: kernel default.")
  private Integer maxLen;

  public Boolean getEnabled() { return enabled; }
  public void setEnabled(Boolean enabled) { this.enabled = enabled; }
  public Integer getSyncId() { return syncId; }
  public void setSyncId(Integer syncId) { this.syncId = syncId; }
  public String getInterfaceName() { return interfaceName; }
  public void setInterfaceName(String interfaceName) { this.interfaceName = interfaceName; }
  public String getMulticastGroup() { return multicastGroup; }
  public void setMulticastGroup(String multicastGroup) { this.multicastGroup = multicastGroup; }
  public Integer getPort() { return port; }
  public void setPort(Integer port) { this.port = port; }
  public Integer getTtl() { return ttl; }
  public void setTtl(Integer ttl) { this.ttl = ttl; }
  public Integer getMaxLen() { return maxLen; }
  public void setMaxLen(Integer maxLen) { this.maxLen = maxLen; }
}
