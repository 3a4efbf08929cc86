package dev.ferry.core.planner;

import dev.ferry.core.admission.GroupBudgets;
import dev.ferry.core.admission.Refusal;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Group;
import dev.ferry.core.model.Host;
import dev.ferry.core.model.Policy;
import dev.ferry.core.scheduler.HostScorer;
import dev.ferry.core.scheduler.Placement;
import dev.ferry.core.scheduler.PlacementRequest;
import dev.ferry.core.scheduler.Scheduler;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Tries to empty one host at one planned instant: finds a destination for every occupant through
 * the {@link Scheduler}, checks group budgets and notice, and either commits (the host enters
 * maintenance, the moves are applied to the {@link PlanningState}) or leaves the state exactly as
 * it was and says why. Shared by both strategies; not thread-safe.
 */
final class Drainer {
    /**
     * Candidates read per placement before answering "not now". Candidates come from an index in
     * the scorer's order (most free memory first for SPREAD, least for PACK), so the first host that
     * passes every filter is the scorer's choice among those scanned.
     */
    static final int SCAN_LIMIT = 48;

    /** How far a strategy may deviate from the ideal to make progress. Each level allows what the previous did. */
    enum Mode {
        /** Classified kinds, destinations patched or never affected. */
        NORMAL,
        /** Also destinations that are still vulnerable (marked bootstrap; the instance moves again later). */
        BOOTSTRAP,
        /** Also relocate an instance that cannot be live-migrated anywhere right now. */
        FALLBACK,
        /** Also reboot in place an instance that no host in its zone can take. */
        LAST_RESORT
    }

    /**
     * A committed start: the moves are applied and the host is in maintenance.
     *
     * @param hold the group budget its disruptions hold, given back when the step ends
     */
    record Started(List<Move> moves, long durationSeconds, GroupBudgets.Hold hold) {
    }

    private final PlanningProblem problem;
    private final Fleet fleet;
    private final Policy policy;
    private final Classification cls;
    private final PlanningState state;
    private final Scheduler scheduler;
    private final GroupBudgets budgets;
    private final long noticeSeconds;
    private Refusal lastFailure;

    Drainer(PlanningProblem problem, Classification cls, PlanningState state, Scheduler scheduler) {
        this.problem = problem;
        this.fleet = problem.fleet();
        this.policy = problem.policy();
        this.cls = cls;
        this.state = state;
        this.scheduler = scheduler;
        this.budgets = new GroupBudgets(fleet);
        this.noticeSeconds = policy.notice().toSeconds();
    }

    /** Why the last {@link #tryStart} failed. */
    Refusal lastFailure() {
        return lastFailure;
    }

    /**
     * A reason this host can never be done whatever else happens, from the classification alone:
     * a group whose budget is smaller than its members on the host that must be disrupted. Null when none.
     */
    String neverPossible(int host) {
        if (!problem.advisory().requiresReboot()) {
            return null;
        }
        Map<Integer, List<Integer>> disrupted = new HashMap<>();
        for (int k = 0; k < fleet.instanceCountOn(host); k++) {
            int i = fleet.instanceOn(host, k);
            int g = fleet.groupOf(i);
            if (g >= 0 && cls.kind(i).disruptive()) {
                disrupted.computeIfAbsent(g, x -> new ArrayList<>()).add(i);
            }
        }
        for (Map.Entry<Integer, List<Integer>> e : disrupted.entrySet()) {
            Group group = fleet.groups().get(e.getKey());
            if (e.getValue().size() > group.maxUnavailable()) {
                int i = e.getValue().get(0);
                String why = cls.reason(i) != null ? cls.reason(i)
                        : "onHostMaintenance: " + fleet.instance(i).onHostMaintenance().wireName();
                return "group " + group.id() + " (tenant " + group.tenant() + ") allows maxUnavailable: "
                        + group.maxUnavailable() + " but instance " + fleet.instance(i).id()
                        + " on this host cannot be live-migrated (" + why + ")";
            }
        }
        return null;
    }

