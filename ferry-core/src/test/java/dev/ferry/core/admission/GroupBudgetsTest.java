package dev.ferry.core.admission;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.TestFleets;
import dev.ferry.core.model.AntiAffinity;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Group budgets as quotas: what a check allows, what a hold takes, and that giving back returns exactly that. */
class GroupBudgetsTest {
    // Group indexes: 0 = web (maxUnavailable 2), 1 = db (maxUnavailable 1), 2 = quorum (maxUnavailable 0).
    private static final int WEB = 0;
    private static final int DB = 1;
    private static final int QUORUM = 2;

    private final GroupBudgets budgets = new GroupBudgets(TestFleets.builder()
            .group("web", AntiAffinity.NONE, 2)
            .group("db", AntiAffinity.HOST, 1)
            .group("quorum", AntiAffinity.HOST, 0)
            .fleet());

    /** Wanted disruptions in the order given (the check reports the first group that does not fit). */
    private static Map<Integer, Integer> wanted(int... groupMembers) {
        Map<Integer, Integer> m = new LinkedHashMap<>();
        for (int k = 0; k < groupMembers.length; k += 2) {
            m.put(groupMembers[k], groupMembers[k + 1]);
        }
        return m;
    }

    @Test
    void nothingWantedOrWithinEveryBudgetIsAllowed() {
        assertThat(budgets.check(Map.of())).isNull();
        assertThat(budgets.check(wanted(WEB, 2, DB, 1))).isNull();
        assertThat(budgets.check(wanted(QUORUM, 0))).as("zero members of a zero budget").isNull();
    }

    @Test
    void moreMembersOnOneHostThanTheGroupAllowsIsRefusedForever() {
        Refusal r = budgets.check(wanted(DB, 2));
        assertThat(r.kind()).isEqualTo(Refusal.Kind.BUDGET_NEVER);
        assertThat(r.kind().permanent()).isTrue();
        assertThat(r.kind().waits()).isFalse();
        assertThat(r.message()).isEqualTo(
                "group db (tenant t1) allows maxUnavailable: 1 but 2 of its members on this host must be disrupted");
    }

    @Test
    void aZeroBudgetRefusesASingleMemberForever() {
        Refusal r = budgets.check(wanted(QUORUM, 1));
        assertThat(r.kind()).isEqualTo(Refusal.Kind.BUDGET_NEVER);
        assertThat(r.message()).isEqualTo(
                "group quorum (tenant t1) allows maxUnavailable: 0 but 1 of its members on this host must be disrupted");
    }

    @Test
    void aBudgetHeldElsewhereRefusesForNowOnlyWhatNoLongerFits() {
        budgets.take(new GroupBudgets.Hold(), WEB, 1);
        Refusal r = budgets.check(wanted(WEB, 2));
        assertThat(r.kind()).isEqualTo(Refusal.Kind.BUDGET_NOT_NOW);
        assertThat(r.kind().permanent()).isFalse();
        assertThat(r.kind().waits()).as("only a release elsewhere lifts it, not time alone").isFalse();
        assertThat(r.message()).isEqualTo("group web has 1 of 2 members disrupted already");
        assertThat(budgets.check(wanted(WEB, 1))).as("the one member left still fits").isNull();
    }

    @Test
    void neverIsReportedEvenWhenTheGroupIsAlsoHeldElsewhere() {
        budgets.take(new GroupBudgets.Hold(), WEB, 2);
        assertThat(budgets.check(wanted(WEB, 3)).kind()).isEqualTo(Refusal.Kind.BUDGET_NEVER);
    }

    @Test
    void theFirstGroupThatDoesNotFitIsReported() {
        budgets.take(new GroupBudgets.Hold(), DB, 1);
        // web fits, db is held elsewhere, quorum could never take one: db comes first in the wanted order
        Refusal r = budgets.check(wanted(WEB, 1, DB, 1, QUORUM, 1));
        assertThat(r.kind()).isEqualTo(Refusal.Kind.BUDGET_NOT_NOW);
        assertThat(r.message()).startsWith("group db ");
    }

    @Test
    void takingCountsIntoTheGroupAndTheHold() {
        GroupBudgets.Hold hold = new GroupBudgets.Hold();
        budgets.take(hold, wanted(WEB, 1, DB, 1));
        budgets.take(hold, WEB, 1);
        assertThat(budgets.disrupted(WEB)).isEqualTo(2);
        assertThat(budgets.disrupted(DB)).isEqualTo(1);
        assertThat(budgets.disrupted(QUORUM)).isZero();
        assertThat(hold.of(WEB)).isEqualTo(2);
        assertThat(hold.of(DB)).isEqualTo(1);
        assertThat(hold.of(QUORUM)).isZero();
        assertThat(hold.describe()).isEqualTo("0=2 1=1");
    }

