package dev.ferry.core.scheduler;

import dev.ferry.core.model.Fleet;

/**
 * What host filters may read: the fleet plus the placement state at the decision instant.
 * Implementations are single-threaded working state of a planner or of the controller.
 */
public interface PlacementView {
    Fleet fleet();

    /** Current host of an instance (it may have moved since the snapshot). */
    int currentHost(int instance);

    boolean cordoned(int host);

    boolean inMaintenance(int host);

    /** Affected by the active advisory and not yet patched. */
    boolean vulnerable(int host);

    /** Free schedulable CPU in thousandths of a vCPU, counting reservations. */
    long freeMilliCpu(int host);

    /** Free memory in MiB, counting reservations. */
    long freeMemoryMiB(int host);
}
