package dev.ferry.core.planner;

import dev.ferry.core.admission.Refusal;
import dev.ferry.core.admission.Throttle;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Policy;
import dev.ferry.core.scheduler.HostScorer;
import dev.ferry.core.scheduler.Scheduler;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Ferry's planner: a rolling pipeline in planned time. At every instant a step can start (a step
 * ended, the notice period or the soak is over) it starts every host whose preconditions hold —
 * caps, zones at once, notice, group budgets, a destination for every instance on a host that is
 * patched or never was affected — in priority order: empty hosts first (they become destinations),
 * then hosts that need no notice, then the longest. Canary hosts run first, one at a time, then the
 * soak. A zone where nothing runs and nothing can start escalates one host at a time through
 * {@link Drainer.Mode}: bootstrap onto an unpatched host, relocation, reboot in place.
 *
 * <p>Pure: the same problem gives the same plan. Near-linear in hosts and instances.
 */
public final class FerryStrategy implements PlanStrategy {
    /** Failed attempts per zone per instant before the zone waits for the next event. */
    static final int ATTEMPTS_PER_ZONE = 8;
    /** Pending hosts examined when choosing the smallest host to escalate. */
    static final int ESCALATION_WINDOW = 64;

    @Override
    public String name() {
        return "ferry";
    }

    @Override
    public Plan plan(PlanningProblem problem) {
        return new Run(problem).run();
    }

    private static final class Run {
        private final PlanningProblem problem;
        private final Fleet fleet;
        private final Policy policy;
        private final Classification cls;
        private final PlanningState state;
        private final Drainer drainer;
        private final long notice;
        private final List<Step> steps = new ArrayList<>();
        private final List<SkippedHost> skipped = new ArrayList<>();
        private final List<String> affectedHosts = new ArrayList<>();
        private final ZoneQueue[] zones;
        private final PriorityQueue<Running> running =
                new PriorityQueue<>(Comparator.comparingLong(Running::end).thenComparingInt(Running::host));
        private final String[] lastFailure;
        /** The caps, shared with the campaign runtime: hosts in maintenance, per zone, zones at once. */
        private final Throttle throttle;
        private int canariesLeft;
        private boolean canaryPhase;
        private long soakEnd;

        private record Running(int host, long start, long end, Drainer.Started started, boolean canary) {
        }

        Run(PlanningProblem problem) {
            this.problem = problem;
            this.fleet = problem.fleet();
            this.policy = problem.policy();
            this.cls = Classification.of(problem);
            this.state = new PlanningState(fleet, cls, true);
            this.drainer = new Drainer(problem, cls, state, Scheduler.standard(HostScorer.SPREAD));
            this.notice = policy.notice().toSeconds();
            this.lastFailure = new String[fleet.hosts().size()];
            this.throttle = new Throttle(policy, fleet.zones().size());
            this.zones = new ZoneQueue[fleet.zones().size()];
            for (int z = 0; z < zones.length; z++) {
                zones[z] = new ZoneQueue();
            }
            List<Integer> order = new ArrayList<>();
            long[] estimate = new long[fleet.hosts().size()];
            for (int h = 0; h < fleet.hosts().size(); h++) {
                if (!cls.affected(h)) {
                    continue;
                }
                affectedHosts.add(fleet.host(h).id());
                if (drainer.skipIfNeverPossible(h, skipped)) {
                    continue;
                }
                estimate[h] = fleet.instanceCountOn(h) == 0 ? -1 : estimateSeconds(h);
                order.add(h);
            }
            // Empty hosts first (estimate -1), then the longest; ties by index for determinism.
            order.sort(Comparator.<Integer>comparingLong(h -> estimate[h]).reversed().thenComparing(h -> h));
            order.sort(Comparator.comparing((Integer h) -> estimate[h] >= 0));
            for (int h : order) {
                ZoneQueue q = zones[fleet.zoneOf(h)];
                (drainer.liveOnly(h) ? q.live : q.needsNotice).add(h);
                q.remaining += Math.max(0, estimate[h]);
            }
            canariesLeft = Math.min(policy.canaryHosts(), order.size());
            canaryPhase = canariesLeft > 0;
        }

