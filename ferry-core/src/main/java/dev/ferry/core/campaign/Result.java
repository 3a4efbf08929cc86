package dev.ferry.core.campaign;

import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.scheduler.Placement;
import java.util.List;

/**
 * What one call of the runtime produced: the facts it recorded (already applied to its state; the
 * caller stores them before it applies the effects) and the effects to apply, in order. For a
 * placement outside the plan, where it went (or why not). The lists are the runtime's own, handed
 * over at the end of the call (it makes new ones for the next): read them, do not change them.
 */
public record Result(List<Effect> effects, List<HistoryRecord> facts, Placement placement) {

    /** The tenant's request this call refused, or null when it refused none. */
    public Fact.Refused refusal() {
        for (HistoryRecord r : facts) {
            if (r.fact() instanceof Fact.Refused f) {
                return f;
            }
        }
        return null;
    }
}
