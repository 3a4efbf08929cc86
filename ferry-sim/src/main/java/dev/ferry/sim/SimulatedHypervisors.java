package dev.ferry.sim;

import dev.ferry.core.campaign.Effect;
import dev.ferry.core.campaign.Input;
import dev.ferry.core.campaign.Ports;
import dev.ferry.core.history.Actor;
import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.model.Advisory;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Instance;
import dev.ferry.core.model.Policy;
import dev.ferry.core.planner.MigrationModel;
import dev.ferry.core.planner.MoveKind;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Hypervisors in virtual time. They keep the physical truth — which host each instance runs on,
 * at which epoch, which hosts are up and on which version — record it as driver facts, and answer
 * the campaign later through {@code deliver}. Timing models:
 * <ul>
 * <li>live migration: the pre-copy model ({@link MigrationModel}: Clark et al., NSDI 2005) with the
 *     source's bandwidth shared by its migrations in flight, dirty rate and duration noise
 *     (log-normal, σ 0.3 and 0.1), plus the durations' {@code migrationOverhead} (σ 0.25; none unless a
 *     learned model measured it); the source stops only when the destination runs;</li>
 * <li>relocation: stop, then start on the destination after {@code restartMinutes} (σ 0.25);</li>
 * <li>patch and reboot: the policy's minutes (σ 0.2) with a long tail: 3% take four times longer
 *     (an assumption, not fitted to data; see docs/simulator.md);</li>
 * <li>a start with an epoch not newer than the instance's last is refused (fencing);</li>
 * <li>a host that dies ({@link #kill}) takes its guests with it and answers nothing more; moves
 *     to or from it fail, no sooner than the campaign hears that it is down; a host that is the
 *     destination of a relocation being restarted dies once it has landed (what a real driver does
 *     when the destination of a stopped guest dies is not modelled); a fence of a dead host is
 *     answered at once.</li>
 * </ul>
 * Not thread-safe: called from the kernel's thread.
 */
public final class SimulatedHypervisors implements Ports.Driver {
    private final Fleet fleet;
    private final Policy policy;
    private final Advisory advisory;
    private final SimKernel kernel;
    private final SplittableRandom random;
    private final FaultSpec faults;
    private final Ports.Store store;
    private final Consumer<Input> deliver;
    private final int[] runningOn;
    /** Stopped by their tenants (runningOn -1): a tenant's start may run them again. */
    private final BitSet tenantStopped = new BitSet();
    /** The epoch a tenant's start is bringing the instance up at, until it runs. */
    private final Map<Integer, Long> starting = new HashMap<>();
    /** Where each of those is coming up. */
    private final Map<Integer, Integer> startingOn = new HashMap<>();
    /** Intrusive lists of the instances on each host (running, or stopped by its reboot): head per host, next per instance. */
    private final int[] head;
    private final int[] next;
    private final long[] epoch;
    private final int[] migrationsOut;
    private final String[] version;
    /** The version each host's patch installs (the campaign says which). */
    private final String[] installing;
    private final boolean exact;
    /** Hosts that died, and when the campaign hears of it (−1: alive). */
    private final long[] downAt;
    /** Instances that died with their host: a rescue may start them again. */
    private final BitSet lost = new BitSet();
    /** Relocations being restarted on each host, and kills waiting for them to land (−1: none). */
    private final int[] landing;
    private final long[] killWhenLanded;

    public SimulatedHypervisors(Fleet fleet, Policy policy, Advisory advisory, SimKernel kernel, SplittableRandom random,
                                FaultSpec faults, Ports.Store store, Consumer<Input> deliver, boolean exact) {
        this.exact = exact;
        this.fleet = fleet;
        this.policy = policy;
        this.advisory = advisory;
        this.kernel = kernel;
        this.random = random;
        this.faults = faults;
        this.store = store;
        this.deliver = deliver;
        runningOn = new int[fleet.instances().size()];
        epoch = new long[fleet.instances().size()];
        head = new int[fleet.hosts().size()];
        next = new int[fleet.instances().size()];
        java.util.Arrays.fill(head, -1);
        for (int i = 0; i < runningOn.length; i++) {
            runningOn[i] = fleet.hostOf(i);
            epoch[i] = 1;
            link(i, runningOn[i]);
        }
        migrationsOut = new int[fleet.hosts().size()];
        downAt = new long[fleet.hosts().size()];
        java.util.Arrays.fill(downAt, -1);
        landing = new int[fleet.hosts().size()];
        killWhenLanded = new long[fleet.hosts().size()];
        java.util.Arrays.fill(killWhenLanded, -1);
        version = new String[fleet.hosts().size()];
        installing = new String[fleet.hosts().size()];
        for (int h = 0; h < version.length; h++) {
            version[h] = fleet.host(h).hypervisor();
        }
    }

    @Override
    public void apply(Effect effect) {
        switch (effect) {
            case Effect.Cordon c -> {
            }
            case Effect.StartMove m -> startMove(m);
            case Effect.PatchHost p -> {
                installing[p.host()] = p.version();
                laterFrom(p.host(), hostMinutes(policy.durations().patch().toMillis()), new Input.HostPatched(p.host()));
            }
            case Effect.RebootHost r -> reboot(r.host());
            case Effect.VerifyHost v -> verify(v.host());
            case Effect.StartInstance s -> startInstance(s);
            case Effect.StopInstance s -> stopInstance(s);
            case Effect.RebootInstance r -> {
                // the guest resets where it runs: nothing moves, nothing to answer
            }
            case Effect.FenceHost f -> {
                kill(f.host(), 0); // dead already (or, told from outside that it is down, it is taken for dead)
                later(0, new Input.HostFenced(f.host(), Fact.Fence.EPOCHS_SUPERSEDED)); // nothing answers there
            }
            case Effect.Notify n -> throw new IllegalArgumentException("notices go to the notifier");
            case Effect.Wakeup w -> throw new IllegalArgumentException("wake-ups go to the timer");
        }
    }

    private void startMove(Effect.StartMove m) {
        int i = m.instance();
        if (dead(m.from()) || dead(m.to())) {
            failWhenHeard(m, "host " + fleet.host(dead(m.from()) ? m.from() : m.to()).id() + " is down");
            return;
        }
        if (m.epoch() <= epoch[i] || runningOn[i] != m.from()) {
            later(0, new Input.MoveFailed(m.moveId(), "refused: stale epoch " + m.epoch(), false));
            return;
        }
        Instance inst = fleet.instance(i);
        if (m.kind() != MoveKind.LIVE_MIGRATE) {
            relocate(m);
            return;
        }
        int from = m.from();
        migrationsOut[from]++;
        var lm = policy.liveMigrationFor(inst);
        double share = lm.bandwidthMiBps() / Math.max(1, migrationsOut[from]);
        double timeout = lm.timeoutPerGiB().toMillis() / 1000.0 * inst.memoryMiB() / 1024.0;
        boolean nonConverging = random.nextDouble() < faults.nonConverge();
        double dirty = nonConverging ? share * 2
                : exact ? inst.dirtyRateMiBps() : inst.dirtyRateMiBps() * Math.exp(0.3 * random.nextGaussian());
        MigrationModel.Estimate e = MigrationModel.estimate(inst.memoryMiB(), dirty, share, lm.maxDowntime().toMillis(), timeout);
        long ms;
        boolean ok = true;
        String reason = null;
        boolean notConverging = false;
        if (m.postCopy()) {
            ms = noisy((long) (inst.memoryMiB() / share * 1000), 0.1);
        } else if (!e.converges()) {
            ms = (long) (timeout * 1000);
            ok = false;
            notConverging = true;
            reason = "did not converge within " + (long) timeout + " s";
        } else {
            ms = noisy((long) (e.seconds() * 1000), 0.1);
        }
        if (ok && random.nextDouble() < faults.migrationFail()) {
            ok = false;
            ms = (long) (ms * (0.1 + 0.8 * random.nextDouble()));
            reason = "destination died during pre-copy";
        } else if (ok && random.nextDouble() < faults.agentCrash()) {
            ok = false;
            ms = (long) (ms * random.nextDouble()) + 30_000;
            reason = "agent crashed and restarted during the migration";
        }
        long overhead = policy.durations().migrationOverhead().toMillis();
        if (overhead > 0) {
            ms += exact ? overhead : noisy(overhead, 0.25); // preparing the destination, confirming it, stopping the source
        }
        long downtime = m.postCopy() ? 50 : Math.max(1, (long) e.downtimeMs());
        boolean success = ok;
        String why = reason;
        boolean nc = notConverging;
        kernel.at(kernel.now() + ms, () -> {
            migrationsOut[from]--;
            if (dead(from) || dead(m.to())) {
                failWhenHeard(m, "host " + fleet.host(dead(from) ? from : m.to()).id() + " died during the migration");
            } else if (success) {
                // Switchover: the destination is confirmed running, then the source stops.
                fact(new Fact.Stopped(inst.id(), fleet.host(from).id(), epoch[i]));
                unlink(i, from);
                runningOn[i] = -1;
                run(i, m.to(), m.epoch());
                answer(new Input.MoveCompleted(m.moveId(), downtime));
            } else {
                answer(new Input.MoveFailed(m.moveId(), why, nc));
            }
        });
    }

    /** Stop, then start on the destination after the restart time; a destination that died sends it back to its source. */
    private void relocate(Effect.StartMove m) {
        int i = m.instance();
        Instance inst = fleet.instance(i);
        fact(new Fact.Stopped(inst.id(), fleet.host(m.from()).id(), epoch[i]));
        unlink(i, m.from());
        runningOn[i] = -1;
        long ms = noisy(policy.durations().restart().toMillis(), 0.25);
        landing[m.to()]++;
        kernel.at(kernel.now() + ms, () -> {
            run(i, m.to(), m.epoch());
            answer(new Input.MoveCompleted(m.moveId(), ms));
            if (--landing[m.to()] == 0 && killWhenLanded[m.to()] >= 0) {
                long after = killWhenLanded[m.to()];
                killWhenLanded[m.to()] = -1;
                kill(m.to(), after);
            }
        });
    }

    private void reboot(int h) {
        for (int i = head[h]; i >= 0; i = next[i]) {
            if (runningOn[i] == h) {
                fact(new Fact.Stopped(fleet.instance(i).id(), fleet.host(h).id(), epoch[i]));
                runningOn[i] = -2 - h; // stopped by the reboot of h, still on its disk
            }
        }
        if (random.nextDouble() < faults.hostLost()) {
            return; // never comes back; the campaign's reboot timeout notices
        }
        String fixed = installing[h] != null ? installing[h] : advisory.fixedVersionFor(fleet.host(h));
        version[h] = random.nextDouble() < faults.hostUnpatched() ? fleet.host(h).hypervisor() : fixed;
        laterFrom(h, hostMinutes(policy.durations().reboot().toMillis()), new Input.HostRebooted(h, version[h]));
    }

    private void verify(int h) {
        boolean any = false;
        for (int i = head[h]; i >= 0; i = next[i]) {
            any |= runningOn[i] == -2 - h;
        }
        long ms = (exact ? 0 : policy.durations().verify().toMillis()) + (any ? noisy(policy.durations().restart().toMillis(), 0.25) : 0);
        kernel.at(kernel.now() + ms, () -> {
            if (dead(h)) {
                return;
            }
            for (int i = head[h]; i >= 0; i = next[i]) {
                if (runningOn[i] == -2 - h) {
                    run(i, h, epoch[i] + 1);
                }
            }
            answer(new Input.HostVerified(h, version[h]));
        });
    }

    private void startInstance(Effect.StartInstance s) {
        int i = s.instance();
        boolean byTenant = tenantStopped.get(i);
        if (s.epoch() <= epoch[i] || runningOn[i] >= 0 || runningOn[i] == -1 && !byTenant && !lost.get(i) || dead(s.host())) {
            return; // stale, already running, or onto a dead host: refused
        }
        lost.clear(i);
        tenantStopped.clear(i);
        starting.put(i, s.epoch());
        startingOn.put(i, s.host());
        long ms = noisy(policy.durations().restart().toMillis(), 0.25);
        kernel.at(kernel.now() + ms, () -> {
            if (tenantStopped.get(i) || starting.getOrDefault(i, -1L) != s.epoch()) {
                return; // stopped again, started again, or its host died, before it came up
            }
            starting.remove(i);
            startingOn.remove(i);
            run(i, s.host(), s.epoch());
            answer(new Input.InstanceStarted(i, s.host(), s.epoch()));
        });
    }

    /** A tenant's stop (or terminate): the guest stops where it runs; one still starting never comes up. */
    private void stopInstance(Effect.StopInstance s) {
        int i = s.instance();
        if (runningOn[i] >= 0) {
            fact(new Fact.Stopped(fleet.instance(i).id(), fleet.host(runningOn[i]).id(), epoch[i]));
            unlink(i, runningOn[i]);
            runningOn[i] = -1;
        }
        tenantStopped.set(i);
        starting.remove(i);
        startingOn.remove(i);
        answer(new Input.InstanceStopped(i, s.host()));
    }

    /**
     * Host {@code h} dies now with every guest on it; the campaign hears of it {@code heardAfterMs}
     * later ({@link Input.HostDown}).
     */
    public void kill(int h, long heardAfterMs) {
        if (dead(h)) {
            return;
        }
        if (landing[h] > 0) {
            killWhenLanded[h] = heardAfterMs; // once the relocations being restarted here have landed
            return;
        }
        downAt[h] = kernel.now() + heardAfterMs;
        startingOn.entrySet().removeIf(e -> {
            if (e.getValue() == h) {
                starting.remove(e.getKey()); // it never comes up: a rescue may start it
                lost.set(e.getKey());
                return true;
            }
            return false;
        });
        // No stop facts: like an agent that vanished, nothing is heard; the fence stops them in the history.
        for (int i = head[h], n; i >= 0; i = n) {
            n = next[i];
            unlink(i, h);
            runningOn[i] = -1;
            lost.set(i);
        }
        kernel.at(downAt[h], () -> deliver.accept(new Input.HostDown(h)));
    }

    /** A host changed status outside the campaign: one fixed outside it runs its fixed version now. */
    void changed(int h, Input change) {
        if (change instanceof Input.HostLeft left && left.version() != null) {
            version[h] = left.version();
        }
    }

    private boolean dead(int h) {
        return downAt[h] >= 0;
    }

    /** The move fails, answered no sooner than the campaign hears that the host is down (a driver's call times out). */
    private void failWhenHeard(Effect.StartMove m, String reason) {
        long at = Math.max(kernel.now(), Math.max(downAt[m.from()], downAt[m.to()]) + 1);
        kernel.at(at, () -> answer(new Input.MoveFailed(m.moveId(), reason, false)));
    }

    /** An answer from host {@code h}, unless it has died by then. */
    private void laterFrom(int h, long ms, Input input) {
        kernel.at(kernel.now() + ms, () -> {
            if (!dead(h)) {
                answer(input);
            }
        });
    }

    private void run(int i, int h, long newEpoch) {
        if (runningOn[i] <= -2) {
            unlink(i, -2 - runningOn[i]); // a rescue from a lost host
        }
        if (runningOn[i] != h) {
            link(i, h);
        }
        runningOn[i] = h;
        epoch[i] = newEpoch;
        fact(new Fact.Ran(fleet.instance(i).id(), fleet.host(h).id(), newEpoch));
    }

    private void link(int i, int h) {
        next[i] = head[h];
        head[h] = i;
    }

    private void unlink(int i, int h) {
        if (head[h] == i) {
            head[h] = next[i];
            return;
        }
        for (int k = head[h]; k >= 0; k = next[k]) {
            if (next[k] == i) {
                next[k] = next[i];
                return;
            }
        }
    }

    private void later(long ms, Input input) {
        kernel.at(kernel.now() + ms, () -> answer(input));
    }

    /** Delivers an answer, sometimes late or twice when the fault spec says so. */
    private void answer(Input input) {
        if (random.nextDouble() < faults.delay()) {
            kernel.at(kernel.now() + 1_000 + random.nextInt(59_000), () -> deliver.accept(input));
        } else {
            deliver.accept(input);
        }
        if (random.nextDouble() < faults.duplicate()) {
            kernel.at(kernel.now() + 1 + random.nextInt(5_000), () -> deliver.accept(input));
        }
    }

    private long hostMinutes(long baseMs) {
        long ms = noisy(baseMs, 0.2);
        return !exact && random.nextDouble() < 0.03 ? ms * 4 : ms;
    }

    private long noisy(long ms, double sigma) {
        return exact ? ms : Math.max(0, Math.round(ms * Math.exp(sigma * random.nextGaussian())));
    }

    private void fact(Fact f) {
        store.append(new HistoryRecord(kernel.now(), Actor.DRIVER, f));
    }
}
