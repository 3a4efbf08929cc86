package dev.ferry.formats;

import dev.ferry.core.model.Advisory;
import java.util.List;

/**
 * An OSV document (ossf.github.io/osv-schema): each {@code affected[]} entry's {@code package.name}
 * is the hypervisor's product; its {@code versions} are affected exactly, and each range of its
 * {@code ranges} (type ECOSYSTEM or SEMVER) from an {@code introduced} event (0: from the first
 * version) up to the next {@code fixed} (not affected; the fix) or {@code last_affected} (still
 * affected), or open. GIT ranges name commits, not versions: left out (an entry with nothing else is
 * refused). Versions must be dotted numbers. {@code published} is the
 * disclosure; OSV says nothing of reboots, so a host reboot is assumed. docs/formats.md.
 */
final class OsvAdvisoryReader {
    private OsvAdvisoryReader() {
    }

    static Advisory read(Fields top, Problems problems) {
        String id = top.string("id", true);
        String summary = top.string("summary", false);
        var disclosure = StandardAdvisory.time(problems, top, "published", false);
        StandardAdvisory rules = new StandardAdvisory();
        List<Fields> affected = top.list("affected", "affected packages");
        if (affected.isEmpty() && !problems.any()) {
            problems.add(top.node("affected"), "affected", "needs at least one affected package");
        }
        for (Fields a : affected) {
            Node pkg = a.node("package");
            Fields p = pkg == null ? null : Fields.of(problems, pkg, a.path("package"));
            if (pkg == null) {
                problems.add(a.mapping(), a.path("package"), "required field is missing (the hypervisor's product)");
            }
            String product = p == null ? null : p.string("name", true);
            if (product == null) {
                continue;
            }
            int before = rules.size();
            boolean git = false;
            for (Node.Scalar v : StandardAdvisory.scalars(problems, a, "versions")) {
                if (StandardAdvisory.dotted(problems, v, a.path("versions"), v.value())) {
                    rules.exact(product, v.value(), null);
                }
            }
            for (Fields r : a.list("ranges", "ranges")) {
                git |= range(problems, rules, product, r);
            }
            if (rules.size() == before && !problems.any()) {
                problems.add(a.mapping(), a.at(), git ? "names only GIT ranges of '" + Fields.abbreviate(product) + "': commits, not"
                        + " versions a hypervisor runs (give versions, or an ECOSYSTEM or SEMVER range)"
                        : "names no affected versions (neither versions nor ranges) of '" + Fields.abbreviate(product) + "'");
            }
        }
        if (id == null || problems.any()) {
            return null;
        }
        return rules.build(StandardAdvisory.id(id), summary != null ? summary : id, true, disclosure);
    }

    /**
     * One range's events, in order: introduced opens a range, fixed or last_affected closes it.
     * A GIT range names commits: left out (true), the entry's versions and other ranges count.
     */
    private static boolean range(Problems problems, StandardAdvisory rules, String product, Fields r) {
        String type = r.string("type", true);
        if ("GIT".equals(type)) {
            return true;
        }
        if (type != null && !type.equals("ECOSYSTEM") && !type.equals("SEMVER")) {
            problems.add(r.node("type"), r.path("type"), "a " + Fields.abbreviate(type) + " range: Ferry reads ECOSYSTEM and SEMVER"
                    + " ranges (GIT ranges, commits, are left out)");
            return false;
        }
        List<Fields> events = r.list("events", "events");
        if (events.isEmpty()) {
            problems.add(r.mapping(), r.path("events"), "needs at least one event");
        }
        String from = null;
        boolean open = false;
        for (Fields e : events) {
            String introduced = e.string("introduced", false);
            String fixed = e.string("fixed", false);
            String last = e.string("last_affected", false);
            e.string("limit", false);
            if (introduced != null) {
                boolean zero = introduced.equals("0");
                if (!zero && !StandardAdvisory.dotted(problems, e.node("introduced"), e.path("introduced"), introduced)) {
                    continue;
                }
                from = zero ? null : introduced;
                open = true;
            } else if (fixed != null || last != null) {
                String end = fixed != null ? fixed : last;
                String field = fixed != null ? "fixed" : "last_affected";
                if (!open) {
                    problems.add(e.mapping(), e.at(), "a " + field + " event with no introduced event before it");
                    continue;
                }
                if (StandardAdvisory.dotted(problems, e.node(field), e.path(field), end)) {
                    rules.range(product, from, fixed, last, fixed);
                }
                open = false;
            }
        }
        if (open) {
            rules.range(product, from, null, null, null); // affected from there on: no fix yet
        }
        return false;
    }
}
