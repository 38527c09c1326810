package io.halvs.agent.kernel;

/** IPVS_STATS_ATTR_* / IPVS_STATS64 counters (rates are per second, as the kernel estimates them). */
public record IpvsStats(long connections, long inPackets, long outPackets, long inBytes, long outBytes,
    long cps, long inPps, long outPps, long inBps, long outBps) {}
