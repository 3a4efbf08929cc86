package dev.ferry.server.engine;

import dev.ferry.core.campaign.CampaignRuntime;
import dev.ferry.core.campaign.Input;
import dev.ferry.core.campaign.Result;
import dev.ferry.core.history.Fact;
import dev.ferry.core.lifecycle.CampaignState;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Instance;
import dev.ferry.core.model.OnHostMaintenance;
import dev.ferry.core.planner.PlanningProblem;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The campaign loop's outside inputs ({@link Command}s from operators, tenants and the inventory):
 * which are refused before they are logged, and what each does to the runtime. Runs on the loop's
 * thread; the same on a replay as in the original run.
 */
final class OutsideInputs {
    /** Records a call's facts, then applies its effects (the engine's {@code record}). */
    interface Recorder {
        void accept(Result result, long timeMs);
    }

    private final PlanningProblem problem;
    private final CampaignRuntime runtime;
    private final long startedWallMs;
    private final double accel;
    private final Recorder record;
    private final AdvisoryView view;

    OutsideInputs(PlanningProblem problem, CampaignRuntime runtime, long startedWallMs, double accel, Recorder record) {
        this.problem = problem;
        this.runtime = runtime;
        this.startedWallMs = startedWallMs;
        this.accel = accel;
        this.record = record;
        this.view = new AdvisoryView(problem.fleet(), problem.advisory());
    }

    /** Commands that are refused before they are logged: the runtime's state does not allow them. */
    String refusal(Command c) {
        CampaignState s = runtime.state();
        return switch (c) {
            case Command.Pause p -> s == CampaignState.RUNNING ? null : "only a running campaign can be paused (it is " + name(s) + ")";
            case Command.Resume r -> s == CampaignState.PAUSED ? null : "only a paused campaign can be resumed (it is " + name(s) + ")";
            case Command.Abort a -> runtime.finished() ? "the campaign has ended (" + name(s) + ")" : null;
            case Command.TenantNow n -> problem.fleet().instanceIndex(n.instance()) < 0 ? "no such instance" : null;
            case Command.TenantReschedule r -> problem.fleet().instanceIndex(r.instance()) < 0 ? "no such instance" : null;
            case Command.PlaceOutside p -> runtime.finished() ? "the campaign has ended" : null;
            case Command.ReleaseOutside r -> problem.fleet().hostIndex(r.host()) < 0 ? "no such host" : null;
            case Command.TenantLifecycle l -> problem.fleet().instanceIndex(l.instance()) < 0 ? "no such instance" : null;
            case Command.HostDown d -> problem.fleet().hostIndex(d.host()) < 0 ? "no such host" : null;
            case Command.AdvisoryAmended a -> runtime.finished() ? "the campaign has ended" : null;
            case Command.HostVersion v -> problem.fleet().hostIndex(v.host()) < 0 ? "no such host" : null;
        };
    }

    private static String name(CampaignState s) {
        return s.name().toLowerCase(Locale.ROOT);
    }

    private long toVirtual(Command c) {
        return c instanceof Command.TenantReschedule r ? (long) ((r.notBeforeWallMs() - startedWallMs) * accel) : 0;
    }

    /** Applies an outside input: accepted (for a placement, with the host chosen), or refused with the runtime's reason. */
    Command.Outcome apply(Command c, long t) {
        if (c instanceof Command.PlaceOutside p) {
            return placeOutside(p, t);
        }
        if (c instanceof Command.AdvisoryAmended a) {
            return changes(view.amended(dev.ferry.server.Advisories.parse(problem.advisory().id(), a.document())), t);
        }
        if (c instanceof Command.HostVersion v) {
            return changes(view.reported(problem.fleet().hostIndex(v.host()), v.version()), t);
        }
        Result result = switch (c) {
            case Command.Pause p -> runtime.pause(t);
            case Command.Resume r -> runtime.resume(t);
            case Command.Abort a -> runtime.abort(t, a.reason());
            case Command.TenantNow n -> runtime.on(new Input.TenantMoveNow(problem.fleet().instanceIndex(n.instance())), t);
            case Command.TenantReschedule r -> runtime.on(new Input.TenantReschedule(problem.fleet().instanceIndex(r.instance()),
                    Math.max(t, toVirtual(r))), t);
            case Command.PlaceOutside p -> throw new IllegalStateException("handled above");
            case Command.ReleaseOutside r -> runtime.releaseOutside(r.instance(), problem.fleet().hostIndex(r.host()),
                    r.cpus() * 1000L, r.memoryMiB(), t);
            case Command.TenantLifecycle l -> runtime.on(lifecycle(problem.fleet().instanceIndex(l.instance()), l.op()), t);
            case Command.HostDown d -> runtime.on(new Input.HostDown(problem.fleet().hostIndex(d.host())), t);
            case Command.AdvisoryAmended a -> throw new IllegalStateException("handled above");
            case Command.HostVersion v -> throw new IllegalStateException("handled above");
        };
        record.accept(result, t);
        Fact.Refused refused = result.refusal();
        if (refused != null) {
            return new Command.Outcome(false, refused.reason().message(), null, refused.reason());
        }
        for (var r : result.facts()) {
            if (r.fact() instanceof Fact.TenantStarted s) {
                return new Command.Outcome(true, "started", s.host()); // where the campaign placed it
            }
        }
        return new Command.Outcome(true, "accepted");
    }

    /** Hosts that join or leave the campaign, one runtime call each; the outcome says how many. */
    private Command.Outcome changes(List<Input> inputs, long t) {
        for (Input in : inputs) {
            record.accept(runtime.on(in, t), t);
        }
        return new Command.Outcome(true, inputs.size() + " hosts change status");
    }

    private static Input lifecycle(int instance, Command.TenantLifecycle.Op op) {
        return switch (op) {
            case STOP -> new Input.TenantStop(instance, false);
            case TERMINATE -> new Input.TenantStop(instance, true);
            case START -> new Input.TenantStart(instance);
            case REBOOT -> new Input.TenantReboot(instance);
        };
    }

    /** The campaign's fleet with the instance appended is what the runtime places it in. */
    private Command.Outcome placeOutside(Command.PlaceOutside p, long t) {
        var fleet = problem.fleet();
        List<Instance> withIt = new ArrayList<>(fleet.instances());
        withIt.add(new Instance(p.instance(), p.tenant(), fleet.host(0).id(), p.cpus(), p.memoryMiB(),
                OnHostMaintenance.MIGRATE, p.group(), 0));
        Fleet candidate;
        try {
            candidate = new Fleet(fleet.hosts(), withIt, fleet.groups(), fleet.tenants());
        } catch (IllegalArgumentException e) {
            return new Command.Outcome(false, e.getMessage()); // the same on a replay: refused again
        }
        Result result = runtime.placeOutside(candidate, t);
        record.accept(result, t);
        var placement = result.placement();
        return placement.found() ? new Command.Outcome(true, "placed", fleet.host(placement.host()).id())
                : new Command.Outcome(false, placement.describe());
    }
}
