package io.halvs.agent.conn;

import io.halvs.plan.IpAddress;

/**
 * One entry of the kernel's IPVS connection table (/proc/net/ip_vs_conn): who (client) reached which virtual
 * service and went to which destination, in which protocol state, for how many more seconds. Persistence
 * templates are entries too (client port 0, state NONE). {@code protocol} is the kernel's name ("TCP", "UDP",
 * "SCTP", "IP" for a firewall-mark template, ...); {@code peName}/{@code peData} are set only for a persistence
 * engine (e.g. sip) and are null otherwise.
 */
public record IpvsConnection(String protocol, IpAddress client, int clientPort, IpAddress virtual, int virtualPort,
    IpAddress destination, int destinationPort, String state, long expiresSeconds, String peName, String peData) {

  /** ipvsadm's expire column: minutes:seconds, both two digits at least. */
  public String expire() {
    return String.format("%02d:%02d", expiresSeconds / 60, expiresSeconds % 60);
  }
}
