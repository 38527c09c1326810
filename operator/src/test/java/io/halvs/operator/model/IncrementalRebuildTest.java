package io.halvs.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.halvs.api.v1alpha1.VirtualServiceStatus;
import io.halvs.plan.ObjectRef;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * One edit costs the model what it touches: only the changed service is resolved again (the plan build keeps the
 * others), the shards holding it are encoded again, and only the objects whose status reads the change are handed
 * to the reconcilers, before and after the directors program the new plan. Before, every edit encoded every shard and sent every VirtualService's status through
 * "waiting for the directors" and back: two status writes per VirtualService per edit.
 */
class IncrementalRebuildTest {
  static Set<ObjectRef> changed(Map<ObjectRef, Object> before, Map<ObjectRef, Object> after) {
    Set<ObjectRef> out = new TreeSet<>();
    after.forEach((ref, view) -> {
      if (!Objects.equals(before.get(ref), view)) {
        out.add(ref);
      }
    });
    return out;
  }

  static String programmed(VirtualServiceStatus st) {
    return st.getConditions().stream().filter(c -> Conditions.PROGRAMMED.equals(c.getType()))
        .map(Condition::getStatus).findFirst().orElseThrow();
  }

  @Test
  void aWeightChangeEncodesOneShardAndTouchesOnlyItsService() {
    Fleet fleet = new Fleet(200, 50); // 10,000 destinations: 2 shards
    PlanService.History history = new PlanService.History();
    Snapshot first = history.build(fleet.pairs, fleet.vss, fleet.rss, java.util.List.of());
    int shards = first.published().get("lvs").shards().size();
    assertThat(shards).isGreaterThan(1);
    assertThat(history.shardsEncoded()).isEqualTo(shards);
    String oldHash = first.planHash("lvs");
    Snapshot settled = history.build(fleet.pairs, fleet.vss, fleet.rss, Fleet.programmed(oldHash));
    assertThat(history.shardsEncoded()).isEqualTo(shards); // nothing changed, nothing encoded
    assertThat(history.planner().resolvedLastBuild()).isZero(); // nor resolved
    var settledViews = PlanService.views(settled, fleet.vss, fleet.rss, fleet.pairs);

    fleet.reweigh(7 * 50 + 3, 42); // a RealServer of vs-7
    Snapshot edited = history.build(fleet.pairs, fleet.vss, fleet.rss, Fleet.programmed(oldHash));
    assertThat(history.shardsEncoded()).isEqualTo(shards + 1);
    assertThat(history.planner().resolvedLastBuild()).isEqualTo(1); // vs-7 alone, of 200
    assertThat(history.planner().checkedLastBuild()).isEqualTo(1); // the RealServer edited
    assertThat(edited.planHash("lvs")).isNotEqualTo(oldHash);
    var editedViews = PlanService.views(edited, fleet.vss, fleet.rss, fleet.pairs);
    ObjectRef vs7 = new ObjectRef("VirtualService", "default", "vs-7");
    ObjectRef rs = new ObjectRef("RealServer", "default", "rs-353");
    ObjectRef pair = new ObjectRef("DirectorPair", null, "lvs");
    assertThat(changed(settledViews, editedViews)).containsExactlyInAnyOrder(pair, vs7, rs);
    // the directors still run the old plan: vs-7 waits for them, vs-8 (the same in both plans) does not
    assertThat(programmed(StatusComputer.virtualService(fleet.vss.get(7), edited, "t"))).isEqualTo("False");
    assertThat(programmed(StatusComputer.virtualService(fleet.vss.get(8), edited, "t"))).isEqualTo("True");

    Snapshot done = history.build(fleet.pairs, fleet.vss, fleet.rss, Fleet.programmed(edited.planHash("lvs")));
    assertThat(history.shardsEncoded()).isEqualTo(shards + 1);
    assertThat(changed(editedViews, PlanService.views(done, fleet.vss, fleet.rss, fleet.pairs)))
        .containsExactlyInAnyOrder(pair, vs7);
    assertThat(programmed(StatusComputer.virtualService(fleet.vss.get(7), done, "t"))).isEqualTo("True");
  }

  /** A director that reports a plan the operator never built (or forgot) counts for nothing but that plan. */
  @Test
  void anUnknownProgrammedPlanCountsForNoService() {
    Fleet fleet = new Fleet(4, 2);
    Snapshot s = new PlanService.History().build(fleet.pairs, fleet.vss, fleet.rss, Fleet.programmed("0ld"));
    assertThat(s.programmedNodes("lvs", new ObjectRef("VirtualService", "default", "vs-1"))).isEmpty();
    Snapshot current = PlanService.build(fleet.pairs, fleet.vss, fleet.rss, Fleet.programmed(s.planHash("lvs")));
    assertThat(current.programmedNodes("lvs", new ObjectRef("VirtualService", "default", "vs-1")))
        .containsExactly("lvs-01", "lvs-02");
  }
}