        private long estimateSeconds(int h) {
            double[] live = new double[fleet.instanceCountOn(h)];
            int n = 0;
            boolean relocate = false;
            boolean rip = false;
            for (int k = 0; k < fleet.instanceCountOn(h); k++) {
                int i = fleet.instanceOn(h, k);
                switch (cls.kind(i)) {
                    case LIVE_MIGRATE -> live[n++] = cls.liveSeconds(i);
                    case RELOCATE -> relocate = true;
                    case REBOOT_IN_PLACE -> rip = true;
                }
            }
            return DurationModel.stepSeconds(policy, problem.advisory(), java.util.Arrays.copyOf(live, n), relocate, rip);
        }

        Plan run() {
            long t = 0;
            while (true) {
                complete(t);
                startWhatFits(t);
                boolean pending = anyPending();
                if (running.isEmpty() && !pending) {
                    break;
                }
                long next = Long.MAX_VALUE;
                if (!running.isEmpty()) {
                    next = running.peek().end();
                }
                if (pending && t < notice) {
                    next = Math.min(next, notice);
                }
                if (t < soakEnd) {
                    next = Math.min(next, soakEnd);
                }
                if (next == Long.MAX_VALUE) {
                    skipRemaining();
                    break;
                }
                t = next;
            }
            return PlanAssembler.assemble(problem, "ferry", cls, affectedHosts, steps, skipped);
        }

        private void complete(long t) {
            while (!running.isEmpty() && running.peek().end() <= t) {
                Running r = running.poll();
                drainer.finish(r.host(), r.started());
                throttle.leave(fleet.zoneOf(r.host()));
                if (r.canary() && canaryPhase && canariesLeft == 0) {
                    canaryPhase = false;
                    soakEnd = r.end() + policy.soak().toSeconds();
                }
            }
        }

        private void startWhatFits(long t) {
            if (t < soakEnd) {
                return;
            }
            if (canaryPhase && !running.isEmpty()) {
                return;
            }
            int cap = canaryPhase ? 1 : policy.maxHostsInMaintenance();
            Integer[] order = zoneOrder();
            for (int z : order) {
                if (throttle.inMaintenance() >= cap) {
                    return;
                }
                if (throttle.zoneOpen(z)) {
                    startInZone(z, t, cap);
                }
            }
            for (int z : order) {
                if (throttle.inMaintenance() >= cap) {
                    return;
                }
                // escalation is for a zone where nothing runs and whose turn it may be
                if (throttle.zoneActive(z) || !throttle.zoneOpen(z) || zones[z].isEmpty(t >= notice)) {
                    continue;
                }
                escalate(z, t);
            }
        }

        private Integer[] zoneOrder() {
            Integer[] order = new Integer[zones.length];
            for (int z = 0; z < zones.length; z++) {
                order[z] = z;
            }
            java.util.Arrays.sort(order, Comparator.comparing((Integer z) -> !throttle.zoneActive(z))
                    .thenComparing((Integer z) -> -zones[z].remaining).thenComparing(z -> z));
            return order;
        }

        private void startInZone(int z, long t, int cap) {
            ZoneQueue q = zones[z];
            int failures = 0;
            for (List<Integer> list : t >= notice ? List.of(q.live, q.needsNotice) : List.of(q.live)) {
                for (int k = q.head(list); k < list.size(); k++) {
                    int h = list.get(k);
                    if (h < 0) {
                        continue;
                    }
                    if (!throttle.mayEnter(z, cap) || failures >= ATTEMPTS_PER_ZONE) {
                        return;
                    }
                    if (tryStart(h, t, Drainer.Mode.NORMAL)) {
                        list.set(k, -1);
                        if (canaryPhase) {
                            return;
                        }
                    } else {
                        failures++;
                    }
                }
            }
        }

