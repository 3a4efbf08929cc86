package dev.ferry.core.history;

import java.util.Locale;

/** Who a fact is from: the campaign runtime's decisions, the runner applying effects, or the hypervisors. */
public enum Actor {
    /** The campaign runtime (its decisions). */
    FERRY,
    /** The runner, applying an effect. */
    RUNNER,
    /** Simulated hypervisors. */
    DRIVER,
    /** A real host's agent. */
    AGENT;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The actor spelled {@code text}, or null. */
    public static Actor parse(String text) {
        for (Actor a : values()) {
            if (a.wireName().equals(text)) {
                return a;
            }
        }
        return null;
    }
}
