package io.halvs.plan.publish;

/** Names and labels of the objects that carry plans and reports between the operator and the agents. */
public final class Names {
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String OPERATOR = "halvs-operator";
  public static final String PAIR_LABEL = "halvs.io/director-pair";
  public static final String PART_LABEL = "halvs.io/plan-part";
  public static final String PART_MANIFEST = "manifest";
  public static final String PART_SHARD = "shard";
  public static final String PART_REPORT = "agent-report";
  public static final String MANIFEST_KEY = "manifest.json";
  public static final String SHARD_KEY = "services.json.gz";
  public static final String REPORT_KEY = "report.json";
  /** One ConfigMap per real-server node: its part of the plan (key plan.json), written by the operator. */
  public static final String PART_REAL_SERVER_PLAN = "real-server-plan";
  /** One ConfigMap per real-server node: its agent's report (key report.json), pre-created by the operator. */
  public static final String PART_REAL_SERVER_REPORT = "real-server-report";
  public static final String NODE_LABEL = "halvs.io/node";
  public static final String REAL_SERVER_PLAN_KEY = "plan.json";
  /** The real-server agents' DaemonSet, ServiceAccount and Role. */
  public static final String REAL_SERVER_AGENT = "halvs-real-server-agent";
  /** The data key of the operator-generated HMAC secret. */
  public static final String HMAC_KEY = "key";

  private Names() {}

  public static String manifest(String pair) {
    return "halvs-plan-" + pair;
  }

  public static String shard(String pair, int index) {
    return "halvs-plan-" + pair + "-" + index;
  }

  public static String report(String pair, String node) {
    return "halvs-agent-" + pair + "-" + node;
  }

  public static String agent(String pair) {
    return "halvs-agent-" + pair;
  }

  /** The ClusterRole and ClusterRoleBinding that let a pair's agents read their two Nodes. */
  public static String agentNodes(String pair) {
    return "halvs-agent-" + pair + "-nodes";
  }

  public static String realServerPlan(String node) {
    return "halvs-real-server-" + node;
  }

  public static String realServerReport(String node) {
    return "halvs-real-server-" + node + "-report";
  }

  public static String lease(String pair) {
    return "halvs-" + pair;
  }

  public static String hmacSecret(String pair) {
    return "halvs-" + pair + "-hmac";
  }
}
