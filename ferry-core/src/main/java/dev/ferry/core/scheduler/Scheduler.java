package dev.ferry.core.scheduler;

import dev.ferry.core.scheduler.filters.AntiAffinityFilter;
import dev.ferry.core.scheduler.filters.CapacityFilter;
import dev.ferry.core.scheduler.filters.CordonFilter;
import dev.ferry.core.scheduler.filters.LiveMigrationFilter;
import dev.ferry.core.scheduler.filters.MaintenanceFilter;
import dev.ferry.core.scheduler.filters.SameZoneFilter;
import dev.ferry.core.scheduler.filters.SourceHostFilter;
import dev.ferry.core.scheduler.filters.VulnerabilityFilter;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.PrimitiveIterator;

/**
 * Places one instance: a chain of hard {@link HostFilter}s over candidates and a {@link HostScorer}.
 * Stateless and thread-safe; the state it reads is the caller's {@link PlacementView}.
 *
 * <p>Two ways to ask: {@link #best} scores every candidate (the controller's launches, small sets);
 * {@link #firstAcceptable} takes candidates already in the scorer's order from an index and stops at
 * the first that passes, scanning at most a given number (the planner, at a million hosts).
 */
public final class Scheduler {
    private final List<HostFilter> filters;
    private final HostScorer scorer;

    public Scheduler(List<HostFilter> filters, HostScorer scorer) {
        this.filters = List.copyOf(filters);
        this.scorer = scorer;
    }

    /** Every filter: what Ferry itself uses. */
    public static Scheduler standard(HostScorer scorer) {
        return new Scheduler(List.of(new SourceHostFilter(), new SameZoneFilter(), new CordonFilter(),
                new MaintenanceFilter(), new VulnerabilityFilter(), new LiveMigrationFilter(), new CapacityFilter(),
                new AntiAffinityFilter()), scorer);
    }

    /** The common baseline: any host with room, vulnerable or not. */
    public static Scheduler ignoringVulnerability(HostScorer scorer) {
        return new Scheduler(List.of(new SourceHostFilter(), new SameZoneFilter(), new CordonFilter(),
                new MaintenanceFilter(), new LiveMigrationFilter(), new CapacityFilter(), new AntiAffinityFilter()),
                scorer);
    }

    public HostScorer scorer() {
        return scorer;
    }

    /** The first filter's refusal, or null when the host is acceptable. */
    public Veto veto(PlacementView view, PlacementRequest request, int host) {
        for (HostFilter f : filters) {
            Veto v = f.check(view, request, host);
            if (v != null) {
                return v;
            }
        }
        return null;
    }

    /** Scores every acceptable candidate and returns the best (ties: the lowest host index). */
    public Placement best(PlacementView view, PlacementRequest request, PrimitiveIterator.OfInt candidates) {
        Tally tally = new Tally();
        int best = -1;
        long bestScore = Long.MIN_VALUE;
        while (candidates.hasNext()) {
            int h = candidates.nextInt();
            Veto v = veto(view, request, h);
            if (v != null) {
                tally.add(v);
                continue;
            }
            long s = scorer.score(view, request, h);
            if (best < 0 || s > bestScore || (s == bestScore && h < best)) {
                best = h;
                bestScore = s;
            }
        }
        return best >= 0 ? Placement.of(best) : tally.toPlacement();
    }

    /** Returns the first acceptable candidate among at most {@code scanLimit}, in the given order. */
    public Placement firstAcceptable(PlacementView view, PlacementRequest request, PrimitiveIterator.OfInt candidates,
                                     int scanLimit) {
        Tally tally = new Tally();
        int scanned = 0;
        while (candidates.hasNext() && scanned < scanLimit) {
            int h = candidates.nextInt();
            scanned++;
            Veto v = veto(view, request, h);
            if (v == null) {
                return Placement.of(h);
            }
            tally.add(v);
        }
        return tally.toPlacement();
    }

    private static final class Tally {
        private final Map<VetoReason, Integer> counts = new EnumMap<>(VetoReason.class);
        private Veto first;
        private boolean onlyPermanent = true;

        void add(Veto v) {
            counts.merge(v.reason(), 1, Integer::sum);
            if (first == null) {
                first = v;
            }
            onlyPermanent &= v.permanent();
        }

        Placement toPlacement() {
            return new Placement(-1, Map.copyOf(counts), first, first != null && onlyPermanent);
        }
    }
}