    @Test
    void fitsOneUntilTheBudgetIsUsedUp() {
        GroupBudgets.Hold hold = new GroupBudgets.Hold();
        assertThat(budgets.fitsOne(WEB)).isTrue();
        budgets.take(hold, WEB, 1);
        assertThat(budgets.fitsOne(WEB)).isTrue();
        budgets.take(hold, WEB, 1);
        assertThat(budgets.fitsOne(WEB)).isFalse();
        assertThat(budgets.fitsOne(QUORUM)).as("a zero budget never fits one").isFalse();
    }

    @Test
    void releaseOneGivesBackOneMemberOfTheHoldThatHasIt() {
        GroupBudgets.Hold a = new GroupBudgets.Hold();
        GroupBudgets.Hold b = new GroupBudgets.Hold();
        budgets.take(a, WEB, 2);
        budgets.releaseOne(a, WEB);
        assertThat(budgets.disrupted(WEB)).isEqualTo(1);
        assertThat(a.of(WEB)).isEqualTo(1);
        assertThat(a.describe()).isEqualTo("0=1");
        budgets.releaseOne(b, WEB);
        assertThat(budgets.disrupted(WEB)).as("a hold that has none gives nothing back").isEqualTo(1);
        budgets.releaseOne(a, WEB);
        budgets.releaseOne(a, WEB);
        assertThat(budgets.disrupted(WEB)).as("never below zero by releasing more than was held").isZero();
        assertThat(a.of(WEB)).isZero();
        assertThat(a.describe()).as("emptied groups are not described").isEmpty();
    }

    @Test
    void aDetachedMemberStaysDisruptedUntilReleasedOnItsOwn() {
        GroupBudgets.Hold hold = new GroupBudgets.Hold();
        budgets.take(hold, WEB, 2);
        assertThat(budgets.detach(hold, WEB)).isTrue();
        assertThat(budgets.disrupted(WEB)).as("detaching gives nothing back").isEqualTo(2);
        assertThat(hold.of(WEB)).isEqualTo(1);
        budgets.releaseAll(hold);
        assertThat(budgets.disrupted(WEB)).as("the step's end gives back only what its hold still has").isEqualTo(1);
        assertThat(budgets.fitsOne(WEB)).isTrue();
        budgets.release(WEB);
        assertThat(budgets.disrupted(WEB)).isZero();
    }

    @Test
    void detachingFromAHoldThatHasNoneOfTheGroupFails() {
        GroupBudgets.Hold hold = new GroupBudgets.Hold();
        budgets.take(hold, WEB, 1);
        assertThat(budgets.detach(hold, DB)).isFalse();
        assertThat(budgets.detach(hold, WEB)).isTrue();
        assertThat(budgets.detach(hold, WEB)).as("its one member is detached already").isFalse();
        assertThat(budgets.disrupted(WEB)).isEqualTo(1);
    }

    @Test
    void releaseAllGivesBackExactlyWhatTheHoldHeldAndNothingOfOtherHolds() {
        GroupBudgets.Hold a = new GroupBudgets.Hold();
        GroupBudgets.Hold b = new GroupBudgets.Hold();
        budgets.take(a, wanted(WEB, 1, DB, 1));
        budgets.take(b, wanted(WEB, 1));
        budgets.releaseAll(a);
        assertThat(budgets.disrupted(WEB)).isEqualTo(1);
        assertThat(budgets.disrupted(DB)).isZero();
        assertThat(a.of(WEB)).isZero();
        assertThat(a.of(DB)).isZero();
        assertThat(a.describe()).isEmpty();
        assertThat(b.describe()).isEqualTo("0=1");
        budgets.releaseAll(a);
        assertThat(budgets.disrupted(WEB)).as("releasing an empty hold again changes nothing").isEqualTo(1);
    }

    @Test
    void releaseAllAfterReleaseOneGivesBackOnlyTheRest() {
        GroupBudgets.Hold hold = new GroupBudgets.Hold();
        budgets.take(hold, wanted(WEB, 2, DB, 1));
        budgets.releaseOne(hold, WEB);
        budgets.releaseAll(hold);
        assertThat(budgets.disrupted(WEB)).isZero();
        assertThat(budgets.disrupted(DB)).isZero();
    }

    @Test
    void aHoldEmptiedByReleaseAllCanTakeAgain() {
        GroupBudgets.Hold hold = new GroupBudgets.Hold();
        budgets.take(hold, DB, 1);
        budgets.releaseAll(hold);
        budgets.take(hold, DB, 1);
        assertThat(hold.of(DB)).isEqualTo(1);
        assertThat(budgets.disrupted(DB)).isEqualTo(1);
        assertThat(budgets.check(wanted(DB, 1)).kind()).isEqualTo(Refusal.Kind.BUDGET_NOT_NOW);
    }
}
