package io.halvs.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.halvs.logging.Logging;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionException;
import org.slf4j.LoggerFactory;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line as a pipeline calls it: asking for help is not an error. */
class MainTest {
  record Run(int code, String out, String err) {}

  static Run halvs(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  /** An informer's retried 403 (a restarted API server whose RBAC cache is not filled yet) is one line. */
  @Test
  void anInformersRetriedDenialIsOneLineWithoutAStackTrace() {
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    try {
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      Main.logDefaults();
      KubernetesClientException denied = new KubernetesClientException(
          new StatusBuilder().withCode(403).withReason("Forbidden").withMessage("configmaps is forbidden").build());
      LoggerFactory.getLogger("io.fabric8.kubernetes.client.informers.impl.cache.Reflector")
          .warn("listSyncAndWatch failed for v1/configmaps, will retry", new CompletionException(denied));
    } finally {
      System.setErr(err);
      Logging.brief(null);
    }
    assertThat(captured.toString(StandardCharsets.UTF_8)).endsWith(
        "Reflector: listSyncAndWatch failed for v1/configmaps, will retry "
        + "error=\"HTTP 403 Forbidden: configmaps is forbidden\"\n");
  }

  @Test
  void renderHelpExitsZeroWithUsageOnStdout() {
    Run r = halvs("render", "--help");
    assertThat(r.code()).isZero();
    assertThat(r.out()).startsWith("Usage: halvs render ").contains("--allow-empty");
    assertThat(r.err()).isEmpty();
  }

  @Test
  void everySubcommandHasHelp() {
    for (String sub : new String[] {"run", "render", "import"}) {
      assertThat(halvs(sub, "-h").code()).as(sub).isZero();
    }
  }

  @Test
  void theOperatorsCommandLineHasNoDemo() {
    // the demo (and the CRUD mock under it) is demo/target/halvs-demo.jar's, not the operator's jar and image
    assertThat(halvs("demo").code()).isEqualTo(2);
  }

  @Test
  void renderWithoutAPathIsAUsageError() {
    Run r = halvs("render");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("Missing required parameter: 'PATH'").contains("Usage: halvs render");
  }
}
