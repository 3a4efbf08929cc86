package dev.ferry.core.campaign.state;

import dev.ferry.core.lifecycle.HostPhase;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Instance;
import dev.ferry.core.scheduler.PlacementView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * The campaign's view of the fleet as it is now (not as planned): where each instance runs and at
 * which placement epoch, free capacity counting the reservations of moves in flight and room held
 * for instances outside the plan, each host's phase, which hosts are patched. Changed only by
 * {@link RuntimeState#apply}; read by the scheduler's filters. Not thread-safe.
 */
public final class LiveFleet implements PlacementView {
    private final Fleet fleet;
    private final boolean[] affected;
    private final int[] instanceHost;
    private final long[] epoch;
    private final long[] freeCpu;
    private final long[] freeMem;
    private final HostPhase[] phase;
    private final boolean[] patched;
    /** Stopped by its tenant (its room given back; {@link #currentHost} is where it last ran). */
    private final BitSet stopped = new BitSet();
    private final BitSet terminated = new BitSet();
    /** Stopped by its tenant, still holding its room until the hypervisor has answered. */
    private final BitSet stopping = new BitSet();
    /** Started by its tenant, not yet running (the hypervisor has not answered). */
    private final BitSet starting = new BitSet();
    /** Hosts that went down: nothing is placed there any more. */
    private final BitSet down = new BitSet();
    /** Down hosts that are fenced: their instances may start elsewhere. */
    private final BitSet fenced = new BitSet();
    private final List<List<Integer>> zoneHosts = new ArrayList<>();
    private final int[] zonePosition;

    LiveFleet(Fleet fleet, boolean[] affected) {
        this.fleet = fleet;
        this.affected = affected;
        int hosts = fleet.hosts().size();
        instanceHost = new int[fleet.instances().size()];
        epoch = new long[fleet.instances().size()];
        freeCpu = new long[hosts];
        freeMem = new long[hosts];
        phase = new HostPhase[hosts];
        patched = new boolean[hosts];
        for (int z = 0; z < fleet.zones().size(); z++) {
            zoneHosts.add(new ArrayList<>());
        }
        zonePosition = new int[hosts];
        for (int h = 0; h < hosts; h++) {
            zonePosition[h] = zoneHosts.get(fleet.zoneOf(h)).size();
            freeCpu[h] = fleet.host(h).milliCpuCapacity() - fleet.usedMilliCpu(h);
            freeMem[h] = fleet.host(h).memoryMiB() - fleet.usedMemoryMiB(h);
            phase[h] = HostPhase.WAITING;
            zoneHosts.get(fleet.zoneOf(h)).add(h);
        }
        for (int i = 0; i < instanceHost.length; i++) {
            instanceHost[i] = fleet.hostOf(i);
            epoch[i] = 1;
        }
    }

    @Override
    public Fleet fleet() {
        return fleet;
    }

    @Override
    public int currentHost(int instance) {
        return instanceHost[instance];
    }

    /**
     * Cordoned in the inventory, or by the campaign: from the start of its step until it returns, for
     * good when it failed, and for good when the campaign skips it (it is never patched, so nothing
     * may be placed there, not even a bootstrap), and for good when it went down.
     */
    @Override
    public boolean cordoned(int host) {
        return fleet.host(host).cordoned() || (phase[host] != HostPhase.WAITING && phase[host] != HostPhase.RETURNED) || down.get(host);
    }

    /** The host went down ({@link dev.ferry.core.history.Fact.HostDown}). */
    public boolean down(int host) {
        return down.get(host);
    }

    /** The down host is fenced ({@link dev.ferry.core.history.Fact.HostFenced}). */
    public boolean fenced(int host) {
        return fenced.get(host);
    }

    @Override
    public boolean inMaintenance(int host) {
        return phase[host].inMaintenance();
    }

    @Override
    public boolean vulnerable(int host) {
        return affected[host] && !patched[host];
    }

    @Override
    public long freeMilliCpu(int host) {
        return freeCpu[host];
    }

    @Override
    public long freeMemoryMiB(int host) {
        return freeMem[host];
    }

    public boolean affected(int host) {
        return affected[host];
    }

    public HostPhase phase(int host) {
        return phase[host];
    }

    /** The instance's placement epoch: raised by every start and switch-over. */
    public long epoch(int instance) {
        return epoch[instance];
    }

    /** Stopped by its tenant (or terminated): it runs nowhere, and {@link #currentHost} is where it last ran. */
    public boolean stopped(int instance) {
        return stopped.get(instance);
    }

    /** Its tenant started it and the hypervisor has not said it runs yet. */
    public boolean starting(int instance) {
        return starting.get(instance);
    }

    /** Its tenant stopped it and the hypervisor has not said it has stopped yet (it keeps its room until then). */
    public boolean stopping(int instance) {
        return stopping.get(instance);
    }

    /** Some tenant's start or stop has not been answered yet (the campaign does not end before it is). */
    public boolean anyStartingOrStopping() {
        return !starting.isEmpty() || !stopping.isEmpty();
    }

    public boolean terminated(int instance) {
        return terminated.get(instance);
    }

    /** The hosts of a zone, in inventory order. */
    public List<Integer> zoneHosts(int zone) {
        return zoneHosts.get(zone);
    }

    /** The host's position in {@link #zoneHosts} of its zone. */
    public int zonePosition(int host) {
        return zonePosition[host];
    }

    // ---------------------------------------------------------------- changed by facts only

    void phase(int host, HostPhase next) {
        phase[host] = HostPhase.TABLE.transition(phase[host], next);
    }

    /** The (amended) advisory affects the host now, or no longer. */
    void affect(int host, boolean now) {
        affected[host] = now;
    }

    void markDown(int host) {
        down.set(host);
    }

    void markFenced(int host) {
        fenced.set(host);
    }

    /** A host the plan skipped: it is never touched (set when the runtime is built). */
    void skip(int host) {
        phase(host, HostPhase.SKIPPED);
    }

    void markPatched(int host) {
        patched[host] = true;
    }

    void reserve(int instance, int host) {
        Instance inst = fleet.instance(instance);
        freeCpu[host] -= inst.milliCpus();
        freeMem[host] -= inst.memoryMiB();
    }

    /** Room taken on {@code host} by an instance outside the campaign's fleet (negative: given back). */
    void hold(int host, long milliCpu, long memoryMiB) {
        freeCpu[host] -= milliCpu;
        freeMem[host] -= memoryMiB;
    }

    void release(int instance, int host) {
        Instance inst = fleet.instance(instance);
        freeCpu[host] += inst.milliCpus();
        freeMem[host] += inst.memoryMiB();
    }

    /** The reservation on {@code to} becomes the placement; the source's capacity is given back. */
    void switchOver(int instance, int to, long newEpoch) {
        release(instance, instanceHost[instance]);
        instanceHost[instance] = to;
        epoch[instance] = newEpoch;
    }

    /** A restart on the same host (reboot in place) or a rescue onto {@code host} (already reserved). */
    void started(int instance, int host, long newEpoch) {
        if (instanceHost[instance] != host) {
            release(instance, instanceHost[instance]);
            instanceHost[instance] = host;
        }
        epoch[instance] = newEpoch;
    }

    /**
     * A tenant stopped (or terminated) the instance: a running one is stopping, and keeps its room
     * until the hypervisor says it has stopped ({@link #stoppedDown}).
     */
    void stop(int instance, boolean terminate) {
        if (!stopped.get(instance)) {
            stopping.set(instance);
            stopped.set(instance);
        }
        if (terminate) {
            terminated.set(instance);
        }
    }

    /** A tenant started the stopped instance on {@code host}: it takes its room there, and is starting until it runs. */
    void startStopped(int instance, int host, long newEpoch) {
        stopped.clear(instance);
        starting.set(instance);
        instanceHost[instance] = host;
        reserve(instance, host);
        epoch[instance] = newEpoch;
    }

    /** The instance runs at {@code newEpoch} now if that is newer (a failed relocation started it again on its source). */
    void raiseEpoch(int instance, long newEpoch) {
        epoch[instance] = Math.max(epoch[instance], newEpoch);
    }

    /** The tenant's stop is done: the room is given back. */
    void stoppedDown(int instance) {
        if (stopping.get(instance)) {
            stopping.clear(instance);
            release(instance, instanceHost[instance]);
        }
    }

    /** The tenant's start is done: the instance runs. */
    void startedUp(int instance) {
        starting.clear(instance);
    }

    /** Everything above, as text, for comparing two views (tests). */
    String describe() {
        return "hosts " + Arrays.toString(instanceHost) + " epochs " + Arrays.toString(epoch) + " cpu " + Arrays.toString(freeCpu)
                + " mem " + Arrays.toString(freeMem) + " phases " + Arrays.toString(phase) + " patched " + Arrays.toString(patched) + " stopped " + stopped + " terminated "
                + terminated + " starting " + starting + " stopping " + stopping + " down " + down + " fenced " + fenced;
    }
}
