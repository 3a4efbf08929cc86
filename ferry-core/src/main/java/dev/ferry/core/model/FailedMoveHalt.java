package dev.ferry.core.model;

import java.time.Duration;

/**
 * The campaign's health gate: it halts when, among Ferry's moves that ended within the last
 * {@code window}, at least {@code minMoves} ended and at least {@code percent} percent of them
 * failed (a migration or relocation rolled back, the guest not running at its destination). A
 * migration that did not converge is a property of its guest, not of the fleet's health, and does
 * not count as failed.
 */
public record FailedMoveHalt(int percent, int minMoves, Duration window) {
    public static final FailedMoveHalt DEFAULTS = new FailedMoveHalt(50, 10, Duration.ofHours(1));

    public FailedMoveHalt {
        if (percent < 1 || percent > 100 || minMoves < 1 || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("haltOnFailedMoves needs a percent in 1..100, minMoves ≥ 1 and a positive window");
        }
    }

    /** {@code failed} of {@code ended} moves in the window cross the gate. */
    public boolean crossed(int failed, int ended) {
        return ended >= minMoves && failed > 0 && 100L * failed >= (long) percent * ended;
    }
}
