package io.halvs.api.v1alpha1;

/** Record type a DNS health check asks for. */
public enum DnsRecordType {
  A, AAAA, CNAME, MX, NS, PTR, SOA, SRV, TXT;

  /** The QTYPE on the wire (RFC 1035, 2782, 3596). */
  public int code() {
    return switch (this) {
      case A -> 1;
      case NS -> 2;
      case CNAME -> 5;
      case SOA -> 6;
      case PTR -> 12;
      case MX -> 15;
      case TXT -> 16;
      case AAAA -> 28;
      case SRV -> 33;
    };
  }

  /** Types whose answer is an address (dns.expectAddress); the others are judged by dns.expectData. */
  public boolean isAddress() {
    return this == A || this == AAAA;
  }
}
