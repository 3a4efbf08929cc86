package dev.ferry.core.scheduler;

/** One hard constraint. Filters are stateless and thread-safe. */
public interface HostFilter {
    /** Returns null when {@code host} may take the request, otherwise the reason it may not. */
    Veto check(PlacementView view, PlacementRequest request, int host);
}
