package dev.ferry.core.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.TestFleets;
import dev.ferry.core.admission.Refusal;
import dev.ferry.core.history.Actor;
import dev.ferry.core.history.EventCause;
import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.lifecycle.CampaignState;
import dev.ferry.core.lifecycle.EventState;
import dev.ferry.core.lifecycle.HostPhase;
import dev.ferry.core.model.AntiAffinity;
import dev.ferry.core.model.LiveMigrationPolicy;
import dev.ferry.core.model.MaintenanceDurations;
import dev.ferry.core.model.OnHostMaintenance;
import dev.ferry.core.model.Policy;
import dev.ferry.core.planner.LowerBound;
import dev.ferry.core.planner.MoveKind;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanSummary;
import dev.ferry.core.planner.PlanningProblem;
import dev.ferry.core.planner.SkippedHost;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The checker catches each kind of broken history (a checker that cannot fail proves nothing). */
class InvariantCheckerTest {
    // h1 affected (16 cpus, 64 GiB), h2 safe, h3 affected; i-1 on h1, i-2 on h2.
    private final PlanningProblem problem = TestFleets.builder()
            .host("h1", "az1", "r1", true).host("h2", "az1", "r2", false).host("h3", "az1", "r3", true)
            .instance("h1", 4, 8192).instance("h2", 14, 8192)
            .problem(TestFleets.simplePolicy());

    private List<String> check(HistoryRecord... records) {
        return check(problem, records);
    }

    private static List<String> check(PlanningProblem p, HistoryRecord... records) {
        InvariantChecker c = new InvariantChecker(p);
        for (HistoryRecord r : records) {
            c.accept(r);
        }
        return c.finish();
    }

    private static HistoryRecord ferry(long t, Fact f) {
        return new HistoryRecord(t, Actor.FERRY, f);
    }

    private static HistoryRecord driver(long t, Fact f) {
        return new HistoryRecord(t, Actor.DRIVER, f);
    }

    private static HistoryRecord end(long t) {
        return ferry(t, new Fact.CampaignChanged("c", CampaignState.RUNNING, CampaignState.COMPLETED, "done"));
    }

    private static HistoryRecord reserve(long t, String instance, String host, Fact.Reservation kind) {
        return ferry(t, new Fact.Reserved(instance, host, kind, 1));
    }

    private static HistoryRecord begin(long t, String host) {
        return ferry(t, new Fact.MaintenanceBegan(host, "az1"));
    }

    private static HistoryRecord hold(long t, String instance, String host, long milliCpu) {
        return ferry(t, new Fact.Held(instance, host, milliCpu, 1024));
    }

    @Test
    void aCleanLiveMigrationPasses() {
        assertThat(check(begin(0, "h1"), reserve(0, "i-1", "h3", Fact.Reservation.BOOTSTRAP),
                driver(5, new Fact.Stopped("i-1", "h1", 1)), driver(5, new Fact.Ran("i-1", "h3", 2)),
                ferry(9, new Fact.MaintenanceEnded("h1", HostPhase.RETURNED)), end(10))).isEmpty();
    }

    @Test
    void c1ALostInstanceIsCaught() {
        assertThat(check(driver(1, new Fact.Stopped("i-1", "h1", 1)), end(2))).anyMatch(v -> v.startsWith("C1 ") && v.contains("(lost)"));
    }

    @Test
    void c2TwoRunningCopiesAreCaught() {
        assertThat(check(reserve(0, "i-1", "h3", Fact.Reservation.BOOTSTRAP), driver(5, new Fact.Ran("i-1", "h3", 2)), end(6)))
                .anyMatch(v -> v.startsWith("C2 ") && v.contains("two copies"));
    }

    @Test
    void c2StaleEpochsAreCaught() {
        assertThat(check(driver(1, new Fact.Stopped("i-1", "h1", 1)), driver(2, new Fact.Ran("i-1", "h1", 1)), end(3)))
                .anyMatch(v -> v.startsWith("C2 ") && v.contains("stale epoch"));
    }

    @Test
    void c3VulnerableDestinationsNeedTheBootstrapMark() {
        assertThat(check(reserve(0, "i-1", "h3", Fact.Reservation.SAFE), end(1))).anyMatch(v -> v.startsWith("C3 ") && v.contains("vulnerable"));
    }

