package dev.ferry.core.model;

import java.util.Objects;

/**
 * A tenant's set of instances that must not fail together.
 *
 * @param maxUnavailable members that may be disrupted (not live-migrated) at the same time
 */
public record Group(String id, String tenant, AntiAffinity antiAffinity, int maxUnavailable) {
    public Group {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(antiAffinity, "antiAffinity");
        if (maxUnavailable < 0) {
            throw new IllegalArgumentException("group " + id + ": maxUnavailable < 0");
        }
    }
}
