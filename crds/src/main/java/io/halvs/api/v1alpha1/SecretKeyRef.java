package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A key of a Secret in the operator's namespace. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SecretKeyRef {
  @Required
  @Size(min = 1, max = 253)
  @JsonPropertyDescription("Secret name, in the namespace halvs runs in.")
  private String name;

  @Default("key")
  @Size(min = 1, max = 253)
  @JsonPropertyDescription("Key within the Secret. Default 'key'.")
  private String key;

  public String getName() { return name; }
  public void setName(String name) { this.name = name; }
  public String getKey() { return key; }
  public void setKey(String key) { this.key = key; }
}