        /** Nothing runs in the zone and nothing could start: escalate the smallest pending host. */
        private void escalate(int z, long t) {
            ZoneQueue q = zones[z];
            for (Drainer.Mode mode : List.of(Drainer.Mode.BOOTSTRAP, Drainer.Mode.FALLBACK, Drainer.Mode.LAST_RESORT)) {
                List<int[]> window = new ArrayList<>();
                for (List<Integer> list : t >= notice ? List.of(q.live, q.needsNotice) : List.of(q.live)) {
                    for (int k = q.head(list); k < list.size() && window.size() < ESCALATION_WINDOW; k++) {
                        if (list.get(k) >= 0) {
                            window.add(new int[] {list.get(k), k, list == q.live ? 0 : 1});
                        }
                    }
                }
                window.sort(Comparator.<int[]>comparingInt(e -> state.occupants(e[0]).length).thenComparingInt(e -> e[0]));
                for (int[] e : window) {
                    if (tryStart(e[0], t, mode)) {
                        (e[2] == 0 ? q.live : q.needsNotice).set(e[1], -1);
                        return;
                    }
                }
            }
        }

        private boolean tryStart(int h, long t, Drainer.Mode mode) {
            Drainer.Started s = drainer.tryStart(h, t, mode);
            if (s == null) {
                Refusal f = drainer.lastFailure();
                lastFailure[h] = f.message();
                if (f.kind().permanent()) {
                    skipped.add(new SkippedHost(fleet.host(h).id(), f.message()));
                    state.retire(h);
                    ZoneQueue q = zones[fleet.zoneOf(h)];
                    q.remove(h);
                }
                return false;
            }
            boolean canary = canaryPhase;
            if (canary) {
                canariesLeft--;
            }
            long end = t + s.durationSeconds();
            ZoneQueue q = zones[fleet.zoneOf(h)];
            throttle.enter(fleet.zoneOf(h));
            q.remaining -= s.durationSeconds();
            running.add(new Running(h, t, end, s, canary));
            steps.add(new Step(fleet.host(h).id(), fleet.host(h).zone(), t, end, s.moves(), canary));
            return true;
        }

        private boolean anyPending() {
            for (ZoneQueue q : zones) {
                if (!q.isEmpty(true)) {
                    return true;
                }
            }
            return false;
        }

        private void skipRemaining() {
            for (ZoneQueue q : zones) {
                for (List<Integer> list : List.of(q.live, q.needsNotice)) {
                    for (int h : list) {
                        if (h >= 0) {
                            String why = lastFailure[h] != null ? lastFailure[h] : "no step could start";
                            skipped.add(new SkippedHost(fleet.host(h).id(), "could not be emptied: " + why));
                        }
                    }
                }
            }
        }
    }

    /** Pending hosts of one zone in priority order; started ones are replaced by -1. */
    private static final class ZoneQueue {
        final List<Integer> live = new ArrayList<>();
        final List<Integer> needsNotice = new ArrayList<>();
        int liveHead;
        int noticeHead;
        long remaining;

        int head(List<Integer> list) {
            if (list == live) {
                while (liveHead < live.size() && live.get(liveHead) < 0) {
                    liveHead++;
                }
                return liveHead;
            }
            while (noticeHead < needsNotice.size() && needsNotice.get(noticeHead) < 0) {
                noticeHead++;
            }
            return noticeHead;
        }

        boolean isEmpty(boolean includeNotice) {
            return head(live) >= live.size() && (!includeNotice || head(needsNotice) >= needsNotice.size());
        }

        void remove(int h) {
            int k = live.indexOf(h);
            if (k >= 0) {
                live.set(k, -1);
            }
            k = needsNotice.indexOf(h);
            if (k >= 0) {
                needsNotice.set(k, -1);
            }
        }
    }
}
