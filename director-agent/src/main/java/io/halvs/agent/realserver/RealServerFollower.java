package io.halvs.agent.realserver;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.halvs.plan.RealServerNodePlan;
import io.halvs.plan.publish.Names;
import io.halvs.plan.publish.RealServerPublish;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real-server agent in the cluster: follows the node's plan ConfigMap (watched by name, which the agents' Role
 * allows), applies it after each change and at least every resync interval, and writes the node's report after a
 * pass whose outcome differs from the last one reported. Without a ConfigMap (not published yet, or the API server
 * away) the node stays as it is.
 */
public final class RealServerFollower implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RealServerFollower.class);

  private final KubernetesClient client;
  private final String namespace;
  private final String node;
  private final Function<RealServerNodePlan, RealServerHost.Pass> apply;
  private final long resyncMillis;
  private final LinkedBlockingQueue<Boolean> wake = new LinkedBlockingQueue<>();
  private SharedIndexInformer<ConfigMap> informer;
  private Thread thread;
  private volatile boolean closed;

  public RealServerFollower(KubernetesClient client, String namespace, String node,
      Function<RealServerNodePlan, RealServerHost.Pass> apply, long resyncMillis) {
    this.client = client;
    this.namespace = namespace;
    this.node = node;
    this.apply = apply;
    this.resyncMillis = resyncMillis;
  }

  public void start() {
    informer = client.configMaps().inNamespace(namespace).withName(Names.realServerPlan(node)).runnableInformer(0);
    informer.exceptionHandler((started, t) -> true); // keep retrying: the node stays as it is meanwhile
    informer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(ConfigMap cm) {
        wake.offer(true);
      }

      @Override
      public void onUpdate(ConfigMap a, ConfigMap b) {
        wake.offer(true);
      }

      @Override
      public void onDelete(ConfigMap cm, boolean unknown) {
        wake.offer(true);
      }
    });
    informer.start();
    thread = new Thread(this::loop, "halvs-real-server");
    thread.setDaemon(true);
    thread.start();
    LOG.info("halvs real-server agent on node {} (namespace {})", node, namespace);
  }

  private void loop() {
    String reported = null;
    while (!closed) {
      ConfigMap cm = informer.getStore().getByKey(namespace + "/" + Names.realServerPlan(node));
      String json = cm == null || cm.getData() == null ? null : cm.getData().get(Names.REAL_SERVER_PLAN_KEY);
      if (json != null) {
        try {
          RealServerNodePlan p = RealServerPublish.parsePlan(json);
          String hash = RealServerPublish.hash(json);
          RealServerHost.Pass pass = apply.apply(p);
          pass.changes().forEach(c -> LOG.info("node {}: {}", node, c));
          pass.problems().forEach(c -> LOG.warn("node {}: {}", node, c));
          String state = hash + pass.problems() + pass.configured();
          if (!state.equals(reported) && report(new RealServerPublish.Report(node, hash, pass.configured(),
              pass.problems(), Instant.now().toString()))) {
            reported = state;
          }
        } catch (RuntimeException e) {
          LOG.warn("node {}: cannot apply the real-server plan: {}", node, e.getMessage());
          reported = null;
        }
      }
      try {
        wake.poll(resyncMillis, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        return;
      }
      wake.clear();
    }
  }

  private boolean report(RealServerPublish.Report r) {
    try {
      client.configMaps().inNamespace(namespace).withName(Names.realServerReport(node)).edit(cm -> {
        Map<String, String> data = cm.getData() == null ? new HashMap<>() : new HashMap<>(cm.getData());
        data.put(Names.REPORT_KEY, RealServerPublish.reportJson(r));
        cm.setData(data);
        return cm;
      });
      return true;
    } catch (RuntimeException e) {
      LOG.warn("node {}: cannot write the report {}: {}", node, Names.realServerReport(node), e.getMessage());
      return false;
    }
  }

  @Override
  public void close() {
    closed = true;
    if (thread != null) {
      thread.interrupt();
    }
    if (informer != null) {
      informer.close();
    }
  }
}
