package dev.ferry.formats;

import dev.ferry.core.model.Advisory;
import dev.ferry.core.model.AffectRule;
import dev.ferry.core.model.Glob;
import dev.ferry.core.model.Versions;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads an advisory, strictly: {@code advisory.yaml} (advisory/v1, docs/formats.md; JSON too), or a
 * CSAF 2.0, OSV or CVE JSON 5 document, told apart by content. Thread-safe (stateless).
 */
public final class AdvisoryReader {
    static final long MAX_BYTES = 1L << 20;

    public Advisory read(Path path) throws InvalidInputException {
        return read(Source.of(path));
    }

    /**
     * Reads a file or bytes (a request body, a stored document); problems carry the source's name.
     * The format is told by the content: advisory/v1 (its {@code ferry:} header), or a CSAF 2.0,
     * OSV or CVE JSON 5 document ({@link StandardAdvisory}).
     */
    public Advisory read(Source source) throws InvalidInputException {
        Problems problems = new Problems(source.name());
        Fields f = SingleMapping.top(source, MAX_BYTES, problems);
        if (f == null) {
            problems.throwIfAny();
        }
        StandardAdvisory.Format format = StandardAdvisory.detect(f.mapping());
        if (format != null) {
            Advisory a = switch (format) {
                case CSAF -> CsafAdvisoryReader.read(f, problems);
                case OSV -> OsvAdvisoryReader.read(f, problems);
                case CVE -> CveAdvisoryReader.read(f, problems);
            };
            problems.throwIfAny();
            return a;
        }
        SingleMapping.header(f, problems, "advisory/v1", StandardAdvisory.NOT_STANDARD);
        String id = f.id("id", true);
        String title = f.string("title", false);
        List<AffectRule> rules = new ArrayList<>();
        Node affects = f.node("affects");
        if (affects == null) {
            problems.add(1, 0, "affects", "required field is missing");
        } else if (affects instanceof Node.Sequence seq) {
            if (seq.items().isEmpty()) {
                problems.add(affects, "affects", "needs at least one rule");
            }
            for (int r = 0; r < seq.items().size(); r++) {
                Fields rule = Fields.of(problems, seq.items().get(r), "affects[" + r + "]");
                if (rule == null) {
                    continue;
                }
                Glob hv = glob(problems, rule, "hypervisor", true);
                Glob cpu = glob(problems, rule, "cpuModel", false);
                rule.finish();
                if (hv != null) {
                    rules.add(new AffectRule(hv, cpu == null ? Glob.of("*") : cpu));
                }
            }
        } else {
            problems.add(affects, "affects", "expected a list of rules, got " + affects.kind());
        }
        List<Advisory.FixedIn> fixedIn = new ArrayList<>();
        String fixed = f.node("fixedVersion") instanceof Node.Sequence seq ? branches(problems, seq, fixedIn)
                : f.string("fixedVersion", false);
        Boolean reboot = f.bool("requiresReboot", true, false);
        Instant disclosure = null;
        String when = f.string("disclosure", false);
        if (when != null) {
            try {
                disclosure = OffsetDateTime.parse(when).toInstant();
            } catch (DateTimeParseException e) {
                problems.add(f.node("disclosure"), "disclosure", "expected an ISO-8601 time with offset like "
                        + "2014-10-01T12:00:00Z, got '" + Fields.abbreviate(when) + "'");
            }
        }
        f.finish();
        problems.throwIfAny();
        return new Advisory(id, title, rules, fixed, reboot, disclosure, fixedIn);
    }

    /**
     * {@code fixedVersion} as a list of {@code {branch, version}}: each branch's fix, first match
     * wins; returns the newest of them, the fix for hosts on a branch the list does not name.
     */
    private static String branches(Problems problems, Node.Sequence seq, List<Advisory.FixedIn> out) {
        if (seq.items().isEmpty()) {
            problems.add(seq, "fixedVersion", "needs at least one {branch, version}, or one version");
        }
        String newest = null;
        for (int k = 0; k < seq.items().size(); k++) {
            Fields e = Fields.of(problems, seq.items().get(k), "fixedVersion[" + k + "]");
            if (e == null) {
                continue;
            }
            Glob branch = glob(problems, e, "branch", true);
            String version = e.string("version", true);
            e.finish();
            if (branch == null || version == null) {
                continue;
            }
            out.add(new Advisory.FixedIn(branch, version));
            Integer c = newest == null ? null : Versions.compare(version, newest);
            if (newest == null || c != null && c > 0) {
                newest = version;
            }
        }
        return newest;
    }

    private static Glob glob(Problems problems, Fields rule, String name, boolean required) {
        String text = rule.string(name, required);
        if (text == null) {
            return null;
        }
        try {
            return Glob.of(text);
        } catch (IllegalArgumentException e) {
            problems.add(rule.node(name), rule.path(name), e.getMessage());
            return null;
        }
    }
}
