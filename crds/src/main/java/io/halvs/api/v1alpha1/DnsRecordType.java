package io.halvs.api.v1alpha1;

/** Record type a DNS health check asks for. */
public enum DnsRecordType {
  A, AAAA
}
