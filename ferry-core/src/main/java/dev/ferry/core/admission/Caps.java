package dev.ferry.core.admission;

/**
 * The caps in use ({@link Throttle}), read-only: what the campaign runtime's deciding parts see,
 * while only its facts change them.
 */
public interface Caps {
    /** A host of {@code zone} may enter maintenance now, under a fleet-wide cap of {@code cap}. */
    boolean mayEnter(int zone, int cap);

    /** The zone has room and it is its turn. */
    boolean zoneOpen(int zone);

    /** Why a host of {@code zone} may not enter maintenance now under a fleet-wide cap of {@code cap}; null when it may. */
    Refusal refusal(int zone, String zoneName, int cap);

    int inMaintenance();

    int inMaintenance(int zone);

    boolean zoneActive(int zone);

    int activeZones();

    int effectiveCap();
}
