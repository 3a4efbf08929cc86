package dev.ferry.core.model;

/**
 * Orders hypervisor version strings such as {@code xen-4.4.1}: a name (everything before the first
 * digit) and dotted numbers after it. Two versions compare only when their names are equal (in
 * lower case) and both have numbers; numbers compare one by one, a missing one counting as 0. When
 * the numbers are equal, whatever follows them must be equal too ({@code xen-4.4.1-xsa108} is not
 * {@code xen-4.4.1}: they do not compare). Stateless.
 */
public final class Versions {
    private Versions() {
    }

    /** Negative, zero or positive as {@code a} is older, the same or newer than {@code b}; null when they do not compare. */
    public static Integer compare(String a, String b) {
        Parsed x = parse(a);
        Parsed y = parse(b);
        if (x == null || y == null || !x.name.equals(y.name)) {
            return null;
        }
        for (int k = 0; k < Math.max(x.numbers.length, y.numbers.length); k++) {
            long p = k < x.numbers.length ? x.numbers[k] : 0;
            long q = k < y.numbers.length ? y.numbers[k] : 0;
            if (p != q) {
                return p < q ? -1 : 1;
            }
        }
        return x.rest.equals(y.rest) ? 0 : null;
    }

    /** {@code version} is {@code fixed} or newer on the same name. */
    public static boolean atLeast(String version, String fixed) {
        if (version == null || fixed == null) {
            return false;
        }
        if (version.equals(fixed)) {
            return true;
        }
        Integer c = compare(version, fixed);
        return c != null && c >= 0;
    }

    private record Parsed(String name, long[] numbers, String rest) {
    }

    private static Parsed parse(String v) {
        if (v == null) {
            return null;
        }
        int start = 0;
        while (start < v.length() && !Character.isDigit(v.charAt(start))) {
            start++;
        }
        int end = start;
        while (end < v.length() && (Character.isDigit(v.charAt(end)) || v.charAt(end) == '.' && end + 1 < v.length()
                && Character.isDigit(v.charAt(end + 1)))) {
            end++;
        }
        if (start == end) {
            return null;
        }
        String[] parts = v.substring(start, end).split("\\.");
        long[] numbers = new long[parts.length];
        for (int k = 0; k < parts.length; k++) {
            try {
                numbers[k] = Long.parseLong(parts[k]);
            } catch (NumberFormatException e) {
                return null; // more digits than a long holds
            }
        }
        return new Parsed(v.substring(0, start).toLowerCase(java.util.Locale.ROOT), numbers,
                v.substring(end).toLowerCase(java.util.Locale.ROOT));
    }
}
