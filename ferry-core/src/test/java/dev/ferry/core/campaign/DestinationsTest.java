package dev.ferry.core.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.TestFleets;
import dev.ferry.core.campaign.state.LiveFleet;
import dev.ferry.core.campaign.state.RuntimeState;
import dev.ferry.core.history.Actor;
import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.lifecycle.HostPhase;
import dev.ferry.core.model.AntiAffinity;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.HostState;
import dev.ferry.core.model.Instance;
import dev.ferry.core.model.OnHostMaintenance;
import dev.ferry.core.planner.FerryStrategy;
import dev.ferry.core.planner.LowerBound;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanSummary;
import dev.ferry.core.planner.PlanningProblem;
import dev.ferry.core.planner.SkippedHost;
import dev.ferry.core.scheduler.Placement;
import dev.ferry.core.scheduler.PlacementRequest;
import dev.ferry.core.scheduler.VetoReason;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Destinations on the live fleet: the first acceptable host of the source's zone, searched from
 * where the last search succeeded; the live fleet's phases (cordoned, in maintenance, vulnerable,
 * patched) and room; a step's trial reservations; rescues onto failed hosts; launches outside the plan.
 * The live fleet is a real {@link RuntimeState} with no steps, changed by applying facts, as in a campaign.
 */
class DestinationsTest {
    // az1, in inventory order: a1 (affected; i-1 4 cpus / 8 GiB), s1 (i-2 uses 8 cpus / 32 GiB), s2, s3 (empty).
    // az2: z1 (empty). Every host 16 cpus / 64 GiB, skylake, live-capable.
    private static final int A1 = 0;
    private static final int S1 = 1;
    private static final int S2 = 2;
    private static final int S3 = 3;
    private static final int Z1 = 4;
    private static final int I1 = 0;

    private static TestFleets base() {
        return TestFleets.builder()
                .host("a1", "az1", "r1", true).host("s1", "az1", "r2", false).host("s2", "az1", "r3", false)
                .host("s3", "az1", "r4", false).host("z1", "az2", "r5", false);
    }

    private static final PlanningProblem BASE = base().instance("a1", 4, 8192).instance("s1", 8, 32768)
            .problem(TestFleets.simplePolicy());

    private RuntimeState state = new RuntimeState(BASE, plan(), "c");
    private Destinations destinations = new Destinations(BASE.fleet(), state.live());

    /** A plan with no steps (the runtime state is changed by facts only), skipping the given hosts. */
    private static Plan plan(String... skipped) {
        List<SkippedHost> s = new ArrayList<>();
        for (String h : skipped) {
            s.add(new SkippedHost(h, "test"));
        }
        return new Plan("XSA-TEST", "test", true, List.of(), List.of(), List.of(), s,
                new PlanSummary(0, 0, 0, 0, 0, 0, 0, 0, null), new LowerBound(0, List.of()));
    }

    private void use(PlanningProblem problem, String... skipped) {
        state = new RuntimeState(problem, plan(skipped), "c");
        destinations = new Destinations(problem.fleet(), state.live());
    }

    private void apply(Fact f) {
        state.apply(new HistoryRecord(0, Actor.FERRY, f));
    }

    /** Room taken on a host by an instance outside the fleet: what a tenant's launch holds. */
    private void fill(String host, long milliCpu) {
        apply(new Fact.Held("x-" + host, host, milliCpu, 0));
    }

    private void walk(String host, HostPhase... phases) {
        apply(new Fact.Cordoned(host));
        for (HostPhase p : phases) {
            apply(new Fact.PhaseChanged(host, p));
        }
    }

    private static PlacementRequest relocate(int instance, int from) {
        return new PlacementRequest(instance, from, false, false);
    }

    private static PlacementRequest bootstrap(int instance, int from) {
        return new PlacementRequest(instance, from, false, true);
    }

    private VetoReason veto(PlacementRequest req, int host) {
        var v = destinations.veto(state.live(), req, host);
        return v == null ? null : v.reason();
    }

