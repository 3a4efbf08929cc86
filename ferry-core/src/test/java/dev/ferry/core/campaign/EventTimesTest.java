package dev.ferry.core.campaign;

import dev.ferry.core.history.RefusalReason;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.TestFleets;
import dev.ferry.core.campaign.state.MaintenanceEvent;
import dev.ferry.core.campaign.state.RuntimeState;
import dev.ferry.core.history.Actor;
import dev.ferry.core.history.EventCause;
import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.lifecycle.EventState;
import dev.ferry.core.model.Advisory;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Instance;
import dev.ferry.core.model.LiveMigrationPolicy;
import dev.ferry.core.model.MaintenanceDurations;
import dev.ferry.core.model.OnHostMaintenance;
import dev.ferry.core.model.Policy;
import dev.ferry.core.model.Tenant;
import dev.ferry.core.model.Window;
import dev.ferry.core.planner.LowerBound;
import dev.ferry.core.planner.MoveKind;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanSummary;
import dev.ferry.core.planner.PlanningProblem;
import dev.ferry.core.planner.Step;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * When a tenant's event is due: the planned time (never before the notice), a tenant's window when
 * waiting for it is cheap, and the deadline from the plan's slack and the disclosure. Times are
 * milliseconds from the campaign start, TestFleets.START = Friday 2014-09-26 12:00 UTC; the notice
 * is one hour, so a step planned at 0 is announced for 13:00.
 */
class EventTimesTest {
    private static final long HOUR = 3_600_000L;
    private static final long WEEK = 7 * 24 * HOUR;
    private static final int I1 = 0; // tenant t1
    private static final int I2 = 1; // tenant t2

    /** One host a1 with i-1 (tenant t1) and i-2 (tenant t2); the tenants' windows as given (null: none). */
    private static PlanningProblem problem(Window t1, Window t2, Long disclosureSecondsFromStart) {
        Fleet f = TestFleets.builder().host("a1", "az1", "r1", true).fleet();
        List<Instance> instances = new ArrayList<>();
        instances.add(new Instance("i-1", "t1", "a1", 2, 2048, OnHostMaintenance.RESTART, null, 0));
        instances.add(new Instance("i-2", "t2", "a1", 2, 2048, OnHostMaintenance.RESTART, null, 0));
        Fleet fleet = new Fleet(f.hosts(), instances, List.of(), List.of(new Tenant("t1", t1), new Tenant("t2", t2)));
        Advisory advisory = new Advisory("XSA-TEST", "test", TestFleets.ADVISORY.affects(), "new", true,
                disclosureSecondsFromStart == null ? null : TestFleets.START.plusSeconds(disclosureSecondsFromStart));
        Policy policy = new Policy(20, 5, 1, 0, Duration.ZERO, Duration.ofHours(1), LiveMigrationPolicy.DEFAULTS, 3,
                MaintenanceDurations.DEFAULTS);
        return new PlanningProblem(fleet, advisory, policy, TestFleets.START);
    }

    private static Plan plan(Long slackSeconds) {
        return new Plan("XSA-TEST", "test", true, List.of(), List.of("a1"), List.of(), List.of(),
                new PlanSummary(0, 0, 0, 0, 0, 0, 0, 0, slackSeconds), new LowerBound(0, List.of()));
    }

    private static EventTimes times(Window t1, Window t2, Long disclosureSeconds, Long slackSeconds) {
        return new EventTimes(problem(t1, t2, disclosureSeconds), plan(slackSeconds), "c7");
    }

    /** A step of a1 over [start, start + 780) seconds (patch 8 min + reboot 5 min). */
    private static Step step(long startSeconds) {
        return new Step("a1", "az1", startSeconds, startSeconds + 780, List.of(), false);
    }

    /** An event window that starts by an hour after its deadline (the steps here take 13 minutes). */
    private static EventTimes.Window window(long notBefore, long deadline) {
        return new EventTimes.Window(notBefore, deadline, deadline + HOUR);
    }

    private static Window friday(int hour, int hours) {
        return new Window(Set.of(DayOfWeek.FRIDAY), LocalTime.of(hour, 0), hours);
    }

    // ---------------------------------------------------------------- the planned time and its deadline

    @Test
    void withoutDisclosureOrWindowTheEventIsAtThePlannedTimeWithAWeekToReschedule() {
        EventTimes.Window w = times(null, null, null, null).planned(I1, step(7200), 0);
        assertThat(w).isEqualTo(window(2 * HOUR, 2 * HOUR + WEEK));
    }

    @Test
    void theEventIsNeverBeforeTheNoticeHasRunOut() {
        EventTimes t = times(null, null, null, null);
        assertThat(t.planned(I1, step(0), 0).notBeforeMs()).isEqualTo(HOUR);
        // decided 10 s after approval, for a step planned 10 minutes in: the notice counts from now
        assertThat(t.planned(I1, step(600), 10_000).notBeforeMs()).isEqualTo(HOUR + 10_000);
    }

