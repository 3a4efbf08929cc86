package dev.ferry.formats;

import java.util.ArrayList;
import java.util.List;

/**
 * Version ranges as CSAF's {@code product_version_range} writes them: a vers string
 * ({@code vers:generic/>=4.1.0|<4.4.1}) or the older vls form ({@code >=4.1.0 <4.4.1},
 * {@code <=4.4.0}), read as intervals in order: {@code >=} opens one, {@code <} or {@code <=}
 * closes it, {@code =} or a bare version is one version, {@code *} every version. Stateless.
 */
final class VersionRanges {
    private VersionRanges() {
    }

    /** One interval: from (inclusive; null: from the first) up to before (exclusive) or through (inclusive); or one exact version. */
    record Interval(String from, String before, String through, String exact) {
    }

    /** The intervals of {@code text}; an IllegalArgumentException says what cannot be read. */
    static List<Interval> parse(String text) {
        String s = text.strip();
        if (s.startsWith("vers:")) {
            int slash = s.indexOf('/');
            if (slash < 0) {
                throw new IllegalArgumentException("a vers range needs a scheme and constraints: vers:generic/>=4.1.0|<4.4.1");
            }
            s = s.substring(slash + 1);
        }
        List<String> tokens = new ArrayList<>();
        for (String t : s.split("[|,\\s]+")) {
            if (t.isEmpty()) {
                continue;
            }
            if (!tokens.isEmpty() && isOperator(tokens.get(tokens.size() - 1))) {
                tokens.set(tokens.size() - 1, tokens.get(tokens.size() - 1) + t); // ">= 4.1.0": the operator and its version
            } else {
                tokens.add(t);
            }
        }
        List<Interval> out = new ArrayList<>();
        String from = null;
        boolean open = false;
        for (String t : tokens) {
            if (t.equals("*")) {
                out.add(new Interval(null, null, null, null));
            } else if (t.startsWith(">=")) {
                from = version(t.substring(2), text);
                open = true;
            } else if (t.startsWith("<=")) {
                out.add(new Interval(open ? from : null, null, version(t.substring(2), text), null));
                open = false;
            } else if (t.startsWith("<")) {
                out.add(new Interval(open ? from : null, version(t.substring(1), text), null, null));
                open = false;
            } else if (t.startsWith(">") || t.startsWith("!=")) {
                throw new IllegalArgumentException("'" + t + "' in '" + text + "': Ferry reads >=, <, <=, = and * only");
            } else {
                out.add(new Interval(null, null, null, version(t.startsWith("=") ? t.substring(1) : t, text)));
            }
        }
        if (open) {
            out.add(new Interval(from, null, null, null));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no version in the range '" + text + "'");
        }
        return out;
    }

    private static boolean isOperator(String t) {
        return t.equals(">=") || t.equals("<=") || t.equals("<") || t.equals(">") || t.equals("=") || t.equals("!=");
    }

    private static String version(String v, String text) {
        if (!StandardAdvisory.isDotted(v)) {
            throw new IllegalArgumentException("'" + v + "' in '" + text + "' is not a dotted version");
        }
        return v;
    }
}
