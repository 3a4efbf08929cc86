package dev.ferry.core.model;

import java.util.regex.Pattern;

/** A shell-style glob ({@code *}, {@code ?}, {@code [0-4]}) matched against a whole string. */
public record Glob(String text, Pattern pattern) {

    public static Glob of(String text) {
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
        return new Glob(text, Pattern.compile(re.toString()));
    }

    public boolean matches(String value) {
        return value != null && pattern.matcher(value).matches();
    }

    @Override
    public String toString() {
        return text;
    }
}
