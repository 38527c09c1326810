package io.halvs.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.halvs.api.v1alpha1.VirtualService;
import io.halvs.operator.demo.CrudMockServers;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The API server's answers as fabric8 raises them, named in one line, and only those met in operation. */
class ApiAnswersTest {
  static final String DENIED = "virtualservices.halvs.io is forbidden: User \"system:serviceaccount:halvs-system:"
      + "halvs-operator\" cannot list resource \"virtualservices\" in API group \"halvs.io\" at the cluster scope";

  KubernetesMockServer server;
  KubernetesClient client;

  @BeforeEach
  void start() {
    server = new KubernetesMockServer(false);
    server.init();
    client = server.createClient();
  }

  @AfterEach
  void stop() {
    client.close();
    CrudMockServers.stop(server);
  }

  static Status status(int code, String reason, String message) {
    return new StatusBuilder().withStatus("Failure").withCode(code).withReason(reason).withMessage(message).build();
  }

  @Test
  void aDenialNamesTheRequestTheCodeAndWhatTheServerSaid() {
    server.expect().get().withPath("/apis/halvs.io/v1alpha1/virtualservices")
        .andReturn(403, status(403, "Forbidden", DENIED)).always();
    KubernetesClientException e = catchThrowableOfType(KubernetesClientException.class,
        () -> client.resources(VirtualService.class).inAnyNamespace().list());
    String expected = "GET /apis/halvs.io/v1alpha1/virtualservices: HTTP 403 Forbidden: " + DENIED;
    assertThat(ApiAnswers.summary(e)).isEqualTo(expected);
    // as fabric8's informers log it: wrapped by the future that listed
    assertThat(ApiAnswers.summary(new CompletionException(e))).isEqualTo(expected);
  }

  @Test
  void aConflictIsOneLineButARequestTheServerCannotTakeKeepsItsStackTrace() {
    server.expect().post().withPath("/api/v1/namespaces/halvs-system/configmaps")
        .andReturn(409, status(409, "AlreadyExists", "configmaps \"lvs-plan\" already exists")).once();
    server.expect().post().withPath("/api/v1/namespaces/halvs-system/configmaps")
        .andReturn(422, status(422, "Invalid", "ConfigMap \"lvs-plan\" is invalid: data: Too long")).once();
    var cm = new ConfigMapBuilder().withNewMetadata().withName("lvs-plan").withNamespace("halvs-system").endMetadata()
        .build();
    KubernetesClientException conflict = catchThrowableOfType(KubernetesClientException.class,
        () -> client.configMaps().resource(cm).create());
    assertThat(ApiAnswers.summary(conflict)).isEqualTo("POST /api/v1/namespaces/halvs-system/configmaps: "
        + "HTTP 409 AlreadyExists: configmaps \"lvs-plan\" already exists");
    KubernetesClientException invalid = catchThrowableOfType(KubernetesClientException.class,
        () -> client.configMaps().resource(cm).create());
    assertThat(invalid.getCode()).isEqualTo(422);
    assertThat(ApiAnswers.summary(invalid)).as("the operator's own bad request").isNull();
  }

  @Test
  void noAnswerNoSummary() {
    assertThat(ApiAnswers.summary(new IllegalStateException("a bug"))).isNull();
    assertThat(ApiAnswers.summary(new KubernetesClientException("connection refused"))).as("code 0").isNull();
    assertThat(ApiAnswers.summary(null)).isNull();
    // without fabric8's request prefix or a Status: the code and the message's first line
    assertThat(ApiAnswers.summary(new KubernetesClientException("too many requests\nbody", 429, null)))
        .isEqualTo("HTTP 429: too many requests");
  }
}
