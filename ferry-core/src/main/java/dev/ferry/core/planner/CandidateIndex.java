package dev.ferry.core.planner;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.PrimitiveIterator;
import java.util.TreeSet;

/**
 * Destination hosts ordered by free memory, per zone and per (zone, cpu model) for live-capable
 * hosts, so that best-fit placement reads a few hosts instead of a whole zone. Keys pack
 * {@code freeMemoryMiB << 24 | host}. Not thread-safe.
 */
final class CandidateIndex {
    private static final int HOST_BITS = 24;
    private static final long HOST_MASK = (1L << HOST_BITS) - 1;

    private final Map<Integer, TreeSet<Long>> byZone = new HashMap<>();
    private final Map<Long, TreeSet<Long>> byZoneModel = new HashMap<>();

    static void checkSize(int hosts) {
        if (hosts > HOST_MASK) {
            throw new IllegalArgumentException("at most " + HOST_MASK + " hosts are supported");
        }
    }

    void add(int host, int zone, int liveModel, long freeMemoryMiB) {
        long key = key(host, freeMemoryMiB);
        byZone.computeIfAbsent(zone, z -> new TreeSet<>()).add(key);
        if (liveModel >= 0) {
            byZoneModel.computeIfAbsent(zoneModel(zone, liveModel), z -> new TreeSet<>()).add(key);
        }
    }

    void remove(int host, int zone, int liveModel, long freeMemoryMiB) {
        long key = key(host, freeMemoryMiB);
        TreeSet<Long> s = byZone.get(zone);
        if (s != null) {
            s.remove(key);
        }
        if (liveModel >= 0) {
            TreeSet<Long> m = byZoneModel.get(zoneModel(zone, liveModel));
            if (m != null) {
                m.remove(key);
            }
        }
    }

    /**
     * Hosts of the zone (restricted to live-capable hosts of {@code liveModel} when it is >= 0)
     * with at least {@code minFreeMemoryMiB} free: tightest first ({@code mostFreeFirst} false,
     * best fit) or emptiest first (spread).
     */
    PrimitiveIterator.OfInt candidates(int zone, int liveModel, long minFreeMemoryMiB, boolean mostFreeFirst) {
        TreeSet<Long> s = liveModel >= 0 ? byZoneModel.get(zoneModel(zone, liveModel)) : byZone.get(zone);
        if (s == null) {
            return EMPTY;
        }
        java.util.NavigableSet<Long> fitting = s.tailSet(minFreeMemoryMiB << HOST_BITS, true);
        Iterator<Long> it = mostFreeFirst ? fitting.descendingIterator() : fitting.iterator();
        return new PrimitiveIterator.OfInt() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public int nextInt() {
                return (int) (it.next() & HOST_MASK);
            }
        };
    }

    private static long key(int host, long freeMemoryMiB) {
        return (Math.max(0, freeMemoryMiB) << HOST_BITS) | host;
    }

    private static long zoneModel(int zone, int model) {
        return ((long) zone << 32) | model;
    }

    private static final PrimitiveIterator.OfInt EMPTY = new PrimitiveIterator.OfInt() {
        @Override
        public boolean hasNext() {
            return false;
        }

        @Override
        public int nextInt() {
            throw new NoSuchElementException();
        }
    };
}
