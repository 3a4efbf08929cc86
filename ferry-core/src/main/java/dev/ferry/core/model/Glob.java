package dev.ferry.core.model;

import java.util.regex.Pattern;

/** A shell-style glob ({@code *}, {@code ?}, {@code [0-4]}) matched against a whole string. */
public record Glob(String text, Pattern pattern) {

    public static Glob of(String text) {
        return new Glob(text, Pattern.compile(regex(text)));
    }

    /**
     * Exactly {@code text}, or with {@code anyAfter} any string that starts with it, regardless of
     * case (the hypervisor names of advisories in standard formats); its text is {@code text},
     * followed by {@code *} with {@code anyAfter}.
     */
    public static Glob literalIgnoringCase(String text, boolean anyAfter) {
        return new Glob(anyAfter ? text + "*" : text, Pattern.compile(Pattern.quote(text) + (anyAfter ? ".*" : ""),
                Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE));
    }

    private static String regex(String text) {
        StringBuilder re = new StringBuilder();
        boolean inClass = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (inClass) {
                if (c == ']') {
                    inClass = false;
                    re.append(']');
                } else if (c == '\\' || c == '[' || c == '&') {
                    re.append('\\').append(c);
                } else {
                    re.append(c);
                }
                continue;
            }
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                case '[' -> {
                    inClass = true;
                    re.append('[');
                    if (i + 1 < text.length() && text.charAt(i + 1) == '!') {
                        re.append('^');
                        i++;
                    }
                }
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        if (inClass) {
            throw new IllegalArgumentException("unclosed [ in glob '" + text + "'");
        }
        return re.toString();
    }

    public boolean matches(String value) {
        return value != null && pattern.matcher(value).matches();
    }

    @Override
    public String toString() {
        return text;
    }
}