    // ---------------------------------------------------------------- the search

    @Test
    void theFirstAcceptableHostOfTheZoneInInventoryOrderIsChosenNotTheEmptiest() {
        // s1 has 32 GiB free, s2 and s3 64 GiB: a spread scorer would pick s2, the search takes s1
        assertThat(destinations.place(relocate(I1, A1), -1)).isEqualTo(S1);
        assertThat(destinations.place(new PlacementRequest(I1, A1, true, false), -1)).as("live too").isEqualTo(S1);
    }

    @Test
    void aPlacementNeverLeavesTheSourcesZone() {
        fill("s1", 8000);
        fill("s2", 16000);
        fill("s3", 16000);
        assertThat(destinations.place(relocate(I1, A1), -1)).as("z1 in az2 is empty but out of reach").isEqualTo(-1);
        assertThat(veto(relocate(I1, A1), Z1)).isEqualTo(VetoReason.OTHER_ZONE);
    }

    @Test
    void theExcludedHostIsPassedOver() {
        assertThat(destinations.place(relocate(I1, A1), S1)).isEqualTo(S2);
    }

    @Test
    void theSearchStartsWhereTheZonesLastSearchSucceededAndWrapsAround() {
        fill("s1", 8000);
        assertThat(destinations.place(relocate(I1, A1), -1)).isEqualTo(S2);
        apply(new Fact.Unheld("x-s1", "s1", 8000, 0));
        assertThat(destinations.place(relocate(I1, A1), -1)).as("s1 has room again, but the search starts at s2")
                .isEqualTo(S2);
        fill("s2", 16000);
        assertThat(destinations.place(relocate(I1, A1), -1)).isEqualTo(S3);
        fill("s3", 16000);
        assertThat(destinations.place(relocate(I1, A1), -1)).as("from s3 round past a1 to s1").isEqualTo(S1);
    }

    @Test
    void aZoneLargerThanTheScanLimitIsSearchedOneWindowAtATime() {
        // 300 hosts in az1: h0 the source, h1..h256 cordoned in the inventory, h257..h299 free.
        TestFleets b = TestFleets.builder();
        for (int k = 0; k < 300; k++) {
            b.host("h" + k, "az1", "r" + k, k == 0, 16, 65536, "skylake", true,
                    k >= 1 && k <= 256 ? HostState.CORDONED : HostState.ACTIVE);
        }
        use(b.instance("h0", 4, 8192).problem(TestFleets.simplePolicy()));
        assertThat(Destinations.SCAN_LIMIT).isEqualTo(256);
        assertThat(destinations.place(relocate(I1, 0), -1)).as("h0..h255 scanned, none acceptable").isEqualTo(-1);
        assertThat(destinations.place(relocate(I1, 0), -1)).as("the next window starts at h256").isEqualTo(257);
    }

    // ---------------------------------------------------------------- the live fleet's phases

    @Test
    void aHostCordonedInTheInventoryIsPassedOver() {
        use(TestFleets.builder().host("a1", "az1", "r1", true)
                .host("s1", "az1", "r2", false, 16, 65536, "skylake", true, HostState.CORDONED)
                .host("s2", "az1", "r3", false).instance("a1", 4, 8192).problem(TestFleets.simplePolicy()));
        assertThat(veto(relocate(I1, A1), S1)).isEqualTo(VetoReason.CORDONED);
        assertThat(destinations.place(relocate(I1, A1), -1)).isEqualTo(S2);
    }

    @Test
    void aHostWhoseStepBeganIsCordonedUntilItReturns() {
        walk("s1");
        assertThat(veto(relocate(I1, A1), S1)).isEqualTo(VetoReason.CORDONED);
        assertThat(destinations.place(relocate(I1, A1), -1)).isEqualTo(S2);
        apply(new Fact.PhaseChanged("s1", HostPhase.DRAINING));
        assertThat(state.live().inMaintenance(S1)).isTrue();
        assertThat(veto(relocate(I1, A1), S1)).as("in maintenance, and cordoned first of all").isEqualTo(VetoReason.CORDONED);
        for (HostPhase p : List.of(HostPhase.PATCHING, HostPhase.REBOOTING, HostPhase.VERIFYING)) {
            apply(new Fact.PhaseChanged("s1", p));
            assertThat(veto(relocate(I1, A1), S1)).as(p.name()).isEqualTo(VetoReason.CORDONED);
        }
        apply(new Fact.PhaseChanged("s1", HostPhase.RETURNED));
        assertThat(veto(relocate(I1, A1), S1)).isNull();
    }

