package dev.ferry.core.history;

import java.util.BitSet;
import java.util.HashSet;
import java.util.Set;

/**
 * A set of effect keys, for whoever must know which effects were applied (the runner's store, the
 * invariant checker). The runtime's keys are "operation/sequence" with one sequence for the whole
 * campaign, so the sequence alone tells them apart: those are kept as bits, any other key as
 * itself. A campaign of millions of effects then costs bits instead of millions of strings. Not
 * thread-safe.
 */
public final class EffectKeys {
    private final BitSet sequences = new BitSet();
    private final Set<String> others = new HashSet<>();

    /** Adds the key; false when it was there already. */
    public boolean add(String key) {
        long seq = sequence(key);
        if (seq < 0 || seq > Integer.MAX_VALUE) {
            return others.add(key);
        }
        if (sequences.get((int) seq)) {
            return false;
        }
        sequences.set((int) seq);
        return true;
    }

    /** The sequence of an "operation/sequence" key, or -1 when the key has another shape. */
    public static long sequence(String key) {
        int slash = key.lastIndexOf('/');
        if (slash < 1 || slash == key.length() - 1 || key.length() - slash > 19) {
            return -1;
        }
        long n = 0;
        for (int k = slash + 1; k < key.length(); k++) {
            char ch = key.charAt(k);
            if (ch < '0' || ch > '9') {
                return -1;
            }
            n = n * 10 + (ch - '0');
        }
        return n;
    }
}
