package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class AgentSettings {
  /** Image pull policies, as a Pod's container takes them. */
  public enum PullPolicy { Always, IfNotPresent, Never }

  @Size(max = 512)
  @JsonPropertyDescription("Director agent image; default: the operator's own version of it.")
  private String image;

  @JsonPropertyDescription("Always, IfNotPresent or Never; default IfNotPresent.")
  private PullPolicy imagePullPolicy;

  public String getImage() { return image; }
  public void setImage(String image) { this.image = image; }
  public PullPolicy getImagePullPolicy() { return imagePullPolicy; }
  public void setImagePullPolicy(PullPolicy imagePullPolicy) { this.imagePullPolicy = imagePullPolicy; }
}