    @Test
    void theDeadlineIsHalfThePlansSlackPastThePlannedTime() {
        // disclosure at 48 h, slack 10 h: planned 2 h, + 5 h = 7 h (disclosure - 2 steps = 48 h - 26 min is later)
        EventTimes.Window w = times(null, null, 48 * 3600L, 36_000L).planned(I1, step(7200), 0);
        assertThat(w).isEqualTo(window(2 * HOUR, 7 * HOUR));
    }

    @Test
    void theDeadlineLeavesTwoOfTheHostsStepsBeforeTheDisclosure() {
        // disclosure at 5 h: 18,000,000 - 2 × 780,000 = 16,440,000, before planned 2 h + half the slack (5 h)
        EventTimes.Window w = times(null, null, 5 * 3600L, 36_000L).planned(I1, step(7200), 0);
        assertThat(w.deadlineMs()).isEqualTo(16_440_000L);
    }

    @Test
    void theDeadlineIsNeverBeforeThePlannedTime() {
        // disclosure at 2 h: 7,200,000 - 1,560,000 = 5,640,000 is before the planned 2 h
        EventTimes.Window w = times(null, null, 2 * 3600L, 36_000L).planned(I1, step(7200), 0);
        assertThat(w).isEqualTo(window(2 * HOUR, 2 * HOUR));
    }

    @Test
    void withoutSlackThereIsNoRoomToReschedule() {
        assertThat(times(null, null, 48 * 3600L, 0L).planned(I1, step(7200), 0).deadlineMs()).isEqualTo(2 * HOUR);
        assertThat(times(null, null, 48 * 3600L, -500L).planned(I1, step(7200), 0).deadlineMs())
                .as("a plan late for its disclosure").isEqualTo(2 * HOUR);
    }

    // ---------------------------------------------------------------- tenants' windows

    @Test
    void aWindowOpeningWithinFourHoursOfThePlannedTimeIsUsed() {
        // planned 13:00; the window opens at 15:00 (3 h from start). The deadline still counts from the planned time.
        EventTimes.Window w = times(friday(15, 2), null, null, null).planned(I1, step(0), 0);
        assertThat(w).isEqualTo(window(3 * HOUR, HOUR + WEEK));
    }

    @Test
    void aWindowExactlyFourHoursAwayIsStillUsed() {
        assertThat(times(friday(17, 2), null, null, null).planned(I1, step(0), 0).notBeforeMs()).isEqualTo(5 * HOUR);
    }

    @Test
    void aWindowMoreThanFourHoursAwayIsNotWaitedFor() {
        assertThat(times(friday(18, 2), null, null, null).planned(I1, step(0), 0).notBeforeMs()).isEqualTo(HOUR);
    }

    @Test
    void aWindowOpenAtThePlannedTimeChangesNothing() {
        assertThat(times(friday(12, 4), null, null, null).planned(I1, step(0), 0).notBeforeMs()).isEqualTo(HOUR);
    }

    @Test
    void onlyTheInstancesOwnTenantsWindowCounts() {
        EventTimes t = times(friday(15, 2), null, null, null);
        assertThat(t.planned(I1, step(0), 0).notBeforeMs()).isEqualTo(3 * HOUR);
        assertThat(t.planned(I2, step(0), 0).notBeforeMs()).as("t2 has no window").isEqualTo(HOUR);
    }

    @Test
    void withADeadlineAWindowMustBeWithinAnEighthOfTheSlack() {
        // slack 8 h: an eighth is 1 h. t1's window opens 1 h after the planned 13:00, t2's 2 h after.
        EventTimes t = times(friday(14, 2), friday(15, 2), 48 * 3600L, 8 * 3600L);
        assertThat(t.planned(I1, step(0), 0)).isEqualTo(window(2 * HOUR, HOUR + 4 * HOUR));
        assertThat(t.planned(I2, step(0), 0).notBeforeMs()).isEqualTo(HOUR);
    }

    @Test
    void withoutSlackAWindowIsNeverWaitedFor() {
        assertThat(times(friday(14, 2), null, 48 * 3600L, 0L).planned(I1, step(0), 0).notBeforeMs()).isEqualTo(HOUR);
    }

    @Test
    void aWindowOpeningAfterTheDeadlineIsNotUsed() {
        // slack 100 h (an eighth: 12.5 h), disclosure at 4 h: deadline 14,400,000 - 1,560,000 = 12,840,000.
        // The window opens at 16:00 = 14,400,000, 3 h after the planned time but after the deadline.
        EventTimes.Window w = times(friday(16, 2), null, 4 * 3600L, 360_000L).planned(I1, step(0), 0);
        assertThat(w).isEqualTo(window(HOUR, 12_840_000L));
    }

    // ---------------------------------------------------------------- fallbacks