    @Test
    void c3HostsInMaintenanceReceiveNothing() {
        assertThat(check(begin(0, "h3"), reserve(1, "i-1", "h3", Fact.Reservation.BOOTSTRAP), end(2)))
                .anyMatch(v -> v.startsWith("C3 ") && v.contains("in maintenance"));
    }

    @Test
    void c3ARescueGoesOnlyToAFailedHostThatIsUp() {
        assertThat(check(reserve(0, "i-1", "h3", Fact.Reservation.RESCUE), end(1)))
                .anyMatch(v -> v.startsWith("C3 ") && v.contains("not a failed host that is up"));
        assertThat(check(ferry(0, new Fact.HostFailed("h3", Fact.HostFailure.CAME_BACK_UNPATCHED, "xen-4.1.0")),
                reserve(1, "i-1", "h3", Fact.Reservation.RESCUE), end(2))).isEmpty();
    }

    @Test
    void c3AHostTheCampaignSkipsReceivesNothingNotEvenABootstrap() {
        HistoryRecord skip = ferry(0, new Fact.HostSkipped("h3", Refusal.of(Refusal.Kind.BUDGET_NEVER, "a group's budget")));
        assertThat(check(skip, reserve(1, "i-1", "h3", Fact.Reservation.BOOTSTRAP), end(2)))
                .anyMatch(v -> v.startsWith("C3 ") && v.contains("which the campaign skips"));
        // a host the plan skips is known from the plan, with no fact
        Plan plan = new Plan("XSA-TEST", "test", true, List.of(), List.of("h1", "h3"), List.of(),
                List.of(new SkippedHost("h3", "test")), new PlanSummary(0, 0, 0, 0, 0, 0, 0, 0, null), new LowerBound(0, List.of()));
        InvariantChecker c = new InvariantChecker(problem, plan);
        c.accept(reserve(1, "i-1", "h3", Fact.Reservation.BOOTSTRAP));
        c.accept(end(2));
        assertThat(c.finish()).anyMatch(v -> v.startsWith("C3 ") && v.contains("which the campaign skips"));
    }

    @Test
    void c4CapacityCountsReservations() {
        // h2 has 16 cpus, i-2 uses 14; reserving i-1 (4) there exceeds it before anything runs.
        assertThat(check(reserve(0, "i-1", "h2", Fact.Reservation.SAFE), end(1))).anyMatch(v -> v.startsWith("C4 ") && v.contains("over capacity"));
    }

    @Test
    void c0ReleasingAReservationThatDoesNotExistIsCaught() {
        assertThat(check(ferry(0, new Fact.Released("i-1", "h2", 1)), end(1)))
                .anyMatch(v -> v.startsWith("C0 ") && v.contains("a reservation that does not exist"));
    }

    @Test
    void c4RoomHeldOutsideThePlanCountsAgainstCapacityAndNeverOnAVulnerableHost() {
        // h2 has 16 cpus, i-2 uses 14: a 1-cpu hold fits, a 3-cpu hold does not; given back, it fits again
        assertThat(check(hold(0, "x-1", "h2", 1000), end(1))).isEmpty();
        assertThat(check(hold(0, "x-1", "h2", 3000), end(1))).anyMatch(v -> v.startsWith("C4 ") && v.contains("over capacity"));
        assertThat(check(hold(0, "x-1", "h2", 1000), ferry(1, new Fact.Unheld("x-1", "h2", 1000, 1024)),
                hold(2, "x-2", "h2", 2000), end(3))).isEmpty();
        assertThat(check(hold(0, "x-1", "h3", 1000), end(1))).anyMatch(v -> v.startsWith("C3 ") && v.contains("vulnerable"));
    }

    @Test
    void c5GroupBudgetsHoldForFerrysDisruptions() {
        PlanningProblem grouped = TestFleets.builder().host("h1", "az1", "r1", true).host("h2", "az1", "r2", false)
                .group("g", AntiAffinity.NONE, 1).instance("h1", 1, 1024, OnHostMaintenance.RESTART, "g")
                .instance("h1", 1, 1024, OnHostMaintenance.RESTART, "g")
                .problem(TestFleets.simplePolicy());
        HistoryRecord notice1 = ferry(0, scheduled("i-1"));
        HistoryRecord notice2 = ferry(0, scheduled("i-2"));
        HistoryRecord told1 = delivered(0, "i-1");
        HistoryRecord told2 = delivered(0, "i-2");
        long later = TestFleets.simplePolicy().notice().toMillis();
        assertThat(check(grouped, notice1, notice2, told1, told2, ferry(later, new Fact.DisruptionBegan("i-1", false, MoveKind.RELOCATE)),
                ferry(later, new Fact.DisruptionBegan("i-2", false, MoveKind.RELOCATE)), end(later + 1)))
                .anyMatch(v -> v.startsWith("C5 ") && v.contains("group g has 2 members disrupted (maxUnavailable 1)"));
        assertThat(check(grouped, notice1, notice2, told1, told2, ferry(later, new Fact.DisruptionBegan("i-1", false, MoveKind.RELOCATE)),
                ferry(later, new Fact.DisruptionEnded("i-1", Fact.DisruptionEnd.MOVED, "h2", 2)),
                ferry(later, new Fact.DisruptionBegan("i-2", false, MoveKind.RELOCATE)), end(later + 1))).isEmpty();
    }

