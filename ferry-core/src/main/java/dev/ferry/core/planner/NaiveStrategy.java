package dev.ferry.core.planner;

import dev.ferry.core.admission.Refusal;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Policy;
import dev.ferry.core.scheduler.HostScorer;
import dev.ferry.core.scheduler.Scheduler;
import java.util.ArrayList;
import java.util.List;

/**
 * The common baseline (what a simple drain script or a maintenance mode does): one host at a
 * time in inventory order, each instance to any host with room in its zone, vulnerable or not.
 * Moves onto unpatched hosts are marked bootstrap, because those instances move again. It keeps the
 * safety rules that do not depend on order (capacity, anti-affinity, notice, budgets, canary soak)
 * so that it is a fair comparison. Pure.
 */
public final class NaiveStrategy implements PlanStrategy {
    @Override
    public String name() {
        return "naive";
    }

    @Override
    public Plan plan(PlanningProblem problem) {
        Fleet fleet = problem.fleet();
        Policy policy = problem.policy();
        Classification cls = Classification.of(problem);
        PlanningState state = new PlanningState(fleet, cls, false);
        Drainer drainer = new Drainer(problem, cls, state, Scheduler.ignoringVulnerability(HostScorer.SPREAD));
        List<String> affected = new ArrayList<>();
        List<Step> steps = new ArrayList<>();
        List<SkippedHost> skipped = new ArrayList<>();
        long notice = policy.notice().toSeconds();
        long t = 0;
        int done = 0;
        for (int h = 0; h < fleet.hosts().size(); h++) {
            if (!cls.affected(h)) {
                continue;
            }
            affected.add(fleet.host(h).id());
            if (drainer.skipIfNeverPossible(h, skipped)) {
                continue;
            }
            Drainer.Started s = drainer.tryStart(h, t, Drainer.Mode.LAST_RESORT);
            if (s == null && drainer.lastFailure().kind() == Refusal.Kind.NOTICE) {
                t = Math.max(t, notice);
                s = drainer.tryStart(h, t, Drainer.Mode.LAST_RESORT);
            }
            if (s == null) {
                skipped.add(new SkippedHost(fleet.host(h).id(), "could not be emptied: " + drainer.lastFailure().message()));
                continue;
            }
            boolean canary = done < policy.canaryHosts();
            long end = t + s.durationSeconds();
            steps.add(new Step(fleet.host(h).id(), fleet.host(h).zone(), t, end, s.moves(), canary));
            drainer.finish(h, s);
            t = end;
            done++;
            if (done == policy.canaryHosts()) {
                t += policy.soak().toSeconds();
            }
        }
        return PlanAssembler.assemble(problem, "naive", cls, affected, steps, skipped);
    }
}
