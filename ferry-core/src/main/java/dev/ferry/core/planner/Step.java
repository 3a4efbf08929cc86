package dev.ferry.core.planner;

import java.util.List;

/**
 * One host in maintenance over {@code [start, end)} seconds from campaign start. Its moves happen
 * at {@code start}; after {@code end} the host is patched and may receive instances.
 *
 * @param canary one of the first hosts, done alone before the soak
 */
public record Step(String host, String zone, long start, long end, List<Move> moves, boolean canary) {
    public Step {
        moves = List.copyOf(moves);
    }

    public long durationSeconds() {
        return end - start;
    }
}
