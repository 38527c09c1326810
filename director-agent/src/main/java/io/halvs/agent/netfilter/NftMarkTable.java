package io.halvs.agent.netfilter;

import io.halvs.agent.metrics.AgentMetrics;
import io.halvs.agent.metrics.AgentMetrics.NetlinkOp;
import io.halvs.agent.netlink.Message;
import io.halvs.agent.netlink.NetlinkException;
import io.halvs.plan.MarkRule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * The marking rules in nf_tables: table {@code inet halvs}, chain {@code marking} (type filter, hook prerouting,
 * priority mangle -150, policy accept), one rule per {@link MarkRule} in plan order, each with a comment naming
 * it. The table is halvs' alone and the only thing this class ever changes: other tables, and the chains and
 * rules in them, are neither read nor written.
 *
 * <p>Every change is one nfnetlink batch, one kernel transaction: the chain's rules are flushed and re-added in
 * it (the table and chain created in it too when missing, or recreated when not as halvs makes them), so a
 * packet meets either the old rules or the new ones, never a mix or an empty chain. A table that already holds
 * the plan's rules (compared by their comments) is adopted as it is: no transaction. No rules planned: the
 * table is deleted when there is one.
 *
 * <p>A kernel without nf_tables fails apply when rules are wanted, with a message that says so; with none
 * wanted there is nothing to remove and apply succeeds. Not thread-safe beyond its own lock: the director loop
 * is its one caller.
 */
public final class NftMarkTable implements MarkTable {
  private final Supplier<NfTables> connect;
  private NfTables nft; // guarded by this; opened on first use
  private List<MarkRule> kept; // guarded by this; what the table held after the last apply (null: unknown)

  /** Over the kernel of this thread's network namespace, the socket opened on first use. */
  public NftMarkTable() {
    this(NfTables::new);
  }

  /** Over connections the supplier opens (tests: a scripted kernel). */
  public NftMarkTable(Supplier<NfTables> connect) {
    this.connect = connect;
  }

  @Override
  public synchronized List<String> apply(List<MarkRule> rules) {
    List<MarkRule> want = List.copyOf(rules);
    List<byte[]> userdata = want.stream().map(MarkRules::userdata).toList(); // checks every rule first
    if (want.equals(kept)) {
      return List.of();
    }
    kept = null;
    NfTables k = connection(!want.isEmpty());
    if (k == null) {
      kept = want; // no nf_tables, no rules wanted: there cannot be a table to remove
      return List.of();
    }
    List<String> changes = new ArrayList<>();
    NfTables.Table table = k.table(NfTables.NFPROTO_INET, MarkRules.TABLE);
    if (want.isEmpty()) {
      if (table != null) {
        commit(k, NetlinkOp.DEL_MARK_TABLE, "delete table inet " + MarkRules.TABLE, List.of(MarkRules.deleteTable()),
            List.of("delete table"));
        changes.add("delete table inet " + MarkRules.TABLE + " (no marking rules planned)");
      }
      kept = want;
      return changes;
    }
    List<Message> batch = new ArrayList<>();
    List<String> names = new ArrayList<>();
    String change;
    if (table != null && table.flags() == 0 && asMade(k.chain(NfTables.NFPROTO_INET, MarkRules.TABLE,
        MarkRules.CHAIN))) {
      List<NfTables.Rule> have = k.rules(NfTables.NFPROTO_INET, MarkRules.TABLE, MarkRules.CHAIN);
      if (same(have, userdata)) {
        kept = want; // adopted: the kernel holds the plan's rules already
        return changes;
      }
      batch.add(MarkRules.flushChain());
      names.add("flush chain " + MarkRules.CHAIN);
      change = "replace the " + have.size() + " marking rule(s) of table inet " + MarkRules.TABLE + " with "
          + want.size() + " (one transaction)";
    } else {
      if (table != null) {
        batch.add(MarkRules.deleteTable()); // ours, but not as halvs makes it (chain changed, dormant): rebuilt
        names.add("delete table");
      }
      batch.add(MarkRules.newTable());
      names.add("create table");
      batch.add(MarkRules.newChain());
      names.add("create chain " + MarkRules.CHAIN);
      change = (table != null ? "recreate" : "create") + " table inet " + MarkRules.TABLE + " with " + want.size()
          + " marking rule(s) (one transaction)";
    }
    for (MarkRule r : want) {
      batch.add(MarkRules.newRule(r));
      names.add("add rule \"" + MarkRules.comment(r) + "\"");
    }
    commit(k, NetlinkOp.REPLACE_MARK_RULES, "install firewall-marking rules in table inet " + MarkRules.TABLE, batch,
        names);
    changes.add(change);
    kept = want;
    return changes;
  }

  /** The open connection; null when the kernel has no nf_tables and none is needed, else it throws saying so. */
  private NfTables connection(boolean needed) {
    try {
      if (nft == null) {
        nft = connect.get();
      }
      nft.generation(); // the cheapest request a kernel without nf_tables refuses
      return nft;
    } catch (NfTables.Missing e) {
      if (!needed) {
        return null;
      }
      throw new NetlinkException("install firewall-marking rules", e.errno(), "nf_tables is not available in this "
          + "kernel (" + e.getMessage() + "): load module nf_tables, or remove spec.marking from the pair's VirtualServices");
    }
  }

  /** type filter hook prerouting priority mangle policy accept: as newChain makes it. */
  static boolean asMade(NfTables.Chain c) {
    return c != null && c.base() && MarkRules.CHAIN_TYPE.equals(c.type()) && c.hook() == NfTables.NF_INET_PRE_ROUTING
        && c.priority() == MarkRules.PRIORITY && c.policy() == NfTables.NF_ACCEPT;
  }

  static boolean same(List<NfTables.Rule> have, List<byte[]> want) {
    if (have.size() != want.size()) {
      return false;
    }
    for (int i = 0; i < have.size(); i++) {
      if (!Arrays.equals(have.get(i).userdata(), want.get(i))) {
        return false;
      }
    }
    return true;
  }

  private static void commit(NfTables k, NetlinkOp kind, String operation, List<Message> batch, List<String> names) {
    try {
      k.commit(operation, batch, names::get);
      AgentMetrics.get().netlink(kind, false);
    } catch (RuntimeException e) {
      AgentMetrics.get().netlink(kind, true);
      throw e;
    }
  }

  @Override
  public synchronized void forget() {
    kept = null;
  }

  @Override
  public synchronized void close() {
    if (nft != null) {
      nft.close();
      nft = null;
    }
  }
}
