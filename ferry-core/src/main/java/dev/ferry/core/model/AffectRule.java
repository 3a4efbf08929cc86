package dev.ferry.core.model;

/**
 * One advisory rule: a host is affected when both globs match and its hypervisor lies in the
 * rule's version range, if the rule has one (advisories in standard formats give ranges: OSV's
 * introduced/fixed events, CVE's {@code lessThan}). Versions compare as {@link Versions} does: a
 * hypervisor whose version does not compare with a bound (another name) is outside the range.
 *
 * @param from         the oldest affected version (inclusive); null for no lower end
 * @param before       the first version no longer affected (exclusive); null for no such end
 * @param through      the newest affected version (inclusive); null for no such end
 * @param fixedVersion the version that fixes the hosts this rule matches; null for the advisory's
 * @param listed       the document lists what it matches as affected (the standard formats): a
 *                     host it matches is affected, whatever the advisory's other fixes; an
 *                     advisory/v1 rule is not (a host already on its fix, or newer, is not affected)
 */
public record AffectRule(Glob hypervisor, Glob cpuModel, String from, String before, String through, String fixedVersion,
                         boolean listed) {

    /** A rule of globs alone (advisory/v1). */
    public AffectRule(Glob hypervisor, Glob cpuModel) {
        this(hypervisor, cpuModel, null, null, null, null, false);
    }

    public boolean matches(Host host) {
        if (!hypervisor.matches(host.hypervisor()) || !cpuModel.matches(host.cpuModel())) {
            return false;
        }
        String v = host.hypervisor();
        return (from == null || Versions.atLeast(v, from)) && (before == null || below(v, before, false))
                && (through == null || below(v, through, true));
    }

    private static boolean below(String version, String bound, boolean orEqual) {
        Integer c = Versions.compare(version, bound);
        return c != null && (c < 0 || orEqual && c == 0);
    }
}
