package dev.ferry.core.campaign.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.history.EventCause;
import dev.ferry.core.history.Fact;
import dev.ferry.core.lifecycle.EventState;
import dev.ferry.core.planner.MoveKind;
import dev.ferry.core.planner.Step;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Steps whose events waited past their latest start go ahead of the others, in plan order, each
 * once; a step is forgotten once it has left the queue; a tenant's own reschedule is no delay.
 */
class UrgentStepsTest {
    private static Fact.EventChanged change(int instance, EventState state, EventCause cause, long notAfter) {
        return new Fact.EventChanged("vm" + instance, "ev" + instance, state, MoveKind.RELOCATE, 1_000, 50_000, notAfter, cause, 0,
                null, null, "notify/" + instance);
    }

    @Test
    void delayedEventsMakeTheirStepsUrgentInPlanOrder() {
        StepQueue queue = new StepQueue(1, new int[] {0, 0, 0});
        List<StepRun> steps = List.of(new StepRun(0, new Step("h0", "z", 0, 60, List.of(), false), 0),
                new StepRun(1, new Step("h1", "z", 60, 120, List.of(), false), 1),
                new StepRun(2, new Step("h2", "z", 120, 180, List.of(), false), 2));
        Events events = new Events();
        CampaignStats stats = new CampaignStats();
        for (int i = 0; i < 3; i++) {
            events.apply(change(i, EventState.SCHEDULED, EventCause.PLANNED, 10_000), i, steps.get(i), queue, stats);
        }
        assertThat(events.urgentSteps(queue)).isEmpty();

        events.apply(change(0, EventState.RESCHEDULED, EventCause.RESCHEDULED, 10_000), 0, null, queue, stats);
        assertThat(events.urgentSteps(queue)).as("a tenant's reschedule is no delay").isEmpty();

        events.apply(change(2, EventState.RESCHEDULED, EventCause.DELAYED_BY_CAPACITY, 20_000), 2, null, queue, stats);
        events.apply(change(1, EventState.RESCHEDULED, EventCause.DELAYED_BY_CAPACITY, 20_000), 1, null, queue, stats);
        events.apply(change(2, EventState.RESCHEDULED, EventCause.DELAYED_BY_CAPACITY, 30_000), 2, null, queue, stats);
        assertThat(events.urgentSteps(queue)).extracting(StepRun::index).as("in plan order, each once").containsExactly(1, 2);

        queue.remove(1); // its step started
        assertThat(events.urgentSteps(queue)).extracting(StepRun::index).containsExactly(2);
    }
}
