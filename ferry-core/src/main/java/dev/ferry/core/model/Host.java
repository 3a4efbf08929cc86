package dev.ferry.core.model;

import java.util.Objects;

/**
 * A hypervisor host as the inventory describes it.
 *
 * @param rack  may be null (no rack known)
 * @param agent may be null (simulated hosts have none)
 */
public record Host(
        String id,
        String zone,
        String rack,
        int cpus,
        long memoryMiB,
        double cpuAllocationRatio,
        String hypervisor,
        String cpuModel,
        boolean liveMigration,
        HostState state,
        String agent) {

    public Host {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(hypervisor, "hypervisor");
        Objects.requireNonNull(cpuModel, "cpuModel");
        Objects.requireNonNull(state, "state");
        if (cpus <= 0 || memoryMiB <= 0 || !(cpuAllocationRatio >= 1.0)) {
            throw new IllegalArgumentException("host " + id + ": sizes must be positive and ratio >= 1.0");
        }
    }

    /** The same host running another hypervisor version. */
    public Host withHypervisor(String version) {
        return new Host(id, zone, rack, cpus, memoryMiB, cpuAllocationRatio, version, cpuModel, liveMigration, state, agent);
    }

    /** Schedulable CPU in thousandths of a vCPU: cpus × cpuAllocationRatio. */
    public long milliCpuCapacity() {
        return Math.round(cpus * cpuAllocationRatio * 1000.0);
    }

    public boolean cordoned() {
        return state == HostState.CORDONED;
    }
}