    @Test
    void anAnnouncedFallbackWaitsOnlyForTheAnnouncedTime() {
        EventTimes t = times(null, null, null, null);
        assertThat(t.fallback(HOUR, 1_000)).isEqualTo(window(HOUR, HOUR + WEEK));
        assertThat(t.fallback(HOUR, 5 * HOUR)).as("the announced time has passed: now").isEqualTo(window(5 * HOUR, 5 * HOUR + WEEK));
    }

    @Test
    void aFallbackNobodyAnnouncedNeedsAFullNoticeFromNow() {
        assertThat(times(null, null, null, null).fallback(null, 5 * HOUR)).isEqualTo(window(6 * HOUR, 6 * HOUR + WEEK));
    }

    @Test
    void aLiveMigrationsNoticeAnnouncesItsFallbackAfterANoticePeriodAndNeedsNoneItself() {
        EventTimes t = times(null, null, null, null);
        assertThat(t.fallbackAfter(10_000)).isEqualTo(HOUR + 10_000);
        EventTimes.Window live = t.live(I1, step(600), 10_000);
        assertThat(live.notBeforeMs()).as("planned at the step's time, not after the notice").isEqualTo(600_000);
        assertThat(live.deadlineMs()).isEqualTo(t.planned(I1, step(600), 10_000).deadlineMs());
    }

    @Test
    void anEventStartsByTwoOfItsHostsStepsAfterItsDeadlineAndAtLeastAnHourAfter() {
        assertThat(EventTimes.startWindow(780_000)).isEqualTo(HOUR);
        assertThat(EventTimes.startWindow(3 * HOUR)).isEqualTo(6 * HOUR);
    }

    // ---------------------------------------------------------------- rescheduling

    /** i-1's event (notBefore 1 h, deadline 3 h), in the state given. */
    private static MaintenanceEvent event(EventState... changes) {
        PlanningProblem p = problem(null, null, null);
        RuntimeState state = new RuntimeState(p, plan(null), "c7");
        state.apply(new HistoryRecord(0, Actor.FERRY, new Fact.EventChanged("i-1", "ev-c7.i-1", EventState.SCHEDULED,
                MoveKind.RELOCATE, HOUR, 3 * HOUR, 4 * HOUR, EventCause.PLANNED, 0, null, null, null)));
        for (EventState s : changes) {
            state.apply(new HistoryRecord(0, Actor.FERRY, new Fact.EventChanged("i-1", "ev-c7.i-1", s, MoveKind.RELOCATE,
                    HOUR, 3 * HOUR, 4 * HOUR, EventCause.RESCHEDULED, 0, null, null, null)));
        }
        return state.events().get(I1);
    }

    @Test
    void aRescheduleWithinThePendingEventsDeadlineIsAllowed() {
        MaintenanceEvent e = event();
        assertThat(EventTimes.rescheduleRefusal(e, 2 * HOUR, HOUR / 2)).isNull();
        assertThat(EventTimes.rescheduleRefusal(e, 3 * HOUR, HOUR / 2)).as("up to the deadline itself").isNull();
        assertThat(EventTimes.rescheduleRefusal(e, 2 * HOUR, 2 * HOUR)).as("to now").isNull();
        assertThat(EventTimes.rescheduleRefusal(event(EventState.RESCHEDULED), 2 * HOUR, 0)).as("again").isNull();
    }

    @Test
    void aRescheduleAfterTheDeadlineOrIntoThePastIsRefused() {
        MaintenanceEvent e = event();
        assertThat(EventTimes.rescheduleRefusal(e, 3 * HOUR + 1, 0)).isEqualTo(RefusalReason.AFTER_DEADLINE);
        assertThat(EventTimes.rescheduleRefusal(e, HOUR - 1, HOUR)).isEqualTo(RefusalReason.IN_THE_PAST);
    }

    @Test
    void onlyAPendingEventCanBeRescheduled() {
        assertThat(EventTimes.rescheduleRefusal(null, HOUR, 0)).isEqualTo(RefusalReason.NO_EVENT);
        assertThat(EventTimes.rescheduleRefusal(event(EventState.STARTED), 2 * HOUR, 0))
                .isEqualTo(RefusalReason.EVENT_NOT_PENDING);
        assertThat(EventTimes.rescheduleRefusal(event(EventState.CANCELLED), 2 * HOUR, 0))
                .isEqualTo(RefusalReason.EVENT_NOT_PENDING);
        assertThat(EventTimes.rescheduleRefusal(event(EventState.STARTED), 5 * HOUR, 0))
                .as("not pending is said before after-deadline").isEqualTo(RefusalReason.EVENT_NOT_PENDING);
    }

    @Test
    void eventIdsNameTheCampaignAndTheInstance() {
        assertThat(times(null, null, null, null).eventId(I2)).isEqualTo("ev-c7.i-2");
    }
}
