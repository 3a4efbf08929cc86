package dev.ferry.core.verify;

import dev.ferry.core.model.AntiAffinity;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Group;
import dev.ferry.core.model.Host;
import dev.ferry.core.model.Instance;
import dev.ferry.core.model.Policy;
import dev.ferry.core.planner.Move;
import dev.ferry.core.planner.MoveKind;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanningProblem;
import dev.ferry.core.planner.SkippedHost;
import dev.ferry.core.planner.Step;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Replays a plan against the snapshot it was made from and reports every rule it breaks
 * ({@link PlanRule}, docs/safety-rules.md), at the instant it breaks it, each violation starting
 * with the rule's id and name. Written apart from the planner on purpose: it shares only
 * the model and the plan's value types, so a planner bug is not mirrored here. Pure.
 */
public final class PlanVerifier {
    private PlanVerifier() {
    }

    /** Every violation found, as readable sentences; empty when the plan is valid. */
    public static List<String> verify(PlanningProblem problem, Plan plan) {
        return new Replay(problem, plan).run();
    }

    private static final class Replay {
        private final PlanningProblem problem;
        private final Plan plan;
        private final Fleet fleet;
        private final Policy policy;
        private final List<String> violations = new ArrayList<>();
        private final int[] location;
        private final long[] usedCpu;
        private final long[] usedMem;
        private final boolean[] affected;
        private final boolean[] patched;
        private final boolean[] inMaintenance;
        private final int[] disruptedInGroup;
        private final int[] inMaintenancePerZone;
        private final int[] nonBootstrapMoves;
        private final int[] occupants;
        private int inMaintenanceTotal;
        private final Set<String> skipped = new HashSet<>();

        Replay(PlanningProblem problem, Plan plan) {
            this.problem = problem;
            this.plan = plan;
            this.fleet = problem.fleet();
            this.policy = problem.policy();
            plan.skippedHosts().forEach(k -> skipped.add(k.host()));
            int hosts = fleet.hosts().size();
            location = new int[fleet.instances().size()];
            usedCpu = new long[hosts];
            usedMem = new long[hosts];
            affected = new boolean[hosts];
            patched = new boolean[hosts];
            inMaintenance = new boolean[hosts];
            disruptedInGroup = new int[fleet.groups().size()];
            inMaintenancePerZone = new int[fleet.zones().size()];
            nonBootstrapMoves = new int[fleet.instances().size()];
            occupants = new int[hosts];
            for (int i = 0; i < location.length; i++) {
                Instance inst = fleet.instance(i);
                location[i] = fleet.hostIndex(inst.host());
                usedCpu[location[i]] += inst.cpus() * 1000L;
                usedMem[location[i]] += inst.memoryMiB();
                occupants[location[i]]++;
            }
            for (int h = 0; h < hosts; h++) {
                affected[h] = problem.advisory().affects(fleet.host(h));
            }
        }

        private void violate(PlanRule rule, String message) {
            violations.add(rule.label() + ": " + message);
        }

