package dev.ferry.core.planner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.TestFleets;
import dev.ferry.core.admission.Refusal;
import dev.ferry.core.model.Advisory;
import dev.ferry.core.model.AntiAffinity;
import dev.ferry.core.model.HostState;
import dev.ferry.core.model.LiveMigrationPolicy;
import dev.ferry.core.model.MaintenanceDurations;
import dev.ferry.core.model.OnHostMaintenance;
import dev.ferry.core.model.Policy;
import dev.ferry.core.scheduler.HostScorer;
import dev.ferry.core.scheduler.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Emptying one host at one planned instant: where each occupant goes in each {@link Drainer.Mode},
 * the checks after placement (group budgets, notice), what a start holds, and that a failed start
 * leaves the planning state as it was. Hosts are 16 cpus, 64 GiB, skylake, live-capable; durations
 * are the defaults (patch 480 s, reboot 300 s, restart 120 s); instances dirty 10 MiB/s, so a 2 GiB
 * live migration takes 4.078125 s and an 8 GiB one 16.318603515625 s (see ClassificationTest).
 */
class DrainerTest {
    private static final Scheduler FERRY = Scheduler.standard(HostScorer.SPREAD);

    /** One planning run's pieces, as a strategy holds them. */
    private record Run(PlanningProblem problem, Classification cls, PlanningState state, Drainer drainer) {
        static Run of(PlanningProblem problem) {
            Classification cls = Classification.of(problem);
            PlanningState state = new PlanningState(problem.fleet(), cls, true);
            return new Run(problem, cls, state, new Drainer(problem, cls, state, FERRY));
        }

        static Run naive(PlanningProblem problem) {
            Classification cls = Classification.of(problem);
            PlanningState state = new PlanningState(problem.fleet(), cls, false);
            return new Run(problem, cls, state, new Drainer(problem, cls, state, Scheduler.ignoringVulnerability(HostScorer.SPREAD)));
        }

        int host(String id) {
            return problem.fleet().hostIndex(id);
        }

        int instance(String id) {
            return problem.fleet().instanceIndex(id);
        }

        Drainer.Started start(String host, long t, Drainer.Mode mode) {
            return drainer.tryStart(host(host), t, mode);
        }
    }

    private static Policy noticePolicy(Duration notice) {
        return new Policy(20, 5, 1, 0, Duration.ZERO, notice, LiveMigrationPolicy.DEFAULTS, 3, MaintenanceDurations.DEFAULTS);
    }

    // ---------------------------------------------------------------- a start that succeeds

    @Test
    void aStartMovesEveryOccupantToTheEmptiestSafeHostOfTheZone() {
        // az1: a1 (i-1 live, i-2 restart, 2 GiB each), s1 (i-3 uses 32 GiB), s2 empty, a2 affected and empty
        Run r = Run.of(TestFleets.builder().host("a1", "az1", "r1", true).host("s1", "az1", "r2", false)
                .host("s2", "az1", "r3", false).host("a2", "az1", "r4", true)
                .instance("a1", 2, 2048).instance("a1", 2, 2048, OnHostMaintenance.RESTART, null).instance("s1", 2, 32768)
                .problem(TestFleets.simplePolicy()));
        Drainer.Started s = r.start("a1", 0, Drainer.Mode.NORMAL);
        assertThat(s.moves()).containsExactly(
                new Move("i-1", "a1", "s2", MoveKind.LIVE_MIGRATE, false, null),
                new Move("i-2", "a1", "s2", MoveKind.RELOCATE, false, null));
        // drain: the relocation's restart (120 s) outlasts the 4.08 s migration; + patch 480 + reboot 300
        assertThat(s.durationSeconds()).isEqualTo(900);
        assertThat(s.hold().describe()).isEmpty();
        assertThat(r.state().inMaintenance(r.host("a1"))).isTrue();
        assertThat(r.state().currentHost(r.instance("i-1"))).isEqualTo(r.host("s2"));
        assertThat(r.state().occupants(r.host("a1"))).isEmpty();
        assertThat(r.state().freeMemoryMiB(r.host("s2"))).isEqualTo(65536 - 4096);
    }