    @Test
    void aFailedHostStaysCordoned() {
        walk("s1", HostPhase.DRAINING);
        apply(new Fact.HostFailed("s1", Fact.HostFailure.DID_NOT_COME_BACK, null));
        assertThat(veto(relocate(I1, A1), S1)).isEqualTo(VetoReason.CORDONED);
        assertThat(veto(bootstrap(I1, A1), S1)).isEqualTo(VetoReason.CORDONED);
    }

    @Test
    void aVulnerableHostIsADestinationOnlyForABootstrap() {
        // az1: a1 (source), a2 (affected, empty), s1 full
        use(TestFleets.builder().host("a1", "az1", "r1", true).host("a2", "az1", "r2", true).host("s1", "az1", "r3", false)
                .instance("a1", 4, 8192).instance("s1", 16, 8192).problem(TestFleets.simplePolicy()));
        assertThat(veto(relocate(I1, 0), 1)).isEqualTo(VetoReason.VULNERABLE);
        assertThat(veto(relocate(I1, 0), 2)).isEqualTo(VetoReason.CAPACITY);
        assertThat(destinations.place(relocate(I1, 0), -1)).isEqualTo(-1);
        assertThat(destinations.place(bootstrap(I1, 0), -1)).isEqualTo(1);
    }

    @Test
    void aPatchedHostIsADestinationWithoutBootstrap() {
        use(TestFleets.builder().host("a1", "az1", "r1", true).host("a2", "az1", "r2", true).host("s1", "az1", "r3", false)
                .instance("a1", 4, 8192).instance("s1", 16, 8192).problem(TestFleets.simplePolicy()));
        walk("a2", HostPhase.DRAINING, HostPhase.PATCHING, HostPhase.REBOOTING, HostPhase.VERIFYING, HostPhase.RETURNED);
        assertThat(state.live().vulnerable(1)).isFalse();
        assertThat(destinations.place(relocate(I1, 0), -1)).isEqualTo(1);
    }

    @Test
    void roomHeldOutsideThePlanCountsAgainstAHost() {
        fill("s1", 5000); // i-2 uses 8 of 16 cpus: 3 cpus left, i-1 needs 4
        assertThat(veto(relocate(I1, A1), S1)).isEqualTo(VetoReason.CAPACITY);
        apply(new Fact.Unheld("x-s1", "s1", 1000, 0)); // 4 cpus left
        assertThat(veto(relocate(I1, A1), S1)).isNull();
    }

    @Test
    void hostAntiAffinityPassesOverTheHostOfAnotherMember() {
        // i-1 on a1 and i-2 on s1 in group g
        use(base().group("g", AntiAffinity.HOST, 1)
                .instance("a1", 4, 8192, OnHostMaintenance.MIGRATE, "g").instance("s1", 4, 8192, OnHostMaintenance.MIGRATE, "g")
                .problem(TestFleets.simplePolicy()));
        assertThat(veto(relocate(I1, A1), S1)).isEqualTo(VetoReason.ANTI_AFFINITY);
        assertThat(destinations.place(relocate(I1, A1), -1)).isEqualTo(S2);
    }