    @Test
    void c5CapsAreChecked() {
        Policy policy = new Policy(1, 1, 1, 0, Duration.ZERO, Duration.ZERO, LiveMigrationPolicy.DEFAULTS, 3,
                MaintenanceDurations.DEFAULTS);
        PlanningProblem p = new PlanningProblem(problem.fleet(), problem.advisory(), policy, problem.start());
        assertThat(check(p, begin(0, "h1"), begin(0, "h3"), end(1))).anyMatch(v -> v.startsWith("C5 ") && v.contains("maxHostsInMaintenance"))
                .anyMatch(v -> v.startsWith("C5 ") && v.contains("maxHostsPerZone"));
    }

    @Test
    void c5CanariesRunAloneAndTheSoakIsWaitedFor() {
        Policy policy = new Policy(5, 5, 1, 1, Duration.ofMinutes(10), Duration.ZERO, LiveMigrationPolicy.DEFAULTS, 3,
                MaintenanceDurations.DEFAULTS);
        PlanningProblem p = new PlanningProblem(problem.fleet(), problem.advisory(), policy, problem.start());
        assertThat(check(p, begin(0, "h1"), begin(0, "h3"), end(1))).anyMatch(v -> v.startsWith("C5 ") && v.contains("is not alone"));
        assertThat(check(p, begin(0, "h1"), ferry(5, new Fact.MaintenanceEnded("h1", HostPhase.RETURNED)), begin(6, "h3"),
                end(7))).anyMatch(v -> v.startsWith("C5 ") && v.contains("before the canaries' soak ends"));
        assertThat(check(p, begin(0, "h1"), ferry(5, new Fact.MaintenanceEnded("h1", HostPhase.RETURNED)),
                begin(5 + 600_000, "h3"), end(600_006))).isEmpty();
    }

    @Test
    void c6AnEffectAppliedTwiceIsCaught() {
        HistoryRecord apply = new HistoryRecord(0, Actor.RUNNER, new Fact.EffectApplied("move/1", "StartMove"));
        assertThat(check(apply, apply, end(2))).anyMatch(v -> v.startsWith("C6 ") && v.contains("applied twice"));
    }

    private PlanningProblem hourNotice() {
        Policy hour = new Policy(20, 5, 1, 0, Duration.ZERO, Duration.ofHours(1), LiveMigrationPolicy.DEFAULTS, 3,
                MaintenanceDurations.DEFAULTS);
        return new PlanningProblem(problem.fleet(), problem.advisory(), hour, problem.start());
    }

