package dev.ferry.formats;

import dev.ferry.core.model.Advisory;
import java.util.List;
import java.util.Set;

/**
 * A CVE record in CVE JSON 5 (github.com/CVEProject/cve-schema): each
 * {@code containers.cna.affected[]} entry's {@code product} is the hypervisor's product; each of
 * its {@code versions} with status {@code affected} is affected exactly, or, with {@code lessThan}
 * (the fix) or {@code lessThanOrEqual}, as a range from its {@code version} (0 or *: from the
 * first). A product with {@code defaultStatus: affected} and no versions is affected in every
 * version. Versions must be dotted numbers ({@code unspecified}, {@code n/a} or git versions are
 * refused). {@code cveMetadata.datePublished} is the disclosure; a host reboot is assumed.
 * docs/formats.md.
 */
final class CveAdvisoryReader {
    private static final Set<String> ANY = Set.of("0", "*", "-");

    private CveAdvisoryReader() {
    }

    static Advisory read(Fields top, Problems problems) {
        Fields meta = top.sub("cveMetadata", true);
        String id = meta == null ? null : meta.string("cveId", true);
        var disclosure = meta == null ? null : StandardAdvisory.time(problems, meta, "datePublished", false);
        if (meta != null && "REJECTED".equals(meta.string("state", false))) {
            problems.add(meta.node("state"), "cveMetadata.state", "the CVE record was rejected: it affects nothing");
        }
        Fields cna = cna(top);
        String title = cna == null ? null : title(cna);
        StandardAdvisory rules = new StandardAdvisory();
        List<Fields> affected = cna == null ? List.of() : cna.list("affected", "affected products");
        if (cna != null && affected.isEmpty() && !problems.any()) {
            problems.add(cna.mapping(), cna.path("affected"), "needs at least one affected product");
        }
        for (Fields a : affected) {
            String product = a.string("product", true);
            if (product == null) {
                continue;
            }
            List<Fields> versions = a.list("versions", "versions");
            boolean any = false;
            for (Fields v : versions) {
                any |= version(problems, rules, product, v);
            }
            if (versions.isEmpty() && "affected".equals(a.string("defaultStatus", false))) {
                rules.range(product, null, null, null, null);
                any = true;
            }
            if (!any && !problems.any()) {
                problems.add(a.mapping(), a.at(), "names no affected version of '" + Fields.abbreviate(product) + "'");
            }
        }
        if (id == null || problems.any()) {
            return null;
        }
        return rules.build(StandardAdvisory.id(id), title != null ? title : id, true, disclosure);
    }

    private static Fields cna(Fields top) {
        Fields containers = top.sub("containers", true);
        return containers == null ? null : containers.sub("cna", true);
    }

    /** Whether the entry makes a rule (an affected version); others (unaffected, unknown) make none. */
    private static boolean version(Problems problems, StandardAdvisory rules, String product, Fields v) {
        String version = v.string("version", true);
        String status = v.string("status", true);
        String lessThan = v.string("lessThan", false);
        String orEqual = v.string("lessThanOrEqual", false);
        String type = v.string("versionType", false);
        if (version == null || !"affected".equals(status)) {
            return false;
        }
        if ("git".equals(type)) {
            problems.add(v.node("versionType"), v.path("versionType"), "git versions name commits, not versions a hypervisor runs");
            return false;
        }
        if (lessThan == null && orEqual == null) {
            if (ANY.contains(version)) {
                problems.add(v.node("version"), v.path("version"), "'" + version + "' with neither lessThan nor lessThanOrEqual"
                        + " names no version");
                return false;
            }
            if (StandardAdvisory.dotted(problems, v.node("version"), v.path("version"), version)) {
                rules.exact(product, version, null);
            }
            return true;
        }
        String before = lessThan != null && !lessThan.equals("*") ? lessThan : null;
        String through = orEqual != null && !orEqual.equals("*") ? orEqual : null;
        boolean ok = (ANY.contains(version) || StandardAdvisory.dotted(problems, v.node("version"), v.path("version"), version))
                & (before == null || StandardAdvisory.dotted(problems, v.node("lessThan"), v.path("lessThan"), before))
                & (through == null || StandardAdvisory.dotted(problems, v.node("lessThanOrEqual"), v.path("lessThanOrEqual"), through));
        if (ok) {
            rules.range(product, ANY.contains(version) ? null : version, before, through, before);
        }
        return true;
    }

    /** The CNA's title, else its first English description (cut to a line). */
    private static String title(Fields cna) {
        String t = cna.string("title", false);
        if (t != null) {
            return t;
        }
        if (cna.node("descriptions") instanceof Node.Sequence seq) {
            for (Node d : seq.items()) {
                if (d instanceof Node.Mapping m && m.get("value") instanceof Node.Scalar s && s.value() != null
                        && (!(m.get("lang") instanceof Node.Scalar l) || l.value() == null || l.value().startsWith("en"))) {
                    String line = s.value().strip().split("\\R", 2)[0];
                    return line.length() > 200 ? line.substring(0, 200) + "…" : line;
                }
            }
        }
        return null;
    }
}
