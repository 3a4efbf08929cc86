package dev.ferry.formats;

import dev.ferry.core.model.Advisory;
import dev.ferry.core.model.AffectRule;
import dev.ferry.core.model.Glob;
import dev.ferry.core.model.Versions;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the readers of advisories in standard formats (CSAF 2.0, OSV, CVE JSON 5) share: telling the
 * format from the document's content, the mapping of a product and a version to a hypervisor
 * string ({@code <product>-<version>} in lower case), their times, and the rules they build. The
 * documents' other fields are not Ferry's and are left alone; what Ferry needs is checked as
 * strictly as advisory/v1 (file, line, field). Not thread-safe (one document's rules).
 */
final class StandardAdvisory {
    /** The standard formats, told apart by content. */
    enum Format {
        CSAF("CSAF 2.0"), OSV("OSV"), CVE("CVE JSON 5");

        final String title;

        Format(String title) {
            this.title = title;
        }
    }

    /** What an advisory/v1 header is missing says, when the document is none of these either. */
    static final String NOT_STANDARD = " (nor is this a CSAF 2.0, OSV or CVE JSON 5 document: docs/formats.md)";

    private final List<AffectRule> rules = new ArrayList<>();
    private String newestFix;

    /** The document's format, or null for advisory/v1 (or none). */
    static Format detect(Node.Mapping top) {
        if (top.get("ferry") != null) {
            return null;
        }
        if (top.get("document") instanceof Node.Mapping d && d.get("csaf_version") != null) {
            return Format.CSAF;
        }
        if (top.get("cveMetadata") != null || top.get("dataType") instanceof Node.Scalar s && "CVE_RECORD".equals(s.value())) {
            return Format.CVE;
        }
        if (top.get("affected") != null && top.get("id") != null) {
            return Format.OSV;
        }
        return null;
    }

    /** {@code <product>-<version>} in lower case: the hypervisor string hosts are compared with. */
    static String hypervisor(String product, String version) {
        return (product.strip() + "-" + version.strip()).toLowerCase(Locale.ROOT);
    }

    /** A document's id as a Ferry id: characters outside {@code [A-Za-z0-9._-]} become {@code -}, at most 64. */
    static String id(String raw) {
        String id = raw.strip().replaceAll("[^A-Za-z0-9._-]", "-");
        return id.length() > 64 ? id.substring(0, 64) : id;
    }

    /** An ISO-8601 time; one without an offset is UTC (CVE records write them so). Null after reporting. */
    static Instant time(Problems problems, Fields f, String name, boolean required) {
        String when = f.string(name, required);
        if (when == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(when).toInstant();
        } catch (DateTimeParseException e) {
            try {
                return LocalDateTime.parse(when).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e2) {
                problems.add(f.node(name), f.path(name), "expected an ISO-8601 time like 2014-10-01T12:00:00Z, got '"
                        + Fields.abbreviate(when) + "'");
                return null;
            }
        }
    }

    /** The scalars of a list field (an absent field is an empty list); anything else is reported. */
    static List<Node.Scalar> scalars(Problems problems, Fields f, String name) {
        List<Node.Scalar> out = new ArrayList<>();
        Node node = f.node(name);
        if (node == null) {
            return out;
        }
        if (!(node instanceof Node.Sequence seq)) {
            problems.add(node, f.path(name), "expected a list, got " + node.kind());
            return out;
        }
        for (int k = 0; k < seq.items().size(); k++) {
            if (seq.items().get(k) instanceof Node.Scalar s && s.value() != null && !s.value().isBlank()) {
                out.add(s);
            } else {
                problems.add(seq.items().get(k), f.path(name) + "[" + k + "]", "expected a value, got " + seq.items().get(k).kind());
            }
        }
        return out;
    }

    /**
     * Hosts running {@code product} at {@code version} are affected (compared as versions:
     * {@code 4.4} is {@code 4.4.0}), fixed by {@code fix} ({@code <product>-<fix>}; null: unknown).
     */
    void exact(String product, String version, String fix) {
        range(product, version, null, version, fix);
    }

    /**
     * Hosts running {@code product} at a version in the range are affected: from {@code from}
     * (inclusive; null: any), up to {@code before} (exclusive) or {@code through} (inclusive); null
     * ends: none. Versions are bare ({@code 4.4.0}), made {@code <product>-<version>} here.
     */
    void range(String product, String from, String before, String through, String fix) {
        rules.add(new AffectRule(Glob.literalIgnoringCase(product.strip().toLowerCase(Locale.ROOT) + "-", true), Glob.of("*"),
                from == null ? null : hypervisor(product, from), before == null ? null : hypervisor(product, before),
                through == null ? null : hypervisor(product, through), fix == null ? null : hypervisor(product, fix), true));
        fixed(fix == null ? null : hypervisor(product, fix));
    }

    /** Whether {@code version} is a dotted version, one Ferry can compare (it starts with a digit). */
    static boolean isDotted(String version) {
        return version != null && !version.isEmpty() && Character.isDigit(version.charAt(0));
    }

    /** Whether {@code version} is a dotted version; when not, reported at {@code at}. */
    static boolean dotted(Problems problems, Node at, String field, String version) {
        if (isDotted(version)) {
            return true;
        }
        problems.add(at, field, "'" + Fields.abbreviate(String.valueOf(version)) + "' is not a version Ferry can compare with a"
                + " hypervisor's (dotted numbers, like 4.4.1)");
        return false;
    }

    /** A fix the document names: the newest is the advisory's own fixed version. */
    void fixed(String fix) {
        if (fix == null) {
            return;
        }
        Integer c = newestFix == null ? null : Versions.compare(fix, newestFix);
        if (newestFix == null || c != null && c > 0) {
            newestFix = fix;
        }
    }

    /** How many rules so far. */
    int size() {
        return rules.size();
    }

    boolean empty() {
        return rules.isEmpty();
    }

    Advisory build(String id, String title, boolean requiresReboot, Instant disclosure) {
        return new Advisory(id, title, rules, newestFix, requiresReboot, disclosure, List.of());
    }
}
