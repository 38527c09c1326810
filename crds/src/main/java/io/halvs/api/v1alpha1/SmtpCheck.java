package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;

/** smtp: the name the director greets with. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SmtpCheck {
  @Size(min = 1, max = 253)
  @Pattern("^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$")
  @JsonPropertyDescription("Name sent with EHLO (keepalived helo_name). Default localhost.")
  private String heloName;

  public String getHeloName() { return heloName; }
  public void setHeloName(String heloName) { this.heloName = heloName; }
}
