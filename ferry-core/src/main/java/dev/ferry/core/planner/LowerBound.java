package dev.ferry.core.planner;

import java.util.Comparator;
import java.util.List;

/**
 * A makespan no plan can beat, and the rules that set it (see docs/lower-bound.md).
 *
 * @param components every bound computed; {@link #binding()} is the largest
 */
public record LowerBound(long seconds, List<Component> components) {

    /**
     * @param rule        short name, e.g. "capacity", "maxHostsPerZone"
     * @param explanation what the number is made of, naming the zone, host or setting
     */
    public record Component(String rule, long seconds, String explanation) {
    }

    public LowerBound {
        components = List.copyOf(components);
    }

    public Component binding() {
        return components.stream().max(Comparator.comparingLong(Component::seconds)).orElse(null);
    }
}
