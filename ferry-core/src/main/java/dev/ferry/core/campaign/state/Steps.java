package dev.ferry.core.campaign.state;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The plan's steps as the campaign carries them out: each {@link StepRun}, those not started
 * ({@link StepQueue}), those in maintenance now, those parked, and the canary phase. Changed by
 * {@link RuntimeState#apply} only; not thread-safe.
 */
public final class Steps {
    final List<StepRun> runs = new ArrayList<>();
    final Map<Integer, StepRun> byHost = new HashMap<>();
    final StepQueue queue;
    final Set<StepRun> active = new LinkedHashSet<>();
    final Set<StepRun> parked = new LinkedHashSet<>();
    int canariesLeft;
    int canariesActive;
    long soakEndMs;

    Steps(StepQueue queue) {
        this.queue = queue;
    }

    /** Every planned step, by position in the plan. */
    public List<StepRun> runs() {
        return Collections.unmodifiableList(runs);
    }

    public StepRun run(int index) {
        return runs.get(index);
    }

    /** The step of a host, or null when the plan has none. */
    public StepRun ofHost(int host) {
        return byHost.get(host);
    }

    public StepQueue queue() {
        return queue;
    }

    /** Steps in maintenance now, in the order they took their slot. */
    public Set<StepRun> active() {
        return Collections.unmodifiableSet(active);
    }

    /** Steps parked until a fallback's notice has run out. */
    public Set<StepRun> parked() {
        return Collections.unmodifiableSet(parked);
    }

    /** Canary steps not started yet. */
    public int canariesLeft() {
        return canariesLeft;
    }

    /** Canary steps in maintenance (not parked) now. */
    public int canariesActive() {
        return canariesActive;
    }

    /** When the soak after the canaries ends (0 before it began). */
    public long soakEndMs() {
        return soakEndMs;
    }

    String describe() {
        StringBuilder sb = new StringBuilder("queue ").append(queue.describe()).append(" active");
        for (StepRun r : active) {
            sb.append(' ').append(r.step.host());
        }
        sb.append(" parked");
        for (StepRun r : parked) {
            sb.append(' ').append(r.step.host());
        }
        sb.append(" canaries ").append(canariesLeft).append('/').append(canariesActive).append(" soak ").append(soakEndMs);
        for (StepRun r : runs) {
            sb.append(' ').append(r.describe());
        }
        return sb.toString();
    }

    /**
     * The host failed: its step is queued or parked no more (it went down before it started or while
     * parked). A canary among them is done: when it was the last, the soak starts at {@code t}.
     */
    void failed(int host, long t, long soakMs) {
        StepRun run = byHost.get(host);
        if (run == null) {
            return;
        }
        boolean canaryDone = false;
        if (queue.queued(run.index)) {
            queue.remove(run.index);
            if (run.step.canary() && canariesLeft > 0) {
                canariesLeft--;
                canaryDone = true;
            }
        }
        if (parked.remove(run) && run.canary) {
            canariesActive--; // a parked canary kept the canary phase open: it ends here
            canaryDone = true;
        }
        if (canaryDone && canariesLeft == 0 && canariesActive == 0) {
            soakEndMs = t + soakMs;
        }
    }

    /** A host needs the campaign no more before its step started: its step leaves the queue as a failed one's. */
    void drop(int host, long t, long soakMs, LiveFleet live, CampaignStats stats) {
        failed(host, t, soakMs);
        live.affect(host, false);
        stats.hostsDropped++;
    }

    /**
     * A host joins the campaign (the amended advisory affects it now): a new step, last in order,
     * moving what runs there now as each instance asks ({@code onHostMaintenance}).
     */
    void join(int host, String fixedVersion, long t, LiveFleet live, CampaignStats stats) {
        live.affect(host, true);
        stats.hostsJoined++;
        var fleet = live.fleet();
        java.util.List<dev.ferry.core.planner.Move> moves = new java.util.ArrayList<>();
        for (int i = 0; i < fleet.instances().size(); i++) {
            if (live.currentHost(i) == host && !live.stopped(i)) {
                String id = fleet.host(host).id();
                moves.add(new dev.ferry.core.planner.Move(fleet.instance(i).id(), id, id,
                        dev.ferry.core.planner.MoveKind.of(fleet.instance(i).onHostMaintenance()), false, "its host joined the campaign"));
            }
        }
        var h = fleet.host(host);
        StepRun run = new StepRun(host, new dev.ferry.core.planner.Step(h.id(), h.zone(), t / 1000, t / 1000, moves, false), runs.size());
        run.fixedVersion = fixedVersion;
        runs.add(run);
        byHost.put(host, run);
        queue.add(run.index, fleet.zoneOf(host));
    }
}
