package dev.ferry.core.model;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A hypervisor security advisory.
 *
 * @param disclosure hard deadline; null when the advisory is public already or has none
 */
public record Advisory(
        String id,
        String title,
        List<AffectRule> affects,
        String fixedVersion,
        boolean requiresReboot,
        Instant disclosure) {

    public Advisory {
        Objects.requireNonNull(id, "id");
        affects = List.copyOf(affects);
    }

    /** A host is affected when any rule matches it and it does not already run the fixed version. */
    public boolean affects(Host host) {
        if (fixedVersion != null && fixedVersion.equals(host.hypervisor())) {
            return false;
        }
        for (AffectRule rule : affects) {
            if (rule.matches(host)) {
                return true;
            }
        }
        return false;
    }
}