    @Test
    void c7DisruptionBeforeADeliveredNoticeIsCaughtButATenantsOwnActionIsNot() {
        PlanningProblem p = hourNotice();
        HistoryRecord relocate = ferry(3_600_000, new Fact.DisruptionBegan("i-1", false, MoveKind.RELOCATE));
        assertThat(check(p, ferry(0, new Fact.DisruptionBegan("i-1", false, MoveKind.RELOCATE)), end(1)))
                .anyMatch(v -> v.startsWith("C7 ") && v.contains("before its notice period (no notice delivered)"));
        assertThat(check(p, ferry(0, scheduled("i-1")), delivered(0, "i-1"), ferry(1, new Fact.DisruptionBegan("i-1", false,
                MoveKind.RELOCATE)), end(2))).anyMatch(v -> v.startsWith("C7 ") && v.contains("(allowed from 3600000 ms)"));
        assertThat(check(p, ferry(0, scheduled("i-1")), delivered(0, "i-1"), relocate, end(3_600_001))).isEmpty();
        // decided but never delivered to the notifier: no notice
        assertThat(check(p, ferry(0, scheduled("i-1")), relocate, end(3_600_001)))
                .anyMatch(v -> v.startsWith("C7 ") && v.contains("(no notice delivered)"));
        // delivered later than decided: the notice period counts from the delivery
        assertThat(check(p, ferry(0, scheduled("i-1")), delivered(10, "i-1"), relocate, end(3_600_001)))
                .anyMatch(v -> v.startsWith("C7 ") && v.contains("(allowed from 3600010 ms)"));
        assertThat(check(p, ferry(0, new Fact.DisruptionBegan("i-1", true, MoveKind.RELOCATE)), end(1))).isEmpty();
        // a history from before notices named their effect: the decision counts
        assertThat(check(p, ferry(0, new Fact.EventChanged("i-1", "ev-c.i-1", EventState.SCHEDULED, MoveKind.RELOCATE, 0, 1, 0,
                EventCause.PLANNED, 0, null, null, null)), relocate, end(3_600_001))).isEmpty();
        // the informational notice of old histories was never delivered
        assertThat(check(p, ferry(0, new Fact.Informed("i-1", 0)), relocate, end(3_600_001)))
                .anyMatch(v -> v.startsWith("C7 ") && v.contains("(no notice delivered)"));
    }

    @Test
    void c7AFallbackAfterALiveMigrationNeedsNoSecondNoticeOnlyWhenItsNoticeAnnouncedIt() {
        PlanningProblem p = hourNotice();
        HistoryRecord relocate = ferry(3_600_000, new Fact.DisruptionBegan("i-1", false, MoveKind.RELOCATE));
        assertThat(check(p, ferry(0, live("i-1", 3_600_000L)), delivered(0, "i-1"), relocate, end(3_600_001))).isEmpty();
        assertThat(check(p, ferry(0, live("i-1", null)), delivered(0, "i-1"), relocate, end(3_600_001)))
                .as("an informational notice that announced no fallback").anyMatch(v -> v.startsWith("C7 ")
                        && v.contains("(no notice delivered)"));
        assertThat(check(p, ferry(0, live("i-1", 7_200_000L)), delivered(0, "i-1"), relocate, end(3_600_001)))
                .as("before the announced time").anyMatch(v -> v.startsWith("C7 ") && v.contains("(allowed from 7200000 ms)"));
        assertThat(check(p, ferry(0, live("i-1", 1_000L)), delivered(0, "i-1"), ferry(1_000, new Fact.DisruptionBegan("i-1",
                false, MoveKind.RELOCATE)), end(1_001))).as("an announced time sooner than the notice period")
                .anyMatch(v -> v.startsWith("C7 ") && v.contains("(allowed from 3600000 ms)"));
    }

    @Test
    void c11AnEventStartsByItsNotAfterUnlessALaterOneWasTold() {
        HistoryRecord scheduled = ferry(0, scheduled("i-1"));
        HistoryRecord told = delivered(0, "i-1");
        assertThat(check(scheduled, told, ferry(2, started("i-1", EventCause.STARTED_BY_FERRY, 2)), end(3)))
                .anyMatch(v -> v.startsWith("C11 ") && v.contains("starts after its notAfter 1 ms"));
        assertThat(check(scheduled, told, ferry(1, started("i-1", EventCause.STARTED_BY_FERRY, 1)), end(3))).noneMatch(v -> v.startsWith("C11 "));
        assertThat(check(scheduled, told, ferry(2, started("i-1", EventCause.STARTED_BY_TENANT, 2)), end(3)))
                .as("its tenant chose when").noneMatch(v -> v.startsWith("C11 "));
        HistoryRecord delayed = ferry(1, new Fact.EventChanged("i-1", "ev-c.i-1", EventState.RESCHEDULED, MoveKind.RELOCATE, 0, 1, 10,
                EventCause.DELAYED_BY_CAPACITY, 0, null, null, "notify/i-1/delay"));
        assertThat(check(scheduled, told, delayed, ferry(5, started("i-1", EventCause.STARTED_BY_FERRY, 5)), end(6)))
                .as("Ferry told its tenant of a later window first").noneMatch(v -> v.startsWith("C11 "));
        HistoryRecord tooLate = ferry(2, delayed.fact());
        assertThat(check(scheduled, told, tooLate, ferry(5, started("i-1", EventCause.STARTED_BY_FERRY, 5)), end(6)))
                .as("told only after its notAfter had passed").anyMatch(v -> v.startsWith("C11 ") && v.contains("delayed after its notAfter 1 ms"));
    }