    @Test
    void liveMigrationsRunInPerHostLanesLongestFirst() {
        // three 8 GiB migrations of 16.3186 s in 2 lanes: 32.637 s; + 780 s = 812.64, rounded up
        Run r = Run.of(TestFleets.builder().host("a1", "az1", "r1", true).host("s1", "az1", "r2", false)
                .instance("a1", 2, 8192).instance("a1", 2, 8192).instance("a1", 2, 8192)
                .problem(TestFleets.simplePolicy()));
        assertThat(r.start("a1", 0, Drainer.Mode.NORMAL).durationSeconds()).isEqualTo(813);
    }

    @Test
    void anEmptyHostStartsWithNoMovesAndTakesPatchAndReboot() {
        Run r = Run.of(TestFleets.builder().host("a1", "az1", "r1", true).problem(TestFleets.simplePolicy()));
        Drainer.Started s = r.start("a1", 0, Drainer.Mode.NORMAL);
        assertThat(s.moves()).isEmpty();
        assertThat(s.durationSeconds()).isEqualTo(780);
    }

    @Test
    void withoutARebootNothingMovesAndTheStepIsThePatch() {
        Advisory noReboot = new Advisory("XSA-LIVE", "live patch", TestFleets.ADVISORY.affects(), "new", false, null);
        PlanningProblem p = TestFleets.builder().host("a1", "az1", "r1", true)
                .group("g", AntiAffinity.NONE, 0)
                .instance("a1", 2, 2048, OnHostMaintenance.RESTART, "g").problem(noticePolicy(Duration.ofHours(1)));
        Run r = Run.of(new PlanningProblem(p.fleet(), noReboot, p.policy(), p.start()));
        assertThat(r.drainer().neverPossible(0)).as("nothing is disrupted").isNull();
        assertThat(r.drainer().liveOnly(0)).as("no notice needed").isTrue();
        Drainer.Started s = r.start("a1", 0, Drainer.Mode.NORMAL);
        assertThat(s.moves()).isEmpty();
        assertThat(s.durationSeconds()).isEqualTo(480);
        assertThat(s.hold().describe()).isEmpty();
        assertThat(r.state().currentHost(0)).isZero();
    }

    // ---------------------------------------------------------------- a start that fails

    /** az1: a1 (i-1 4 cpus, i-2 14 cpus), s1 empty, a2 affected and empty. Both fit s1 alone, not together. */
    private static PlanningProblem tight(Policy policy) {
        return TestFleets.builder().host("a1", "az1", "r1", true).host("s1", "az1", "r2", false).host("a2", "az1", "r3", true)
                .instance("a1", 4, 4096).instance("a1", 14, 4096).problem(policy);
    }

    @Test
    void aFailedStartSaysWhyAndLeavesTheStateAsItWas() {
        Run r = Run.of(tight(TestFleets.simplePolicy()));
        assertThat(r.start("a1", 0, Drainer.Mode.NORMAL)).isNull();
        assertThat(r.drainer().lastFailure()).isEqualTo(Refusal.of(Refusal.Kind.NO_ROOM, "instance i-2: 1 host has no room"));
        assertThat(r.state().currentHost(r.instance("i-1"))).as("i-1 went to s1 and came back").isEqualTo(r.host("a1"));
        assertThat(r.state().freeMilliCpu(r.host("s1"))).isEqualTo(16000);
        assertThat(r.state().freeMemoryMiB(r.host("s1"))).isEqualTo(65536);
        assertThat(r.state().inMaintenance(r.host("a1"))).isFalse();
        assertThat(r.state().occupants(r.host("a1"))).containsExactly(0, 1);
    }

    @Test
    void bootstrapModeTakesAVulnerableHostAndMarksTheMove() {
        Run r = Run.of(tight(TestFleets.simplePolicy()));
        Drainer.Started s = r.start("a1", 0, Drainer.Mode.BOOTSTRAP);
        assertThat(s.moves()).containsExactly(
                new Move("i-1", "a1", "s1", MoveKind.LIVE_MIGRATE, false, null),
                new Move("i-2", "a1", "a2", MoveKind.LIVE_MIGRATE, true, null));
    }

    @Test
    void theNaiveSchedulerTakesVulnerableHostsInNormalModeAndMarksThemBootstrap() {
        Run r = Run.naive(TestFleets.builder().host("a1", "az1", "r1", true).host("a2", "az1", "r2", true)
                .instance("a1", 2, 2048).problem(TestFleets.simplePolicy()));
        assertThat(r.start("a1", 0, Drainer.Mode.NORMAL).moves())
                .containsExactly(new Move("i-1", "a1", "a2", MoveKind.LIVE_MIGRATE, true, null));
    }

