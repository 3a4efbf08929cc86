package dev.ferry.core.scheduler;

/** A soft preference among hosts that passed every filter: higher is better. Stateless. */
public interface HostScorer {
    long score(PlacementView view, PlacementRequest request, int host);

    /** Best fit: the host with the least free memory left after placement, keeping large holes for large instances. */
    HostScorer PACK = (view, request, host) -> -view.freeMemoryMiB(host);

    /** Most free memory first, spreading load and blast radius. */
    HostScorer SPREAD = (view, request, host) -> view.freeMemoryMiB(host);
}