    @Test
    void rackAntiAffinityPassesOverEveryHostOfTheOtherMembersRack() {
        // s1 and s2 share rack r2; i-2 (same group as i-1) runs on s1
        use(TestFleets.builder().host("a1", "az1", "r1", true).host("s1", "az1", "r2", false).host("s2", "az1", "r2", false)
                .host("s3", "az1", "r3", false).group("g", AntiAffinity.RACK, 1)
                .instance("a1", 4, 8192, OnHostMaintenance.MIGRATE, "g").instance("s1", 4, 8192, OnHostMaintenance.MIGRATE, "g")
                .problem(TestFleets.simplePolicy()));
        assertThat(veto(relocate(I1, A1), S2)).isEqualTo(VetoReason.ANTI_AFFINITY);
        assertThat(destinations.place(relocate(I1, A1), -1)).isEqualTo(S3);
    }

    /**
     * The planner never bootstraps onto a host it skips ({@code PlanningState.retire}: "it must
     * not receive bootstrap moves, since it would keep them on a vulnerable host"), and neither does
     * the runtime: the live fleet calls a skipped host cordoned. (It did not, once, and an instance
     * bootstrapped there stayed on a host that is never patched.)
     */
    @Test
    void aHostThePlanSkippedIsNeverABootstrapDestination() {
        // az1: a1 (source), b (affected, skipped by the plan, empty), s1 full
        use(TestFleets.builder().host("a1", "az1", "r1", true).host("b", "az1", "r2", true).host("s1", "az1", "r3", false)
                .instance("a1", 4, 8192).instance("s1", 16, 8192).problem(TestFleets.simplePolicy()), "b");
        assertThat(state.live().phase(1)).isEqualTo(HostPhase.SKIPPED);
        assertThat(destinations.place(bootstrap(I1, 0), -1)).isEqualTo(-1);
    }

    /** The same through the runtime: the campaign used to complete with i-1 on the skipped, still vulnerable host b. */
    @Test
    void noInstanceEndsTheCampaignOnAHostThePlanSkipped() {
        // a (i-1, live), b (two restart members of g, maxUnavailable 1: skipped), s1 safe. A tenant's
        // launch fills s1 before approval, so i-1's step escalates to a bootstrap.
        PlanningProblem problem = TestFleets.builder()
                .host("a", "az1", "r1", true).host("b", "az1", "r2", true).host("s1", "az1", "r3", false)
                .group("g", AntiAffinity.NONE, 1)
                .instance("a", 4, 8192)
                .instance("b", 2, 2048, OnHostMaintenance.RESTART, "g").instance("b", 2, 2048, OnHostMaintenance.RESTART, "g")
                .problem(TestFleets.simplePolicy());
        Plan plan = new FerryStrategy().plan(problem);
        assertThat(plan.skippedHosts()).extracting(SkippedHost::host).containsExactly("b");
        CampaignRuntime runtime = new CampaignRuntime(problem, plan, "c");
        Fleet f = problem.fleet();
        List<Instance> withLaunch = new ArrayList<>(f.instances());
        withLaunch.add(new Instance("o-1", "t1", "s1", 14, 8192, OnHostMaintenance.MIGRATE, null, 0));
        assertThat(runtime.placeOutside(new Fleet(f.hosts(), withLaunch, f.groups(), f.tenants()), 0).placement().host())
                .isEqualTo(2);
        // every effect answered at once, as a well-behaved hypervisor would
        Deque<Effect> todo = new ArrayDeque<>(runtime.approve(1).effects());
        long t = 1;
        while (!todo.isEmpty() && !runtime.settled()) {
            Effect e = todo.poll();
            t++;
            Result r = switch (e) {
                case Effect.StartMove m -> runtime.on(new Input.MoveCompleted(m.moveId(), 1), t);
                case Effect.PatchHost p -> runtime.on(new Input.HostPatched(p.host()), t);
                case Effect.RebootHost rb -> runtime.on(new Input.HostRebooted(rb.host(), "new"), t);
                case Effect.VerifyHost v -> runtime.on(new Input.HostVerified(v.host(), "new"), t);
                case Effect.StartInstance st -> runtime.on(new Input.InstanceStarted(st.instance(), st.host(), st.epoch()), t);
                case Effect.Wakeup w -> runtime.on(new Input.Wakeup(t = Math.max(t, w.atMs()), w.reason()), t);
                default -> null;
            };
            if (r != null) {
                todo.addAll(r.effects());
            }
        }
        assertThat(runtime.currentHost(I1)).as("i-1 never goes to the skipped host b").isNotEqualTo(1);
        assertThat(runtime.state()).isEqualTo(dev.ferry.core.lifecycle.CampaignState.COMPLETED);
        assertThat(runtime.vulnerable(runtime.currentHost(I1))).as("i-1 ends on " + f.host(runtime.currentHost(I1)).id())
                .isFalse();
    }