    @Test
    void aPatchedHostIsASafeDestinationOnceItsStepHasFinished() {
        // a1 empty, b1 (i-1); no safe host at all
        Run r = Run.of(TestFleets.builder().host("a1", "az1", "r1", true).host("b1", "az1", "r2", true)
                .instance("b1", 2, 2048).problem(TestFleets.simplePolicy()));
        assertThat(r.start("b1", 0, Drainer.Mode.NORMAL)).isNull();
        assertThat(r.drainer().lastFailure().message()).isEqualTo("instance i-1: no candidate host in the zone");
        Drainer.Started a1 = r.start("a1", 0, Drainer.Mode.NORMAL);
        r.drainer().finish(r.host("a1"), a1);
        assertThat(r.state().patched(r.host("a1"))).isTrue();
        assertThat(r.state().vulnerable(r.host("a1"))).isFalse();
        assertThat(r.state().inMaintenance(r.host("a1"))).isFalse();
        assertThat(r.start("b1", 780, Drainer.Mode.NORMAL).moves())
                .containsExactly(new Move("i-1", "b1", "a1", MoveKind.LIVE_MIGRATE, false, null));
    }

    // ---------------------------------------------------------------- fallbacks

    /** az1: a1 (i-1 live), s1 skylake with only 1 cpu free, s2 icelake empty. */
    private static PlanningProblem noLiveRoom(Policy policy) {
        return TestFleets.builder().host("a1", "az1", "r1", true).host("s1", "az1", "r2", false)
                .host("s2", "az1", "r3", false, 16, 65536, "icelake", true, HostState.ACTIVE)
                .instance("a1", 2, 2048).instance("s1", 15, 2048).problem(policy);
    }

    @Test
    void fallbackModeRelocatesWhatCannotLiveMigrateNowAndRecordsTheNewKind() {
        Run r = Run.of(noLiveRoom(TestFleets.simplePolicy()));
        assertThat(r.cls().kind(0)).isEqualTo(MoveKind.LIVE_MIGRATE);
        assertThat(r.start("a1", 0, Drainer.Mode.NORMAL)).isNull();
        assertThat(r.start("a1", 0, Drainer.Mode.BOOTSTRAP)).as("no vulnerable host either").isNull();
        Drainer.Started s = r.start("a1", 0, Drainer.Mode.FALLBACK);
        String why = "no live-capable destination in zone az1: 1 host has no room";
        assertThat(s.moves()).containsExactly(new Move("i-1", "a1", "s2", MoveKind.RELOCATE, false, why));
        assertThat(s.durationSeconds()).isEqualTo(900);
        assertThat(r.cls().kind(0)).isEqualTo(MoveKind.RELOCATE);
        assertThat(r.cls().reason(0)).isEqualTo(why);
    }

    @Test
    void aFallbackRelocationStillWaitsForTheNoticeAndChangesNothingUntilThen() {
        Run r = Run.of(noLiveRoom(noticePolicy(Duration.ofHours(1))));
        assertThat(r.start("a1", 0, Drainer.Mode.FALLBACK)).isNull();
        assertThat(r.drainer().lastFailure()).isEqualTo(Refusal.of(Refusal.Kind.NOTICE, "needs 3600 s notice"));
        assertThat(r.cls().kind(0)).as("not reclassified by a start that failed").isEqualTo(MoveKind.LIVE_MIGRATE);
        assertThat(r.state().currentHost(0)).isZero();
        assertThat(r.start("a1", 3600, Drainer.Mode.FALLBACK)).isNotNull();
    }

    @Test
    void lastResortRebootsInPlaceWhatNoHostOfTheZoneCanTake() {
        // s1 has 1 cpu free and there is nothing else
        Run r = Run.of(TestFleets.builder().host("a1", "az1", "r1", true).host("s1", "az1", "r2", false)
                .instance("a1", 2, 2048).instance("s1", 15, 2048).problem(TestFleets.simplePolicy()));
        assertThat(r.start("a1", 0, Drainer.Mode.FALLBACK)).isNull();
        Drainer.Started s = r.start("a1", 0, Drainer.Mode.LAST_RESORT);
        String why = "no host in zone az1 can take it: 1 host has no room";
        assertThat(s.moves()).containsExactly(new Move("i-1", "a1", "a1", MoveKind.REBOOT_IN_PLACE, false, why));
        // patch 480 + reboot 300 + restart 120
        assertThat(s.durationSeconds()).isEqualTo(900);
        assertThat(r.state().currentHost(0)).isZero();
        assertThat(r.cls().kind(0)).isEqualTo(MoveKind.REBOOT_IN_PLACE);
        assertThat(r.cls().hasStrandedArrivals(0)).as("it is on its own host").isFalse();
    }

