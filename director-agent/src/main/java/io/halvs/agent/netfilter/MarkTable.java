package io.halvs.agent.netfilter;

import io.halvs.plan.MarkRule;
import java.util.ArrayList;
import java.util.List;

/**
 * The firewall-marking rules a director holds for firewall-mark IPVS services: {@link NftMarkTable} in the
 * kernel's nf_tables (table {@code inet halvs}), {@link #inMemory()} in a list (agents whose host is in memory).
 * Level-triggered like the IPVS table: {@link #apply} makes the table hold exactly the rules given, and reads the
 * kernel only when it does not know it to hold them already (the first call, after {@link #forget()}, after a
 * failure).
 */
public interface MarkTable extends AutoCloseable {
  /**
   * Makes the table hold exactly these rules, in this order; none: no table at all. Returns what it changed, one
   * line each (empty: the table already held them). Throws, with a message that says what and why, when the
   * rules are invalid, nf_tables is missing while rules are wanted, or the kernel refuses.
   */
  List<String> apply(List<MarkRule> rules);

  /** The next apply reads the table again instead of trusting what it last applied (the resync). */
  void forget();

  @Override
  void close();

  /** Rules kept in memory: nothing reaches a kernel. */
  static MarkTable inMemory() {
    return new MarkTable() {
      private List<MarkRule> held = List.of();

      @Override
      public synchronized List<String> apply(List<MarkRule> rules) {
        rules.forEach(MarkRules::check);
        if (rules.equals(held)) {
          return List.of();
        }
        List<String> changes = new ArrayList<>();
        changes.add(rules.isEmpty() ? "delete the in-memory marking table"
            : "hold " + rules.size() + " marking rule(s) in memory");
        held = List.copyOf(rules);
        return changes;
      }

      @Override
      public void forget() {}

      @Override
      public void close() {}
    };
  }
}