        List<String> run() {
            checkCoverage();
            List<Step> steps = new ArrayList<>(plan.steps());
            // Events: ends (kind 0) before starts (kind 1) at the same instant, since steps are [start, end).
            List<long[]> events = new ArrayList<>();
            for (int s = 0; s < steps.size(); s++) {
                Step step = steps.get(s);
                if (step.end() < step.start()) {
                    violate(PlanRule.STEP, "step " + step.host() + " ends before it starts");
                }
                events.add(new long[] {step.start(), 1, s});
                events.add(new long[] {step.end(), 0, s});
            }
            events.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0])
                    : a[1] != b[1] ? Long.compare(a[1], b[1]) : Long.compare(a[2], b[2]));
            checkCanaries(steps);
            for (long[] e : events) {
                Step step = steps.get((int) e[2]);
                int h = fleet.hostIndex(step.host());
                if (h < 0) {
                    violate(PlanRule.COVERAGE, "step for unknown host " + step.host());
                    continue;
                }
                if (e[1] == 1) {
                    start(step, h);
                } else {
                    end(step, h);
                }
            }
            checkEveryInstanceHandled();
            checkSummary(steps);
            return violations;
        }

        private void checkCoverage() {
            Set<String> expected = new HashSet<>();
            for (int h = 0; h < fleet.hosts().size(); h++) {
                if (affected[h]) {
                    expected.add(fleet.host(h).id());
                }
            }
            if (!expected.equals(new HashSet<>(plan.affectedHosts()))) {
                violate(PlanRule.COVERAGE, "affectedHosts lists " + plan.affectedHosts().size() + " hosts, the advisory affects "
                        + expected.size());
            }
            Map<String, Integer> seen = new HashMap<>();
            for (Step s : plan.steps()) {
                seen.merge(s.host(), 1, Integer::sum);
            }
            for (SkippedHost s : plan.skippedHosts()) {
                seen.merge(s.host(), 1, Integer::sum);
            }
            for (String h : expected) {
                Integer n = seen.get(h);
                if (n == null) {
                    violate(PlanRule.COVERAGE, "affected host " + h + " is neither planned nor skipped");
                } else if (n > 1) {
                    violate(PlanRule.COVERAGE, "host " + h + " is planned " + n + " times");
                }
            }
            for (String h : seen.keySet()) {
                if (!expected.contains(h)) {
                    violate(PlanRule.COVERAGE, "host " + h + " is planned but not affected");
                }
            }
        }

        private void checkCanaries(List<Step> steps) {
            int k = Math.min(policy.canaryHosts(), steps.size());
            if (k == 0) {
                return;
            }
            List<Step> byStart = new ArrayList<>(steps);
            byStart.sort((a, b) -> Long.compare(a.start(), b.start()));
            long canaryEnd = 0;
            for (int c = 0; c < k; c++) {
                Step canary = byStart.get(c);
                for (Step other : steps) {
                    if (other != canary && other.start() < canary.end() && canary.start() < other.end()) {
                        violate(PlanRule.CANARIES, "canary " + canary.host() + " is not alone: " + other.host() + " overlaps it");
                        break;
                    }
                }
                canaryEnd = Math.max(canaryEnd, canary.end());
            }
            for (int s = k; s < byStart.size(); s++) {
                if (byStart.get(s).start() < canaryEnd + policy.soak().toSeconds()) {
                    violate(PlanRule.CANARIES, "host " + byStart.get(s).host() + " starts at " + byStart.get(s).start()
                            + " s, before the canaries' soak ends at " + (canaryEnd + policy.soak().toSeconds()) + " s");
                    break;
                }
            }
        }

        private void start(Step step, int h) {
            long t = step.start();
            Host host = fleet.host(h);
            int zone = fleet.zoneOf(h);
            if (!affected[h]) {
                violate(PlanRule.COVERAGE, "t=" + t + ": host " + host.id() + " is not affected");
            }
            if (inMaintenance[h]) {
                violate(PlanRule.CAPS, "t=" + t + ": host " + host.id() + " enters maintenance twice");
            }
            inMaintenance[h] = true;
            inMaintenanceTotal++;
            if (inMaintenancePerZone[zone]++ == 0 && zonesInMaintenance() > policy.zonesAtOnce()) {
                violate(PlanRule.CAPS, "t=" + t + ": " + zonesInMaintenance() + " zones in maintenance, zonesAtOnce is "
                        + policy.zonesAtOnce());
            }
            if (inMaintenanceTotal > policy.maxHostsInMaintenance()) {
                violate(PlanRule.CAPS, "t=" + t + ": " + inMaintenanceTotal + " hosts in maintenance, maxHostsInMaintenance is "
                        + policy.maxHostsInMaintenance());
            }
            if (inMaintenancePerZone[zone] > policy.maxHostsPerZone()) {
                violate(PlanRule.CAPS, "t=" + t + ": " + inMaintenancePerZone[zone] + " hosts in maintenance in zone "
                        + host.zone() + ", maxHostsPerZone is " + policy.maxHostsPerZone());
            }
            long minimum = policy.durations().patch().toSeconds()
                    + (problem.advisory().requiresReboot() ? policy.durations().reboot().toSeconds() : 0);
            if (step.end() - step.start() < minimum) {
                violate(PlanRule.STEP, "step " + host.id() + " lasts " + (step.end() - step.start()) + " s, less than patch"
                        + (problem.advisory().requiresReboot() ? " + reboot " : " ") + minimum + " s");
            }
            if (!problem.advisory().requiresReboot() && !step.moves().isEmpty()) {
                violate(PlanRule.STEP, "step " + host.id() + " moves instances although the patch needs no reboot");
            }
            Set<Integer> handled = new HashSet<>();
            for (Move m : step.moves()) {
                move(step, h, m, handled);
            }
            long stayed = step.moves().stream().filter(m -> m.kind() == MoveKind.REBOOT_IN_PLACE).count();
            if (problem.advisory().requiresReboot() && occupants[h] != stayed) {
                for (int i = 0; i < location.length; i++) {
                    if (location[i] == h && !handled.contains(i)) {
                        violate(PlanRule.HANDLED_ONCE, "t=" + t + ": instance " + fleet.instance(i).id() + " is left on " + host.id()
                                + " without a move");
                    }
                }
            }
        }

        private void move(Step step, int h, Move m, Set<Integer> handled) {
            long t = step.start();
            int i = fleet.instanceIndex(m.instance());
            int to = fleet.hostIndex(m.to());
            if (i < 0 || to < 0) {
                violate(PlanRule.HANDLED_ONCE, "t=" + t + ": move of unknown instance or to unknown host: " + m);
                return;
            }
            Instance inst = fleet.instance(i);
            if (!handled.add(i)) {
                violate(PlanRule.HANDLED_ONCE, "t=" + t + ": instance " + inst.id() + " moved twice in one step");
            }
            if (location[i] != h || !m.from().equals(step.host())) {
                violate(PlanRule.HANDLED_ONCE, "t=" + t + ": instance " + inst.id() + " is on " + fleet.host(location[i]).id()
                        + ", not on " + step.host());
                return;
            }
            if (m.kind().disruptive() && t < policy.notice().toSeconds()) {
                violate(PlanRule.NOTICE, "t=" + t + ": " + m.kind().wireName() + " of " + inst.id() + " before the "
                        + policy.notice().toSeconds() + " s notice");
            }
            int g = fleet.groupOf(i);
            if (m.kind().disruptive() && g >= 0) {
                Group group = fleet.groups().get(g);
                if (++disruptedInGroup[g] > group.maxUnavailable()) {
                    violate(PlanRule.GROUP_BUDGET, "t=" + t + ": group " + group.id() + " has " + disruptedInGroup[g]
                            + " members disrupted, maxUnavailable is " + group.maxUnavailable());
                }
            }
            if (m.kind() == MoveKind.REBOOT_IN_PLACE) {
                if (to != h) {
                    violate(PlanRule.DESTINATION, "t=" + t + ": reboot-in-place of " + inst.id() + " names another host " + m.to());
                }
                return;
            }
            Host dest = fleet.host(to);
            Host src = fleet.host(h);
            boolean vulnerable = affected[to] && !patched[to];
            if (to == h) {
                violate(PlanRule.DESTINATION, "t=" + t + ": " + m.kind().wireName() + " of " + inst.id() + " to its own host");
            }
            if (fleet.zoneOf(to) != fleet.zoneOf(h)) {
                violate(PlanRule.DESTINATION, "t=" + t + ": " + inst.id() + " leaves zone " + src.zone() + " for " + dest.zone());
            }
            if (inMaintenance[to]) {
                violate(PlanRule.DESTINATION, "t=" + t + ": " + inst.id() + " moved to " + dest.id() + ", which is in maintenance");
            }
            if (dest.cordoned()) {
                violate(PlanRule.DESTINATION, "t=" + t + ": " + inst.id() + " moved to cordoned " + dest.id());
            }
            if (vulnerable != m.bootstrap()) {
                violate(PlanRule.DESTINATION, "t=" + t + ": " + inst.id() + " moved to " + dest.id() + " which is "
                        + (vulnerable ? "vulnerable" : "safe") + " but bootstrap is " + m.bootstrap());
            }
            if (m.kind() == MoveKind.LIVE_MIGRATE
                    && (!src.liveMigration() || !dest.liveMigration() || !src.cpuModel().equals(dest.cpuModel()))) {
                violate(PlanRule.LIVE_MIGRATION, "t=" + t + ": live migration of " + inst.id() + " between incompatible hosts "
                        + src.id() + " and " + dest.id());
            }
            if (!m.bootstrap()) {
                nonBootstrapMoves[i]++;
            }
            usedCpu[h] -= inst.cpus() * 1000L;
            usedMem[h] -= inst.memoryMiB();
            usedCpu[to] += inst.cpus() * 1000L;
            usedMem[to] += inst.memoryMiB();
            location[i] = to;
            occupants[h]--;
            occupants[to]++;
            if (usedCpu[to] > Math.round(dest.cpus() * dest.cpuAllocationRatio() * 1000.0) || usedMem[to] > dest.memoryMiB()) {
                violate(PlanRule.CAPACITY, "t=" + t + ": host " + dest.id() + " over capacity after " + inst.id() + " arrives ("
                        + usedCpu[to] / 1000.0 + " cpus, " + usedMem[to] + " MiB)");
            }
            if (g >= 0) {
                checkAntiAffinity(t, i, g, to);
            }
        }

        private void checkAntiAffinity(long t, int i, int g, int to) {
            Group group = fleet.groups().get(g);
            if (group.antiAffinity() == AntiAffinity.NONE) {
                return;
            }
            for (int j : fleet.membersOf(g)) {
                if (j == i) {
                    continue;
                }
                int other = location[j];
                boolean clash = switch (group.antiAffinity()) {
                    case HOST -> other == to;
                    case RACK -> same(fleet.host(other).rack(), fleet.host(to).rack(), other, to)
                            && fleet.zoneOf(other) == fleet.zoneOf(to);
                    case ZONE -> fleet.zoneOf(other) == fleet.zoneOf(to);
                    case NONE -> false;
                };
                if (clash) {
                    violate(PlanRule.ANTI_AFFINITY, "t=" + t + ": " + fleet.instance(i).id() + " joins " + fleet.instance(j).id()
                            + " of group " + group.id() + " in the same " + group.antiAffinity().wireName());
                }
            }
        }

        private static boolean same(String rackA, String rackB, int hostA, int hostB) {
            if (rackA == null || rackB == null) {
                return hostA == hostB;
            }
            return rackA.equals(rackB);
        }

        private void end(Step step, int h) {
            inMaintenance[h] = false;
            patched[h] = true;
            inMaintenanceTotal--;
            inMaintenancePerZone[fleet.zoneOf(h)]--;
            for (Move m : step.moves()) {
                int i = fleet.instanceIndex(m.instance());
                if (i >= 0 && m.kind().disruptive() && fleet.groupOf(i) >= 0) {
                    disruptedInGroup[fleet.groupOf(i)]--;
                }
            }
        }

        private int zonesInMaintenance() {
            int n = 0;
            for (int c : inMaintenancePerZone) {
                if (c > 0) {
                    n++;
                }
            }
            return n;
        }

        private void checkEveryInstanceHandled() {
            int[] handled = new int[location.length];
            for (Step s : plan.steps()) {
                for (Move m : s.moves()) {
                    int i = fleet.instanceIndex(m.instance());
                    if (i >= 0) {
                        handled[i]++;
                    }
                }
            }
            for (int i = 0; i < location.length; i++) {
                Host initial = fleet.host(fleet.hostOf(i));
                if (nonBootstrapMoves[i] > 1) {
                    violate(PlanRule.HANDLED_ONCE, "instance " + fleet.instance(i).id() + " is moved " + nonBootstrapMoves[i]
                            + " times onto safe hosts");
                }
                if (problem.advisory().requiresReboot() && affected[fleet.hostOf(i)] && !skipped.contains(initial.id())
                        && handled[i] == 0) {
                    violate(PlanRule.HANDLED_ONCE, "instance " + fleet.instance(i).id() + " on affected host " + initial.id()
                            + " is never handled");
                }
            }
        }

        private void checkSummary(List<Step> steps) {
            long makespan = steps.stream().mapToLong(Step::end).max().orElse(0);
            if (plan.summary().makespanSeconds() != makespan) {
                violate(PlanRule.SUMMARY, "summary makespan " + plan.summary().makespanSeconds() + " s, steps end at " + makespan);
            }
            if (plan.summary().lowerBoundSeconds() > makespan) {
                violate(PlanRule.SUMMARY, "lower bound " + plan.summary().lowerBoundSeconds() + " s exceeds makespan " + makespan + " s");
            }
            long[] kinds = new long[MoveKind.values().length];
            long bootstrap = 0;
            for (Step s : steps) {
                for (Move m : s.moves()) {
                    kinds[m.kind().ordinal()]++;
                    bootstrap += m.bootstrap() ? 1 : 0;
                }
            }
            long[] reported = {plan.summary().liveMigrations(), plan.summary().relocations(), plan.summary().rebootsInPlace()};
            if (!Arrays.equals(kinds, reported) || bootstrap != plan.summary().bootstrapMoves()) {
                violate(PlanRule.SUMMARY, "summary counts " + Arrays.toString(reported) + " + " + plan.summary().bootstrapMoves()
                        + " bootstrap differ from the steps' " + Arrays.toString(kinds) + " + " + bootstrap);
            }
        }
    }
}