    @Test
    void aBootstrappedInstanceThatRebootsInPlaceOnItsNewHostMarksItsZone() {
        // a1 (i-1) bootstraps onto a2; while a1 is still in maintenance, a2 has nowhere to send i-1
        Run r = Run.of(TestFleets.builder().host("a1", "az1", "r1", true).host("a2", "az1", "r2", true)
                .instance("a1", 2, 2048).problem(TestFleets.simplePolicy()));
        assertThat(r.start("a1", 0, Drainer.Mode.BOOTSTRAP).moves())
                .containsExactly(new Move("i-1", "a1", "a2", MoveKind.LIVE_MIGRATE, true, null));
        Drainer.Started s = r.start("a2", 0, Drainer.Mode.LAST_RESORT);
        assertThat(s.moves()).containsExactly(new Move("i-1", "a2", "a2", MoveKind.REBOOT_IN_PLACE, false,
                "no host in zone az1 can take it: no candidate host in the zone"));
        assertThat(r.cls().hasStrandedArrivals(0)).isTrue();
        assertThat(r.cls().kind(0)).as("the kind describes how it leaves its snapshot host").isEqualTo(MoveKind.LIVE_MIGRATE);
    }

    // ---------------------------------------------------------------- group budgets and notice

    @Test
    void moreMembersToDisruptThanTheGroupAllowsCanNeverStart() {
        // a1: i-1 and i-2, restart, of g (maxUnavailable 1); a2: i-3 and i-4 of g, live
        Run r = Run.of(TestFleets.builder().host("a1", "az1", "r1", true).host("a2", "az1", "r2", true)
                .host("s1", "az1", "r3", false).host("s2", "az1", "r4", false).group("g", AntiAffinity.NONE, 1)
                .instance("a1", 2, 2048, OnHostMaintenance.RESTART, "g").instance("a1", 2, 2048, OnHostMaintenance.RESTART, "g")
                .instance("a2", 2, 2048, OnHostMaintenance.MIGRATE, "g").instance("a2", 2, 2048, OnHostMaintenance.MIGRATE, "g")
                .problem(TestFleets.simplePolicy()));
        assertThat(r.drainer().neverPossible(r.host("a1"))).isEqualTo("group g (tenant t1) allows maxUnavailable: 1 but instance "
                + "i-1 on this host cannot be live-migrated (onHostMaintenance: restart)");
        assertThat(r.drainer().neverPossible(r.host("a2"))).as("live migrations disrupt no one").isNull();
        assertThat(r.start("a1", 0, Drainer.Mode.NORMAL)).isNull();
        assertThat(r.drainer().lastFailure()).isEqualTo(Refusal.of(Refusal.Kind.BUDGET_NEVER,
                "group g (tenant t1) allows maxUnavailable: 1 but 2 of its members on this host must be disrupted"));
        assertThat(r.state().occupants(r.host("a1"))).containsExactly(0, 1);
    }

    @Test
    void theReasonAHostCanNeverStartNamesTheClassificationsReason() {
        // a1 cannot live-migrate: its two live-wishing members of g must be relocated
        Run r = Run.of(TestFleets.builder().host("a1", "az1", "r1", true, 16, 65536, "skylake", false, HostState.ACTIVE)
                .host("s1", "az1", "r2", false).group("g", AntiAffinity.NONE, 1)
                .instance("a1", 2, 2048, OnHostMaintenance.MIGRATE, "g").instance("a1", 2, 2048, OnHostMaintenance.MIGRATE, "g")
                .problem(TestFleets.simplePolicy()));
        assertThat(r.drainer().neverPossible(0)).endsWith("instance i-1 on this host cannot be live-migrated (host a1 cannot live-migrate)");
    }

