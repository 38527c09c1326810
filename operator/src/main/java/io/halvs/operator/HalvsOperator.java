package io.halvs.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.halvs.operator.dependent.AgentResources;
import io.halvs.operator.model.PlanService;
import io.halvs.operator.reconciler.DirectorPairReconciler;
import io.halvs.operator.reconciler.EventRecorder;
import io.halvs.operator.reconciler.RealServerReconciler;
import io.halvs.operator.reconciler.VirtualServiceReconciler;
import io.javaoperatorsdk.operator.Operator;

/** The operator: the plan model plus the three reconcilers, on one client. */
public final class HalvsOperator implements AutoCloseable {
  public static final String DEFAULT_NAMESPACE = "halvs-system";
  public static final String DEFAULT_AGENT_IMAGE = "ghcr.io/halvs/director-agent:0.1.0";

  private final KubernetesClient client;
  private final String namespace;
  private final String agentImage;
  private PlanService plans;
  private Operator operator;

  public HalvsOperator(KubernetesClient client, String namespace, String agentImage) {
    this.client = client;
    this.namespace = namespace;
    this.agentImage = agentImage;
  }

  public static String namespaceFromEnvironment() {
    String ns = System.getenv("POD_NAMESPACE");
    return ns == null || ns.isBlank() ? DEFAULT_NAMESPACE : ns;
  }

  public static String agentImageFromEnvironment() {
    String image = System.getenv("HALVS_AGENT_IMAGE");
    return image == null || image.isBlank() ? DEFAULT_AGENT_IMAGE : image;
  }

  public void start() {
    plans = new PlanService(client, namespace);
    plans.start();
    // The reconcilers write status themselves (a PUT of the status subresource); nothing relies on server-side
    // apply, so the same code path runs against every API server and the CRUD mock the fast tests use.
    operator = new Operator(o -> o.withKubernetesClient(client).withCloseClientOnStop(false)
        .withUseSSAToPatchPrimaryResource(false).withStopOnInformerErrorDuringStartup(true));
    EventRecorder events = new EventRecorder(client);
    operator.register(new DirectorPairReconciler(client, plans, new AgentResources(namespace, agentImage), events));
    operator.register(new VirtualServiceReconciler(client, plans, events));
    operator.register(new RealServerReconciler(client, plans));
    operator.start();
  }

  public PlanService plans() {
    return plans;
  }

  @Override
  public void close() {
    if (operator != null) {
      operator.stop();
    }
    if (plans != null) {
      plans.close();
    }
  }
}
