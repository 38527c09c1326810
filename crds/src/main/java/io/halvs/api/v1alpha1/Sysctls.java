package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class Sysctls {
  /** Which sysctl keys a DirectorPair may set: IPVS, forwarding and ARP/rp_filter knobs, nothing else. */
  public static final String ALLOWED_KEY = "^net\\.ipv4\\.(ip_forward|vs\\.[a-z0-9_]+|"
      + "conf\\.[A-Za-z0-9_.-]{1,15}\\.(arp_ignore|arp_announce|rp_filter|forwarding|send_redirects))$"
      + "|^net\\.ipv6\\.conf\\.[A-Za-z0-9_.-]{1,15}\\.forwarding$";

  /** Named sets of settings. */
  public enum Profile {
    /**
     * What the seed sets on directors: ip_forward=1 (NAT), vs.expire_nodest_conn=1 and
     * vs.expire_quiescent_template=1, IPv6 forwarding when an IPv6 service exists.
     */
    @JsonProperty("standard") STANDARD,
    /** Only the overrides. */
    @JsonProperty("none") NONE
  }

  @Default(Defaults.SYSCTL_PROFILE)
  @JsonPropertyDescription("standard (ip_forward=1, vs.expire_nodest_conn=1, vs.expire_quiescent_template=1; default) or none.")
  private Profile profile;

  @ValidationRule(value = "self.all(k, k.matches('" + "^net\\\\.ipv4\\\\.(ip_forward|vs\\\\.[a-z0-9_]+|"
      + "conf\\\\.[A-Za-z0-9_.-]{1,15}\\\\.(arp_ignore|arp_announce|rp_filter|forwarding|send_redirects))$"
      + "|^net\\\\.ipv6\\\\.conf\\\\.[A-Za-z0-9_.-]{1,15}\\\\.forwarding$" + "'))",
      message = "sysctls.overrides keys must be net.ipv4.ip_forward, net.ipv4.vs.*, "
          + "net.ipv4.conf.<if>.{arp_ignore,arp_announce,rp_filter,forwarding,send_redirects} or net.ipv6.conf.<if>.forwarding")
  @ValidationRule(value = "self.all(k, self[k].matches('^-?[0-9]{1,10}$'))",
      message = "sysctls.overrides values must be integers")
  @JsonPropertyDescription("Extra or overriding sysctls, e.g. net.ipv4.vs.conntrack: \"1\". Applied after the profile.")
  private Map<String, String> overrides;

  public Profile getProfile() { return profile; }
  public void setProfile(Profile profile) { this.profile = profile; }
  public Map<String, String> getOverrides() { return overrides; }
  public void setOverrides(Map<String, String> overrides) { this.overrides = overrides; }
}