    @Test
    void skippingAHostThatCanNeverStartTakesItOutOfTheDestinations() {
        // a1 (i-1 live) has no safe host to go to; a2 (two restart members of g, maxUnavailable 1) is vulnerable
        TestFleets fleet = TestFleets.builder().host("a1", "az1", "r1", true).host("a2", "az1", "r2", true)
                .group("g", AntiAffinity.NONE, 1).instance("a1", 2, 2048)
                .instance("a2", 2, 2048, OnHostMaintenance.RESTART, "g").instance("a2", 2, 2048, OnHostMaintenance.RESTART, "g");
        Run before = Run.of(fleet.problem(TestFleets.simplePolicy()));
        assertThat(before.start("a1", 0, Drainer.Mode.BOOTSTRAP).moves()).extracting(Move::to).containsExactly("a2");

        Run r = Run.of(fleet.problem(TestFleets.simplePolicy()));
        List<SkippedHost> skipped = new ArrayList<>();
        assertThat(r.drainer().skipIfNeverPossible(r.host("a1"), skipped)).isFalse();
        assertThat(r.drainer().skipIfNeverPossible(r.host("a2"), skipped)).isTrue();
        assertThat(skipped).containsExactly(new SkippedHost("a2", "group g (tenant t1) allows maxUnavailable: 1 but instance i-2 "
                + "on this host cannot be live-migrated (onHostMaintenance: restart)"));
        assertThat(r.start("a1", 0, Drainer.Mode.BOOTSTRAP)).as("never onto a host that will stay vulnerable").isNull();
    }

    @Test
    void aGroupsBudgetHeldByOneStepWaitsForItsEnd() {
        // a1 and b1 each run one restart member of g (maxUnavailable 1); s1 and s2 have room
        Run r = Run.of(TestFleets.builder().host("a1", "az1", "r1", true).host("b1", "az1", "r2", true)
                .host("s1", "az1", "r3", false).host("s2", "az1", "r4", false).group("g", AntiAffinity.NONE, 1)
                .instance("a1", 2, 2048, OnHostMaintenance.RESTART, "g").instance("b1", 2, 2048, OnHostMaintenance.RESTART, "g")
                .problem(TestFleets.simplePolicy()));
        Drainer.Started a1 = r.start("a1", 0, Drainer.Mode.NORMAL);
        assertThat(a1.hold().describe()).isEqualTo("0=1");
        assertThat(r.start("b1", 0, Drainer.Mode.NORMAL)).isNull();
        assertThat(r.drainer().lastFailure())
                .isEqualTo(Refusal.of(Refusal.Kind.BUDGET_NOT_NOW, "group g has 1 of 1 members disrupted already"));
        assertThat(r.state().currentHost(r.instance("i-2"))).as("put back").isEqualTo(r.host("b1"));
        r.drainer().finish(r.host("a1"), a1);
        Drainer.Started b1 = r.start("b1", 900, Drainer.Mode.NORMAL);
        assertThat(b1.hold().describe()).isEqualTo("0=1");
    }

    @Test
    void disruptionsWaitForTheNoticeLiveMigrationsDoNot() {
        // a1: i-1 restart; a2: i-2 live; a3 empty
        Run r = Run.of(TestFleets.builder().host("a1", "az1", "r1", true).host("a2", "az1", "r2", true)
                .host("a3", "az1", "r3", true).host("s1", "az1", "r4", false)
                .instance("a1", 2, 2048, OnHostMaintenance.RESTART, null).instance("a2", 2, 2048)
                .problem(noticePolicy(Duration.ofHours(1))));
        assertThat(r.drainer().liveOnly(r.host("a1"))).isFalse();
        assertThat(r.drainer().liveOnly(r.host("a2"))).isTrue();
        assertThat(r.drainer().liveOnly(r.host("a3"))).isTrue();
        assertThat(r.start("a1", 3599, Drainer.Mode.NORMAL)).isNull();
        assertThat(r.drainer().lastFailure()).isEqualTo(Refusal.of(Refusal.Kind.NOTICE, "needs 3600 s notice"));
        assertThat(r.start("a2", 0, Drainer.Mode.NORMAL)).isNotNull();
        assertThat(r.start("a1", 3600, Drainer.Mode.NORMAL).moves()).extracting(Move::kind).containsExactly(MoveKind.RELOCATE);
    }
}