    /**
     * Skips a host that can never be done ({@link #neverPossible}): adds it to {@code skipped} and
     * takes it out of the destinations for good. Returns true when it was skipped.
     */
    boolean skipIfNeverPossible(int host, List<SkippedHost> skipped) {
        String never = neverPossible(host);
        if (never == null) {
            return false;
        }
        skipped.add(new SkippedHost(fleet.host(host).id(), never));
        state.retire(host);
        return true;
    }

    /** True when every occupant would be live-migrated (or there are none): the step needs no notice. */
    boolean liveOnly(int host) {
        if (!problem.advisory().requiresReboot()) {
            return true;
        }
        for (int i : state.occupants(host)) {
            if (cls.kind(i).disruptive()) {
                return false;
            }
        }
        return true;
    }

    /** Tries to start maintenance of {@code host} at {@code t}; null on failure (see {@link #lastFailure()}). */
    Started tryStart(int host, long t, Mode mode) {
        Host source = fleet.host(host);
        state.enterMaintenance(host);
        if (!problem.advisory().requiresReboot()) {
            return new Started(List.of(), DurationModel.stepSeconds(policy, problem.advisory(), new double[0], false, false),
                    new GroupBudgets.Hold());
        }
        int[] occupants = state.occupants(host);
        List<Move> moves = new ArrayList<>(occupants.length);
        int[] movedTo = new int[occupants.length];
        MoveKind[] kinds = new MoveKind[occupants.length];
        String[] reasons = new String[occupants.length];
        double[] live = new double[occupants.length];
        int liveCount = 0;
        boolean relocate = false;
        boolean rip = false;
        Map<Integer, Integer> disruptedGroups = new HashMap<>();
        Refusal failure = null;
        int placed = 0;
        for (; placed < occupants.length; placed++) {
            int i = occupants[placed];
            failure = choose(i, host, source, mode);
            if (failure != null) {
                break;
            }
            MoveKind kind = choice.kind;
            String reason = choice.reason;
            int dest = choice.dest;
            kinds[placed] = kind;
            reasons[placed] = reason;
            movedTo[placed] = dest;
            switch (kind) {
                case LIVE_MIGRATE -> live[liveCount++] = cls.liveSeconds(i);
                case RELOCATE -> relocate = true;
                case REBOOT_IN_PLACE -> rip = true;
            }
            if (kind.disruptive() && fleet.groupOf(i) >= 0) {
                disruptedGroups.merge(fleet.groupOf(i), 1, Integer::sum);
            }
            boolean bootstrap = dest != host && state.vulnerable(dest);
            if (dest != host) {
                state.move(i, dest);
            }
            moves.add(new Move(fleet.instance(i).id(), source.id(), fleet.host(dest).id(), kind, bootstrap, reason));
        }
        if (failure == null) {
            failure = budgets.check(disruptedGroups);
        }
        if (failure == null && (relocate || rip) && t < noticeSeconds) {
            failure = Refusal.of(Refusal.Kind.NOTICE, "needs " + noticeSeconds + " s notice");
        }
        if (failure != null) {
            rollBack(host, occupants, movedTo, placed);
            lastFailure = failure;
            return null;
        }
        recordKinds(host, occupants, kinds, reasons);
        GroupBudgets.Hold hold = new GroupBudgets.Hold();
        budgets.take(hold, disruptedGroups);
        double[] liveTimes = java.util.Arrays.copyOf(live, liveCount);
        long duration = DurationModel.stepSeconds(policy, problem.advisory(), liveTimes, relocate, rip);
        return new Started(moves, duration, hold);
    }

    /** Reused by {@link #choose}: how the instance leaves and where it goes. */
    private static final class Choice {
        MoveKind kind;
        String reason;
        int dest;
    }

    private final Choice choice = new Choice();

