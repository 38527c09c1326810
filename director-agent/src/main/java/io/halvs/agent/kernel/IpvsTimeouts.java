package io.halvs.agent.kernel;

/** IPVS_CMD_ATTR_TIMEOUT_TCP / _TCP_FIN / _UDP in seconds; 0 on write leaves a value unchanged. */
public record IpvsTimeouts(int tcp, int tcpFin, int udp) {}
