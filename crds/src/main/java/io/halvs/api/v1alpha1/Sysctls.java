package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

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

  @Size(max = 64)
  @JsonPropertyDescription("Extra or overriding sysctls, applied after the profile, e.g. "
      + "[{name: net.ipv4.vs.conntrack, value: \"1\"}].")
  private List<Sysctl> overrides;

  /** One sysctl. Checked by patterns (not CEL): cheap for the API server at any list length. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Sysctl {
    @Required
    @Size(max = 64)
    @Pattern(ALLOWED_KEY)
    @JsonPropertyDescription("net.ipv4.ip_forward, net.ipv4.vs.*, net.ipv4.conf.<if>.{arp_ignore,arp_announce,"
        + "rp_filter,forwarding,send_redirects} or net.ipv6.conf.<if>.forwarding.")
    private String name;

    @Required
    @Size(max = 23)
    @Pattern("^-?[0-9]{1,10}( -?[0-9]{1,10})?$")
    @JsonPropertyDescription("An integer, or two separated by a space for the sysctls that take a pair "
        + "(net.ipv4.vs.sync_threshold: threshold and period).")
    private String value;

    public Sysctl() {}

    public Sysctl(String name, String value) {
      this.name = name;
      this.value = value;
    }

    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    public String getValue() { return value; }
    public void setValue(String value) { this.value = value; }
  }

  public Profile getProfile() { return profile; }
  public void setProfile(Profile profile) { this.profile = profile; }
  public List<Sysctl> getOverrides() { return overrides; }
  public void setOverrides(List<Sysctl> overrides) { this.overrides = overrides; }
}
