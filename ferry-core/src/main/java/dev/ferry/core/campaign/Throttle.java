package dev.ferry.core.campaign;

import dev.ferry.core.model.Policy;

/**
 * The blast-radius caps, in one place: hosts in maintenance fleet-wide ({@code maxHostsInMaintenance}),
 * per zone ({@code maxHostsPerZone}) and zones with any host in maintenance ({@code zonesAtOnce}).
 * The runtime asks before a host takes a slot and tells it when the slot is given back; checks and
 * the taking happen in the same single-threaded call, so two hosts can never both take the last
 * slot. Not thread-safe.
 */
final class Throttle {
    private final Policy policy;
    private final int[] perZone;
    private int total;
    private int activeZones;

    Throttle(Policy policy, int zones) {
        this.policy = policy;
        this.perZone = new int[zones];
    }

    /** A host of {@code zone} may enter maintenance now, under a fleet-wide cap of {@code cap}. */
    boolean mayEnter(int zone, int cap) {
        return total < cap && zoneOpen(zone);
    }

    /** The zone has room and it is its turn (it is active already, or fewer zones than allowed are). */
    boolean zoneOpen(int zone) {
        return perZone[zone] < policy.maxHostsPerZone() && (perZone[zone] > 0 || activeZones < policy.zonesAtOnce());
    }

    void enter(int zone) {
        if (perZone[zone]++ == 0) {
            activeZones++;
        }
        total++;
    }

    void leave(int zone) {
        total--;
        if (--perZone[zone] == 0) {
            activeZones--;
        }
    }

    int inMaintenance() {
        return total;
    }

    boolean zoneActive(int zone) {
        return perZone[zone] > 0;
    }

    /** The most hosts that can be in maintenance at once: the fleet cap, or what the zones allow. */
    int effectiveCap() {
        return Math.min(policy.maxHostsInMaintenance(),
                (int) Math.min(Integer.MAX_VALUE, (long) policy.zonesAtOnce() * policy.maxHostsPerZone()));
    }

    @Override
    public String toString() {
        return "in maintenance " + total + ", active zones " + activeZones;
    }
}
