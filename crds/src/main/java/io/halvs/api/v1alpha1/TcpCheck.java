package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** tcp send/expect (ldirectord simpletcp): after the connect, send a string and expect a reply matching a regex. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.send) || has(self.expect)",
    message = "healthCheck.tcp needs send, expect or both (leave the block out for a plain connect)")
public class TcpCheck {
  @Size(min = 1, max = 1024)
  @JsonPropertyDescription("Sent once connected (UTF-8; write \\r\\n yourself where the protocol wants it). "
      + "Absent: nothing is sent, the server speaks first (a banner).")
  private String send;

  @Size(min = 1, max = 1024)
  @JsonPropertyDescription("Java regular expression the reply must match somewhere (ldirectord receive=); "
      + "read until it matches, the server closes or the timeout. Absent: any reply counts as up.")
  private String expect;

  public String getSend() { return send; }
  public void setSend(String send) { this.send = send; }
  public String getExpect() { return expect; }
  public void setExpect(String expect) { this.expect = expect; }
}
