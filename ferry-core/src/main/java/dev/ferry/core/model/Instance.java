package dev.ferry.core.model;

import java.util.Objects;

/**
 * A virtual machine and where it runs.
 *
 * @param group          may be null (no group)
 * @param dirtyRateMiBps memory the guest dirties per second; feeds the pre-copy model (0 when unknown)
 */
public record Instance(
        String id,
        String tenant,
        String host,
        int cpus,
        long memoryMiB,
        OnHostMaintenance onHostMaintenance,
        String group,
        double dirtyRateMiBps) {

    public Instance {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(onHostMaintenance, "onHostMaintenance");
        if (cpus <= 0 || memoryMiB <= 0 || !(dirtyRateMiBps >= 0) || Double.isInfinite(dirtyRateMiBps)) {
            throw new IllegalArgumentException("instance " + id + ": sizes must be positive");
        }
    }

    public long milliCpus() {
        return cpus * 1000L;
    }
}