    /**
     * How instance {@code i} leaves {@code host} in this mode, into {@link #choice}: its classified
     * kind, relocation when no live-capable destination exists (fallback), reboot in place when no
     * destination exists (last resort). The refusal when it cannot leave in this mode, else null.
     */
    private Refusal choose(int i, int host, Host source, Mode mode) {
        MoveKind kind = cls.kind(i);
        String reason = cls.reason(i);
        int dest = host;
        if (kind == MoveKind.LIVE_MIGRATE && !source.liveMigration()) {
            // a bootstrapped instance that was relocated onto a host that cannot live-migrate
            kind = MoveKind.RELOCATE;
            reason = "now on host " + source.id() + ", which cannot live-migrate";
        }
        if (kind != MoveKind.REBOOT_IN_PLACE) {
            boolean wantLive = kind == MoveKind.LIVE_MIGRATE;
            Placement p = place(i, host, wantLive, mode.compareTo(Mode.BOOTSTRAP) >= 0);
            if (!p.found() && wantLive && mode.compareTo(Mode.FALLBACK) >= 0) {
                Placement q = place(i, host, false, true);
                if (q.found()) {
                    kind = MoveKind.RELOCATE;
                    reason = "no live-capable destination in zone " + source.zone() + ": " + p.describe();
                }
                p = q.found() ? q : p;
            }
            if (p.found()) {
                dest = p.host();
            } else if (mode == Mode.LAST_RESORT) {
                kind = MoveKind.REBOOT_IN_PLACE;
                reason = "no host in zone " + source.zone() + " can take it: " + p.describe();
            } else {
                return Refusal.of(Refusal.Kind.NO_ROOM, "instance " + fleet.instance(i).id() + ": " + p.describe());
            }
        }
        choice.kind = kind;
        choice.reason = reason;
        choice.dest = dest;
        return null;
    }

    /** Puts the instances moved so far back on the host and takes it out of maintenance again. */
    private void rollBack(int host, int[] occupants, int[] movedTo, int placed) {
        for (int k = placed - 1; k >= 0; k--) {
            if (movedTo[k] != host) {
                state.move(occupants[k], host);
            }
        }
        state.abortMaintenance(host);
    }

    /**
     * Records kinds decided now that differ from the classification. The classification describes how
     * an instance leaves its snapshot host; a second (post-bootstrap) move from another host does not
     * change it, but an arrival that reboots in place strands load the capacity bound assumed leaves.
     */
    private void recordKinds(int host, int[] occupants, MoveKind[] kinds, String[] reasons) {
        for (int k = 0; k < occupants.length; k++) {
            if (fleet.hostOf(occupants[k]) != host && kinds[k] == MoveKind.REBOOT_IN_PLACE) {
                cls.markStrandedArrival(fleet.zoneOf(host));
            }
            if (fleet.hostOf(occupants[k]) == host && kinds[k] != cls.kind(occupants[k])) {
                cls.reclassify(occupants[k], kinds[k], reasons[k]);
            }
        }
    }

    /** The step has ended: its host is patched and its group budget is given back. */
    void finish(int host, Started started) {
        budgets.releaseAll(started.hold());
        state.leaveMaintenance(host, true);
    }

    private Placement place(int instance, int source, boolean live, boolean allowVulnerable) {
        PlacementRequest request = new PlacementRequest(instance, source, live, allowVulnerable);
        int zone = fleet.zoneOf(source);
        int model = live ? state.liveModel(source) : -1;
        long mem = fleet.instance(instance).memoryMiB();
        boolean spread = scheduler.scorer() == HostScorer.SPREAD;
        Placement p = scheduler.firstAcceptable(state, request, state.candidates(zone, model, mem, false, spread), SCAN_LIMIT);
        if (!p.found() && allowVulnerable) {
            Placement q = scheduler.firstAcceptable(state, request, state.candidates(zone, model, mem, true, spread),
                    SCAN_LIMIT);
            if (q.found() || p.vetoes().isEmpty()) {
                return q;
            }
        }
        return p;
    }
}