    private static Fact.EventChanged started(String instance, EventCause cause, long t) {
        return new Fact.EventChanged(instance, "ev-c." + instance, EventState.STARTED, MoveKind.RELOCATE, 0, 1, 1, cause, 0, null, null,
                "notify/" + instance + "/start");
    }

    /** The informational event of a live migration of {@code instance}, announcing a fallback after {@code fallbackAfter} (or none). */
    private static Fact.EventChanged live(String instance, Long fallbackAfter) {
        return new Fact.EventChanged(instance, "ev-c." + instance + ".live", EventState.SCHEDULED, MoveKind.LIVE_MIGRATE, 0, 1, 1,
                EventCause.PLANNED, 300, null, fallbackAfter, "notify/" + instance);
    }

    /** The runner applied the notice of {@code instance}'s scheduled event: its tenant has it. */
    private static HistoryRecord delivered(long t, String instance) {
        return new HistoryRecord(t, Actor.RUNNER, new Fact.EffectApplied("notify/" + instance, "Notify"));
    }

    @Test
    void c8ACampaignWithoutAnEndOrWithoutAReasonIsCaught() {
        assertThat(check(new HistoryRecord(0, Actor.RUNNER, new Fact.EffectApplied("cordon/0", "Cordon"))))
                .anyMatch(v -> v.startsWith("C8 ") && v.contains("did not end"));
        assertThat(check(ferry(0, new Fact.CampaignChanged("c", CampaignState.RUNNING, CampaignState.HALTED, " "))))
                .anyMatch(v -> v.startsWith("C8 ") && v.contains("without a reason"));
    }

    @Test
    void c9AStoppedInstanceIsMovedNoMoreAndAStartLandsOnASafeHost() {
        HistoryRecord stop = ferry(1, new Fact.TenantStopped("i-1", "h1", false));
        HistoryRecord stopped = driver(1, new Fact.Stopped("i-1", "h1", 1));
        // a stopped instance is not lost, and starting it on a patched host is clean (h2 is safe but has no room: C4)
        assertThat(check(stop, stopped, end(2))).isEmpty();
        assertThat(check(stop, stopped, ferry(2, new Fact.PhaseChanged("h1", HostPhase.RETURNED)),
                ferry(2, new Fact.TenantStarted("i-1", "h1", 2)), driver(2, new Fact.Ran("i-1", "h1", 2)), end(3))).isEmpty();
        assertThat(check(stop, stopped, ferry(2, new Fact.TenantStarted("i-1", "h2", 2)), end(3)))
                .anyMatch(v -> v.startsWith("C4 "));
        // but not on a vulnerable host, and nothing reserves room for it while it is stopped
        assertThat(check(stop, stopped, ferry(2, new Fact.TenantStarted("i-1", "h3", 2)), end(3)))
                .anyMatch(v -> v.startsWith("C9 ") && v.contains("vulnerable"));
        assertThat(check(stop, stopped, reserve(2, "i-1", "h2", Fact.Reservation.SAFE), end(3)))
                .anyMatch(v -> v.startsWith("C9 ") && v.contains("which its tenant stopped"));
        // a stop or a reboot names the host it runs on; a start needs a stop first
        assertThat(check(ferry(1, new Fact.TenantStopped("i-1", "h2", false)), end(2)))
                .anyMatch(v -> v.startsWith("C9 ") && v.contains("where it does not run"));
        assertThat(check(ferry(1, new Fact.TenantRebooted("i-1", "h3")), end(2)))
                .anyMatch(v -> v.startsWith("C9 ") && v.contains("where it does not run"));
        assertThat(check(ferry(1, new Fact.TenantStarted("i-1", "h2", 2)), end(2)))
                .anyMatch(v -> v.startsWith("C9 ") && v.contains("did not stop"));
        // nothing runs it again until its tenant starts it
        assertThat(check(stop, stopped, driver(2, new Fact.Ran("i-1", "h2", 2)), end(3)))
                .anyMatch(v -> v.startsWith("C9 ") && v.contains("while its tenant has it stopped"));
        // a stop while a move still holds room for it
        assertThat(check(reserve(0, "i-1", "h2", Fact.Reservation.SAFE), stop, end(2)))
                .anyMatch(v -> v.startsWith("C9 ") && v.contains("still reserved"));
    }

