package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What a failed health check does to a real server in IPVS. */
public enum FailureAction {
  /** Weight 0: no new connections, established ones live on (ldirectord quiescent=yes). */
  @JsonProperty("quiescent") QUIESCENT,
  /** The destination is deleted from the virtual service (ldirectord quiescent=no). */
  @JsonProperty("remove") REMOVE
}
