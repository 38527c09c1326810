package io.halvs.api.v1alpha1;

/** Transport protocol of a virtual service (ipvsadm -t / -u / --sctp-service). */
public enum Protocol {
  TCP, UDP, SCTP
}
