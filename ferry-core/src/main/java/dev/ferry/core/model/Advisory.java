package dev.ferry.core.model;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A hypervisor security advisory.
 *
 * @param fixedVersion the version a patched host runs; with {@code fixedIn}, the one for hosts on a
 *                     branch the list does not name (the newest of the list when the document gave
 *                     only the list); null when the advisory names none
 * @param fixedIn      per-branch fixes, first match wins: a host whose hypervisor matches a branch
 *                     is fixed by that branch's version (empty: one fix for all)
 * @param disclosure   hard deadline; null when the advisory is public already or has none
 */
public record Advisory(
        String id,
        String title,
        List<AffectRule> affects,
        String fixedVersion,
        boolean requiresReboot,
        Instant disclosure,
        List<FixedIn> fixedIn) {

    /** A branch's fix: hosts whose hypervisor matches {@code branch} are fixed by {@code version} (or newer). */
    public record FixedIn(Glob branch, String version) {
        public FixedIn {
            Objects.requireNonNull(branch, "branch");
            Objects.requireNonNull(version, "version");
        }
    }

    public Advisory {
        Objects.requireNonNull(id, "id");
        affects = List.copyOf(affects);
        fixedIn = fixedIn == null ? List.of() : List.copyOf(fixedIn);
    }

    /** One fix for every branch (or none). */
    public Advisory(String id, String title, List<AffectRule> affects, String fixedVersion, boolean requiresReboot,
                    Instant disclosure) {
        this(id, title, affects, fixedVersion, requiresReboot, disclosure, List.of());
    }

    /**
     * The version that fixes {@code host}: the newest fix of the rules matching it that name one
     * (a host two vulnerabilities hit needs the later fix), else its branch's, else
     * {@link #fixedVersion}; null when the advisory names none — and, for a host only rules of
     * listed versions match, when the advisory's own fix is not newer than what it runs (no
     * downgrade to another branch's fix).
     */
    public String fixedVersionFor(Host host) {
        String best = null;
        boolean listed = false;
        for (AffectRule rule : affects) {
            if (rule.matches(host)) {
                listed |= rule.listed();
                if (rule.fixedVersion() != null) {
                    Integer c = best == null ? null : Versions.compare(rule.fixedVersion(), best);
                    if (best == null || c != null && c > 0) {
                        best = rule.fixedVersion();
                    }
                }
            }
        }
        if (best != null) {
            return best;
        }
        for (FixedIn f : fixedIn) {
            if (f.branch().matches(host.hypervisor())) {
                return f.version();
            }
        }
        if (listed) {
            Integer c = fixedVersion == null ? null : Versions.compare(fixedVersion, host.hypervisor());
            return c != null && c > 0 ? fixedVersion : null;
        }
        return fixedVersion;
    }

    /**
     * A host is affected when a rule matches it and — for an advisory/v1 rule — it does not run its
     * fix already: the fixed version of its branch or a newer one on the same name ({@link Versions}).
     * A rule of listed versions (the standard formats) says so itself.
     */
    public boolean affects(Host host) {
        for (AffectRule rule : affects) {
            if (rule.matches(host)) {
                // the rules first: most hosts match none, and the version comparison costs more
                return rule.listed() || !Versions.atLeast(host.hypervisor(), fixedVersionFor(host));
            }
        }
        return false;
    }
}