    @Test
    void c0TimeNeverGoesBackwards() {
        assertThat(check(begin(5, "h1"), ferry(4, new Fact.MaintenanceEnded("h1", HostPhase.RETURNED)), end(6)))
                .anyMatch(v -> v.startsWith("C0 ") && v.contains("time goes backwards"));
    }

    /** A scheduled relocation of {@code instance} (not before 0, deadline and latest start 1 ms), told by effect {@code notify/<instance>}. */
    private static Fact.EventChanged scheduled(String instance) {
        return new Fact.EventChanged(instance, "ev-c." + instance, EventState.SCHEDULED, MoveKind.RELOCATE, 0, 1, 1, EventCause.PLANNED,
                0, null, null, "notify/" + instance);
    }

    @Test
    void c10AnInstanceOfADownHostStartsElsewhereOnlyAfterTheFence() {
        HistoryRecord down = ferry(1, new Fact.HostDown("h2"));
        HistoryRecord fence = ferry(2, new Fact.HostFenced("h2", Fact.Fence.EPOCHS_SUPERSEDED));
        HistoryRecord rescue = ferry(3, new Fact.RescueNeeded("i-2", "h2"));
        HistoryRecord reserved = ferry(3, new Fact.Reserved("i-2", "h3", Fact.Reservation.BOOTSTRAP, -1));
        HistoryRecord ran = driver(4, new Fact.Ran("i-2", "h3", 2));
        assertThat(check(down, fence, rescue, reserved, ran, end(5))).isEmpty();
        // started elsewhere before the fence: two copies (the old one may still run)
        assertThat(check(down, reserved, ran, end(5))).anyMatch(v -> v.startsWith("C2 one running copy") && v.contains("two copies"));
        // a rescue decided before the fence
        assertThat(check(down, rescue, end(5))).anyMatch(v -> v.startsWith("C10 hosts down") && v.contains("not fenced"));
        // a live migration that switched over to the host after its fence: nothing runs there, it is restarted elsewhere
        assertThat(check(ferry(0, new Fact.Reserved("i-1", "h3", Fact.Reservation.BOOTSTRAP, 7)), ferry(1, new Fact.HostDown("h3")),
                ferry(2, new Fact.HostFenced("h3", Fact.Fence.EPOCHS_SUPERSEDED)),
                driver(3, new Fact.Stopped("i-1", "h1", 1)), driver(3, new Fact.Ran("i-1", "h3", 2)),
                ferry(3, new Fact.RescueNeeded("i-1", "h3")), ferry(3, new Fact.Reserved("i-1", "h1", Fact.Reservation.BOOTSTRAP, -1)),
                driver(4, new Fact.Ran("i-1", "h1", 3)), end(5))).isEmpty();
        // a fence of a host that is not down
        assertThat(check(fence, end(5))).anyMatch(v -> v.startsWith("C10 hosts down") && v.contains("not down"));
        // nothing is reserved on a down host
        assertThat(check(down, reserve(2, "i-1", "h2", Fact.Reservation.SAFE), end(5)))
                .anyMatch(v -> v.startsWith("C3 reservations") && v.contains("h2"));
    }

    @Test
    void c5NoHostBeginsAfterAFailedCanaryUnlessThePolicySaysContinue() {
        Policy halt = new Policy(20, 5, 1, 1, Duration.ZERO, Duration.ZERO, LiveMigrationPolicy.DEFAULTS, 3, MaintenanceDurations.DEFAULTS);
        Policy goOn = halt.withOnCanaryFailure(dev.ferry.core.model.OnCanaryFailure.CONTINUE);
        HistoryRecord[] history = {begin(0, "h1"), ferry(1, new Fact.HostFailed("h1", Fact.HostFailure.DID_NOT_COME_BACK, null)),
                ferry(1, new Fact.MaintenanceEnded("h1", HostPhase.FAILED)), begin(2, "h3"),
                ferry(3, new Fact.MaintenanceEnded("h3", HostPhase.RETURNED)), end(4)};
        assertThat(check(withPolicy(halt), history)).anyMatch(v -> v.startsWith("C5 ") && v.contains("begins after canary h1 failed"));
        assertThat(check(withPolicy(goOn), history)).noneMatch(v -> v.startsWith("C5 "));
    }

    private PlanningProblem withPolicy(Policy p) {
        return new PlanningProblem(problem.fleet(), problem.advisory(), p, problem.start());
    }
}
