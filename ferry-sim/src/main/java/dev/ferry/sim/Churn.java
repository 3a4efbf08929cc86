package dev.ferry.sim;

import dev.ferry.core.campaign.CampaignRuntime;
import dev.ferry.core.campaign.Input;
import dev.ferry.core.campaign.Result;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Instance;
import dev.ferry.core.planner.PlanningProblem;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The simulated tenants' own lifecycle operations ({@link ChurnModel}) during a campaign: each is
 * an input to the same runtime the controller drives (stop, start, reboot, terminate) or a
 * placement outside the plan (a launch), in virtual time, until the campaign ends. Counts what
 * happened. Not thread-safe; runs on the simulation's thread.
 */
final class Churn {
    /** An instance launched during the campaign: where its room is held. */
    private record Launched(String id, int host, long milliCpu, long memoryMiB) {
    }

    private final ChurnModel model;
    private final PlanningProblem problem;
    private final SimKernel kernel;
    private final SplittableRandom random;
    private final CampaignRuntime runtime;
    private final Consumer<Result> apply;
    private final List<Launched> launched = new ArrayList<>();
    private int operations;
    private int refused;
    private int launches;
    private int launchTerminations;

    Churn(ChurnModel model, PlanningProblem problem, SimKernel kernel, SplittableRandom random, CampaignRuntime runtime,
          Consumer<Result> apply) {
        this.model = model;
        this.problem = problem;
        this.kernel = kernel;
        this.random = random;
        this.runtime = runtime;
        this.apply = apply;
    }

    void start() {
        if (model.active() && !problem.fleet().instances().isEmpty()) {
            next();
        }
    }

    private void next() {
        double meanGapMs = 86_400_000.0 / (model.perInstancePerDay() * problem.fleet().instances().size());
        long gap = Math.max(1, Math.round(-Math.log(1 - random.nextDouble()) * meanGapMs));
        kernel.at(kernel.now() + gap, this::operate);
    }

    private void operate() {
        if (runtime.finished()) {
            return; // the campaign has ended: what tenants do now is no longer its business
        }
        operations++;
        Fleet fleet = problem.fleet();
        int i = random.nextInt(fleet.instances().size());
        double u = random.nextDouble();
        long now = kernel.now();
        var live = runtime.view().live();
        Result r;
        if (u >= 0.85 || live.terminated(i)) {
            r = launchOrTerminate(fleet.instance(i), now);
        } else if (live.stopped(i)) {
            r = runtime.on(new Input.TenantStart(i), now);
        } else if (u < 0.45) {
            r = runtime.on(new Input.TenantReboot(i), now);
        } else if (u < 0.80) {
            r = runtime.on(new Input.TenantStop(i, false), now);
        } else {
            r = runtime.on(new Input.TenantStop(i, true), now);
        }
        if (r != null) {
            if (r.refusal() != null) {
                refused++;
            }
            apply.accept(r);
        }
        next();
    }

    /** A launch of an instance like {@code like}, or (one time in four, when there is one) a terminate of an earlier launch. */
    private Result launchOrTerminate(Instance like, long now) {
        if (!launched.isEmpty() && random.nextDouble() < 0.25) {
            Launched l = launched.remove(random.nextInt(launched.size()));
            launchTerminations++;
            return runtime.releaseOutside(l.id(), l.host(), l.milliCpu(), l.memoryMiB(), now);
        }
        Fleet fleet = problem.fleet();
        String id = "launched-" + launches;
        List<Instance> withIt = new ArrayList<>(fleet.instances());
        Instance inst = new Instance(id, like.tenant(), fleet.host(0).id(), like.cpus(), like.memoryMiB(), like.onHostMaintenance(),
                null, like.dirtyRateMiBps());
        withIt.add(inst);
        Result r = runtime.placeOutside(new Fleet(fleet.hosts(), withIt, fleet.groups(), fleet.tenants()), now);
        if (r.placement().found()) {
            launches++;
            launched.add(new Launched(id, r.placement().host(), inst.milliCpus(), inst.memoryMiB()));
        } else {
            refused++;
        }
        return r;
    }

    /** What the tenants did; {@code lost} from the invariant checker. */
    SimulationResult.Churn result(int lost) {
        var s = runtime.stats();
        return new SimulationResult.Churn(operations, s.tenantStops(), s.tenantStarts(), s.startsOnPatched(), s.tenantReboots(),
                s.tenantTerminations() + launchTerminations, launches, refused, lost);
    }
}
