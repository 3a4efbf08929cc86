package dev.ferry.core.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every state machine's table, written out again here on purpose: each listed transition is
 * allowed, and every other pair is refused with an exception.
 */
class LifecycleTest {

    private static <S extends Enum<S>> void exactly(Lifecycle<S> table, Class<S> type, Map<S, Set<S>> expected) {
        for (S from : type.getEnumConstants()) {
            Set<S> allowed = expected.getOrDefault(from, Set.of());
            for (S to : type.getEnumConstants()) {
                if (allowed.contains(to)) {
                    assertThat(table.transition(from, to)).as(from + " -> " + to).isEqualTo(to);
                } else {
                    assertThatThrownBy(() -> table.transition(from, to)).as(from + " -> " + to)
                            .isInstanceOf(Lifecycle.IllegalTransitionException.class)
                            .hasMessageContaining(from + " -> " + to);
                }
            }
            assertThat(table.terminal(from)).isEqualTo(allowed.isEmpty());
        }
    }

    @Test
    void campaign() {
        exactly(CampaignState.TABLE, CampaignState.class, Map.of(
                CampaignState.PROPOSED, EnumSet.of(CampaignState.APPROVED, CampaignState.SUPERSEDED, CampaignState.ABORTED),
                CampaignState.APPROVED, EnumSet.of(CampaignState.RUNNING, CampaignState.ABORTED),
                CampaignState.RUNNING, EnumSet.of(CampaignState.PAUSED, CampaignState.COMPLETED, CampaignState.HALTED,
                        CampaignState.ABORTED),
                CampaignState.PAUSED, EnumSet.of(CampaignState.RUNNING, CampaignState.HALTED, CampaignState.ABORTED)));
    }

    @Test
    void hostMaintenance() {
        exactly(HostPhase.TABLE, HostPhase.class, Map.of(
                HostPhase.WAITING, EnumSet.of(HostPhase.CORDONED, HostPhase.SKIPPED, HostPhase.FAILED),
                HostPhase.CORDONED, EnumSet.of(HostPhase.DRAINING, HostPhase.FAILED),
                HostPhase.DRAINING, EnumSet.of(HostPhase.PATCHING, HostPhase.PARKED, HostPhase.FAILED),
                HostPhase.PARKED, EnumSet.of(HostPhase.DRAINING, HostPhase.FAILED),
                HostPhase.PATCHING, EnumSet.of(HostPhase.REBOOTING, HostPhase.FAILED),
                HostPhase.REBOOTING, EnumSet.of(HostPhase.VERIFYING, HostPhase.FAILED),
                HostPhase.VERIFYING, EnumSet.of(HostPhase.RETURNED, HostPhase.FAILED)));
    }

    @Test
    void instanceMove() {
        exactly(MoveState.TABLE, MoveState.class, Map.of(
                MoveState.RESERVED, EnumSet.of(MoveState.IN_PROGRESS, MoveState.ROLLED_BACK),
                MoveState.IN_PROGRESS, EnumSet.of(MoveState.SWITCHED_OVER, MoveState.ROLLED_BACK)));
    }

    @Test
    void maintenanceEvent() {
        exactly(EventState.TABLE, EventState.class, Map.of(
                EventState.SCHEDULED, EnumSet.of(EventState.RESCHEDULED, EventState.STARTED, EventState.CANCELLED),
                EventState.RESCHEDULED, EnumSet.of(EventState.RESCHEDULED, EventState.STARTED, EventState.CANCELLED),
                EventState.STARTED, EnumSet.of(EventState.COMPLETED)));
    }

    @Test
    void onlyHostsInAMaintenancePhaseHoldASlot() {
        assertThat(EnumSet.allOf(HostPhase.class).stream().filter(HostPhase::inMaintenance))
                .containsExactlyInAnyOrder(HostPhase.CORDONED, HostPhase.DRAINING, HostPhase.PATCHING, HostPhase.REBOOTING,
                        HostPhase.VERIFYING);
    }
}
