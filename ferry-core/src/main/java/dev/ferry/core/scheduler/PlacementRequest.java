package dev.ferry.core.scheduler;

/**
 * A request to find a host for an instance.
 *
 * @param instance        instance index in the fleet
 * @param sourceHost      where it runs now, or -1 for a launch
 * @param live            the move is a live migration (needs compatible cpu model and live-capable hosts)
 * @param allowVulnerable a bootstrap move: a host that is still vulnerable may be chosen
 */
public record PlacementRequest(int instance, int sourceHost, boolean live, boolean allowVulnerable) {
}
