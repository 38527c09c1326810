package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!(has(self.expectBody) && has(self.expectBodyRegex))",
    message = "set http.expectBody or http.expectBodyRegex, not both")
public class HttpCheck {
  /** HTTP methods a health check may use: side-effect-free ones only. */
  public enum Method { GET, HEAD }

  @Default(Defaults.HTTP_PATH)
  @Size(max = 2048)
  @Pattern("^/\\S*$")
  @JsonPropertyDescription("Request path, starting with / (ldirectord request=). Default /.")
  private String path;

  @Size(max = 253)
  @JsonPropertyDescription("Host header (ldirectord virtualhost=); default: the real server's address.")
  private String host;

  @Default(Defaults.HTTP_METHOD)
  @JsonPropertyDescription("GET (default) or HEAD.")
  private Method method;

  @Size(max = 16)
  @ValidationRule(value = "self.all(s, s >= 100 && s <= 599)", message = "http.expectStatus codes must be 100-599")
  @JsonPropertyDescription("Status codes that count as up. Default [200].")
  private List<Integer> expectStatus;

  @Size(max = 1024)
  @JsonPropertyDescription("Substring the response body must contain (ldirectord receive=).")
  private String expectBody;

  @Size(max = 1024)
  @JsonPropertyDescription("Java regular expression the response body must match somewhere.")
  private String expectBodyRegex;

  @Pattern("^[0-9a-f]{32}$")
  @JsonPropertyDescription("MD5 of the whole response body as 32 lower-case hex digits (keepalived digest; "
      + "genhash prints it).")
  private String expectDigest;

  @JsonPropertyDescription("https only: verify the certificate chain and host name. Default false, like ldirectord and keepalived.")
  private Boolean tlsVerify;

  @Size(max = 253)
  @JsonPropertyDescription("https only: TLS server name (SNI); default: host, if set.")
  private String sni;

  public String getPath() { return path; }
  public void setPath(String path) { this.path = path; }
  public String getHost() { return host; }
  public void setHost(String host) { this.host = host; }
  public Method getMethod() { return method; }
  public void setMethod(Method method) { this.method = method; }
  public List<Integer> getExpectStatus() { return expectStatus; }
  public void setExpectStatus(List<Integer> expectStatus) { this.expectStatus = expectStatus; }
  public String getExpectBody() { return expectBody; }
  public void setExpectBody(String expectBody) { this.expectBody = expectBody; }
  public String getExpectBodyRegex() { return expectBodyRegex; }
  public void setExpectBodyRegex(String expectBodyRegex) { this.expectBodyRegex = expectBodyRegex; }
  public String getExpectDigest() { return expectDigest; }
  public void setExpectDigest(String expectDigest) { this.expectDigest = expectDigest; }
  public Boolean getTlsVerify() { return tlsVerify; }
  public void setTlsVerify(Boolean tlsVerify) { this.tlsVerify = tlsVerify; }
  public String getSni() { return sni; }
  public void setSni(String sni) { this.sni = sni; }
}
