package dev.ferry.formats;

/**
 * The product and version of a CPE name (and the name and version of a package URL): the formatted string of CPE 2.3
 * ({@code cpe:2.3:o:xen:xen:4.4.0:*:*:*:*:*:*:*}, backslash-escaped) or the URI of CPE 2.2
 * ({@code cpe:/o:xen:xen:4.4.0}, percent-encoded). Stateless.
 */
final class Cpe {
    private Cpe() {
    }

    /** {product, version}, version null when the CPE gives none ({@code *}, {@code -}, empty); null for another form. */
    static String[] productAndVersion(String cpe) {
        java.util.List<String> parts;
        if (cpe.startsWith("cpe:2.3:")) {
            parts = split23(cpe.substring("cpe:2.3:".length()));
            if (parts.size() != 11) {
                return null;
            }
        } else if (cpe.startsWith("cpe:/")) {
            parts = new java.util.ArrayList<>();
            for (String p : cpe.substring("cpe:/".length()).split(":", -1)) {
                try {
                    parts.add(java.net.URLDecoder.decode(p.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8));
                } catch (IllegalArgumentException e) {
                    return null;
                }
            }
            if (parts.size() < 3 || parts.size() > 7) {
                return null;
            }
        } else {
            return null;
        }
        String part = parts.get(0);
        String product = parts.get(2);
        if (!(part.equals("a") || part.equals("o") || part.equals("h")) || unset(product)) {
            return null;
        }
        String version = parts.size() > 3 && !unset(parts.get(3)) ? parts.get(3) : null;
        return new String[] {product, version};
    }

    /**
     * {name, version} of a package URL ({@code pkg:generic/xen@4.4.0?arch=x86_64}): its last path
     * segment and its version, percent-decoded; null when it has no name or no version.
     */
    static String[] purlNameAndVersion(String purl) {
        if (!purl.startsWith("pkg:")) {
            return null;
        }
        String s = purl.substring(4);
        int cut = s.indexOf('#');
        s = cut < 0 ? s : s.substring(0, cut);
        cut = s.indexOf('?');
        s = cut < 0 ? s : s.substring(0, cut);
        int at = s.lastIndexOf('@');
        if (at < 0) {
            return null;
        }
        String path = s.substring(0, at);
        String name = path.substring(path.lastIndexOf('/') + 1);
        try {
            name = java.net.URLDecoder.decode(name.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
            String version = java.net.URLDecoder.decode(s.substring(at + 1).replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
            return name.isBlank() || version.isBlank() || !path.contains("/") ? null : new String[] {name, version};
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static boolean unset(String v) {
        return v.isEmpty() || v.equals("*") || v.equals("-");
    }

    /** Splits at colons not escaped by a backslash, dropping the escapes. */
    private static java.util.List<String> split23(String s) {
        java.util.List<String> out = new java.util.ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                cur.append(s.charAt(++i));
            } else if (c == ':') {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }
}