    // ---------------------------------------------------------------- a step's trial

    @Test
    void aTrialsReservationsHoldRoomInTheTrialOnly() {
        // a1: i-1 and i-2 of 10 cpus / 8 GiB each; s1 and s2 empty
        use(TestFleets.builder().host("a1", "az1", "r1", true).host("s1", "az1", "r2", false).host("s2", "az1", "r3", false)
                .instance("a1", 10, 8192).instance("a1", 10, 8192).problem(TestFleets.simplePolicy()));
        LiveFleet live = state.live();
        Destinations.Trial trial = new Destinations.Trial(live);
        int first = destinations.place(trial, relocate(0, 0), -1);
        assertThat(first).isEqualTo(1);
        trial.reserve(0, first);
        assertThat(trial.freeMilliCpu(1)).isEqualTo(6000);
        assertThat(trial.freeMemoryMiB(1)).isEqualTo(65536 - 8192);
        assertThat(live.freeMilliCpu(1)).as("the live fleet is untouched").isEqualTo(16000);
        assertThat(live.freeMemoryMiB(1)).isEqualTo(65536);
        assertThat(destinations.veto(trial, relocate(1, 0), 1).reason()).isEqualTo(VetoReason.CAPACITY);
        assertThat(destinations.place(trial, relocate(1, 0), -1)).as("s1 is taken in the trial").isEqualTo(2);
        Destinations.Trial forgotten = new Destinations.Trial(live);
        assertThat(forgotten.freeMilliCpu(1)).as("a new trial starts from the live fleet").isEqualTo(16000);
        assertThat(destinations.veto(forgotten, relocate(1, 0), 1)).isNull();
    }

    @Test
    void reservationsOnOneHostAddUpInATrial() {
        use(TestFleets.builder().host("a1", "az1", "r1", true).host("s1", "az1", "r2", false)
                .instance("a1", 4, 8192).instance("a1", 6, 4096).problem(TestFleets.simplePolicy()));
        Destinations.Trial trial = new Destinations.Trial(state.live());
        trial.reserve(0, 1);
        trial.reserve(1, 1);
        assertThat(trial.freeMilliCpu(1)).isEqualTo(16000 - 10000);
        assertThat(trial.freeMemoryMiB(1)).isEqualTo(65536 - 12288);
        assertThat(trial.freeMilliCpu(0)).as("other hosts as the live fleet has them").isEqualTo(16000 - 10000);
    }

    @Test
    void aTrialSeesTheLiveFleetsPhases() {
        Destinations.Trial trial = new Destinations.Trial(state.live());
        walk("s1");
        assertThat(trial.cordoned(S1)).isTrue();
        assertThat(trial.inMaintenance(S1)).isTrue();
        assertThat(trial.vulnerable(A1)).isTrue();
        assertThat(trial.vulnerable(S2)).isFalse();
        assertThat(destinations.place(trial, relocate(I1, A1), -1)).isEqualTo(S2);
    }

    // ---------------------------------------------------------------- rescues and launches

