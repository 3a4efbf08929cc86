package dev.ferry.formats;

import dev.ferry.core.model.WireName;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Typed, strict access to one mapping's fields. Every getter records the field as known; {@link #finish()}
 * reports the fields nobody asked for (typos), with a suggestion. Every problem names file, line and
 * field path; getters return null (or the default) after reporting, so that many problems are found
 * in one run. Not thread-safe.
 */
final class Fields {
    private static final Pattern DECIMAL = Pattern.compile("[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?");

    private final Problems problems;
    private final Node.Mapping map;
    private final String path;
    private final Set<String> known = new HashSet<>();

    /** {@code [A-Za-z0-9._-]{1,64}}, without a regex: it runs for every id of millions of items. */
    static boolean isId(String v) {
        int n = v.length();
        if (n == 0 || n > 64) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = v.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_'
                    || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /** {@code [-+]?[0-9]+}. */
    static boolean isInteger(String v) {
        int i = v.startsWith("-") || v.startsWith("+") ? 1 : 0;
        if (i == v.length()) {
            return false;
        }
        for (; i < v.length(); i++) {
            if (v.charAt(i) < '0' || v.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    Fields(Problems problems, Node.Mapping map, String path) {
        this.problems = problems;
        this.map = map;
        this.path = path;
    }

    /** Returns a Fields for a node that must be a mapping, or null after reporting. */
    static Fields of(Problems problems, Node node, String path) {
        if (node instanceof Node.Mapping m) {
            return new Fields(problems, m, path);
        }
        problems.add(node, path, "expected a mapping, got " + node.kind());
        return null;
    }

    /**
     * The mappings of a list field, each as Fields at {@code name[k]}; an absent field is an empty
     * list; anything but a list, or an item that is not a mapping, is reported ({@code what}: what the
     * list holds, for the message) and left out.
     */
    java.util.List<Fields> list(String name, String what) {
        java.util.List<Fields> out = new java.util.ArrayList<>();
        Node node = node(name);
        if (node == null) {
            return out;
        }
        if (!(node instanceof Node.Sequence seq)) {
            problems.add(node, path(name), "expected a list of " + what + ", got " + node.kind());
            return out;
        }
        for (int k = 0; k < seq.items().size(); k++) {
            Fields item = of(problems, seq.items().get(k), path(name) + "[" + k + "]");
            if (item != null) {
                out.add(item);
            }
        }
        return out;
    }

    /**
     * A field holding a mapping, as Fields at its path; null when it is absent (reported when
     * required) or is no mapping (reported).
     */
    Fields sub(String name, boolean required) {
        Node n = node(name);
        if (n == null) {
            if (required) {
                problems.add(map, path(name), "required field is missing");
            }
            return null;
        }
        return of(problems, n, path(name));
    }

    /** Where this mapping is, as problems name it ({@code migrationPolicies[0]}). */
    String at() {
        return path;
    }

    String path(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    Node.Mapping mapping() {
        return map;
    }

    int line() {
        return map.line();
    }

    /** The raw node of a field, or null when absent (the field becomes known). */
    Node node(String name) {
        known.add(name);
        return map.get(name);
    }

    private Node.Scalar scalar(String name, boolean required) {
        Node n = node(name);
        if (n == null || (n instanceof Node.Scalar s && s.value() == null)) {
            if (required) {
                problems.add(n != null ? n : map, path(name), n == null ? "required field is missing" : "must not be null");
            }
            return null;
        }
        if (n instanceof Node.Scalar s) {
            return s;
        }
        problems.add(n, path(name), "expected a single value, got " + n.kind());
        return null;
    }

    String string(String name, boolean required) {
        Node.Scalar s = scalar(name, required);
        if (s == null) {
            return null;
        }
        if (s.value().isBlank()) {
            problems.add(s, path(name), "must not be blank");
            return null;
        }
        if (s.value().length() > 1024) {
            problems.add(s, path(name), "longer than 1024 characters");
            return null;
        }
        return s.value();
    }

    /** An identifier: {@code [A-Za-z0-9._-]{1,64}}. */
    String id(String name, boolean required) {
        String v = string(name, required);
        if (v != null && !isId(v)) {
            problems.add(map.get(name), path(name),
                    "'" + abbreviate(v) + "' is not a valid id ([A-Za-z0-9._-], 1 to 64 characters)");
            return null;
        }
        return v;
    }

    Long integer(String name, long min, long max, Long dflt, boolean required) {
        Node.Scalar s = scalar(name, required);
        if (s == null) {
            return dflt;
        }
        String v = s.value().trim();
        if (!s.plain() || !isInteger(v)) {
            problems.add(s, path(name), "expected a whole number, got '" + abbreviate(s.value()) + "'");
            return dflt;
        }
        long value;
        try {
            value = Long.parseLong(v.startsWith("+") ? v.substring(1) : v);
        } catch (NumberFormatException e) {
            problems.add(s, path(name), "'" + abbreviate(v) + "' is out of range (" + min + " to " + max + ")");
            return dflt;
        }
        if (value < min || value > max) {
            problems.add(s, path(name), value + " is out of range (" + min + " to " + max + ")");
            return dflt;
        }
        return value;
    }

    Double decimal(String name, double min, double max, Double dflt, boolean required) {
        Node.Scalar s = scalar(name, required);
        if (s == null) {
            return dflt;
        }
        String v = s.value().trim();
        if (!s.plain() || !DECIMAL.matcher(v).matches()) {
            problems.add(s, path(name), "expected a number, got '" + abbreviate(s.value()) + "'");
            return dflt;
        }
        double value = Double.parseDouble(v);
        if (!Double.isFinite(value) || value < min || value > max) {
            problems.add(s, path(name), v + " is out of range (" + min + " to " + max + ")");
            return dflt;
        }
        return value;
    }

    Boolean bool(String name, Boolean dflt, boolean required) {
        Node.Scalar s = scalar(name, required);
        if (s == null) {
            return dflt;
        }
        if (s.plain()) {
            switch (s.value()) {
                case "true", "True", "TRUE" -> {
                    return true;
                }
                case "false", "False", "FALSE" -> {
                    return false;
                }
                default -> {
                }
            }
        }
        problems.add(s, path(name), "expected true or false, got '" + abbreviate(s.value()) + "'");
        return dflt;
    }

    <E extends Enum<E> & WireName> E choice(String name, Class<E> type, E dflt, boolean required) {
        Node.Scalar s = scalar(name, required);
        if (s == null) {
            return dflt;
        }
        E e = WireName.parse(type, s.value());
        if (e == null) {
            problems.add(s, path(name), "'" + abbreviate(s.value()) + "' is not one of " + WireName.choices(type));
            return dflt;
        }
        return e;
    }

    /** Reports every field that no getter asked for. */
    void finish() {
        for (Map.Entry<String, Node.Entry> e : map.entries().entrySet()) {
            if (!known.contains(e.getKey())) {
                String hint = suggestion(e.getKey());
                problems.add(e.getValue().key(), path(e.getKey()),
                        "unknown field" + (hint == null ? "" : " (did you mean '" + hint + "'?)"));
            }
        }
    }

    private String suggestion(String unknown) {
        String best = null;
        int bestDistance = 3;
        for (String k : known) {
            int d = distance(unknown.toLowerCase(java.util.Locale.ROOT), k.toLowerCase(java.util.Locale.ROOT));
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return best;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    static String abbreviate(String s) {
        String clean = s.replaceAll("\\p{Cntrl}", "?");
        return clean.length() > 40 ? clean.substring(0, 40) + "…" : clean;
    }
}
