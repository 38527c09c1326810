package io.halvs.agent.kernel;

/** IPVS_INFO_ATTR_VERSION and _CONN_TAB_SIZE. */
public record IpvsInfo(int version, int connectionTableSize) {
  /** "1.2.1", as ipvsadm prints it. */
  public String versionString() {
    return ((version >> 16) & 0xff) + "." + ((version >> 8) & 0xff) + "." + (version & 0xff);
  }
}
