package io.halvs.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.expectAddress) || !has(self.recordType) || self.recordType == 'A' "
    + "|| self.recordType == 'AAAA'", message = "dns.expectAddress is for record types A and AAAA; use dns.expectData",
    fieldPath = ".expectAddress")
@ValidationRule(value = "!has(self.expectData) || !has(self.recordType) || "
    + "(self.recordType != 'A' && self.recordType != 'AAAA')",
    message = "dns.expectData is for record types other than A and AAAA; use dns.expectAddress",
    fieldPath = ".expectData")
public class DnsCheck {
  @Required
  @Size(min = 1, max = 253)
  @Pattern("^([A-Za-z0-9_]([-A-Za-z0-9_]{0,61}[A-Za-z0-9_])?\\.)*[A-Za-z0-9_]([-A-Za-z0-9_]{0,61}[A-Za-z0-9_])?\\.?$")
  @JsonPropertyDescription("Name to resolve, e.g. health.example.com.")
  private String name;

  @Default("A")
  @JsonPropertyDescription("A (default), AAAA, CNAME, MX, NS, PTR, SOA, SRV or TXT.")
  private DnsRecordType recordType;

  @Size(max = HalvsApi.MAX_IP_LENGTH)
  @ValidationRule(value = "isIP(self)", message = "dns.expectAddress must be an IP address")
  @JsonPropertyDescription("Address the answer must contain; absent: any NOERROR answer with a record counts as up.")
  private String expectAddress;

  @Size(min = 1, max = 1024)
  @JsonPropertyDescription("Other record types: text one answer record must contain, in presentation form "
      + "(CNAME/NS/PTR: the name with its final dot; MX: 'preference exchange'; SRV: 'priority weight port target'; "
      + "SOA: 'mname rname serial refresh retry expire minimum'; TXT: the strings joined). Absent: any record of "
      + "the type counts as up.")
  private String expectData;

  public String getName() { return name; }
  public void setName(String name) { this.name = name; }
  public DnsRecordType getRecordType() { return recordType; }
  public void setRecordType(DnsRecordType recordType) { this.recordType = recordType; }
  public String getExpectAddress() { return expectAddress; }
  public void setExpectAddress(String expectAddress) { this.expectAddress = expectAddress; }
  public String getExpectData() { return expectData; }
  public void setExpectData(String expectData) { this.expectData = expectData; }
}