    @Test
    void aRescueMayLandOnAFailedHostThatIsUpButOnlyInItsZoneAndWithRoom() {
        // az1: a1 (lost, i-1), b1 (affected, came back unpatched: failed, cordoned, vulnerable), b3 (same, but full);
        // az2: b2 (same as b1)
        use(TestFleets.builder().host("a1", "az1", "r1", true).host("b1", "az1", "r2", true).host("b2", "az2", "r3", true)
                .host("b3", "az1", "r4", true).instance("a1", 4, 8192).instance("b3", 14, 8192)
                .problem(TestFleets.simplePolicy()));
        for (String h : List.of("b1", "b2", "b3")) {
            walk(h, HostPhase.DRAINING);
            apply(new Fact.HostFailed(h, Fact.HostFailure.CAME_BACK_UNPATCHED, "old"));
        }
        assertThat(destinations.place(bootstrap(I1, 0), -1)).as("never by the standard filters").isEqualTo(-1);
        Placement p = destinations.rescueOnto(bootstrap(I1, 0), IntStream.of(2, 3, 1).iterator());
        assertThat(p.host()).isEqualTo(1);
        Placement none = destinations.rescueOnto(bootstrap(I1, 0), IntStream.of(2, 3).iterator());
        assertThat(none.found()).isFalse();
        assertThat(none.vetoes()).isEqualTo(Map.of(VetoReason.OTHER_ZONE, 1, VetoReason.CAPACITY, 1));
    }

    /** A launch: the campaign's fleet with o-1 appended as its last instance. */
    private static Fleet withLaunch(Fleet fleet, String group) {
        List<Instance> instances = new ArrayList<>(fleet.instances());
        instances.add(new Instance("o-1", "t1", fleet.host(0).id(), 2, 4096, OnHostMaintenance.MIGRATE, group, 0));
        return new Fleet(fleet.hosts(), instances, fleet.groups(), fleet.tenants());
    }

    @Test
    void aLaunchGoesToTheEmptiestSafeHostOfAnyZone() {
        // az1: a1 (affected, i-1 8 GiB), a2 (affected, empty), s1 (i-2 32 GiB), s2 cordoned; az2: z1 (empty).
        // a2 and z1 tie on free memory, a2 comes first but is vulnerable.
        use(TestFleets.builder().host("a1", "az1", "r1", true).host("a2", "az1", "r2", true).host("s1", "az1", "r3", false)
                .host("s2", "az1", "r4", false, 16, 65536, "skylake", true, HostState.CORDONED).host("z1", "az2", "r5", false)
                .instance("a1", 4, 8192).instance("s1", 8, 32768).problem(TestFleets.simplePolicy()));
        Placement p = destinations.outside(withLaunch(state.live().fleet(), null));
        assertThat(p.host()).isEqualTo(4);
    }

    @Test
    void aLaunchKeepsAwayFromItsGroupsOtherMembers() {
        // free memory: s1 48 GiB, s2 63 GiB (holds i-2 of group g, host anti-affinity), s3 62 GiB
        use(TestFleets.builder().host("s1", "az1", "r1", false).host("s2", "az1", "r2", false).host("s3", "az1", "r3", false)
                .group("g", AntiAffinity.HOST, 1)
                .instance("s1", 2, 16384).instance("s2", 1, 1024, OnHostMaintenance.MIGRATE, "g").instance("s3", 1, 2048)
                .problem(TestFleets.simplePolicy()));
        assertThat(destinations.outside(withLaunch(state.live().fleet(), null)).host()).as("without a group").isEqualTo(1);
        assertThat(destinations.outside(withLaunch(state.live().fleet(), "g")).host()).isEqualTo(2);
    }

    @Test
    void aRefusedLaunchSaysWhyEachHostWasRefused() {
        // a1 affected (vulnerable), s1 cordoned by its step, s2 full
        use(TestFleets.builder().host("a1", "az1", "r1", true).host("s1", "az1", "r2", false).host("s2", "az1", "r3", false)
                .instance("s2", 15, 8192).problem(TestFleets.simplePolicy()));
        walk("s1");
        Placement p = destinations.outside(withLaunch(state.live().fleet(), null));
        assertThat(p.found()).isFalse();
        assertThat(p.vetoes()).isEqualTo(Map.of(VetoReason.VULNERABLE, 1, VetoReason.CORDONED, 1, VetoReason.CAPACITY, 1));
    }
}
