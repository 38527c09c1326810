package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class UdpCheck {
  @Required
  @Size(min = 1, max = 1024)
  @JsonPropertyDescription("Payload sent in one datagram (UTF-8).")
  private String send;

  @Size(max = 1024)
  @JsonPropertyDescription("Substring the answer must contain; absent: any answer counts as up.")
  private String expect;

  public String getSend() { return send; }
  public void setSend(String send) { this.send = send; }
  public String getExpect() { return expect; }
  public void setExpect(String expect) { this.expect = expect; }
}
