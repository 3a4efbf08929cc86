package dev.ferry.sim;

import dev.ferry.core.campaign.CampaignRuntime;
import dev.ferry.core.campaign.Input;
import dev.ferry.core.campaign.Result;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Instance;
import dev.ferry.core.planner.PlanningProblem;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
    private final Map<String, Fleet> bySize = new HashMap<>();
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
        if (live.terminated(i) && !launched.isEmpty()) {
            r = terminateLaunched(now); // its tenant has one less: it lets one go of those launched instead
        } else if (u >= 0.90 || live.terminated(i)) {
            r = launch(fleet.instance(i), now);
        } else if (live.stopped(i)) {
            r = runtime.on(new Input.TenantStart(i), now);
        } else if (u < 0.45) {
            r = runtime.on(new Input.TenantReboot(i), now);
        } else if (u < 0.80) {
            r = runtime.on(new Input.TenantStop(i, false), now);
        } else if (!launched.isEmpty() && random.nextBoolean()) {
            r = terminateLaunched(now);
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

    private Result terminateLaunched(long now) {
        Launched l = launched.remove(random.nextInt(launched.size()));
        launchTerminations++;
        return runtime.releaseOutside(l.id(), l.host(), l.milliCpu(), l.memoryMiB(), now);
    }

    /** A launch of an instance like {@code like} (its size), placed by the campaign. */
    private Result launch(Instance like, long now) {
        String id = "launched-" + launches;
        Fleet withIt = bySize.computeIfAbsent(like.cpus() + ":" + like.memoryMiB(), k -> withOneMore(like));
        Instance inst = withIt.instance(withIt.instances().size() - 1);
        Result r = runtime.placeOutside(withIt, id, now);
        if (r.placement().found()) {
            launches++;
            launched.add(new Launched(id, r.placement().host(), inst.milliCpus(), inst.memoryMiB()));
        } else {
            refused++;
        }
        return r;
    }

    /** The campaign's fleet with one more instance of this size, running nowhere yet (one per size: a copy costs the fleet). */
    private Fleet withOneMore(Instance like) {
        Fleet fleet = problem.fleet();
        List<Instance> withIt = new ArrayList<>(fleet.instances());
        withIt.add(new Instance("launch-" + like.cpus() + "x" + like.memoryMiB(), like.tenant(), fleet.host(0).id(), like.cpus(),
                like.memoryMiB(), like.onHostMaintenance(), null, like.dirtyRateMiBps()));
        return new Fleet(fleet.hosts(), withIt, fleet.groups(), fleet.tenants());
    }

    /** What the tenants did; {@code lost} from the invariant checker. */
    SimulationResult.Churn result(int lost) {
        var s = runtime.stats();
        return new SimulationResult.Churn(operations, s.tenantStops(), s.tenantStarts(), s.startsOnPatched(), s.tenantReboots(),
                s.tenantTerminations() + launchTerminations, launches, refused, lost);
    }
}
