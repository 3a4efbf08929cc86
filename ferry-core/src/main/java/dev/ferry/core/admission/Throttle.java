package dev.ferry.core.admission;

import dev.ferry.core.model.Policy;

/**
 * The blast-radius caps, in one place for the planner and the campaign runtime: hosts in
 * maintenance fleet-wide ({@code maxHostsInMaintenance}), per zone ({@code maxHostsPerZone}) and
 * zones with any host in maintenance ({@code zonesAtOnce}). A caller asks before a host takes a
 * slot and says when it gives the slot back; the check and the taking happen in the same
 * single-threaded call, so two hosts can never both take the last slot. Not thread-safe.
 */
public final class Throttle implements Caps {
    private final Policy policy;
    private final int[] perZone;
    private int total;
    private int activeZones;

    public Throttle(Policy policy, int zones) {
        this.policy = policy;
        this.perZone = new int[zones];
    }

    /** A host of {@code zone} may enter maintenance now, under a fleet-wide cap of {@code cap}. */
    @Override
    public boolean mayEnter(int zone, int cap) {
        return total < cap && zoneOpen(zone);
    }

    /** The zone has room and it is its turn (it is active already, or fewer zones than allowed are). */
    @Override
    public boolean zoneOpen(int zone) {
        return perZone[zone] < policy.maxHostsPerZone() && (perZone[zone] > 0 || activeZones < policy.zonesAtOnce());
    }

    /** Why a host of {@code zone} may not enter maintenance now under a fleet-wide cap of {@code cap}; null when it may. */
    @Override
    public Refusal refusal(int zone, String zoneName, int cap) {
        if (total >= cap) {
            return Refusal.of(Refusal.Kind.CAP, total + " hosts in maintenance (the cap is " + cap + ")");
        }
        if (perZone[zone] >= policy.maxHostsPerZone()) {
            return Refusal.of(Refusal.Kind.CAP, perZone[zone] + " hosts of zone " + zoneName + " in maintenance (maxHostsPerZone "
                    + policy.maxHostsPerZone() + ")");
        }
        if (perZone[zone] == 0 && activeZones >= policy.zonesAtOnce()) {
            return Refusal.of(Refusal.Kind.CAP, activeZones + " other zones in maintenance (zonesAtOnce " + policy.zonesAtOnce() + ")");
        }
        return null;
    }

    public void enter(int zone) {
        if (perZone[zone]++ == 0) {
            activeZones++;
        }
        total++;
    }

    public void leave(int zone) {
        total--;
        if (--perZone[zone] == 0) {
            activeZones--;
        }
    }

    /** Hosts in maintenance fleet-wide. */
    @Override
    public int inMaintenance() {
        return total;
    }

    /** Hosts of the zone in maintenance. */
    @Override
    public int inMaintenance(int zone) {
        return perZone[zone];
    }

    /** The zone has a host in maintenance. */
    @Override
    public boolean zoneActive(int zone) {
        return perZone[zone] > 0;
    }

    /** Zones with a host in maintenance. */
    @Override
    public int activeZones() {
        return activeZones;
    }

    /** The most hosts that can be in maintenance at once: the fleet cap, or what the zones allow. */
    @Override
    public int effectiveCap() {
        return Math.min(policy.maxHostsInMaintenance(),
                (int) Math.min(Integer.MAX_VALUE, (long) policy.zonesAtOnce() * policy.maxHostsPerZone()));
    }

    @Override
    public String toString() {
        return "in maintenance " + total + ", active zones " + activeZones;
    }
}
