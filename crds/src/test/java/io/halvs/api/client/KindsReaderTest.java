package io.halvs.api.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.WatchEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

class KindsReaderTest {
  static final String GONE = "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\","
      + "\"metadata\":{},\"status\":\"Failure\",\"message\":\"too old resource version: 502 (536)\","
      + "\"reason\":\"Expired\",\"code\":410}}";

  /** A watch's 410 Gone is a Status whatever kinds the caller named, none included. */
  @Test
  void aWatchErrorReadsAsItsStatusWithNoKindNamed() {
    assertThat(KindsReader.of(List.of()).unmarshal(GONE, WatchEvent.class).getObject())
        .isInstanceOfSatisfying(Status.class, st -> assertThat(st.getCode()).isEqualTo(410));
  }

  @Test
  void aNamedKindReadsAsItsClassAnyOtherAsGeneric() {
    var reader = KindsReader.of(List.of(ConfigMap.class));
    assertThat(reader.unmarshal(event("ConfigMap"), WatchEvent.class).getObject()).isInstanceOf(ConfigMap.class);
    assertThat(reader.unmarshal(event("Secret"), WatchEvent.class).getObject())
        .isInstanceOf(GenericKubernetesResource.class);
  }

  static String event(String kind) {
    return "{\"type\":\"MODIFIED\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"" + kind
        + "\",\"metadata\":{\"name\":\"x\",\"namespace\":\"halvs-system\",\"resourceVersion\":\"7\"}}}";
  }
}
